package lsms

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	npac "github.com/opennpac/npac"
)

// countRoutes returns how many routes rows the store holds.
func countRoutes(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM routes`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// dump returns the store's TN routes, and how many distinct *npac.Route
// values Dump gave.
func dump(t *testing.T, s *Store) (map[npac.TN]npac.Route, int) {
	t.Helper()
	out, ptrs := map[npac.TN]npac.Route{}, map[*npac.Route]bool{}
	if err := s.Dump(context.Background(), func(tn npac.TN, r *npac.Route) error {
		out[tn], ptrs[r] = *r, true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out, len(ptrs)
}

func ssn(n int) *int { return &n }

var (
	routeA = &npac.Route{Ported: true, SPID: "S101", LRN: "2015550000", SVType: npac.SVWireline,
		CLASS: &npac.SignalingPoint{DPC: "001-002-003", SSN: ssn(0)}, LIDB: &npac.SignalingPoint{DPC: "001-002-004", SSN: ssn(0)}}
	routeB = &npac.Route{Ported: true, SPID: "S102", LRN: "2015560000", SVType: npac.SVWireless,
		WSMSC: &npac.SignalingPoint{DPC: "002-002-002", SSN: ssn(8)}}
	routeC = &npac.Route{Ported: true, SPID: "S103", LRN: "2015570000"}
)

// openLayout0 writes a store of the first layout (one JSON route per TN)
// in dir, as an earlier npac left it: an image at sequence 17 with three
// ported TNs over two routes, a block, a code, an LRN and a split alias.
func openLayout0(t *testing.T, dir string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "lsms.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	enc := func(r *npac.Route) string {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{sql: `CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID`},
		{sql: `CREATE TABLE routes (tn TEXT PRIMARY KEY, seq INTEGER NOT NULL, data TEXT NOT NULL) WITHOUT ROWID`},
		{sql: `CREATE TABLE codes (npanxx TEXT PRIMARY KEY, spid TEXT NOT NULL, region TEXT NOT NULL, data TEXT NOT NULL) WITHOUT ROWID`},
		{sql: `CREATE TABLE lrns (lrn TEXT PRIMARY KEY, spid TEXT NOT NULL, region TEXT NOT NULL) WITHOUT ROWID`},
		{sql: `CREATE TABLE blocks (npanxxx TEXT PRIMARY KEY, seq INTEGER NOT NULL, data TEXT NOT NULL) WITHOUT ROWID`},
		{sql: `CREATE TABLE aliases (old_code TEXT PRIMARY KEY, new_code TEXT NOT NULL) WITHOUT ROWID`},
		{`INSERT INTO state VALUES ('last_seq', '17'), ('image_complete', '1')`, nil},
		{`INSERT INTO routes VALUES (?, 3, ?), (?, 5, ?), (?, 9, ?)`, []any{"2015550100", enc(routeA), "2015550101", enc(routeB), "2015550102", enc(routeA)}},
		{`INSERT INTO codes VALUES ('201555', 'S100', 'NE', '{}')`, nil},
		{`INSERT INTO lrns VALUES ('2015550000', 'S101', 'NE')`, nil},
		{`INSERT INTO blocks VALUES ('2015559', 7, ?)`, []any{enc(routeC)}},
		{`INSERT INTO aliases VALUES ('908555', '201555')`, nil},
	} {
		if _, err := db.Exec(q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
}

func TestMigrateLayout0(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	openLayout0(t, dir)
	want := map[npac.TN]npac.Route{"2015550100": *routeA, "2015550101": *routeB, "2015550102": *routeA}
	for round := range 2 { // migrating, then opening a migrated store
		s, err := OpenStore(dir)
		if err != nil {
			t.Fatal(err)
		}
		var version int
		var oldTables int
		s.db.QueryRow(`PRAGMA user_version`).Scan(&version)
		s.db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name = 'routes_v0'`).Scan(&oldTables)
		if version != schemaVersion || oldTables != 0 {
			t.Errorf("round %d: layout %d, %d old tables left", round, version, oldTables)
		}
		got, decoded := dump(t, s)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("round %d: TN routes after migration (-want +got):\n%s", round, diff)
		}
		if n := countRoutes(t, s); n != 2 || decoded != 2 {
			t.Errorf("round %d: %d routes stored, %d decoded; want 2", round, n, decoded)
		}
		if seq, synced, err := s.LastSeq(ctx); seq != 17+int64(round) || !synced || err != nil {
			t.Errorf("round %d: LastSeq %d %v %v", round, seq, synced, err)
		}
		var blocks []npac.Route
		s.DumpBlocks(ctx, func(b npac.NPANXXX, r *npac.Route) error { blocks = append(blocks, *r); return nil })
		if al, err := s.Aliases(ctx); err != nil || al["908555"] != "201555" || len(blocks) != 1 || !reflect.DeepEqual(&blocks[0], routeC) {
			t.Errorf("round %d: aliases %v (%v), blocks %+v", round, al, err, blocks)
		}
		var holders []Change
		s.Each(ctx, func(c Change) {
			if c.Code != "" {
				holders = append(holders, c)
			}
		})
		if len(holders) != 1 || holders[0].Code != "201555" || holders[0].Holder != "S100" {
			t.Errorf("round %d: codes %+v", round, holders)
		}
		if round == 0 {
			// The migrated store goes on applying the stream: 17 was
			// applied, 18 is new and reuses a stored route.
			_, last, err := s.Apply(ctx, []*npac.Message{
				{Seq: 17, Kind: npac.MsgSVDelete, TN: "2015550100"},
				{Seq: 18, Kind: npac.MsgSV, TN: "2015550103", Route: routeB},
			})
			if err != nil || last != 18 {
				t.Fatalf("apply: %d %v", last, err)
			}
			want["2015550103"] = *routeB
		}
		s.Close()
	}
}

