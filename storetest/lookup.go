package storetest

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/store"
)

// dataUser creates a user holding a data role in regions and returns its
// context and ID.
func (w *World) dataUser(t testing.TB, name string, r npac.Role, regions ...npac.Region) (context.Context, int64) {
	t.Helper()
	tok, err := w.S.CreateUser(w.Admin, &npac.User{Name: name, Grants: []npac.Grant{{Role: r, Regions: regions}}})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	return w.login(t, tok.Secret), tok.UserID
}

// keys returns the JSON keys of v.
func keys(t testing.TB, v any) []string {
	t.Helper()
	b, _ := json.Marshal(v)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return slices.Sorted(maps.Keys(m))
}

func testLookupRoles(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	contacts := []npac.Contact{{Kind: "law-enforcement", Name: "Bravo subpoena desk", Phone: "2125550000"}}
	if _, err := w.S.UpdateProvider(w.Admin, SPB, npac.ProviderUpdate{Contacts: &contacts}); err != nil {
		t.Fatal(err)
	}
	sv := w.Port(t, TN(950))
	ctxs := map[npac.Role]context.Context{npac.RoleAdmin: w.Admin}
	for _, r := range npac.DataRoles {
		ctxs[r], _ = w.dataUser(t, "data-"+string(r), r, npac.Northeast)
	}
	// The role matrix: each role gets exactly its fields, for every
	// endpoint that answers a number.
	for r, ctx := range ctxs {
		got, err := w.S.Lookup(ctx, []npac.TN{TN(950)})
		if err != nil {
			t.Fatalf("%s lookup: %v", r, err)
		}
		want := append([]string{"tn"}, store.RoleFields(r)...)
		slices.Sort(want)
		if k := keys(t, got[0]); !slices.Equal(k, want) {
			t.Errorf("%s sees %v, want exactly %v", r, k, want)
		}
		if got[0].Ported == nil || !*got[0].Ported {
			t.Errorf("%s: %s not ported", r, TN(950))
		}
	}
	ptrs, _ := w.S.Lookup(ctxs[npac.RolePTRS], []npac.TN{TN(950), TN(951), "3125550100"})
	if ptrs[0].LRN != LRNB || ptrs[0].SPID != SPB || *ptrs[1].Ported || ptrs[1].SPID != SPA || ptrs[1].CodeHolder != SPA || ptrs[2].Error == nil || ptrs[2].Error.Code != npac.ENOTFOUND {
		t.Errorf("ptrs answers: %+v %+v %+v", ptrs[0], ptrs[1], ptrs[2])
	}
	le, _ := w.S.Lookup(ctxs[npac.RoleLawEnforcement], []npac.TN{TN(950)})
	if len(le[0].Contacts) != 1 || le[0].LastPortedAt == nil {
		t.Errorf("law enforcement answer: %+v", le[0])
	}

	// Who may not, where they may not, and how much.
	_, err := w.S.Lookup(w.B, []npac.TN{TN(950)})
	WantCode(t, err, npac.EFORBIDDEN)
	west, _ := w.dataUser(t, "le-west", npac.RoleLawEnforcement, npac.Western)
	got, err := w.S.Lookup(west, []npac.TN{TN(950)})
	if err != nil || got[0].Error == nil || got[0].Error.Code != npac.EFORBIDDEN || got[0].Ported != nil {
		t.Errorf("a number outside the user's regions: %+v (%v)", got, err)
	}
	var many []npac.TN
	for i := 0; i < 101; i++ {
		many = append(many, TN(i))
	}
	_, err = w.S.Lookup(ctxs[npac.RoleLawEnforcement], many)
	WantCode(t, err, npac.EINVALID)
	if _, err := w.S.Lookup(ctxs[npac.RoleLawEnforcement], many[:100]); err != nil {
		t.Errorf("100 numbers for law enforcement: %v", err)
	}
	w.S.LookupLimits[npac.RoleFraud] = store.LookupLimit{PerQuery: 100, PerMinute: 3}
	if _, err := w.S.Lookup(ctxs[npac.RoleFraud], many[:2]); err != nil {
		t.Fatal(err)
	}
	_, err = w.S.Lookup(ctxs[npac.RoleFraud], many[2:4])
	WantCode(t, err, npac.ERateLimited)
	w.S.LookupLimits[npac.RoleFraud] = store.DefaultLookupLimits()[npac.RoleFraud]

	// Porting history: fraud and law enforcement, the latter with contacts.
	w.MustAct(t, w.B, sv.ID, npac.Action{Kind: npac.ActDisconnect})
	_, err = w.S.History(ctxs[npac.RolePTRS], TN(950))
	WantCode(t, err, npac.EFORBIDDEN)
	h, err := w.S.History(ctxs[npac.RoleFraud], TN(950))
	if err != nil || len(h) != 2 || h[0].Type != "port" || h[0].From != SPA || h[0].To != SPB || h[1].Type != "disconnect" || h[1].To != SPA || h[0].ToContacts != nil {
		t.Fatalf("fraud history: %+v (%v)", h, err)
	}
	h, _ = w.S.History(ctxs[npac.RoleLawEnforcement], TN(950))
	if len(h) != 2 || len(h[0].ToContacts) != 1 {
		t.Errorf("law enforcement history: %+v", h)
	}
	if n := w.Count(t, "audit WHERE action LIKE 'lookup%'"); n < 8 {
		t.Errorf("%d lookups audited", n)
	}
}

