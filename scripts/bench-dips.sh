#!/usr/bin/env bash
# LNP dips side by side (docs/performance.md): one run of
# internal/dipbench over one synthetic data set, measuring
#   - routeindex.Resolve and a plain Go map, in process (tight loops);
#   - HTTP GET /lnp/v1/{tn} and SIP INVITE→302 over UDP, both served from
#     a routeindex by a separate process on 127.0.0.1;
#   - the same data in Redis (GET) and in PostgreSQL (indexed SELECT);
# with dips/s, p50/p99/p99.9, load times and bytes per TN, printed as one
# Markdown table (also saved under $OUT, default /tmp/bench-dips-*.md).
#
# Usage: scripts/bench-dips.sh [dipbench flags...]
#   TNS=1000000 DURATION=10s WARMUP=1s CONCURRENCY=32 are the defaults;
#   WAIT_QUIET=10 WAIT_QUIET_MAX=3m: before each row, wait up to 3 minutes
#   for processes outside the benchmark to use under 10% of a core (the
#   machine is shared; WAIT_QUIET=0 turns this off), and ATTEMPTS=3:
#   measure a row again, up to 3 times in all, when other processes took
#   more than that during it, keeping the least disturbed attempt;
#   any other flag is passed on (see `go run ./internal/dipbench -h`),
#   e.g. scripts/bench-dips.sh -targets http,sip
#   REDIS_ADDR=127.0.0.1:6379 and
#   PG_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable name the
#   servers. When they are the local defaults and not up, the script
#   starts them the way the project's machines do.
#
# What it writes, and removes at the end (dipbench cleans up itself; this
# script cleans again in case dipbench was killed): Redis keys dipbench:*
# (SCAN + UNLINK, never FLUSH) and the PostgreSQL schema dipbench.
set -euo pipefail
cd "$(dirname "$0")/.."

TNS=${TNS:-1000000}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-1s}
CONCURRENCY=${CONCURRENCY:-32}
WAIT_QUIET=${WAIT_QUIET:-10}
WAIT_QUIET_MAX=${WAIT_QUIET_MAX:-3m}
ATTEMPTS=${ATTEMPTS:-3}
REDIS_ADDR=${REDIS_ADDR:-127.0.0.1:6379}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
redis_host=${REDIS_ADDR%:*}
redis_port=${REDIS_ADDR##*:}

# Services: check, and start the local defaults if they are down.
if ! redis-cli -h "$redis_host" -p "$redis_port" ping >/dev/null 2>&1; then
	if [[ $REDIS_ADDR != 127.0.0.1:6379 ]]; then
		echo "bench-dips: Redis at $REDIS_ADDR is not answering" >&2
		exit 1
	fi
	echo "bench-dips: starting Redis" >&2
	mkdir -p /var/lib/redis /var/log/redis
	redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
		--dir /var/lib/redis --logfile /var/log/redis/ci.log
	for _ in $(seq 50); do redis-cli ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
if ! psql "$PG_URL" -Atc 'SELECT 1' >/dev/null 2>&1; then
	if [[ $PG_URL != postgres://postgres@127.0.0.1:5432/* ]]; then
		echo "bench-dips: PostgreSQL at $PG_URL is not answering" >&2
		exit 1
	fi
	echo "bench-dips: starting PostgreSQL" >&2
	pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
	for _ in $(seq 100); do psql "$PG_URL" -Atc 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.1; done
fi

tmp=$(mktemp -d)
cleanup() {
	redis-cli -h "$redis_host" -p "$redis_port" --scan --pattern 'dipbench:*' |
		xargs -r -n 10000 redis-cli -h "$redis_host" -p "$redis_port" unlink >/dev/null || true
	psql "$PG_URL" -qc 'DROP SCHEMA IF EXISTS dipbench CASCADE' >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/dipbench" ./internal/dipbench
OUT=${OUT:-/tmp/bench-dips-$(date -u +%Y%m%dT%H%M%SZ).md}
args=(-tns "$TNS" -duration "$DURATION" -warmup "$WARMUP" -concurrency "$CONCURRENCY"
	-wait-quiet "$WAIT_QUIET" -wait-quiet-max "$WAIT_QUIET_MAX" -attempts "$ATTEMPTS"
	-redis "$REDIS_ADDR" -postgres "$PG_URL" "$@")
echo "bench-dips: dipbench ${args[*]}" >&2
script_cmd="scripts/bench-dips.sh"
for a in "$@"; do script_cmd+=" $(printf '%q' "$a")"; done
DIPBENCH_SCRIPT="$script_cmd" DIPBENCH_CMD="go run ./internal/dipbench" "$tmp/dipbench" "${args[@]}" | tee "$OUT"
echo "bench-dips: report saved to $OUT" >&2