func TestOpenNewerLayout(t *testing.T) {
	dir := t.TempDir()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "lsms.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`PRAGMA user_version = 2`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := OpenStore(dir)
	if err == nil {
		s.Close()
		t.Fatal("a store of a newer layout opened")
	}
	if !strings.Contains(err.Error(), "layout 2, newer than this program's 1") {
		t.Errorf("error %q does not say the layout is newer", err)
	}
}

// TestRoutesShared applies broadcasts and an image: TNs with the same
// route share one routes row, Dump decodes each route once, and routes
// no TN has any more stay until the next image, reused when a TN gets
// them again.
func TestRoutesShared(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	var msgs []*npac.Message
	want := map[npac.TN]npac.Route{}
	for i := range 300 {
		tn := npac.TN(fmt.Sprintf("2015551%03d", i))
		r := []*npac.Route{routeA, routeB, routeC}[i%3]
		msgs = append(msgs, &npac.Message{Seq: int64(i + 1), Kind: npac.MsgSV, TN: tn, Route: r})
		want[tn] = *r
	}
	// Two transactions; the second resends the first's last message.
	for _, part := range [][]*npac.Message{msgs[:150], msgs[149:]} {
		if _, _, err := s.Apply(ctx, part); err != nil {
			t.Fatal(err)
		}
	}
	got, decoded := dump(t, s)
	if diff := cmp.Diff(want, got); diff != "" || countRoutes(t, s) != 3 || decoded != 3 {
		t.Fatalf("%d routes stored, %d decoded; diff (-want +got):\n%s", countRoutes(t, s), decoded, diff)
	}

	// Every routeC TN moves to a new route, and the routeB ones go.
	var next []*npac.Message
	seq := int64(300)
	for _, m := range msgs {
		seq++
		switch m.Route {
		case routeB:
			next = append(next, &npac.Message{Seq: seq, Kind: npac.MsgSVDelete, TN: m.TN})
			delete(want, m.TN)
		case routeC:
			moved := *routeC
			moved.LRN = "2015580000"
			next = append(next, &npac.Message{Seq: seq, Kind: npac.MsgSV, TN: m.TN, Route: &moved})
			want[m.TN] = moved
		}
	}
	// And one TN gets routeB again: the kept row serves it.
	seq++
	next = append(next, &npac.Message{Seq: seq, Kind: npac.MsgSV, TN: "2015552000", Route: routeB})
	want["2015552000"] = *routeB
	if _, _, err := s.Apply(ctx, next); err != nil {
		t.Fatal(err)
	}
	got, decoded = dump(t, s)
	if diff := cmp.Diff(want, got); diff != "" || countRoutes(t, s) != 4 || decoded != 3 {
		t.Fatalf("%d routes stored, %d decoded; diff (-want +got):\n%s", countRoutes(t, s), decoded, diff)
	}

	// An image starts the table afresh.
	im, err := s.BeginImage(ctx, 900)
	if err != nil {
		t.Fatal(err)
	}
	for _, tn := range []npac.TN{"2015550001", "2015550002"} {
		if err := im.Add(&npac.Message{Kind: npac.MsgSV, TN: tn, Route: routeC}); err != nil {
			t.Fatal(err)
		}
	}
	if err := im.Finish(); err != nil {
		t.Fatal(err)
	}
	got, _ = dump(t, s)
	if diff := cmp.Diff(map[npac.TN]npac.Route{"2015550001": *routeC, "2015550002": *routeC}, got); diff != "" || countRoutes(t, s) != 1 {
		t.Fatalf("after the image %d routes stored; diff (-want +got):\n%s", countRoutes(t, s), diff)
	}
}

// TestRouteHashShared gives a route the hash of a stored route's: the
// route gets a row of its own, and TNs keep their routes.
func TestRouteHashShared(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	if _, _, err := s.Apply(ctx, []*npac.Message{{Seq: 1, Kind: npac.MsgSV, TN: "2015550100", Route: routeC}}); err != nil {
		t.Fatal(err)
	}
	a, err := json.Marshal(routeA)
	if err != nil {
		t.Fatal(err)
	}
	// routeC's row, as if its hash were routeA's.
	if _, err := s.db.Exec(`UPDATE routes SET hash = ?`, routeHash(a)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Apply(ctx, []*npac.Message{{Seq: 2, Kind: npac.MsgSV, TN: "2015550101", Route: routeA}}); err != nil {
		t.Fatal(err)
	}
	got, _ := dump(t, s)
	if diff := cmp.Diff(map[npac.TN]npac.Route{"2015550100": *routeC, "2015550101": *routeA}, got); diff != "" || countRoutes(t, s) != 2 {
		t.Errorf("%d routes stored; TN routes (-want +got):\n%s", countRoutes(t, s), diff)
	}
}