func testLookupSession(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	_, id := w.dataUser(t, "ivr", npac.RolePTRS, npac.Northeast)
	_, err := w.S.IssuePIN(w.B, id)
	WantCode(t, err, npac.EFORBIDDEN)
	pin, err := w.S.IssuePIN(w.Admin, id)
	if err != nil || len(pin) != 8 {
		t.Fatalf("PIN %q (%v)", pin, err)
	}
	ctx := context.Background()
	_, err = w.S.OpenLookupSession(ctx, "ivr", "00000000")
	WantCode(t, err, npac.EUNAUTHORIZED)
	sess, err := w.S.OpenLookupSession(ctx, "ivr", pin)
	if err != nil || sess.MaxLookups != 20 {
		t.Fatalf("session: %+v (%v)", sess, err)
	}
	for i := 1; i <= 20; i++ {
		info, st, err := w.S.SessionLookup(ctx, sess.ID, TN(i))
		if err != nil || info.Ported == nil || st.Used != i {
			t.Fatalf("lookup %d: %+v %+v (%v)", i, info, st, err)
		}
	}
	_, _, err = w.S.SessionLookup(ctx, sess.ID, TN(21))
	WantCode(t, err, npac.ELookupLimit)
	if !strings.Contains(npac.ErrorMessage(err), "20 numbers") {
		t.Errorf("the 21st number's refusal: %q", npac.ErrorMessage(err))
	}
	w.Clock.Advance(16 * time.Minute)
	fresh, err := w.S.OpenLookupSession(ctx, "ivr", pin)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = w.S.SessionLookup(ctx, sess.ID, TN(1))
	WantCode(t, err, npac.EUNAUTHORIZED)
	// Five wrong PINs lock it.
	for i := 0; i < 5; i++ {
		_, err = w.S.OpenLookupSession(ctx, "ivr", "12345678")
		WantCode(t, err, npac.EUNAUTHORIZED)
	}
	_, err = w.S.OpenLookupSession(ctx, "ivr", pin)
	WantCode(t, err, npac.EUNAUTHORIZED)
	if _, _, err := w.S.SessionLookup(ctx, fresh.ID, TN(1)); err != nil {
		t.Errorf("a session opened before the lock: %v", err)
	}
}

func testTCPA(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	tcpa, _ := w.dataUser(t, "tcpa", npac.RoleTCPA, npac.Northeast)
	// 212-555-0960 ports from AAA1's wireline to wireless service.
	in := NewCreate(TN(960), SPA, SPB, LRNB)
	in.SVType = npac.SVWireless
	sv := w.MustCreate(t, w.B, in)
	w.MustCreate(t, w.A, OldCreate(TN(960), SPA, SPB))
	w.Clock.Set(DueDay.Add(14 * time.Hour))
	w.MustAct(t, w.B, sv.ID, npac.Action{Kind: npac.ActActivate})
	w.Port(t, TN(961)) // wireline to wireline

	run := func(ctx context.Context, since time.Time, input string) ([]*npac.TCPAResult, error) {
		var out []*npac.TCPAResult
		_, err := w.S.TCPA(ctx, since, strings.NewReader(input), func(r *npac.TCPAResult) error {
			c := *r // r is reused for the next number
			out = append(out, &c)
			return nil
		})
		return out, err
	}
	_, err := run(w.B, Start, "2125550960\n")
	WantCode(t, err, npac.EFORBIDDEN)
	got, err := run(tcpa, Start, "2125550960\n212-555-0961\n# a comment\nnot a number\n2125550962\n3125550100\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		ported bool
		line   string
		err    bool
	}{{true, "wireless", false}, {false, "wireline", false}, {false, "", true}, {false, "wireline", false}, {false, "", true}}
	if len(got) != len(want) {
		t.Fatalf("%d answers, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].Ported != w.ported || got[i].LineType != w.line || (got[i].Error != "") != w.err {
			t.Errorf("answer %d: %+v, want %+v", i, got[i], w)
		}
	}
	// Since after the port: not ported since then.
	got, _ = run(tcpa, w.Clock.Now().Add(time.Hour), "2125550960\n")
	if got[0].Ported || got[0].LineType != "wireless" {
		t.Errorf("since after the port: %+v", got[0])
	}
}
