package lsms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/bdd"
)

// checkDB checks that the database is back in WAL mode, with its route
// index, and intact.
func checkDB(t *testing.T, s *Store) {
	t.Helper()
	var mode string
	if err := s.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal mode %q, %v", mode, err)
	}
	var (
		id, parent, unused int
		plan               string
	)
	if err := s.db.QueryRow(`EXPLAIN QUERY PLAN SELECT id FROM routes WHERE hash = 1`).Scan(&id, &parent, &unused, &plan); err != nil || !strings.Contains(plan, "routes_hash") {
		t.Errorf("routes are looked up with %q (%v), not the route index", plan, err)
	}
	rows, err := s.db.Query(`PRAGMA integrity_check`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var ok string
		if rows.Scan(&ok); ok != "ok" {
			t.Errorf("integrity check: %s", ok)
		}
	}
	if err := rows.Err(); err != nil {
		t.Error(err)
	}
}

func openTestStore(t testing.TB) *Store {
	t.Helper()
	s, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestAppendRouteMatchesEncodingJSON(t *testing.T) {
	for i := 0; i < 2000; i++ {
		r := bddGen{dpc: i%2 == 0, perSV: i%3 != 0}.sv(i)
		if i%7 == 0 {
			r.SVType, r.NewSPID = "", ""
		}
		if i%5 == 0 {
			r.CNAM.SSN = i % 256
		}
		got := appendRoute(nil, r.NewSPID, r.LRN, r.SVType, &r.CLASS, &r.LIDB, &r.CNAM, &r.ISVM, &r.WSMSC)
		want, _ := json.Marshal(r.Route())
		if !bytes.Equal(got, want) {
			t.Fatalf("record %d:\n got %s\nwant %s", i, got, want)
		}
		var back npac.Route
		if err := json.Unmarshal(got, &back); err != nil || !reflect.DeepEqual(&back, r.Route()) {
			t.Fatalf("record %d: %v %+v", i, err, back)
		}
	}
}

func TestLoadBDD(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	// Something to replace: a full image at seq 40 with a TN the file
	// does not have.
	im, err := s.BeginImage(ctx, 40)
	if err != nil {
		t.Fatal(err)
	}
	im.Add(&npac.Message{Seq: 1, Kind: npac.MsgSV, TN: "2022220000", Route: &npac.Route{Ported: true, SPID: "OLD1", LRN: "2022220001"}})
	if err := im.Finish(); err != nil {
		t.Fatal(err)
	}

	const n = 3000
	var buf bytes.Buffer
	g := bddGen{dpc: true}
	g.write(t, &buf, n)
	// A delta's delete of SV 5 and its block, a re-add of SV 6 with new
	// data, network data the LSMS skips, and an LRN.
	bw := bdd.NewWriter(&buf)
	del := g.sv(5)
	del.DownloadReason = bdd.ReasonDelete
	mod := g.sv(6)
	mod.LRN, mod.DownloadReason = npac.LRN(string(mod.TN[:6])+"0999"), bdd.ReasonModified
	at := time.Unix(1000000000, 0).UTC()
	for _, err := range []error{
		bw.WriteSV(&del), bw.WriteSV(&mod),
		bw.WriteBlock(&bdd.BlockRecord{BlockID: 1, NPANXXX: npac.NPANXXX(genCode(0) + "9"), DownloadReason: bdd.ReasonDelete}),
		bw.WriteSPID(&bdd.SPIDRecord{SPID: "S123", Name: "Example", Type: npac.ProviderWireless}),
		bw.WriteCodeX(&bdd.CodeXRecord{SPID: "P123", ID: 1, NPANXXX: "2022229", CreatedAt: at, EffectiveDate: at}),
		bw.WriteLRN(&bdd.LRNRecord{SPID: "S123", ID: 1, LRN: "2022220001", CreatedAt: at}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	bw.Flush()

	var calls []int64
	got, err := s.LoadBDD(ctx, bytes.NewReader(buf.Bytes()), func(n int64) { calls = append(calls, n) })
	codes, blocks := (n+399)/400, (n+3999)/4000
	if want := int64(n + codes + blocks + 4); err != nil || got != want {
		t.Fatalf("loaded %d, %v; want %d", got, err, want)
	}
	if len(calls) == 0 || calls[len(calls)-1] != got {
		t.Fatalf("progress calls %v", calls)
	}
	if seq, synced, err := s.LastSeq(ctx); seq != 0 || synced || err != nil {
		t.Fatalf("LastSeq %d %v %v", seq, synced, err)
	}
	if recs, when, err := s.BDDLoaded(ctx); recs != got || time.Since(when) > time.Minute || err != nil {
		t.Fatalf("BDDLoaded %d %v %v", recs, when, err)
	}

	want := map[npac.TN]*npac.Route{}
	for i := 0; i < n; i++ {
		r := g.sv(i)
		want[r.TN] = r.Route()
	}
	delete(want, del.TN)
	want[mod.TN] = mod.Route()
	// Each route of the file's SV records is stored once, those of
	// records that later ones replaced or deleted included; the route of
	// the image the load replaced is gone.
	distinct := map[string]bool{}
	for i := 0; i <= n; i++ {
		r := mod
		if i < n {
			r = g.sv(i)
		}
		data, _ := json.Marshal(r.Route())
		distinct[string(data)] = true
	}
	if got := countRoutes(t, s); got != len(distinct) || got > n/5 {
		t.Errorf("%d routes stored, want %d (for %d SVs)", got, len(distinct), n)
	}
	seen := 0
	if err := s.Dump(ctx, func(tn npac.TN, r *npac.Route) error {
		seen++
		if !reflect.DeepEqual(r, want[tn]) {
			return fmt.Errorf("%s: %+v, want %+v", tn, r, want[tn])
		}
		return nil
	}); err != nil || seen != len(want) {
		t.Fatalf("dump: %d routes (want %d): %v", seen, len(want), err)
	}
	nb := 0
	s.DumpBlocks(ctx, func(b npac.NPANXXX, r *npac.Route) error {
		nb++
		if r.SPID != "P123" || r.CLASS == nil || r.CLASS.DPC != "001-002-003" {
			t.Errorf("block %s: %+v", b, r)
		}
		return nil
	})
	var nc int
	s.Each(ctx, func(c Change) {
		if c.Code != "" {
			nc++
		}
	})
	var nl int
	s.db.QueryRow(`SELECT count(*) FROM lrns`).Scan(&nl)
	if nb != blocks-1 || nc != codes || nl != 1 {
		t.Fatalf("%d blocks, %d codes, %d LRNs", nb, nc, nl)
	}

	checkDB(t, s)

	// An agent answers dips from the loaded copy, not yet synced.
	a := &Agent{Store: s}
	if err := a.Load(ctx); err != nil {
		t.Fatal(err)
	}
	r7 := g.sv(7)
	if r, ok := a.Resolve(r7.TN); !ok || !reflect.DeepEqual(r, r7.Route()) || a.Ready() {
		t.Fatalf("resolve %s: %+v %v ready=%v", r7.TN, r, ok, a.Ready())
	}
	if r, ok := a.Resolve(npac.TN(genCode(1) + "0001")); !ok || r.Ported || r.SPID != "H101" {
		t.Fatalf("code holder route: %+v %v", r, ok)
	}

	// MarkImage makes it an image at a head.
	if err := s.MarkImage(ctx, 99); err != nil {
		t.Fatal(err)
	}
	if seq, synced, _ := s.LastSeq(ctx); seq != 99 || !synced {
		t.Fatalf("LastSeq %d %v", seq, synced)
	}
}

// TestLoadBDDRouteCacheFull loads more distinct routes than the loader
// remembers: the TNs get their routes all the same, some routes in two
// rows, and the stream then finds them.
func TestLoadBDDRouteCacheFull(t *testing.T) {
	defer func(n int) { routeCache = n }(routeCache)
	routeCache = 100
	ctx := context.Background()
	s := openTestStore(t)
	g := bddGen{dpc: true}
	const n = 3000
	var buf bytes.Buffer
	g.write(t, &buf, n)
	if _, err := s.LoadBDD(ctx, &buf, nil); err != nil {
		t.Fatal(err)
	}
	checkDB(t, s)
	want, distinct := map[npac.TN]npac.Route{}, map[string]bool{}
	for i := range n {
		sv := g.sv(i)
		r := sv.Route()
		want[sv.TN] = *r
		data, _ := json.Marshal(r)
		distinct[string(data)] = true
	}
	got, _ := dump(t, s)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("TN routes (-want +got):\n%s", diff)
	}
	stored := countRoutes(t, s)
	if len(distinct) <= routeCache || stored < len(distinct) {
		t.Fatalf("%d routes stored, %d distinct (more than %d wanted)", stored, len(distinct), routeCache)
	}
	// A broadcast giving TNs those routes adds no row.
	var msgs []*npac.Message
	for i := range 400 {
		sv := g.sv(i * 7)
		tn := npac.TN(fmt.Sprintf("2015552%03d", i))
		msgs = append(msgs, &npac.Message{Seq: int64(i + 1), Kind: npac.MsgSV, TN: tn, Route: sv.Route()})
		want[tn] = *sv.Route()
	}
	if _, _, err := s.Apply(ctx, msgs); err != nil {
		t.Fatal(err)
	}
	got, _ = dump(t, s)
	if diff := cmp.Diff(want, got); diff != "" || countRoutes(t, s) != stored {
		t.Errorf("after the broadcast %d routes stored (want %d); TN routes (-want +got):\n%s", countRoutes(t, s), stored, diff)
	}
}

func TestLoadBDDMalformed(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	var buf bytes.Buffer
	bddGen{}.write(t, &buf, 100)
	in := strings.Replace(buf.String(), "|S", "|s", 1) // a lower-case SPID
	n, err := s.LoadBDD(ctx, strings.NewReader(in), nil)
	var e *bdd.Error
	if !errors.As(err, &e) || !strings.Contains(err.Error(), "line 3: field 4 (new current SPID)") {
		t.Fatalf("after %d: %v", n, err)
	}
	if recs, _, _ := s.BDDLoaded(ctx); recs != 0 {
		t.Fatalf("a failed load is marked loaded (%d)", recs)
	}
	if _, synced, _ := s.LastSeq(ctx); synced {
		t.Fatal("a failed load is marked synced")
	}
	checkDB(t, s)
	// The load is restartable.
	if n, err := s.LoadBDD(ctx, bytes.NewReader(buf.Bytes()), nil); err != nil || n != 100+1+1 {
		t.Fatalf("reload: %d %v", n, err)
	}
}

func TestLoadBDDCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := openTestStore(t)
	var buf bytes.Buffer
	bddGen{}.write(t, &buf, 250_000)
	_, err := s.LoadBDD(ctx, &buf, func(int64) { cancel() })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	if recs, _, _ := s.BDDLoaded(context.Background()); recs != 0 {
		t.Fatal("a canceled load is marked loaded")
	}
	checkDB(t, s)
	// What the canceled load kept (its first transaction) is whole:
	// every TN's route is there.
	var n, dangling int
	if err := s.db.QueryRow(`SELECT count(*), count(*) FILTER (WHERE route NOT IN (SELECT id FROM routes)) FROM tns`).Scan(&n, &dangling); err != nil || n == 0 || dangling != 0 {
		t.Fatalf("%d of %d TNs point to no route (%v)", dangling, n, err)
	}
	dumped := 0
	if err := s.Dump(context.Background(), func(npac.TN, *npac.Route) error { dumped++; return nil }); err != nil || dumped != n {
		t.Fatalf("dumped %d of %d TNs: %v", dumped, n, err)
	}
	t.Logf("%d TNs kept from the canceled load", n)
}
