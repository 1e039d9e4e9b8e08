// Package storetest is the conformance suite every OpenNPAC store must
// pass. The sqlite and postgres packages run it against a real database;
// nothing here is mocked.
package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/store"
)

// Opener returns a fresh, migrated, empty store for one test. The suite
// sets its clock.
type Opener func(t testing.TB) *store.Store

// Clock is a settable fake clock for a store.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// The world the suite ports numbers in. Code holder AAA1 holds 212-555 and
// 212-556 (Northeast); BBB2 and CCC3 are competitors; SB01 is a service
// bureau that BBB2 authorized.
const (
	SPA    npac.SPID   = "AAA1"
	SPB    npac.SPID   = "BBB2"
	SPC    npac.SPID   = "CCC3"
	Bureau npac.SPID   = "SB01"
	CodeA  npac.NPANXX = "212555"
	CodeA2 npac.NPANXX = "212556"
	LRNA   npac.LRN    = "2125550000"
	LRNB   npac.LRN    = "2125559999"
	LRNC   npac.LRN    = "2125569999"
)

// NY is the Northeast region's time zone.
var NY = mustLoad("America/New_York")

func mustLoad(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// Start is the clock's first reading: Monday 2026-11-16 10:00 New York.
var Start = time.Date(2026, 11, 16, 10, 0, 0, 0, NY)

// World is a seeded store with a context per actor.
type World struct {
	S     *store.Store
	Clock *Clock
	// Admin, A, B, C act as NPAC personnel and as the SOAs of SPA, SPB
	// and SPC; SB acts as the bureau; LSMSB is SPB's LSMS.
	Admin, A, B, C, SB, LSMSB context.Context
	// Tokens holds each seeded user's token secret by name.
	Tokens map[string]string
}

// NewWorld seeds a fresh store.
func NewWorld(t testing.TB, open Opener) *World {
	t.Helper()
	s := open(t)
	clk := &Clock{now: Start}
	s.Now = clk.Now
	ctx := context.Background()
	w := &World{S: s, Clock: clk, Tokens: map[string]string{}}
	tok, err := s.Bootstrap(ctx)
	if err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	w.Admin = w.login(t, tok.Secret)
	w.Tokens["admin"] = tok.Secret
	for _, p := range []npac.Provider{
		{SPID: Bureau, Name: "Bureau One", Type: npac.ProviderServiceBureau, Regions: []npac.Region{npac.Northeast}},
		{SPID: SPA, Name: "Alpha Telephone", Type: npac.ProviderWireline, Regions: []npac.Region{npac.Northeast}},
		{SPID: SPB, Name: "Bravo Wireless", Type: npac.ProviderWireless, Regions: []npac.Region{npac.Northeast}, Bureaus: []npac.SPID{Bureau}},
		{SPID: SPC, Name: "Charlie VoIP", Type: npac.ProviderVoIP, Regions: []npac.Region{npac.Northeast}},
	} {
		p := p
		if err := s.CreateProvider(w.Admin, &p); err != nil {
			t.Fatalf("create provider %s: %v", p.SPID, err)
		}
	}
	for _, c := range []npac.CodeRecord{
		{NPANXX: CodeA, SPID: SPA, Region: npac.Northeast, Portable: true, EffectiveDate: Start.Add(-24 * time.Hour)},
		{NPANXX: CodeA2, SPID: SPA, Region: npac.Northeast, Portable: true, EffectiveDate: Start.Add(-24 * time.Hour)},
	} {
		c := c
		if err := s.CreateCode(w.Admin, &c); err != nil {
			t.Fatalf("create code: %v", err)
		}
	}
	for _, l := range []npac.LRNRecord{{LRN: LRNA, SPID: SPA, Region: npac.Northeast}, {LRN: LRNB, SPID: SPB, Region: npac.Northeast}, {LRN: LRNC, SPID: SPC, Region: npac.Northeast}} {
		l := l
		if err := s.CreateLRN(w.Admin, &l); err != nil {
			t.Fatalf("create lrn: %v", err)
		}
	}
	users := []struct {
		name string
		g    npac.Grant
		dst  *context.Context
	}{
		{"alpha-soa", npac.Grant{Role: npac.RoleSOA, SPID: SPA}, &w.A},
		{"bravo-soa", npac.Grant{Role: npac.RoleSOA, SPID: SPB}, &w.B},
		{"charlie-soa", npac.Grant{Role: npac.RoleSOA, SPID: SPC}, &w.C},
		{"bureau", npac.Grant{Role: npac.RoleServiceBureau, SPID: Bureau}, &w.SB},
		{"bravo-lsms", npac.Grant{Role: npac.RoleLSMS, SPID: SPB}, &w.LSMSB},
	}
	for _, u := range users {
		tok, err := s.CreateUser(w.Admin, &npac.User{Name: u.name, Grants: []npac.Grant{u.g}})
		if err != nil {
			t.Fatalf("create user %s: %v", u.name, err)
		}
		w.Tokens[u.name] = tok.Secret
		*u.dst = w.login(t, tok.Secret)
	}
	return w
}

// login authenticates a token and returns a context carrying its actor.
func (w *World) login(t testing.TB, secret string) context.Context {
	t.Helper()
	a, err := w.S.Authenticate(context.Background(), secret)
	if err != nil {
		t.Fatalf("authenticate: %v", err)
	}
	return npac.NewContext(context.Background(), a)
}

// TN returns the i-th test number in 212-555.
func TN(i int) npac.TN { return npac.TN(fmt.Sprintf("212555%04d", i)) }

// DueDay is the due date the suite's ports use unless they say otherwise:
// Wednesday 2026-11-18, two business days after Start.
var DueDay = time.Date(2026, 11, 18, 0, 0, 0, 0, time.UTC)

// NewCreate is the new SP's create of a port of tn from old to new.
func NewCreate(tn npac.TN, old, new npac.SPID, lrn npac.LRN) npac.SVCreate {
	return npac.SVCreate{TN: tn, OldSPID: old, NewSPID: new, DueDate: DueDay, RoutingData: npac.RoutingData{LRN: lrn}}
}

// OldCreate is the old SP's concurring create.
func OldCreate(tn npac.TN, old, new npac.SPID) npac.SVCreate {
	return npac.SVCreate{TN: tn, OldSPID: old, NewSPID: new, DueDate: DueDay}
}

// Port runs a whole concurred port of tn from SPA to SPB and returns the
// active SV; the clock ends on the due date.
func (w *World) Port(t testing.TB, tn npac.TN) *npac.SV {
	t.Helper()
	sv := w.MustCreate(t, w.B, NewCreate(tn, SPA, SPB, LRNB))
	w.MustCreate(t, w.A, OldCreate(tn, SPA, SPB))
	if w.Clock.Now().Before(DueDay) {
		w.Clock.Set(DueDay.Add(14 * time.Hour))
	}
	return w.MustAct(t, w.B, sv.ID, npac.Action{Kind: npac.ActActivate})
}

// MustCreate creates an SV or fails the test.
func (w *World) MustCreate(t testing.TB, ctx context.Context, in npac.SVCreate) *npac.SV {
	t.Helper()
	sv, err := w.S.CreateSV(ctx, in)
	if err != nil {
		t.Fatalf("create %s: %v", in.TN, err)
	}
	return sv
}

// MustAct performs an action or fails the test.
func (w *World) MustAct(t testing.TB, ctx context.Context, id int64, a npac.Action) *npac.SV {
	t.Helper()
	sv, err := w.S.Act(ctx, id, a)
	if err != nil {
		t.Fatalf("%s sv %d: %v", a.Kind, id, err)
	}
	return sv
}

// Count returns the number of rows in a table.
func (w *World) Count(t testing.TB, table string) int {
	t.Helper()
	var n int
	if err := w.S.DB().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// WantCode fails the test unless err carries the code.
func WantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := npac.ErrorCode(err); got != code {
		t.Fatalf("got error code %q (%v), want %q", got, err, code)
	}
}
