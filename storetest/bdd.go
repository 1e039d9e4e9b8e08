package storetest

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/bdd"
	"github.com/opennpac/npac/lsms"
	"github.com/opennpac/npac/store"
)

// testBDDRoundTrip exports every kind of BDD file, loads them into a fresh
// LSMS, and compares the LSMS's dump with what the NPAC publishes.
func testBDDRoundTrip(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	ctx := context.Background()
	w.register(t, SPB)
	for i := 0; i < 20; i++ {
		w.Port(t, TN(980+i))
	}
	ssn := 5
	in := NewCreate(TN(979), SPA, SPC, LRNC)
	in.CLASS = &npac.SignalingPoint{DPC: "001-002-003", SSN: &ssn}
	in.SVType = npac.SVVoIP
	sv := w.MustCreate(t, w.C, in)
	w.MustCreate(t, w.A, OldCreate(TN(979), SPA, SPC))
	w.MustAct(t, w.C, sv.ID, npac.Action{Kind: npac.ActActivate})
	if _, err := w.S.CreateBlock(w.Admin, &npac.BlockCreate{NPANXXX: "2125563", SPID: SPB, BlockRouting: npac.BlockRouting{LRN: LRNB}}); err != nil {
		t.Fatal(err)
	}
	w.ackAll(t, SPB)

	_, err := w.S.ExportBDD(w.C, bdd.KindSV, "", bdd.NewWriter(&bytes.Buffer{}), func(string) {})
	WantCode(t, err, npac.EFORBIDDEN)
	var file bytes.Buffer
	names := map[bdd.Kind]string{}
	counts := map[bdd.Kind]int64{}
	for _, k := range bdd.ExportKinds {
		n, err := w.S.ExportBDD(w.LSMSB, k, npac.Northeast, bdd.NewWriter(&file), func(name string) { names[k] = name })
		if err != nil {
			t.Fatalf("export %s: %v", k, err)
		}
		counts[k] = n
	}
	if counts[bdd.KindSV] != 21 || counts[bdd.KindNPB] != 1 || counts[bdd.KindNPANXX] != 2 || counts[bdd.KindLRN] != 3 || counts[bdd.KindSPID] != 4 {
		t.Errorf("records exported: %v", counts)
	}
	if !strings.HasPrefix(names[bdd.KindSV], "212555-212555.") || !strings.HasSuffix(names[bdd.KindSV], ".00-00-0000000000.99-99-9999999999") {
		t.Errorf("SV file name %q", names[bdd.KindSV])
	}
	st, err := lsms.OpenStore(filepath.Join(t.TempDir(), "lsms"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.LoadBDD(ctx, &file, nil); err != nil {
		t.Fatal(err)
	}
	// The NPAC's published routes, as its image for SPB's LSMS.
	wantTNs, wantBlocks := map[npac.TN]npac.Route{}, map[npac.NPANXXX]npac.Route{}
	if err := w.S.Image(w.LSMSB, SPB, func(int64, int64) error { return nil }, func(m *npac.Message) error {
		switch m.Kind {
		case npac.MsgSV:
			wantTNs[m.TN] = *m.Route
		case npac.MsgBlock:
			wantBlocks[m.Block] = *m.Route
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	gotTNs, gotBlocks := map[npac.TN]npac.Route{}, map[npac.NPANXXX]npac.Route{}
	if err := st.Dump(ctx, func(tn npac.TN, r *npac.Route) error { gotTNs[tn] = *r; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := st.DumpBlocks(ctx, func(b npac.NPANXXX, r *npac.Route) error { gotBlocks[b] = *r; return nil }); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantTNs, gotTNs); diff != "" || len(gotTNs) != 21 {
		t.Errorf("LSMS routes loaded from the BDD files differ from the NPAC's (-npac +lsms):\n%s", diff)
	}
	if diff := cmp.Diff(wantBlocks, gotBlocks); diff != "" || len(gotBlocks) != 1 {
		t.Errorf("LSMS blocks differ (-npac +lsms):\n%s", diff)
	}
}

// BDDColumns checks that the SV file, written from the columns migration
// 009 added (sv_routes and the svs columns beside the document), is the
// file bdd.FromSV makes of the SVs' documents: for SVs written through the
// service, for SVs a migration to 009 filled in from their documents, and
// after an NPA split moved them. bare returns a store on a new database
// that is not migrated yet.
func BDDColumns(t *testing.T, b Backend, bare func(testing.TB) *store.Store) {
	w := NewWorld(t, b.Open)
	bddSVs(t, w)
	t.Run("Service", func(t *testing.T) { checkSVFile(t, w.S, w.Admin, 7) })
	t.Run("Backfill", func(t *testing.T) { testBDDBackfill(t, w, bare(t)) })
	t.Run("Split", func(t *testing.T) {
		w.Split(t, w.Clock.Now().Add(time.Hour), w.Clock.Now().Add(30*24*time.Hour))
		w.Clock.Advance(time.Hour)
		if n := w.Advance(t); n != 1 {
			t.Fatalf("split steps taken: %d, want 1", n)
		}
		file := checkSVFile(t, w.S, w.Admin, 7)
		if !bytes.Contains(file, []byte("|"+SplitTo+"5550100|")) || bytes.Contains(file, []byte("|2125550100|")) {
			t.Errorf("after the split the file does not name %s5550100 instead of 2125550100:\n%s", SplitTo, file)
		}
	})
	t.Run("Refused", func(t *testing.T) { testBDDRefused(t, w) })
}

// testBDDRefused copies the active image's rows 3,000 times, so that the
// export passes many batches between its goroutines, and checks the file.
// Then it spoils the route of the last SV in TN order and of the first:
// each time the export must stop with the writer's error, and export
// again once the route is mended.
func testBDDRefused(t *testing.T, w *World) {
	rows, err := w.S.DB().Query(`SELECT id FROM svs WHERE slot = 'active' AND status IN ('active', 'partial-failure', 'disconnect-pending')`)
	ids, err := collectIDs(rows, err)
	if err != nil || len(ids) != 7 {
		t.Fatalf("SVs of the active image: %v (%v), want 7", ids, err)
	}
	copySVs(t, w, ids, 3000)
	checkSVFile(t, w.S, w.Admin, 3007)

	for _, end := range []string{"MAX", "MIN"} {
		var route int64
		var dpc string
		if err := w.S.DB().QueryRow(`SELECT r.id, r.class_dpc FROM svs s JOIN sv_routes r ON r.id = s.route_id
			WHERE s.tn = (SELECT `+end+`(tn) FROM svs WHERE slot = 'active')`).Scan(&route, &dpc); err != nil {
			t.Fatal(err)
		}
		set := func(v string) {
			if _, err := w.S.DB().Exec(`UPDATE sv_routes SET class_dpc = '` + v + `' WHERE id = ` + strconv.FormatInt(route, 10)); err != nil {
				t.Fatal(err)
			}
		}
		set("999-999-999")
		n, err := w.S.ExportBDD(w.Admin, bdd.KindSV, "", bdd.NewWriter(io.Discard), func(string) {})
		var refused *bdd.Error
		if !errors.As(err, &refused) || refused.Name != "CLASS DPC" || refused.Value != "999-999-999" {
			t.Fatalf("export with the %s TN's CLASS DPC spoiled: got %d records and %v, want the writer's refusal of the DPC", end, n, err)
		}
		set(dpc)
		if n, err := w.S.ExportBDD(w.Admin, bdd.KindSV, "", bdd.NewWriter(io.Discard), func(string) {}); err != nil || n != 3007 {
			t.Fatalf("export with the route mended: got %d records (%v), want 3007", n, err)
		}
	}
}

// collectIDs reads a query's single integer column.
func collectIDs(rows *sql.Rows, err error) ([]int64, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// bddSVs ports TNs 100-107 with LSMSs of SPB and SPC registered, leaving
// seven SVs in the active image: every optional field set (100), routing
// modified after activation (101), no optional field (102), an
// intra-provider port (103), a second port of the number (104, whose first
// SV is old), disconnect-pending (105) and partial-failure (106). 107 stays
// pending. Activations happen at a time with a fraction of a second.
func bddSVs(t *testing.T, w *World) {
	w.register(t, SPB, SPC)
	w.ackAll(t, SPB, SPC)
	ssn := func(v int) *int { return &v }
	full := func(i, v int) npac.SVCreate {
		tn := TN(i)
		in := NewCreate(tn, SPA, SPB, LRNB)
		in.CLASS = &npac.SignalingPoint{DPC: fmt.Sprintf("001-002-%03d", v), SSN: ssn(0)}
		in.LIDB = &npac.SignalingPoint{DPC: "004-005-006", SSN: ssn(255)}
		in.CNAM = &npac.SignalingPoint{DPC: "007-008-009", SSN: ssn(v)}
		in.ISVM = &npac.SignalingPoint{DPC: "010-011-012", SSN: ssn(12)}
		in.WSMSC = &npac.SignalingPoint{DPC: "013-014-015", SSN: ssn(13)}
		in.BillingID, in.EndUserLocationValue, in.EndUserLocationType = fmt.Sprintf("B%03d", v), fmt.Sprintf("%012d", v), "02"
		in.SVType, in.AlternativeSPID = npac.SVWireless, SPC
		in.VoiceURI = "sip:+1" + string(tn) + "@bravo.example"
		in.MMSURI, in.SMSURI = "sip:mms+1"+string(tn)+"@bravo.example", "sip:sms+1"+string(tn)+"@bravo.example"
		return in
	}
	creates := map[int]npac.SVCreate{100: full(100, 1), 101: full(101, 2), 103: NewCreate(TN(103), SPA, SPA, LRNA)}
	ids := map[int]int64{}
	for i := 100; i <= 107; i++ {
		in, ok := creates[i]
		if !ok {
			in = NewCreate(TN(i), SPA, SPB, LRNB)
		}
		if i == 103 {
			ids[i] = w.MustCreate(t, w.A, in).ID
			continue
		}
		ids[i] = w.MustCreate(t, w.B, in).ID
		w.MustCreate(t, w.A, OldCreate(TN(i), SPA, SPB))
	}
	w.Clock.Set(DueDay.Add(14*time.Hour + 987654321*time.Nanosecond))
	for i := 100; i <= 105; i++ {
		ctx := w.B
		if i == 103 {
			ctx = w.A
		}
		w.MustAct(t, ctx, ids[i], npac.Action{Kind: npac.ActActivate})
		w.Clock.Advance(1100 * time.Millisecond)
	}
	w.ackAll(t, SPB, SPC)

	lrn, uri, billing, eul := LRNB, "sip:+12125550101@example.net", "C777", "000000000777"
	w.MustAct(t, w.B, ids[101], npac.Action{Kind: npac.ActModify, Modify: &npac.SVModify{LRN: &lrn, CNAM: &npac.SignalingPoint{DPC: "099-098-097", SSN: ssn(96)},
		BillingID: &billing, EndUserLocationValue: &eul, VoiceURI: &uri}})
	again := NewCreate(TN(104), SPB, SPC, LRNC)
	again.DueDate = w.Clock.Now()
	next := w.MustCreate(t, w.C, again)
	w.MustCreate(t, w.B, npac.SVCreate{TN: TN(104), OldSPID: SPB, NewSPID: SPC, DueDate: again.DueDate})
	w.MustAct(t, w.C, next.ID, npac.Action{Kind: npac.ActActivate})
	w.ackAll(t, SPB, SPC)
	erd := w.Clock.Now().Add(30 * 24 * time.Hour)
	if sv := w.MustAct(t, w.B, ids[105], npac.Action{Kind: npac.ActDisconnect, EffectiveReleaseDate: &erd}); sv.Status != npac.StatusDisconnectPending {
		t.Fatalf("disconnect with a release date: got %s, want disconnect-pending", sv.Status)
	}
	sending := w.MustAct(t, w.B, ids[106], npac.Action{Kind: npac.ActActivate})
	if err := w.S.Ack(w.LSMSB, SPB, sending.Broadcast.Seq); err != nil {
		t.Fatal(err)
	}
	w.Clock.Set(sending.Broadcast.Deadline)
	if n, err := w.S.SweepDeliveries(context.Background(), w.Clock.Now(), 100); err != nil || n != 1 {
		t.Fatalf("sweep at the deadline failed %d deliveries (%v), want 1", n, err)
	}
	for i, want := range map[int]npac.Status{100: npac.StatusActive, 101: npac.StatusActive, 103: npac.StatusActive,
		104: npac.StatusOld, 106: npac.StatusPartialFailure, 107: npac.StatusPending} {
		if got := w.sv(t, ids[i]); got.Status != want {
			t.Fatalf("SV of %s: got %s, want %s", TN(i), got.Status, want)
		}
	}
	if got := w.sv(t, ids[101]); got.CNAM == nil || got.CNAM.DPC != "099-098-097" || got.BillingID != billing {
		t.Fatalf("modified SV of %s: got CNAM %+v billing %q", TN(101), got.CNAM, got.BillingID)
	}
}

// checkSVFile exports the SV file of s, checks that it holds records
// records and is byte for byte the file bdd.FromSV makes of the SVs the
// service lists (those in the active slot whose status is active,
// partial-failure or disconnect-pending, in TN order), and returns it.
// Exports of the Northeast (every SV) and of the Southeast (none) are
// checked too.
func checkSVFile(t *testing.T, s *store.Store, ctx context.Context, records int) []byte {
	t.Helper()
	var live []*npac.SV
	for after := int64(0); ; {
		page, err := s.SVs(ctx, npac.SVFilter{AfterID: after, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, sv := range page {
			if sv.Slot == npac.SlotActive && slices.Contains([]npac.Status{npac.StatusActive, npac.StatusPartialFailure, npac.StatusDisconnectPending}, sv.Status) {
				live = append(live, sv)
			}
		}
		after = page[len(page)-1].ID
	}
	slices.SortFunc(live, func(a, b *npac.SV) int { return strings.Compare(string(a.TN), string(b.TN)) })
	var want bytes.Buffer
	ww := bdd.NewWriter(&want)
	ww.Full = true
	for _, sv := range live {
		rec := bdd.FromSV(sv, bdd.ReasonNew)
		if err := ww.WriteSV(&rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := ww.Flush(); err != nil {
		t.Fatal(err)
	}
	if len(live) != records {
		t.Fatalf("the service lists %d SVs of the active image, want %d", len(live), records)
	}
	for _, region := range []npac.Region{"", npac.Northeast, npac.Southeast} {
		var got bytes.Buffer
		n, err := s.ExportBDD(ctx, bdd.KindSV, region, bdd.NewWriter(&got), func(string) {})
		if err != nil {
			t.Fatalf("export %q: %v", region, err)
		}
		wantN, wantFile := int64(records), want.String()
		if region == npac.Southeast {
			wantN, wantFile = 0, ""
		}
		if n != wantN {
			t.Errorf("export %q wrote %d records, want %d", region, n, wantN)
		}
		if diff := cmp.Diff(strings.Split(wantFile, "\r\n"), strings.Split(got.String(), "\r\n")); diff != "" {
			t.Errorf("export %q differs from the file of the documents (-documents +export):\n%s", region, diff)
		}
	}
	return want.Bytes()
}

// svColumns008 are the columns of svs before migration 009.
var svColumns008 = []string{"id", "tn", "status", "slot", "old_spid", "new_spid", "lrn", "region", "due_date", "updated_at", "version", "data"}

// testBDDBackfill migrates bare to schema 008, copies the SVs of w's
// store into it as rows of that schema, and migrates it on to 009. Two
// documents are edited first, as an older store or another clock could
// have written them: one with its activation time in a zone east of
// Greenwich, to the nanosecond, and one with a CNAM pair without an SSN.
// The migrated SVs must have the BDD columns the service wrote, apart
// from the edited ones, and export the file of their documents.
func testBDDBackfill(t *testing.T, w *World, bare *store.Store) {
	ctx := context.Background()
	d := bare.Dialect()
	// Schema 008, as Migrate leaves it: each file applied and recorded.
	if _, err := bare.DB().Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	files, err := fs.Glob(d.Migrations, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	marks := func(n int) string {
		m := make([]string, n)
		for i := range m {
			m[i] = "?"
			if d.Dollar {
				m[i] = "$" + strconv.Itoa(i+1)
			}
		}
		return strings.Join(m, ", ")
	}
	for _, f := range files {
		v, err := strconv.Atoi(strings.SplitN(f, "_", 2)[0])
		if err != nil || v > 8 {
			continue
		}
		body, err := fs.ReadFile(d.Migrations, f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bare.DB().Exec(string(body)); err != nil {
			t.Fatalf("migration %s: %v", f, err)
		}
		if _, err := bare.DB().Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (`+marks(3)+`)`, v, f, 0); err != nil {
			t.Fatal(err)
		}
	}

	rows, err := w.S.DB().Query(`SELECT ` + strings.Join(svColumns008, ", ") + ` FROM svs ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var copies [][]any
	for rows.Next() {
		row := make([]any, len(svColumns008))
		ptrs := make([]any, len(row))
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		copies = append(copies, row)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	edited := map[npac.TN]func(*npac.SV){
		TN(100): func(sv *npac.SV) {
			at := sv.ActivationTimestamp.Add(999999999 - time.Duration(sv.ActivationTimestamp.Nanosecond())).In(time.FixedZone("", 5*3600+30*60))
			sv.ActivationTimestamp = &at
		},
		TN(102): func(sv *npac.SV) { sv.CNAM = &npac.SignalingPoint{DPC: "021-022-023"} },
	}
	for _, row := range copies {
		var sv npac.SV
		if err := json.Unmarshal([]byte(row[len(row)-1].(string)), &sv); err != nil {
			t.Fatal(err)
		}
		if edit := edited[sv.TN]; edit != nil && sv.ActivationTimestamp != nil {
			edit(&sv)
			data, err := json.Marshal(&sv)
			if err != nil {
				t.Fatal(err)
			}
			row[len(row)-1] = string(data)
			delete(edited, sv.TN)
		}
		if _, err := bare.DB().Exec(`INSERT INTO svs (`+strings.Join(svColumns008, ", ")+`) VALUES (`+marks(len(svColumns008))+`)`, row...); err != nil {
			t.Fatal(err)
		}
	}
	if len(edited) != 0 {
		t.Fatalf("documents not edited: %v", slices.Collect(maps.Keys(edited)))
	}
	if err := bare.Migrate(ctx); err != nil {
		t.Fatalf("migrate to 009: %v", err)
	}

	file := checkSVFile(t, bare, npac.NewContext(ctx, npac.SystemActor), 7)
	if !bytes.Contains(file, []byte("|021022023|000|")) {
		t.Errorf("the CNAM pair without an SSN is not in the file with SSN 000:\n%s", file)
	}
	// The JSON of tn_fields may differ in form between the two; its
	// fields may not.
	type tnFields struct {
		EULValue string `json:"end_user_location_value"`
		EULType  string `json:"end_user_location_type"`
		VoiceURI string `json:"voice_uri"`
		MMSURI   string `json:"mms_uri"`
		SMSURI   string `json:"sms_uri"`
	}
	columns := func(s *store.Store) map[int64][]any {
		rows, err := s.DB().Query(`SELECT s.id, s.tn_fields, s.activated_sec, r.` +
			strings.ReplaceAll(routeColumns, ", ", ", r.") + ` FROM svs s JOIN sv_routes r ON r.id = s.route_id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[int64][]any{}
		for rows.Next() {
			var (
				id  int64
				own sql.NullString
			)
			vals := make([]any, 2+strings.Count(routeColumns, ","))
			ptrs := []any{&id, &own}
			for i := range vals {
				ptrs = append(ptrs, &vals[i])
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var f tnFields
			if own.Valid {
				if err := json.Unmarshal([]byte(own.String), &f); err != nil || f == (tnFields{}) {
					t.Fatalf("SV %d: tn_fields %s (%v), want some of the five fields", id, own.String, err)
				}
			}
			out[id] = append(vals, f)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	want, got := columns(w.S), columns(bare)
	if len(got) != len(copies) || len(want) != len(copies) {
		t.Fatalf("SVs with a route: %d migrated, %d written by the service; want %d each", len(got), len(want), len(copies))
	}
	for _, row := range copies {
		id, tn := row[0].(int64), npac.TN(row[1].(string))
		if tn == TN(100) || tn == TN(102) {
			continue
		}
		if diff := cmp.Diff(want[id], got[id]); diff != "" {
			t.Errorf("SV %d of %s: migrated columns differ from the service's (-service +migration):\n%s", id, tn, diff)
		}
	}
}

// routeColumns are the columns of sv_routes besides its id.
const routeColumns = "new_spid, lrn, class_dpc, class_ssn, lidb_dpc, lidb_ssn, isvm_dpc, isvm_ssn, cnam_dpc, cnam_ssn, wsmsc_dpc, wsmsc_ssn, billing_id, lnp_type, sv_type, alt_spid"
