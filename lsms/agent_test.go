package lsms_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/calendar"
	apihttp "github.com/opennpac/npac/http"
	"github.com/opennpac/npac/lifecycle"
	"github.com/opennpac/npac/lsms"
	"github.com/opennpac/npac/sqlite"
	"github.com/opennpac/npac/store"
	"github.com/opennpac/npac/storetest"
)

// npacEnv is a real NPAC (SQLite store, HTTP API on 127.0.0.1) with the
// storetest world and SPB's LSMS registered.
type npacEnv struct {
	w   *storetest.World
	url string
}

func newNPAC(t *testing.T) *npacEnv {
	t.Helper()
	m, err := lifecycle.New(npac.DefaultTunables(), calendar.USFederal())
	if err != nil {
		t.Fatal(err)
	}
	w := storetest.NewWorld(t, func(t testing.TB) *store.Store {
		s, err := sqlite.Open(t.TempDir(), m, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return s
	})
	if err := w.S.RegisterLSMS(w.Admin, &npac.LSMSRegistration{SPID: storetest.SPB, Regions: []npac.Region{npac.Northeast}}); err != nil {
		t.Fatal(err)
	}
	st := w.S
	api := apihttp.For(st, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	return &npacEnv{w: w, url: srv.URL}
}

// runningAgent is an LSMS agent running in the background.
type runningAgent struct {
	a    *lsms.Agent
	stop func()
}

func (e *npacEnv) startAgent(t *testing.T, dir string) *runningAgent {
	t.Helper()
	st, err := lsms.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	a := &lsms.Agent{NPAC: e.url, Token: e.w.Tokens["bravo-lsms"], SPID: storetest.SPB, Store: st, Log: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := a.Run(ctx); err != nil {
			t.Errorf("agent: %v", err)
		}
	}()
	ra := &runningAgent{a: a, stop: func() { cancel(); wg.Wait(); st.Close() }}
	t.Cleanup(func() {
		if ctx.Err() == nil {
			ra.stop()
		}
	})
	waitFor(t, "the first sync", func() bool { return a.Ready() })
	return ra
}

// waitFor polls cond for up to 20 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (e *npacEnv) status(t *testing.T, id int64) npac.Status {
	sv, err := e.w.S.SV(e.w.Admin, id)
	if err != nil {
		t.Fatal(err)
	}
	return sv.Status
}

// published returns the NPAC's image of SPB's routes as TN → LRN.
func (e *npacEnv) published(t *testing.T) map[npac.TN]npac.LRN {
	out := map[npac.TN]npac.LRN{}
	err := e.w.S.Image(e.w.LSMSB, storetest.SPB, func(int64, int64) error { return nil }, func(m *npac.Message) error {
		if m.Kind == npac.MsgSV {
			out[m.TN] = m.Route.LRN
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// local returns an LSMS store's routes as TN → LRN.
func local(t *testing.T, dir string) map[npac.TN]npac.LRN {
	st, err := lsms.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	out := map[npac.TN]npac.LRN{}
	if err := st.Dump(context.Background(), func(tn npac.TN, r *npac.Route) error { out[tn] = r.LRN; return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode
}

func TestSyncApplyAndDip(t *testing.T) {
	e := newNPAC(t)
	dir := filepath.Join(t.TempDir(), "lsms")
	ra := e.startAgent(t, dir)
	dips := httptest.NewServer(lsms.DipHandler(ra.a))
	defer dips.Close()

	sv := e.w.Port(t, storetest.TN(1))
	if sv.Status != npac.StatusSending {
		t.Fatalf("with an LSMS registered, activation gave %s, want sending", sv.Status)
	}
	waitFor(t, "the LSMS's acknowledgement to activate the SV", func() bool { return e.status(t, sv.ID) == npac.StatusActive })

	var ans lsms.Answer
	if code := getJSON(t, dips.URL+"/lnp/v1/"+string(storetest.TN(1)), &ans); code != 200 || ans.Route == nil || !ans.Ported || ans.LRN != storetest.LRNB || ans.SPID != storetest.SPB {
		t.Fatalf("dip of a ported TN: status %d, %+v; want ported to %s via %s", code, ans, storetest.SPB, storetest.LRNB)
	}
	if code := getJSON(t, dips.URL+"/lnp/v1/"+string(storetest.TN(2)), &ans); code != 200 || ans.Ported || ans.SPID != storetest.SPA {
		t.Errorf("dip of an unported TN: status %d, %+v; want not ported, code holder %s", code, ans, storetest.SPA)
	}
	var p lsms.Problem
	if code := getJSON(t, dips.URL+"/lnp/v1/3125550100", &p); code != 404 || p.Code != npac.ENOTFOUND {
		t.Errorf("dip of an unknown code: status %d, %+v; want 404 not-found", code, p)
	}
	if code := getJSON(t, dips.URL+"/lnp/v1/0125550100", &p); code != 400 || p.Code != npac.EINVALID {
		t.Errorf("dip of a bad TN: status %d, %+v; want 400 invalid", code, p)
	}

	// A batch dip answers each TN, errors included; more than MaxBatch is
	// refused.
	body := fmt.Sprintf(`{"tns": [%q, %q, "bad"]}`, storetest.TN(1), storetest.TN(2))
	resp, err := http.Post(dips.URL+"/lnp/v1", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var batch struct {
		Results []lsms.Answer `json:"results"`
	}
	json.NewDecoder(resp.Body).Decode(&batch)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(batch.Results) != 3 || batch.Results[0].Route == nil || batch.Results[0].LRN != storetest.LRNB ||
		batch.Results[1].Route == nil || batch.Results[1].Ported || batch.Results[2].Error == nil || batch.Results[2].Error.Code != npac.EINVALID {
		t.Errorf("batch dip: status %d, %+v; want ported, not ported, invalid", resp.StatusCode, batch.Results)
	}
	many := make([]string, lsms.MaxBatch+1)
	for i := range many {
		many[i] = string(storetest.TN(i))
	}
	big, _ := json.Marshal(map[string][]string{"tns": many})
	resp, err = http.Post(dips.URL+"/lnp/v1", "application/json", bytes.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("a batch of %d TNs: status %d, want 400", len(many), resp.StatusCode)
	}

	// A disconnect snaps the TN back to its code holder.
	dis := e.w.MustAct(t, e.w.B, sv.ID, npac.Action{Kind: npac.ActDisconnect})
	waitFor(t, "the disconnect to apply", func() bool { return e.status(t, dis.ID) == npac.StatusOld })
	if r, ok := ra.a.Resolve(storetest.TN(1)); !ok || r.Ported || r.SPID != storetest.SPA {
		t.Errorf("after disconnect got %+v, want not ported, code holder %s", r, storetest.SPA)
	}
}

// TestOfflineLSMSConverges stops the LSMS while 1,000 ports activate: on
// its return it applies exactly what it missed, the SVs go active, and its
// copy equals the NPAC's published state.
func TestOfflineLSMSConverges(t *testing.T) {
	e := newNPAC(t)
	dir := filepath.Join(t.TempDir(), "lsms")
	ra := e.startAgent(t, dir)
	before := e.w.Port(t, storetest.TN(9999))
	waitFor(t, "the first port", func() bool { return e.status(t, before.ID) == npac.StatusActive })
	ra.stop()

	const n = 1000
	var tns []npac.TN
	for i := 0; i < n; i++ {
		tns = append(tns, npac.TN(fmt.Sprintf("212556%04d", i)))
	}
	w := e.w
	if _, err := w.S.CreateRange(w.B, storetest.NewCreate("", storetest.SPA, storetest.SPB, storetest.LRNB), tns); err != nil {
		t.Fatal(err)
	}
	if _, err := w.S.CreateRange(w.A, storetest.OldCreate("", storetest.SPA, storetest.SPB), tns); err != nil {
		t.Fatal(err)
	}
	res, err := w.S.ActRange(w.B, tns, npac.Action{Kind: npac.ActActivate})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Error != nil || r.SV.Status != npac.StatusSending {
			t.Fatalf("%s: %+v %v, want sending", r.TN, r.SV, r.Error)
		}
	}
	e.startAgent(t, dir)
	waitFor(t, "every activation to be acknowledged", func() bool {
		list, err := w.S.SVs(w.Admin, npac.SVFilter{Status: npac.StatusSending, Limit: 1})
		return err == nil && len(list) == 0
	})
	got, want := local(t, dir), e.published(t)
	if len(want) != n+1 {
		t.Fatalf("NPAC publishes %d routes, want %d", len(want), n+1)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LSMS copy differs from the NPAC's (-npac +lsms):\n%s", diff)
	}
}

// TestTruncatedLogResync lets the LSMS fall further behind than the log
// keeps: it re-syncs from the full image and converges.
func TestTruncatedLogResync(t *testing.T) {
	e := newNPAC(t)
	dir := filepath.Join(t.TempDir(), "lsms")
	ra := e.startAgent(t, dir)
	first := e.w.Port(t, storetest.TN(10))
	waitFor(t, "the first port", func() bool { return e.status(t, first.ID) == npac.StatusActive })
	ra.stop()
	e.w.MustAct(t, e.w.B, first.ID, npac.Action{Kind: npac.ActDisconnect})
	e.w.Port(t, storetest.TN(11))
	// Past the retention bound the log drops what the LSMS never read.
	e.w.Clock.Advance(e.w.S.Machine().Tunables.LogRetention + time.Hour)
	if _, err := e.w.S.PruneLog(context.Background(), e.w.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	ra = e.startAgent(t, dir)
	waitFor(t, "the re-sync", func() bool {
		r, ok := ra.a.Resolve(storetest.TN(11))
		return ok && r.Ported
	})
	if r, _ := ra.a.Resolve(storetest.TN(10)); r == nil || r.Ported {
		t.Errorf("a TN disconnected while the LSMS was away: got %+v, want not ported", r)
	}
	if diff := cmp.Diff(e.published(t), local(t, dir)); diff != "" {
		t.Errorf("after re-sync (-npac +lsms):\n%s", diff)
	}
}

// TestBlocksAndSplitDips follows resolution through pool blocks and an NPA
// split: TN-level first, then the block, then the code holder, and both
// NPAs during the permissive dialing period.
func TestBlocksAndSplitDips(t *testing.T) {
	e := newNPAC(t)
	w := e.w
	ra := e.startAgent(t, filepath.Join(t.TempDir(), "lsms"))
	route := func(tn npac.TN) (npac.LRN, npac.SPID, bool) {
		r, ok := ra.a.Resolve(tn)
		if !ok {
			return "", "", false
		}
		return r.LRN, r.SPID, true
	}
	want := func(what string, tn npac.TN, lrn npac.LRN, spid npac.SPID) {
		t.Helper()
		waitFor(t, fmt.Sprintf("%s: %s answers %s of %s", what, tn, lrn, spid), func() bool {
			l, s, ok := route(tn)
			return ok && l == lrn && s == spid
		})
	}
	if _, err := w.S.CreateBlock(w.Admin, &npac.BlockCreate{NPANXXX: storetest.Block1, SPID: storetest.SPB, BlockRouting: npac.BlockRouting{LRN: storetest.LRNB}}); err != nil {
		t.Fatal(err)
	}
	inBlock := storetest.BlockTN(storetest.Block1, 5)
	for i := 0; i < 1000; i += 111 {
		want("pooled", storetest.BlockTN(storetest.Block1, i), storetest.LRNB, storetest.SPB)
	}
	want("code holder", storetest.TN(2), "", storetest.SPA)
	// The block holder serves the block once the LSMS acknowledged it.
	waitFor(t, "the block to be active", func() bool {
		b, err := w.S.Block(w.Admin, storetest.Block1)
		return err == nil && b.Status == npac.StatusActive
	})

	// Ported out of the block, then disconnected: back to the block.
	sv := w.MustCreate(t, w.C, storetest.NewCreate(inBlock, storetest.SPB, storetest.SPC, storetest.LRNC))
	w.MustCreate(t, w.B, storetest.OldCreate(inBlock, storetest.SPB, storetest.SPC))
	w.Clock.Set(storetest.DueDay.Add(14 * time.Hour))
	w.MustAct(t, w.C, sv.ID, npac.Action{Kind: npac.ActActivate})
	want("ported out of the block", inBlock, storetest.LRNC, storetest.SPC)
	want("its neighbour", storetest.BlockTN(storetest.Block1, 6), storetest.LRNB, storetest.SPB)
	waitFor(t, "the port to activate", func() bool { return e.status(t, sv.ID) == npac.StatusActive })
	w.MustAct(t, w.C, sv.ID, npac.Action{Kind: npac.ActDisconnect})
	want("disconnected", inBlock, storetest.LRNB, storetest.SPB)

	// An NPA split: both NPAs answer during the PDP, only the new one after.
	ported := w.Port(t, storetest.TN(1))
	waitFor(t, "the port to activate", func() bool { return e.status(t, ported.ID) == npac.StatusActive })
	w.Split(t, w.Clock.Now(), w.Clock.Now().Add(24*time.Hour))
	moved := npac.TN(storetest.SplitTo) + storetest.TN(1)[3:]
	want("new NPA", moved, storetest.LRNB, storetest.SPB)
	want("old NPA during the PDP", storetest.TN(1), storetest.LRNB, storetest.SPB)
	want("pooled, old NPA", inBlock, storetest.LRNB, storetest.SPB)
	want("pooled, new NPA", npac.TN(storetest.SplitTo)+inBlock[3:], storetest.LRNB, storetest.SPB)
	w.Clock.Advance(24 * time.Hour)
	w.Advance(t)
	waitFor(t, "the old NPA to stop answering", func() bool { _, _, ok := route(storetest.TN(1)); return !ok })
	want("new NPA after the PDP", moved, storetest.LRNB, storetest.SPB)

	// An LSMS loading the image after the split has the same data.
	ra.stop()
	rb := e.startAgent(t, filepath.Join(t.TempDir(), "again"))
	if r, ok := rb.a.Resolve(moved); !ok || r.LRN != storetest.LRNB || r.SPID != storetest.SPB {
		t.Errorf("after a fresh image %s answers %+v (%t)", moved, r, ok)
	}
}
