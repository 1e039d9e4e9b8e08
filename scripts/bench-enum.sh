#!/usr/bin/env bash
# bench-enum.sh: ENUM dips per second, OpenNPAC's enum.Server against NSD,
# on the same 1,000,000 NANP numbers, on this machine (docs/performance.md).
#
# Everything runs on 127.0.0.1. The script:
#  1. installs nsd, dnsperf and dig (dnsutils) with apt-get if one is
#     missing (it needs root for that);
#  2. builds enum/internal/enumbench and with it generates the numbers:
#     NPA-NXX 613-200 through 613-299, every line number, every third
#     number ported to one of ten LRNs. They become a static NSD zone for
#     e164.arpa. holding the records enum.Server answers with (SOA, NS, one
#     NAPTR per number, TTL 0), and 200,000 NAPTR queries for dnsperf, for
#     numbers drawn at random with a fixed seed;
#  3. starts `enumbench serve`, which loads the numbers into a routeindex
#     as an LSMS holds them (100 code holders, 333,334 ported TNs) and
#     serves them with enum.Server; and NSD, in the foreground (`nsd -d`)
#     with its configuration, zone and state in a temporary directory,
#     server-count = NSD_SERVERS (1, NSD's default) and minimal-responses
#     (so that both send the same answers, of the same size). Each is timed
#     from its start to its first correct answer (dig, polled every 0.1 s);
#  4. runs the same dnsperf command against each, alternately, ROUNDS
#     times:
#        dnsperf -s 127.0.0.1 -p PORT -d QUERIES -c 4 -T 1 -l 20 -v
#     dnsperf 2.10 reports only the average, minimum and maximum latency,
#     and has no percentile or histogram option; -v makes it print each
#     response's latency, from which the script computes p50 and p99 (to
#     the microsecond; a query that timed out counts as slower than any
#     answer). It reads each server's CPU time (utime+stime of all its
#     processes, from /proc) before and after, for CPU µs per query;
#  5. reads each server's memory from /proc after loading and after the
#     runs: PSS summed over its processes, which is what it costs the
#     machine (NSD forks; its processes share the zone copy-on-write, so
#     their RSS summed counts it twice), and RSS summed for reference;
#  6. prints a table per round and a summary (medians of the rounds).
# It stops every process it started, by pid, on exit, failure or Ctrl-C.
#
# Environment: ROUNDS (3), DURATION (seconds per run, 20), CLIENTS (4),
# THREADS (1), OURS_PORT (5310), NSD_PORT (5311), NSD_SERVERS (1),
# QUERIES (200000), READY_TIMEOUT (seconds, 900), KEEP=1 keeps the work
# directory (zone, queries, logs, raw dnsperf output).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-20}
CLIENTS=${CLIENTS:-4}
THREADS=${THREADS:-1}
OURS_PORT=${OURS_PORT:-5310}
NSD_PORT=${NSD_PORT:-5311}
NSD_SERVERS=${NSD_SERVERS:-1}
QUERIES=${QUERIES:-200000}
READY_TIMEOUT=${READY_TIMEOUT:-900}
KEEP=${KEEP:-0}

# The probe both servers must answer before they count as ready: the first
# number, ported.
PROBE_NAME=0.0.0.0.0.0.2.3.1.6.1.e164.arpa.
PROBE_WANT='100 10 "u" "E2U+pstn:tel" "!^.*$!tel:+16132000000;npdi;rn=+16139990000!" .'

work=$(mktemp -d /tmp/bench-enum.XXXXXX)
started=() # pids this script started

