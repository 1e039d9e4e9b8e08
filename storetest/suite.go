package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/store"
)

// Backend is what a store package gives the suite.
type Backend struct {
	// Open returns a fresh, migrated, empty store.
	Open Opener
	// Attach opens another store on the database of s, as a second or a
	// restarted server process would; it does not close s.
	Attach func(t testing.TB, s *store.Store) *store.Store
}

// Run runs the whole conformance suite.
func Run(t *testing.T, b Backend) {
	tests := []struct {
		name string
		fn   func(*testing.T, Backend)
	}{
		{"Migrate", testMigrate},
		{"Providers", testProviders},
		{"Tokens", testTokens},
		{"NetworkData", testNetworkData},
		{"Port", testPort},
		{"PortAgain", testPortAgain},
		{"Refusals", testRefusals},
		{"InvalidWritesNothing", testInvalidWritesNothing},
		{"Authorization", testAuthorization},
		{"Timers", testTimers},
		{"TimerRestart", testTimerRestart},
		{"SchedulersRace", testSchedulersRace},
		{"SchedulerSkipsFailures", testSchedulerSkipsFailures},
		{"ConcurrentCreates", testConcurrentCreates},
		{"ConcurrentConcur", testConcurrentConcur},
		{"Range", testRange},
		{"RangeModify", testRangeModify},
		{"Idempotency", testIdempotency},
		{"Cancel", testCancel},
		{"Disconnect", testDisconnect},
		{"PortToOriginal", testPortToOriginal},
		{"IntraProvider", testIntraProvider},
		{"Purge", testPurge},
		{"Notifications", testNotifications},
		{"Audit", testAudit},
		{"AuditFilter", testAuditFilter},
		{"Tunables", testTunables},
		{"WebSessions", testWebSessions},
		{"Broadcast", testBroadcast},
		{"BroadcastFailure", testBroadcastFailure},
		{"BroadcastImage", testBroadcastImage},
		{"LogSince", testLogSince},
		{"Blocks", testBlocks},
		{"BlockRules", testBlockRules},
		{"PseudoLRN", testPseudoLRN},
		{"NPANXXEvents", testNPANXXEvents},
		{"Split", testSplit},
		{"Endpoints", testEndpoints},
		{"Orders", testOrders},
		{"OrderRejections", testOrderRejections},
		{"WirelessOrder", testWirelessOrder},
		{"OrderAutoActivate", testOrderAutoActivate},
		{"DeleteCSR", testDeleteCSR},
		{"LookupRoles", testLookupRoles},
		{"LookupSession", testLookupSession},
		{"TCPA", testTCPA},
		{"Reports", testReports},
		{"BDDRoundTrip", testBDDRoundTrip},
		{"ImportCNAC", testImportCNAC},
		{"ImportRules", testImportRules},
		{"ImportAreaCodes", testImportAreaCodes},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, b) })
	}
}

func testMigrate(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	ctx := context.Background()
	if err := w.S.Migrate(ctx); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	if _, err := w.S.DB().Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	err := w.S.Migrate(ctx)
	if err == nil || !strings.Contains(err.Error(), "999") {
		t.Fatalf("migrate on a newer schema: got %v, want a refusal naming version 999", err)
	}
}

func testProviders(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	p, err := w.S.Provider(w.B, SPB)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]npac.SPID{Bureau}, p.Bureaus); diff != "" {
		t.Errorf("bureaus (-want +got):\n%s", diff)
	}
	dup := npac.Provider{SPID: SPA, Name: "Again", Type: npac.ProviderWireline, Regions: []npac.Region{npac.Northeast}}
	WantCode(t, w.S.CreateProvider(w.Admin, &dup), npac.ECONFLICT)
	other := npac.Provider{SPID: "DDD4", Name: "Delta", Type: npac.ProviderWireline, Regions: []npac.Region{npac.Northeast}}
	WantCode(t, w.S.CreateProvider(w.B, &other), npac.EFORBIDDEN)
	bad := npac.Provider{SPID: "DD-4", Name: "Delta", Type: npac.ProviderWireline, Regions: []npac.Region{npac.Northeast}}
	WantCode(t, w.S.CreateProvider(w.Admin, &bad), npac.EINVALID)

	contacts := []npac.Contact{{Kind: "porting", Name: "Port desk", Email: "port@bravo.example"}}
	got, err := w.S.UpdateProvider(w.B, SPB, npac.ProviderUpdate{Contacts: &contacts})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(contacts, got.Contacts); diff != "" {
		t.Errorf("contacts (-want +got):\n%s", diff)
	}
	name := "Renamed"
	_, err = w.S.UpdateProvider(w.B, SPB, npac.ProviderUpdate{Name: &name})
	WantCode(t, err, npac.EFORBIDDEN)
	_, err = w.S.UpdateProvider(w.C, SPB, npac.ProviderUpdate{Contacts: &contacts})
	WantCode(t, err, npac.EFORBIDDEN)
	all, err := w.S.Providers(w.A)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 4 || all[0].SPID != SPA {
		t.Errorf("got %d providers starting %s, want 4 starting %s", len(all), all[0].SPID, SPA)
	}
	_, err = w.S.Provider(w.A, "ZZZ9")
	WantCode(t, err, npac.ENOTFOUND)
}

