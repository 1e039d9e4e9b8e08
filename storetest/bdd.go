package storetest

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/bdd"
	"github.com/opennpac/npac/lsms"
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