# tree PID: PID and its descendants, from /proc.
tree() {
  local pids=("$1") i=0 p c
  while [ $i -lt ${#pids[@]} ]; do
    p=${pids[$i]}
    for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do pids+=("$c"); done
    i=$((i + 1))
  done
  echo "${pids[@]}"
}

cleanup() {
  local rc=$? pid all=()
  trap - EXIT INT TERM
  for pid in "${started[@]}"; do
    kill -0 "$pid" 2>/dev/null && all+=($(tree "$pid"))
  done
  if [ ${#all[@]} -gt 0 ]; then
    kill -TERM "${all[@]}" 2>/dev/null || true
    for _ in $(seq 1 50); do
      local alive=0
      for pid in "${all[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
      [ $alive = 0 ] && break
      sleep 0.1
    done
    for pid in "${all[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  fi
  if [ "$KEEP" = 1 ]; then
    echo "work directory kept: $work" >&2
  else
    rm -rf "$work"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "bench-enum: $*" >&2; exit 1; }

# 1. Tools.
if ! command -v nsd >/dev/null || ! command -v dnsperf >/dev/null || ! command -v dig >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nsd dnsperf dnsutils >/dev/null
fi

# 2. The numbers.
go build -o "$work/enumbench" ./enum/internal/enumbench
"$work/enumbench" gen -zone "$work/e164.arpa.zone" -queries "$work/queries" -n "$QUERIES"

# now: seconds since the epoch, with nanoseconds.
now() { date +%s.%N; }

# wait_ready NAME PORT PID START: waits for the probe's answer, prints the
# seconds since START.
wait_ready() {
  local name=$1 port=$2 pid=$3 start=$4 deadline got
  deadline=$(echo "$start + $READY_TIMEOUT" | bc)
  while :; do
    kill -0 "$pid" 2>/dev/null || die "$name exited before answering; see its log in $work (KEEP=1 keeps it)"
    got=$(dig @127.0.0.1 -p "$port" +time=1 +tries=1 +short "$PROBE_NAME" NAPTR 2>/dev/null || true)
    [ "$got" = "$PROBE_WANT" ] && break
    [ "$(echo "$(now) > $deadline" | bc)" = 1 ] && die "$name did not answer within ${READY_TIMEOUT}s"
    sleep 0.1
  done
  printf '%.2f' "$(echo "$(now) - $start" | bc)"
}

# mem PID: "PSS RSS" in MiB, summed over PID and its descendants.
mem() {
  local pss=0 rss=0 p v
  for p in $(tree "$1"); do
    v=$(awk '/^Pss:/ {print $2}' /proc/"$p"/smaps_rollup 2>/dev/null || echo 0)
    pss=$((pss + ${v:-0}))
    v=$(awk '/^VmRSS:/ {print $2}' /proc/"$p"/status 2>/dev/null || echo 0)
    rss=$((rss + ${v:-0}))
  done
  echo "$((pss / 1024)) $((rss / 1024))"
}

# cputicks PID: utime+stime of PID and its descendants, in clock ticks.
cputicks() {
  local t=0 p v
  for p in $(tree "$1"); do
    v=$(sed 's/.*) //' /proc/"$p"/stat 2>/dev/null | awk '{print $12 + $13}')
    t=$((t + ${v:-0}))
  done
  echo $t
}

# 3. The servers, each on a port nothing else uses: the probe must reach it.
[ "$OURS_PORT" != "$NSD_PORT" ] || die "OURS_PORT and NSD_PORT must differ"
for port in "$OURS_PORT" "$NSD_PORT"; do
  [ -z "$(ss -Hlntu "sport = :$port")" ] || die "port $port is in use: $(ss -Hlntup "sport = :$port" | head -1)"
done
t0=$(now)
"$work/enumbench" serve -addr "127.0.0.1:$OURS_PORT" >"$work/ours.log" 2>&1 &
ours=$!
started+=("$ours")
ours_ready=$(wait_ready "enum.Server" "$OURS_PORT" "$ours" "$t0")
read -r ours_pss_load ours_rss_load <<<"$(mem "$ours")"

cat >"$work/nsd.conf" <<EOF
server:
    ip-address: 127.0.0.1
    port: $NSD_PORT
    do-ip6: no
    server-count: $NSD_SERVERS
    reuseport: $([ "$NSD_SERVERS" -gt 1 ] && echo yes || echo no)
    minimal-responses: yes
    username: ""
    chroot: ""
    zonesdir: "$work"
    database: ""
    zonelistfile: "$work/zone.list"
    xfrdfile: "$work/xfrd.state"
    pidfile: "$work/nsd.pid"
    logfile: "$work/nsd.log"
    verbosity: 1
remote-control:
    control-enable: no
zone:
    name: "e164.arpa."
    zonefile: "e164.arpa.zone"
EOF
t0=$(now)
nsd -d -c "$work/nsd.conf" >"$work/nsd.out" 2>&1 &
nsdpid=$!
started+=("$nsdpid")
nsd_ready=$(wait_ready "NSD" "$NSD_PORT" "$nsdpid" "$t0")
read -r nsd_pss_load nsd_rss_load <<<"$(mem "$nsdpid")"

# 4. The runs.
tick=$(getconf CLK_TCK)
# run NAME PORT PID ROUND: one dnsperf run; appends a result line to
# $work/results: name round qps completed lost p50_ms p99_ms avg_ms cpu_us.
run() {
  local name=$1 port=$2 pid=$3 round=$4 out=$work/dnsperf.$1.$4 c0 c1
  c0=$(cputicks "$pid")
  # In the background, so that a signal stops the script at once.
  dnsperf -s 127.0.0.1 -p "$port" -d "$work/queries" -c "$CLIENTS" -T "$THREADS" -l "$DURATION" -v >"$out" 2>&1 &
  started+=($!)
  wait $! || die "dnsperf against $name failed: $(tail -5 "$out")"
  c1=$(cputicks "$pid")
  awk -v name="$name" -v round="$round" -v cpu=$((c1 - c0)) -v tick="$tick" '
    $1 == ">" && ($2 == "T" || $2 == "I") { timeouts++; next }
    $1 == ">" { us = int($NF * 1e6 + 0.5); h[us]++; n++; if (us > max) max = us; next }
    /Queries completed:/ { completed = $3 }
    /Queries lost:/ { lost = $3 }
    /Queries per second:/ { qps = $4 }
    /Average Latency/ { avg = $4 }
    function pct(p,   want, c, i) {
      want = p * (n + timeouts)
      if (want > n) return "inf"
      c = 0
      for (i = 0; i <= max; i++) { c += h[i]; if (c >= want) return sprintf("%.3f", i / 1000) }
    }
    END {
      printf "%s %s %d %d %d %s %s %.3f %.2f\n", name, round, qps, completed, lost, pct(0.50), pct(0.99), avg * 1000,
        completed ? cpu * 1e6 / tick / completed : 0
    }' "$out" >>"$work/results"
}

echo "== ENUM benchmark: enum.Server vs NSD, 1,000,000 numbers, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(free -g | awk '/Mem:/ {print $2}') GiB, Linux $(uname -r)"
echo "versions: $(nsd -v 2>&1 | head -1), dnsperf $(dnsperf -h 2>&1 | awk '/^Version/ {print $2}'), $(go version | awk '{print $3}')"
echo "dnsperf: dnsperf -s 127.0.0.1 -p PORT -d queries -c $CLIENTS -T $THREADS -l $DURATION -v  ($QUERIES queries, NAPTR, random numbers)"
echo "NSD: server-count $NSD_SERVERS, minimal-responses yes"
echo
for r in $(seq 1 "$ROUNDS"); do
  run NSD "$NSD_PORT" "$nsdpid" "$r"
  run enum.Server "$OURS_PORT" "$ours" "$r"
done
read -r ours_pss ours_rss <<<"$(mem "$ours")"
read -r nsd_pss nsd_rss <<<"$(mem "$nsdpid")"

# 6. The tables.
echo "| round | server | queries/s | lost | p50 ms | p99 ms | avg ms | server CPU µs/query |"
echo "|---|---|---|---|---|---|---|---|"
awk '{printf "| %s | %s | %d | %d | %s | %s | %s | %s |\n", $2, $1, $3, $5, $6, $7, $8, $9}' "$work/results"
echo

# median NAME FIELD: the median of a results column for NAME.
median() {
  awk -v name="$1" -v f="$2" '$1 == name {print $f}' "$work/results" | sort -g |
    awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
nq=$(median NSD 3); oq=$(median enum.Server 3)
echo "| median of $ROUNDS rounds | NSD $(nsd -v 2>&1 | awk '{print $NF; exit}') | enum.Server |"
echo "|---|---|---|"
echo "| queries/s | $nq | $oq |"
echo "| p50 latency, ms | $(median NSD 6) | $(median enum.Server 6) |"
echo "| p99 latency, ms | $(median NSD 7) | $(median enum.Server 7) |"
echo "| server CPU per query, µs | $(median NSD 9) | $(median enum.Server 9) |"
echo "| RAM after loading, PSS (RSS), MiB | $nsd_pss_load ($nsd_rss_load) | $ours_pss_load ($ours_rss_load) |"
echo "| RAM after the runs, PSS (RSS), MiB | $nsd_pss ($nsd_rss) | $ours_pss ($ours_rss) |"
echo "| start to first answer, s | $nsd_ready | $ours_ready |"
echo
wins=$(awk '$1 == "NSD" {n[$2] = $3} $1 == "enum.Server" {o[$2] = $3} END {w = 0; for (r in n) if (o[r] >= n[r]) w++; print w}' "$work/results")
echo "enum.Server answered at least NSD's queries/s in $wins of $ROUNDS rounds;" \
  "its worst p99 was $(awk '$1 == "enum.Server" {print $7}' "$work/results" | sort -g | tail -1) ms;" \
  "its RAM (PSS after the runs) is $(echo "scale=3; $ours_pss / ($nsd_pss + ($nsd_pss == 0))" | bc) of NSD's."