func testTokens(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	ctx := context.Background()
	var n int
	if err := w.S.DB().QueryRow(`SELECT COUNT(*) FROM tokens WHERE hash LIKE 'npac_%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("got %d tokens stored in clear, want 0", n)
	}
	_, err := w.S.Authenticate(ctx, "npac_not-a-token")
	WantCode(t, err, npac.EUNAUTHORIZED)

	a := npac.ActorFrom(w.B)
	tok, err := w.S.CreateToken(w.B, a.User.ID, "short-lived", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.S.Authenticate(ctx, tok.Secret); err != nil {
		t.Fatalf("fresh token: %v", err)
	}
	w.Clock.Advance(2 * time.Hour)
	_, err = w.S.Authenticate(ctx, tok.Secret)
	WantCode(t, err, npac.EUNAUTHORIZED)

	_, err = w.S.CreateToken(w.C, a.User.ID, "theft", 0)
	WantCode(t, err, npac.EFORBIDDEN)
	toks, err := w.S.Tokens(w.Admin, a.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(toks) != 2 || toks[0].Name == "short-lived" || toks[0].LastUsed == nil || toks[0].ExpiresAt != nil ||
		toks[1].ID != tok.ID || toks[1].ExpiresAt == nil || !toks[1].ExpiresAt.Equal(tok.CreatedAt.Add(time.Hour)) || toks[1].Secret != "" {
		t.Fatalf("tokens of bravo-soa: %+v, want the seeded one (used) and short-lived (expiring), without secrets", toks)
	}
	if own, err := w.S.Tokens(w.B, a.User.ID); err != nil || len(own) != 2 {
		t.Fatalf("a user's own tokens: %d (%v), want 2", len(own), err)
	}
	_, err = w.S.Tokens(w.C, a.User.ID)
	WantCode(t, err, npac.EFORBIDDEN)
	_, err = w.S.Tokens(w.Admin, 999999)
	WantCode(t, err, npac.ENOTFOUND)
	if err := w.S.RevokeToken(w.B, a.User.ID, tok.ID); err != nil {
		t.Fatal(err)
	}
	WantCode(t, w.S.RevokeToken(w.B, a.User.ID, tok.ID), npac.ENOTFOUND)
	if toks, err := w.S.Tokens(w.Admin, a.User.ID); err != nil || len(toks) != 1 {
		t.Fatalf("after the revoke: %d tokens (%v), want 1", len(toks), err)
	}

	if _, err := w.S.SetDisabled(w.Admin, a.User.ID, true); err != nil {
		t.Fatal(err)
	}
	_, err = w.S.Authenticate(ctx, w.Tokens["bravo-soa"])
	WantCode(t, err, npac.EUNAUTHORIZED)
	_, err = w.S.CreateUser(w.Admin, &npac.User{Name: "ghost", Grants: []npac.Grant{{Role: npac.RoleSOA, SPID: "ZZZ9"}}})
	WantCode(t, err, npac.ENOTFOUND)
	_, err = w.S.CreateUser(w.Admin, &npac.User{Name: "bad-bureau", Grants: []npac.Grant{{Role: npac.RoleServiceBureau, SPID: SPA}}})
	WantCode(t, err, npac.EINVALID)
	_, err = w.S.Users(w.B)
	WantCode(t, err, npac.EFORBIDDEN)
}

func testNetworkData(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	c := npac.CodeRecord{NPANXX: "212557", SPID: SPC, Region: npac.Northeast, Portable: true}
	if err := w.S.CreateCode(w.C, &c); err != nil {
		t.Fatalf("SOA creates its own code: %v", err)
	}
	c2 := npac.CodeRecord{NPANXX: "212558", SPID: SPA, Region: npac.Northeast}
	WantCode(t, w.S.CreateCode(w.C, &c2), npac.EFORBIDDEN)
	c3 := npac.CodeRecord{NPANXX: "212111", SPID: SPA, Region: npac.Northeast}
	WantCode(t, w.S.CreateCode(w.Admin, &c3), npac.EINVALID)
	WantCode(t, w.S.CreateCode(w.Admin, &npac.CodeRecord{NPANXX: CodeA, SPID: SPA, Region: npac.Northeast}), npac.ECONFLICT)

	codes, err := w.S.Codes(w.A, npac.CodeFilter{SPID: SPA})
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != 2 || codes[0].NPANXX != CodeA {
		t.Errorf("got %d codes of %s, want 2 starting %s", len(codes), SPA, CodeA)
	}

	sv := w.MustCreate(t, w.B, NewCreate(TN(1), SPA, SPB, LRNB))
	WantCode(t, w.S.DeleteLRN(w.B, LRNB), npac.EInUse)
	WantCode(t, w.S.DeleteCode(w.Admin, CodeA), npac.EInUse)
	w.MustAct(t, w.B, sv.ID, npac.Action{Kind: npac.ActCancel})
	if err := w.S.DeleteLRN(w.B, LRNB); err != nil {
		t.Fatalf("delete unused LRN: %v", err)
	}
	if err := w.S.DeleteCode(w.Admin, CodeA); err != nil {
		t.Fatalf("delete unused code: %v", err)
	}
	_, err = w.S.LRN(w.A, LRNB)
	WantCode(t, err, npac.ENOTFOUND)

	closed := false
	if _, err := w.S.UpdateCode(w.A, CodeA2, npac.CodeUpdate{Portable: &closed}); err != nil {
		t.Fatal(err)
	}
	_, err = w.S.CreateSV(w.C, NewCreate("2125560001", SPA, SPC, LRNC))
	WantCode(t, err, npac.ENPANXXNotPortable)
}

func testPort(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	sv := w.MustCreate(t, w.B, NewCreate(TN(1), SPA, SPB, LRNB))
	if sv.Status != npac.StatusPending || sv.Concurred() || sv.T1ExpiresAt == nil {
		t.Fatalf("after new SP create got status %s concurred %t T1 %v, want pending, false, set", sv.Status, sv.Concurred(), sv.T1ExpiresAt)
	}
	// T1: 9 business hours from Monday 10:00 New York is Tuesday 10:00.
	if want := time.Date(2026, 11, 17, 10, 0, 0, 0, NY); !sv.T1ExpiresAt.Equal(want) {
		t.Errorf("got T1 %v, want %v", sv.T1ExpiresAt.In(NY), want)
	}
	if !sv.DueIsDay || !sv.DueDate.Equal(DueDay) {
		t.Errorf("wireline to wireless port: got due %v (day %t), want the day %v", sv.DueDate, sv.DueIsDay, DueDay)
	}
	got := w.MustCreate(t, w.A, OldCreate(TN(1), SPA, SPB))
	if got.ID != sv.ID || !got.Concurred() || got.Authorization == nil || !*got.Authorization {
		t.Fatalf("old SP create: got SV %d concurred %t, want SV %d concurred", got.ID, got.Concurred(), sv.ID)
	}
	_, err := w.S.Act(w.B, sv.ID, npac.Action{Kind: npac.ActActivate})
	WantCode(t, err, npac.ESVDueDateNotReached)
	w.Clock.Set(DueDay.Add(14 * time.Hour))
	_, err = w.S.Act(w.A, sv.ID, npac.Action{Kind: npac.ActActivate})
	WantCode(t, err, npac.ESVWrongActor)
	act := w.MustAct(t, w.B, sv.ID, npac.Action{Kind: npac.ActActivate})
	if act.Status != npac.StatusActive || act.ActivationTimestamp == nil || !act.ActivationTimestamp.Equal(w.Clock.Now()) {
		t.Fatalf("after activate got %s at %v, want active at %v", act.Status, act.ActivationTimestamp, w.Clock.Now())
	}
	read, err := w.S.SV(w.C, sv.ID)
	if err != nil {
		t.Fatalf("another provider reads an active SV: %v", err)
	}
	if diff := cmp.Diff(act, read); diff != "" {
		t.Errorf("read back (-activated +read):\n%s", diff)
	}
	list, err := w.S.SVs(w.B, npac.SVFilter{TN: TN(1)})
	if err != nil || len(list) != 1 {
		t.Fatalf("list by TN: got %d, %v; want 1", len(list), err)
	}
}

// testPortAgain ports a number onward and checks the earlier SV becomes old.
func testPortAgain(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	first := w.Port(t, TN(2))
	_, err := w.S.CreateSV(w.C, NewCreate(TN(2), SPA, SPC, LRNC))
	WantCode(t, err, npac.EOldSPMismatch)
	in := NewCreate(TN(2), SPB, SPC, LRNC)
	in.DueDate = DueDay.Add(48 * time.Hour)
	second := w.MustCreate(t, w.C, in)
	w.MustCreate(t, w.B, npac.SVCreate{TN: TN(2), OldSPID: SPB, NewSPID: SPC, DueDate: in.DueDate})
	w.Clock.Set(in.DueDate.Add(15 * time.Hour))
	w.MustAct(t, w.C, second.ID, npac.Action{Kind: npac.ActActivate})
	old, err := w.S.SV(w.Admin, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if old.Status != npac.StatusOld {
		t.Errorf("earlier SV: got %s, want old", old.Status)
	}
	active, err := w.S.SVs(w.Admin, npac.SVFilter{TN: TN(2), Status: npac.StatusActive})
	if err != nil || len(active) != 1 || active[0].ID != second.ID {
		t.Fatalf("active SVs of the TN: got %v, %v; want only %d", active, err, second.ID)
	}
}

func testRefusals(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	cases := []struct {
		name string
		ctx  context.Context
		in   npac.SVCreate
		code string
	}{
		{"unknown code", w.B, NewCreate("3125550100", SPA, SPB, LRNB), npac.ENPANXXNotPortable},
		{"LRN of another SP", w.B, NewCreate(TN(3), SPA, SPB, LRNC), npac.ELRNNotOwned},
		{"unregistered LRN", w.B, NewCreate(TN(3), SPA, SPB, "2125551234"), npac.ELRNNotOwned},
		{"wrong old SP", w.B, NewCreate(TN(3), SPC, SPB, LRNB), npac.EOldSPMismatch},
		{"unknown provider", w.B, NewCreate(TN(3), "ZZZ9", SPB, LRNB), npac.ENOTFOUND},
		{"acting for another SP", w.C, NewCreate(TN(3), SPA, SPB, LRNB), npac.ENotAuthorizedForSPID},
		{"LSMS role cannot create", w.LSMSB, NewCreate(TN(3), SPA, SPB, LRNB), npac.ENotAuthorizedForSPID},
		{"no LRN", w.B, NewCreate(TN(3), SPA, SPB, ""), npac.EINVALID},
		{"no due date", w.B, npac.SVCreate{TN: TN(3), OldSPID: SPA, NewSPID: SPB, RoutingData: npac.RoutingData{LRN: LRNB}}, npac.EINVALID},
		{"bad SPID", w.B, NewCreate(TN(3), "A!A1", SPB, LRNB), npac.EINVALID},
		{"half a DPC pair", w.B, func() npac.SVCreate {
			in := NewCreate(TN(3), SPA, SPB, LRNB)
			in.CLASS = &npac.SignalingPoint{DPC: "001-002-003"}
			return in
		}(), npac.EINVALID},
		{"port-to-original of an unported TN", w.A, func() npac.SVCreate {
			in := NewCreate(TN(3), SPA, SPA, LRNA)
			in.PortToOriginal = true
			return in
		}(), npac.EPortToOriginalInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.S.CreateSV(tc.ctx, tc.in)
			WantCode(t, err, tc.code)
		})
	}
	w.MustCreate(t, w.B, NewCreate(TN(4), SPA, SPB, LRNB))
	_, err := w.S.CreateSV(w.C, NewCreate(TN(4), SPA, SPC, LRNC))
	WantCode(t, err, npac.ECreateMismatch)
	_, err = w.S.CreateSV(w.B, NewCreate(TN(4), SPA, SPB, LRNB))
	WantCode(t, err, npac.ESVAlreadyPending)
	_, err = w.S.Act(w.B, 99999, npac.Action{Kind: npac.ActActivate})
	WantCode(t, err, npac.ENOTFOUND)
}

// testInvalidWritesNothing checks refused requests leave no trace.
func testInvalidWritesNothing(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	sv := w.MustCreate(t, w.B, NewCreate(TN(5), SPA, SPB, LRNB))
	tables := []string{"svs", "timers", "notifications", "audit", "idempotency"}
	before := map[string]int{}
	for _, tb := range tables {
		before[tb] = w.Count(t, tb)
	}
	lrn := npac.LRN("2125560000")
	bad := []func() error{
		func() error { _, err := w.S.CreateSV(w.B, NewCreate(TN(6), SPA, SPB, LRNC)); return err },
		func() error {
			_, err := w.S.Act(w.A, sv.ID, npac.Action{Kind: npac.ActConflict, CauseCode: 49})
			return err
		},
		func() error {
			_, err := w.S.Act(w.B, sv.ID, npac.Action{Kind: npac.ActModify, Modify: &npac.SVModify{LRN: &lrn}})
			return err
		},
		func() error {
			_, err := w.S.CreateRange(w.B, NewCreate("", SPA, SPB, LRNB), []npac.TN{TN(7), TN(7)})
			return err
		},
	}
	for i, f := range bad {
		if err := f(); err == nil {
			t.Fatalf("bad request %d succeeded", i)
		}
	}
	for _, tb := range tables {
		if got := w.Count(t, tb); got != before[tb] {
			t.Errorf("%s: got %d rows after refused requests, want %d", tb, got, before[tb])
		}
	}
}

func testAuthorization(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	// The bureau acts for SPB, which authorized it, and not for SPC.
	sv := w.MustCreate(t, w.SB, NewCreate(TN(8), SPA, SPB, LRNB))
	if sv.NewSPID != SPB {
		t.Fatalf("bureau create: got new SP %s, want %s", sv.NewSPID, SPB)
	}
	_, err := w.S.CreateSV(w.SB, NewCreate(TN(9), SPA, SPC, LRNC))
	WantCode(t, err, npac.ENotAuthorizedForSPID)
	// A third provider does not see a pending port.
	_, err = w.S.SV(w.C, sv.ID)
	WantCode(t, err, npac.ENOTFOUND)
	_, err = w.S.Act(w.C, sv.ID, npac.Action{Kind: npac.ActCancel})
	WantCode(t, err, npac.ENOTFOUND)
	list, err := w.S.SVs(w.C, npac.SVFilter{})
	if err != nil || len(list) != 0 {
		t.Errorf("third provider lists %d SVs (%v), want 0", len(list), err)
	}
	// Revoking the bureau's authorization takes effect at its next sign-in.
	none := []npac.SPID{}
	if _, err := w.S.UpdateProvider(w.B, SPB, npac.ProviderUpdate{Bureaus: &none}); err != nil {
		t.Fatal(err)
	}
	sb := w.login(t, w.Tokens["bureau"])
	_, err = w.S.CreateSV(sb, NewCreate(TN(10), SPA, SPB, LRNB))
	WantCode(t, err, npac.ENotAuthorizedForSPID)
	// The admin acting for both sides must say which.
	_, err = w.S.CreateSV(w.Admin, NewCreate(TN(11), SPA, SPB, LRNB))
	WantCode(t, err, npac.EINVALID)
	in := NewCreate(TN(11), SPA, SPB, LRNB)
	in.As = npac.SideNew
	if _, err := w.S.CreateSV(w.Admin, in); err != nil {
		t.Fatalf("admin as new SP: %v", err)
	}
}

// fireAll runs the scheduler at the clock's time until nothing is due.
func fireAll(t testing.TB, s *store.Store, now time.Time) int {
	t.Helper()
	n, err := s.FireDue(context.Background(), now, 1000)
	if err != nil {
		t.Fatalf("fire due: %v", err)
	}
	return n
}

// noticeKinds lists the kinds of spid's notifications after seq.
func noticeKinds(t testing.TB, w *World, ctx context.Context, spid npac.SPID, after int64) []npac.NoticeKind {
	t.Helper()
	ns, err := w.S.Notifications(ctx, spid, after, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []npac.NoticeKind
	for _, n := range ns {
		out = append(out, n.Kind)
	}
	return out
}

func countKind(kinds []npac.NoticeKind, k npac.NoticeKind) int {
	n := 0
	for _, x := range kinds {
		if x == k {
			n++
		}
	}
	return n
}

func testTimers(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	sv := w.MustCreate(t, w.B, NewCreate(TN(12), SPA, SPB, LRNB))
	if n := fireAll(t, w.S, w.Clock.Now()); n != 0 {
		t.Fatalf("fired %d timers before T1, want 0", n)
	}
	w.Clock.Set(*sv.T1ExpiresAt)
	if n := fireAll(t, w.S, w.Clock.Now()); n != 1 {
		t.Fatalf("at T1 fired %d timers, want 1", n)
	}
	if n := fireAll(t, w.S, w.Clock.Now()); n != 0 {
		t.Fatalf("T1 fired again: %d", n)
	}
	got, err := w.S.SV(w.B, sv.ID)
	if err != nil {
		t.Fatal(err)
	}
	// T2: 9 business hours after T1 (Tuesday 10:00) is Wednesday 10:00.
	if want := time.Date(2026, 11, 18, 10, 0, 0, 0, NY); got.T2ExpiresAt == nil || !got.T2ExpiresAt.Equal(want) {
		t.Fatalf("got T2 %v, want %v", got.T2ExpiresAt, want)
	}
	if c := countKind(noticeKinds(t, w, w.A, SPA, 0), npac.NoticeConcurrenceRequest); c != 2 {
		t.Errorf("old SP got %d concurrence requests, want 2 (at create and at T1)", c)
	}
	w.Clock.Set(got.T2ExpiresAt.Add(-time.Minute))
	_, err = w.S.Act(w.B, sv.ID, npac.Action{Kind: npac.ActActivate})
	WantCode(t, err, npac.ESVNotConcurred)
	w.Clock.Set(*got.T2ExpiresAt)
	if n := fireAll(t, w.S, w.Clock.Now()); n != 1 {
		t.Fatalf("at T2 fired %d, want 1", n)
	}
	if c := countKind(noticeKinds(t, w, w.B, SPB, 0), npac.NoticeT2Expired); c != 1 {
		t.Errorf("new SP got %d T2 notices, want 1", c)
	}
	act := w.MustAct(t, w.B, sv.ID, npac.Action{Kind: npac.ActActivate})
	if act.Status != npac.StatusActive {
		t.Errorf("activation after T2 without concurrence: got %s, want active", act.Status)
	}
	if next, ok, err := w.S.NextDue(context.Background()); err != nil || ok {
		t.Errorf("after activation a timer is still due at %v (%v)", next, err)
	}
}

// testTimerRestart stops a server while T2 is pending and checks the
// restarted one fires it exactly once.
func testTimerRestart(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	sv := w.MustCreate(t, w.B, NewCreate(TN(13), SPA, SPB, LRNB))
	w.Clock.Set(*sv.T1ExpiresAt)
	fireAll(t, w.S, w.Clock.Now())
	got, _ := w.S.SV(w.Admin, sv.ID)
	if err := w.S.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := b.Attach(t, w.S)
	w.Clock.Set(got.T2ExpiresAt.Add(time.Hour))
	s2.Now = w.Clock.Now
	if n := fireAll(t, s2, w.Clock.Now()); n != 1 {
		t.Fatalf("restarted server fired %d timers, want 1 (T2)", n)
	}
	if n := fireAll(t, s2, w.Clock.Now()); n != 0 {
		t.Fatalf("restarted server fired %d more, want 0", n)
	}
	a, err := s2.Authenticate(context.Background(), w.Tokens["bravo-soa"])
	if err != nil {
		t.Fatal(err)
	}
	ns, err := s2.Notifications(npac.NewContext(context.Background(), a), SPB, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	t2 := 0
	for _, n := range ns {
		if n.Kind == npac.NoticeT2Expired {
			t2++
		}
	}
	if t2 != 1 {
		t.Errorf("got %d T2 expiry notices, want exactly 1", t2)
	}
}

// testSchedulersRace runs two schedulers on one database over many due
// timers; each timer must take effect exactly once.
func testSchedulersRace(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	const n = 30
	var t1 time.Time
	for i := 0; i < n; i++ {
		sv := w.MustCreate(t, w.B, NewCreate(TN(100+i), SPA, SPB, LRNB))
		t1 = *sv.T1ExpiresAt
	}
	s2 := b.Attach(t, w.S)
	s2.Now = w.Clock.Now
	defer s2.Close()
	w.Clock.Set(t1)
	var wg sync.WaitGroup
	fired := make([]int, 2)
	for i, s := range []*store.Store{w.S, s2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k, err := s.FireDue(context.Background(), t1, 5)
				if err != nil {
					t.Errorf("scheduler %d: %v", i, err)
					return
				}
				fired[i] += k
				if k == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	if fired[0]+fired[1] != n {
		t.Errorf("schedulers fired %d+%d timers, want %d in all", fired[0], fired[1], n)
	}
	if c := countKind(noticeKinds(t, w, w.B, SPB, 0), npac.NoticeT1Expired); c != n {
		t.Errorf("got %d T1 notices, want %d", c, n)
	}
}

// testConcurrentCreates races competing new SPs for one TN: exactly one
// wins.
func testConcurrentCreates(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	const racers = 8
	var wg sync.WaitGroup
	errs := make([]error, racers)
	start := make(chan struct{})
	for i := 0; i < racers; i++ {
		ctx, in := w.B, NewCreate(TN(20), SPA, SPB, LRNB)
		if i%2 == 1 {
			ctx, in = w.C, NewCreate(TN(20), SPA, SPC, LRNC)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = w.S.CreateSV(ctx, in)
		}()
	}
	close(start)
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch npac.ErrorCode(err) {
		case "":
			wins++
		case npac.ESVAlreadyPending, npac.ECreateMismatch:
		default:
			t.Errorf("racer failed with %v, want success, %s or %s", err, npac.ESVAlreadyPending, npac.ECreateMismatch)
		}
	}
	if wins != 1 {
		t.Errorf("got %d winning creates, want exactly 1", wins)
	}
	var live int
	if err := w.S.DB().QueryRow(`SELECT COUNT(*) FROM svs WHERE tn = '` + string(TN(20)) + `'`).Scan(&live); err != nil {
		t.Fatal(err)
	}
	if live != 1 {
		t.Errorf("got %d SVs for the TN, want 1", live)
	}
}

// testConcurrentConcur sends both sides' creates at once, many times: each
// TN ends with one concurred SV.
func testConcurrentConcur(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	const tns = 10
	var wg sync.WaitGroup
	for i := 0; i < tns; i++ {
		tn := TN(30 + i)
		for _, f := range []func() error{
			func() error { _, err := w.S.CreateSV(w.B, NewCreate(tn, SPA, SPB, LRNB)); return err },
			func() error { _, err := w.S.CreateSV(w.A, OldCreate(tn, SPA, SPB)); return err },
		} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := f(); err != nil {
					t.Errorf("create %s: %v", tn, err)
				}
			}()
		}
	}
	wg.Wait()
	for i := 0; i < tns; i++ {
		list, err := w.S.SVs(w.Admin, npac.SVFilter{TN: TN(30 + i)})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || !list[0].Concurred() {
			t.Errorf("%s: got %d SVs, want 1 concurred", TN(30+i), len(list))
		}
	}
}

func testRange(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	w.MustCreate(t, w.C, NewCreate(TN(205), SPA, SPC, LRNC))
	var tns []npac.TN
	for i := 200; i < 250; i++ {
		tns = append(tns, TN(i))
	}
	res, err := w.S.CreateRange(w.B, NewCreate("", SPA, SPB, LRNB), tns)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(tns) {
		t.Fatalf("got %d results, want %d", len(res), len(tns))
	}
	for _, r := range res {
		switch {
		case r.TN == TN(205):
			if r.Error == nil || r.Error.Code != npac.ECreateMismatch {
				t.Errorf("%s: got %+v, want %s", r.TN, r.Error, npac.ECreateMismatch)
			}
		case r.Error != nil || r.SV == nil || r.SV.TN != r.TN:
			t.Errorf("%s: got %+v / %v, want an SV", r.TN, r.SV, r.Error)
		}
	}
	if _, err := w.S.CreateRange(w.A, OldCreate("", SPA, SPB), tns); err != nil {
		t.Fatal(err)
	}
	w.Clock.Set(DueDay.Add(14 * time.Hour))
	res, err = w.S.ActRange(w.B, tns, npac.Action{Kind: npac.ActActivate})
	if err != nil {
		t.Fatal(err)
	}
	ok := 0
	for _, r := range res {
		if r.Error == nil && r.SV.Status == npac.StatusActive {
			ok++
		}
	}
	if ok != len(tns)-1 {
		t.Errorf("range activate: got %d active, want %d", ok, len(tns)-1)
	}
	big := make([]npac.TN, npac.MaxRange+1)
	for i := range big {
		big[i] = npac.TN(fmt.Sprintf("2125560%03d", i%1000))
	}
	_, err = w.S.CreateRange(w.B, NewCreate("", SPA, SPB, LRNB), big)
	WantCode(t, err, npac.ETOOLARGE)
}

func testIdempotency(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	in := NewCreate(TN(40), SPA, SPB, LRNB)
	in.IdempotencyKey = "order-40"
	first := w.MustCreate(t, w.B, in)
	again := w.MustCreate(t, w.B, in)
	if again.ID != first.ID {
		t.Errorf("replayed create: got SV %d, want %d", again.ID, first.ID)
	}
	if n := w.Count(t, "svs"); n != 1 {
		t.Errorf("got %d SVs after a replay, want 1", n)
	}
	in.BillingID = "X1"
	_, err := w.S.CreateSV(w.B, in)
	WantCode(t, err, npac.EIDEMPOTENCY)
	// Keys belong to their user: another user's key does not collide.
	other := NewCreate(TN(41), SPA, SPC, LRNC)
	other.IdempotencyKey = "order-40"
	if _, err := w.S.CreateSV(w.C, other); err != nil {
		t.Errorf("another user's same key: %v", err)
	}
}

func testCancel(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	// Concurred port canceled by the new SP: the old SP must acknowledge.
	sv := w.MustCreate(t, w.B, NewCreate(TN(50), SPA, SPB, LRNB))
	w.MustCreate(t, w.A, OldCreate(TN(50), SPA, SPB))
	cp := w.MustAct(t, w.B, sv.ID, npac.Action{Kind: npac.ActCancel})
	if cp.Status != npac.StatusCancelPending {
		t.Fatalf("got %s, want cancel-pending", cp.Status)
	}
	_, err := w.S.Act(w.B, sv.ID, npac.Action{Kind: npac.ActCancelAck})
	WantCode(t, err, npac.ESVWrongActor)
	undone := w.MustAct(t, w.B, sv.ID, npac.Action{Kind: npac.ActCancelUndo})
	if undone.Status != npac.StatusPending {
		t.Fatalf("cancel-undo: got %s, want pending", undone.Status)
	}
	w.MustAct(t, w.B, sv.ID, npac.Action{Kind: npac.ActCancel})
	done := w.MustAct(t, w.A, sv.ID, npac.Action{Kind: npac.ActCancelAck})
	if done.Status != npac.StatusCanceled {
		t.Fatalf("cancel-ack: got %s, want canceled", done.Status)
	}
	// The TN is free again.
	w.MustCreate(t, w.C, NewCreate(TN(50), SPA, SPC, LRNC))

	// An old-SP cancel the new SP never acknowledges ends in conflict.
	sv2 := w.MustCreate(t, w.B, NewCreate(TN(51), SPA, SPB, LRNB))
	w.MustCreate(t, w.A, OldCreate(TN(51), SPA, SPB))
	w.MustAct(t, w.A, sv2.ID, npac.Action{Kind: npac.ActCancel})
	for i := 0; i < 2; i++ {
		next, ok, err := w.S.NextDue(context.Background())
		if err != nil || !ok {
			t.Fatalf("cancellation window %d not scheduled (%v)", i, err)
		}
		w.Clock.Set(next)
		fireAll(t, w.S, next)
	}
	got, _ := w.S.SV(w.A, sv2.ID)
	if got.Status != npac.StatusConflict || got.CauseCode != npac.CauseCancelNotAcked {
		t.Errorf("after both windows got %s cause %d, want conflict cause %d", got.Status, got.CauseCode, npac.CauseCancelNotAcked)
	}
}

func testDisconnect(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	sv := w.Port(t, TN(60))
	erd := w.Clock.Now().Add(72 * time.Hour)
	_, err := w.S.Act(w.A, sv.ID, npac.Action{Kind: npac.ActDisconnect})
	WantCode(t, err, npac.ESVWrongActor)
	dp := w.MustAct(t, w.B, sv.ID, npac.Action{Kind: npac.ActDisconnect, EffectiveReleaseDate: &erd})
	if dp.Status != npac.StatusDisconnectPending {
		t.Fatalf("got %s, want disconnect-pending", dp.Status)
	}
	if c := countKind(noticeKinds(t, w, w.A, SPA, 0), npac.NoticeCustomerDisconnect); c != 1 {
		t.Errorf("code holder got %d disconnect notices, want 1", c)
	}
	w.Clock.Set(erd)
	if n := fireAll(t, w.S, erd); n != 1 {
		t.Fatalf("at the release date fired %d, want 1", n)
	}
	got, _ := w.S.SV(w.B, sv.ID)
	if got.Status != npac.StatusOld {
		t.Fatalf("after release got %s, want old", got.Status)
	}
	// The number is back with the code holder: the next port names it.
	w.MustCreate(t, w.C, NewCreate(TN(60), SPA, SPC, LRNC))

	sv2 := w.Port(t, TN(61))
	imm := w.MustAct(t, w.B, sv2.ID, npac.Action{Kind: npac.ActDisconnect})
	if imm.Status != npac.StatusOld {
		t.Errorf("immediate disconnect: got %s, want old", imm.Status)
	}
}

func testPortToOriginal(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	ported := w.Port(t, TN(70))
	in := NewCreate(TN(70), SPB, SPA, "")
	in.PortToOriginal = true
	in.DueDate = w.Clock.Now()
	pto := w.MustCreate(t, w.A, in)
	w.MustCreate(t, w.B, npac.SVCreate{TN: TN(70), OldSPID: SPB, NewSPID: SPA, DueDate: in.DueDate, PortToOriginal: true})
	done := w.MustAct(t, w.A, pto.ID, npac.Action{Kind: npac.ActActivate})
	if done.Status != npac.StatusOld {
		t.Errorf("port-to-original: got %s, want old", done.Status)
	}
	prev, _ := w.S.SV(w.Admin, ported.ID)
	if prev.Status != npac.StatusOld {
		t.Errorf("ported SV: got %s, want old", prev.Status)
	}
	live, _ := w.S.SVs(w.Admin, npac.SVFilter{TN: TN(70), Status: npac.StatusActive})
	if len(live) != 0 {
		t.Errorf("got %d active SVs, want none: the number routes to its code holder", len(live))
	}
}

func testIntraProvider(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	sv := w.MustCreate(t, w.A, NewCreate(TN(80), SPA, SPA, LRNA))
	if !sv.Concurred() || sv.LNPType != npac.LNPIntraProvider {
		t.Fatalf("intra-provider create: got concurred %t type %s, want true lisp", sv.Concurred(), sv.LNPType)
	}
	w.Clock.Set(DueDay.Add(14 * time.Hour))
	if got := w.MustAct(t, w.A, sv.ID, npac.Action{Kind: npac.ActActivate}); got.Status != npac.StatusActive {
		t.Errorf("got %s, want active", got.Status)
	}
}

func testPurge(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	sv := w.MustCreate(t, w.B, NewCreate(TN(90), SPA, SPB, LRNB))
	w.MustCreate(t, w.A, OldCreate(TN(90), SPA, SPB))
	w.Clock.Set(DueDay.Add(29 * 24 * time.Hour))
	fireAll(t, w.S, w.Clock.Now())
	if got, _ := w.S.SV(w.B, sv.ID); got.Status != npac.StatusPending {
		t.Fatalf("29 days after due: got %s, want pending", got.Status)
	}
	w.Clock.Set(DueDay.Add(30 * 24 * time.Hour))
	fireAll(t, w.S, w.Clock.Now())
	if got, _ := w.S.SV(w.B, sv.ID); got.Status != npac.StatusCanceled {
		t.Errorf("30 days after due: got %s, want canceled", got.Status)
	}
}

func testNotifications(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	w.Port(t, TN(95))
	ns, err := w.S.Notifications(w.B, SPB, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range ns {
		if n.Seq != int64(i+1) || n.SPID != SPB {
			t.Fatalf("notification %d: got seq %d for %s, want %d for %s", i, n.Seq, n.SPID, i+1, SPB)
		}
	}
	if len(ns) < 3 {
		t.Fatalf("got %d notifications for the new SP, want at least 3", len(ns))
	}
	rest, err := w.S.Notifications(w.B, SPB, 2, 1000)
	if err != nil || len(rest) != len(ns)-2 || rest[0].Seq != 3 {
		t.Errorf("resume after 2: got %d from seq %d (%v), want %d from 3", len(rest), rest[0].Seq, err, len(ns)-2)
	}
	last, err := w.S.LastSeq(w.B, SPB)
	if err != nil || last != int64(len(ns)) {
		t.Errorf("last seq: got %d (%v), want %d", last, err, len(ns))
	}
	if _, err := w.S.Notifications(w.LSMSB, SPB, 0, 10); err != nil {
		t.Errorf("LSMS reads its provider's stream: %v", err)
	}
	_, err = w.S.Notifications(w.C, SPB, 0, 10)
	WantCode(t, err, npac.EFORBIDDEN)
	var last2 []npac.Status
	for _, n := range ns {
		if n.Kind == npac.NoticeStatusChange {
			last2 = append(last2, n.Status)
		}
	}
	if diff := cmp.Diff([]npac.Status{npac.StatusSending, npac.StatusActive}, last2); diff != "" {
		t.Errorf("status changes (-want +got):\n%s", diff)
	}
}

func testAudit(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	sv := w.Port(t, TN(96))
	recs, err := w.S.Audit(w.B, npac.AuditFilter{Entity: "sv", EntityID: fmt.Sprint(sv.ID)})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, r := range recs {
		actions = append(actions, r.Action+"/"+r.UserName+"/"+string(r.SPID))
	}
	want := []string{"sv.create/bravo-soa/BBB2", "sv.concur/alpha-soa/AAA1", "sv.activate/bravo-soa/BBB2"}
	if diff := cmp.Diff(want, actions); diff != "" {
		t.Fatalf("audit (-want +got):\n%s", diff)
	}
	var before, after npac.SV
	if err := json.Unmarshal(recs[2].Before, &before); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(recs[2].After, &after); err != nil {
		t.Fatal(err)
	}
	if before.Status != npac.StatusPending || after.Status != npac.StatusActive {
		t.Errorf("activation audit: got %s → %s, want pending → active", before.Status, after.Status)
	}
	_, err = w.S.Audit(w.C, npac.AuditFilter{Entity: "sv", EntityID: fmt.Sprint(sv.ID)})
	if err == nil {
		t.Error("a third provider read the audit trail of a port it is not party to")
	}
	all, err := w.S.Audit(w.Admin, npac.AuditFilter{Entity: "provider"})
	if err != nil || len(all) != 4 {
		t.Errorf("provider audit records: got %d (%v), want 4", len(all), err)
	}
}

// testRangeModify modifies many SVs at once with one signaling point pair:
// each SV gets its own canonical copy.
func testRangeModify(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	var tns []npac.TN
	for i := 300; i < 340; i++ {
		tns = append(tns, TN(i))
	}
	if _, err := w.S.CreateRange(w.B, NewCreate("", SPA, SPB, LRNB), tns); err != nil {
		t.Fatal(err)
	}
	ssn := 7
	res, err := w.S.ActRange(w.B, tns, npac.Action{Kind: npac.ActModify, Modify: &npac.SVModify{CNAM: &npac.SignalingPoint{DPC: "1.2.3", SSN: &ssn}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Error != nil || r.SV.CNAM == nil || r.SV.CNAM.DPC != "001-002-003" || *r.SV.CNAM.SSN != 7 {
			t.Fatalf("%s: got %+v / %v, want CNAM 001-002-003/7", r.TN, r.SV, r.Error)
		}
	}
	got, err := w.S.SVs(w.B, npac.SVFilter{TN: TN(339)})
	if err != nil || len(got) != 1 || got[0].CNAM == nil || got[0].CNAM.DPC != "001-002-003" {
		t.Fatalf("stored CNAM of %s: got %+v (%v)", TN(339), got, err)
	}
}

// testSchedulerSkipsFailures breaks the SV of the earliest due timer: the
// scheduler reports the failure, still fires the timers behind it, and
// keeps the broken one due.
func testSchedulerSkipsFailures(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	first := w.MustCreate(t, w.B, NewCreate(TN(400), SPA, SPB, LRNB))
	w.Clock.Advance(time.Minute)
	second := w.MustCreate(t, w.B, NewCreate(TN(401), SPA, SPB, LRNB))
	if _, err := w.S.DB().Exec(`UPDATE svs SET data = 'not json' WHERE id = ` + fmt.Sprint(first.ID)); err != nil {
		t.Fatal(err)
	}
	n, err := w.S.FireDue(context.Background(), *second.T1ExpiresAt, 100)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("sv %d", first.ID)) {
		t.Errorf("got error %v, want one naming sv %d", err, first.ID)
	}
	if n != 1 {
		t.Errorf("fired %d timers, want 1 (the second SV's T1)", n)
	}
	got, _ := w.S.SV(w.B, second.ID)
	if got == nil || got.T2ExpiresAt == nil {
		t.Errorf("second SV's T1 did not take effect: %+v", got)
	}
	next, ok, err := w.S.NextDue(context.Background())
	if err != nil || !ok || !next.Equal(*first.T1ExpiresAt) {
		t.Errorf("next due: got %v %t %v, want the broken T1 at %v still due", next, ok, err, first.T1ExpiresAt)
	}
}
