package outbound_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opennpac/npac"
	"github.com/opennpac/npac/outbound"
)

const secret = "whsec_test-secret-0123456789"

// delivery is one request a receiver took.
type delivery struct {
	ID   string
	Kind string
	Seq  int64
	Body string
}

// receiver is a real webhook receiver on 127.0.0.1 that checks every
// request's headers and signature and answers with status(i) for the i-th
// request (from 0).
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	clock  func() time.Time
	status func(i int) int
	block  chan struct{} // when not nil, requests wait for it to close
	delay  time.Duration // each request takes this long

	mu      sync.Mutex
	n       int
	got     []delivery // requests answered 2xx
	all     []delivery // every request
	arrived chan struct{}
}

func newReceiver(t *testing.T, clock func() time.Time) *receiver {
	r := &receiver{t: t, clock: clock, status: func(int) int { return http.StatusOK }, arrived: make(chan struct{}, 1000)}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	if !strings.HasPrefix(r.srv.URL, "http://127.0.0.1:") {
		t.Fatalf("receiver at %s, want 127.0.0.1", r.srv.URL)
	}
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		r.t.Errorf("reading body: %v", err)
		return
	}
	if req.Method != http.MethodPost {
		r.t.Errorf("method = %s", req.Method)
	}
	if err := outbound.Verify(secret, req.Header.Get(outbound.HeaderSignature), body, r.clock(), time.Minute); err != nil {
		r.t.Errorf("signature %q: %v", req.Header.Get(outbound.HeaderSignature), err)
		http.Error(w, "bad signature", http.StatusBadRequest)
		return
	}
	if ct := req.Header.Get("Content-Type"); ct != "application/json" {
		r.t.Errorf("Content-Type = %q", ct)
	}
	if ua := req.Header.Get("User-Agent"); !strings.HasPrefix(ua, "OpenNPAC-Webhook/") {
		r.t.Errorf("User-Agent = %q", ua)
	}
	var n npac.Notification
	if err := json.Unmarshal(body, &n); err != nil {
		r.t.Errorf("body %s: %v", body, err)
	}
	d := delivery{ID: req.Header.Get(outbound.HeaderEventID), Kind: req.Header.Get(outbound.HeaderEventKind), Seq: n.Seq, Body: string(body)}
	if want := fmt.Sprintf("%s-%d", n.SPID, n.Seq); d.ID != want {
		r.t.Errorf("event ID = %q, want %q", d.ID, want)
	}
	if d.Kind != string(n.Kind) {
		r.t.Errorf("event kind = %q, want %q", d.Kind, n.Kind)
	}
	time.Sleep(r.delay)
	if r.block != nil {
		select {
		case <-r.block:
		case <-req.Context().Done():
			return
		}
	}
	r.mu.Lock()
	code := r.status(r.n)
	r.n++
	r.all = append(r.all, d)
	if code/100 == 2 {
		r.got = append(r.got, d)
	}
	r.mu.Unlock()
	r.arrived <- struct{}{}
	w.WriteHeader(code)
	io.WriteString(w, "answer\n")
}

func (r *receiver) delivered() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func (r *receiver) requests() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.all)
}

func seqs(ds []delivery) []int64 {
	var out []int64
	for _, d := range ds {
		out = append(out, d.Seq)
	}
	return out
}

// setup returns a store, a fake clock and a worker using both.
func setup(t *testing.T) (*MemStore, *clock, *outbound.Worker) {
	store, clk := NewMemStore(), newClock()
	w := &outbound.Worker{
		Store:   store,
		Sender:  &outbound.Sender{Now: clk.Now, Client: &http.Client{Timeout: 10 * time.Second}},
		Now:     clk.Now,
		Backoff: outbound.BackoffBase,
	}
	return store, clk, w
}

func webhook(spid npac.SPID, url string) outbound.Endpoint {
	return outbound.Endpoint{SPID: spid, Kind: outbound.KindWebhook, URL: url, Secret: secret}
}

func statusChange(spid npac.SPID, tn npac.TN, from, to npac.Status) npac.Notification {
	return npac.Notification{SPID: spid, Kind: npac.NoticeStatusChange, SVID: 7, TN: tn, OldStatus: from, Status: to,
		Message: "The SV's status changed.", Data: map[string]any{"new_spid": "8821"}}
}

func runOnce(t *testing.T, w *outbound.Worker, want int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	n, err := w.RunOnce(ctx)
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	if n != want {
		t.Fatalf("RunOnce delivered %d, want %d", n, want)
	}
}

func TestWebhookDeliversInOrder(t *testing.T) {
	store, clk, w := setup(t)
	rcv := newReceiver(t, clk.Now)
	id := store.AddEndpoint(t, webhook("8051", rcv.srv.URL+"/hook"))
	var sent []*npac.Notification
	for _, st := range []npac.Status{npac.StatusPending, npac.StatusSending, npac.StatusActive} {
		sent = append(sent, store.Append(statusChange("8051", "6132210100", "", st)))
	}
	store.Append(statusChange("8821", "6132210100", "", npac.StatusActive)) // another provider's

	runOnce(t, w, 3)
	got := rcv.delivered()
	if !slices.Equal(seqs(got), []int64{1, 2, 3}) {
		t.Fatalf("delivered seqs %v, want [1 2 3]", seqs(got))
	}
	for i, d := range got {
		want, _ := json.Marshal(sent[i])
		if d.Body != string(want) {
			t.Errorf("body %d = %s, want %s", i, d.Body, want)
		}
	}
	if ep := store.Endpoint(id); ep.Cursor != 3 || ep.Failing || ep.Attempts != 0 {
		t.Errorf("endpoint after delivery = %+v", ep)
	}
	runOnce(t, w, 0) // nothing new
	if n := len(rcv.requests()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

func TestWebhookRetriesWithBackoff(t *testing.T) {
	store, clk, w := setup(t)
	rcv := newReceiver(t, clk.Now)
	rcv.status = func(i int) int {
		if i < 2 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	}
	id := store.AddEndpoint(t, webhook("8051", rcv.srv.URL))
	for range 3 {
		store.Append(statusChange("8051", "6132210100", npac.StatusPending, npac.StatusActive))
	}

	runOnce(t, w, 0)
	ep := store.Endpoint(id)
	if !ep.Failing || ep.Attempts != 1 || !ep.NextAttempt.Equal(clk.Now().Add(10*time.Second)) || ep.Cursor != 0 ||
		!strings.Contains(ep.LastError, "500") || ep.Disabled() {
		t.Fatalf("after 1st failure: %+v", ep)
	}
	// Not due yet: RunOnce must not try.
	clk.Advance(9 * time.Second)
	runOnce(t, w, 0)
	if n := len(rcv.requests()); n != 1 {
		t.Fatalf("%d requests before the next attempt was due, want 1", n)
	}
	clk.Advance(time.Second)
	runOnce(t, w, 0)
	ep = store.Endpoint(id)
	if ep.Attempts != 2 || !ep.NextAttempt.Equal(clk.Now().Add(30*time.Second)) {
		t.Fatalf("after 2nd failure: %+v", ep)
	}
	clk.Advance(30 * time.Second)
	runOnce(t, w, 3)
	if got := seqs(rcv.requests()); !slices.Equal(got, []int64{1, 1, 1, 2, 3}) {
		t.Fatalf("requests %v, want [1 1 1 2 3]", got)
	}
	ep = store.Endpoint(id)
	if ep.Failing || ep.Attempts != 0 || ep.LastError != "" || !ep.NextAttempt.IsZero() || ep.Cursor != 3 {
		t.Fatalf("after success: %+v", ep)
	}
}

// TestWebhookEndpointsIndependent checks that a slow endpoint and a failing
// one do not hold up a third.
func TestWebhookEndpointsIndependent(t *testing.T) {
	store, clk, w := setup(t)
	slow, failing, fast := newReceiver(t, clk.Now), newReceiver(t, clk.Now), newReceiver(t, clk.Now)
	slow.block = make(chan struct{})
	failing.status = func(int) int { return http.StatusServiceUnavailable }
	store.AddEndpoint(t, webhook("8051", slow.srv.URL))
	failID := store.AddEndpoint(t, webhook("8051", failing.srv.URL))
	store.AddEndpoint(t, webhook("8051", fast.srv.URL))
	for range 3 {
		store.Append(statusChange("8051", "6132210100", npac.StatusPending, npac.StatusActive))
	}

	done := make(chan int)
	go func() {
		n, err := w.RunOnce(context.Background())
		if err != nil {
			t.Errorf("RunOnce: %v", err)
		}
		done <- n
	}()
	deadline := time.After(10 * time.Second)
	for len(fast.delivered()) < 3 {
		select {
		case <-fast.arrived:
		case <-deadline:
			t.Fatalf("fast endpoint got %v while the slow one was blocked", seqs(fast.delivered()))
		}
	}
	if n := len(slow.requests()); n != 0 {
		t.Fatalf("slow endpoint answered %d requests while blocked", n)
	}
	select {
	case <-done:
		t.Fatal("RunOnce returned while an endpoint was still being delivered")
	default:
	}
	close(slow.block)
	if n := <-done; n != 6 {
		t.Errorf("RunOnce delivered %d, want 6 (3 fast + 3 slow)", n)
	}
	if got := seqs(slow.delivered()); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Errorf("slow endpoint got %v", got)
	}
	if got := seqs(failing.requests()); !slices.Equal(got, []int64{1}) {
		t.Errorf("failing endpoint got %v, want one attempt at 1", got)
	}
	if ep := store.Endpoint(failID); ep.Attempts != 1 || !strings.Contains(ep.LastError, "503") {
		t.Errorf("failing endpoint = %+v", ep)
	}
}

func TestWebhookKindsFilter(t *testing.T) {
	store, clk, w := setup(t)
	rcv := newReceiver(t, clk.Now)
	ep := webhook("8051", rcv.srv.URL)
	ep.Kinds = []npac.NoticeKind{npac.NoticeStatusChange, npac.NoticeConflict}
	id := store.AddEndpoint(t, ep)
	for _, k := range []npac.NoticeKind{npac.NoticeObjectCreation, npac.NoticeStatusChange, npac.NoticeT1Expired,
		npac.NoticeConflict, npac.NoticeT2Expired, npac.NoticeStatusChange, npac.NoticeT2Expired} {
		store.Append(npac.Notification{SPID: "8051", Kind: k, Message: string(k)})
	}
	runOnce(t, w, 3)
	got := rcv.delivered()
	if !slices.Equal(seqs(got), []int64{2, 4, 6}) {
		t.Fatalf("delivered %v, want [2 4 6]", seqs(got))
	}
	if got[1].Kind != string(npac.NoticeConflict) {
		t.Errorf("kind header = %q", got[1].Kind)
	}
	if c := store.Endpoint(id).Cursor; c != 7 {
		t.Errorf("cursor = %d, want 7 (past the skipped tail)", c)
	}
}

func TestWebhookReplay(t *testing.T) {
	store, clk, w := setup(t)
	rcv := newReceiver(t, clk.Now)
	id := store.AddEndpoint(t, webhook("8051", rcv.srv.URL))
	for range 3 {
		store.Append(statusChange("8051", "6132210100", npac.StatusPending, npac.StatusActive))
	}
	runOnce(t, w, 3)
	clk.Advance(time.Hour)
	store.Replay(id, 2) // cursor 1
	runOnce(t, w, 2)
	got := rcv.delivered()
	if !slices.Equal(seqs(got), []int64{1, 2, 3, 2, 3}) {
		t.Fatalf("delivered %v, want [1 2 3 2 3]", seqs(got))
	}
	for i := 1; i < 3; i++ {
		if got[i] != got[i+2] {
			t.Errorf("replay of seq %d differs: %+v vs %+v", got[i].Seq, got[i], got[i+2])
		}
	}
	if got[3].ID != "8051-2" {
		t.Errorf("replayed event ID %q, want 8051-2", got[3].ID)
	}
}

func TestWebhookGoneIsPermanent(t *testing.T) {
	store, clk, w := setup(t)
	rcv := newReceiver(t, clk.Now)
	gone := true
	rcv.status = func(int) int {
		if gone {
			return http.StatusGone
		}
		return http.StatusNoContent
	}
	id := store.AddEndpoint(t, webhook("8051", rcv.srv.URL))
	store.Append(statusChange("8051", "6132210100", npac.StatusPending, npac.StatusActive))
	store.Append(statusChange("8051", "6132210100", npac.StatusActive, npac.StatusOld))

	runOnce(t, w, 0)
	ep := store.Endpoint(id)
	if !ep.Failing || !ep.Disabled() || !ep.NextAttempt.IsZero() || ep.Attempts != 1 || ep.Cursor != 0 || !strings.Contains(ep.LastError, "410") {
		t.Fatalf("after 410: %+v", ep)
	}
	clk.Advance(48 * time.Hour)
	runOnce(t, w, 0)
	if n := len(rcv.requests()); n != 1 {
		t.Fatalf("%d requests to a disabled endpoint, want 1", n)
	}
	// Updating the endpoint re-enables it; nothing was lost.
	rcv.mu.Lock()
	gone = false
	rcv.mu.Unlock()
	store.Update(id, func(ep *outbound.Endpoint) { ep.URL = rcv.srv.URL + "/v2" })
	runOnce(t, w, 2)
	if got := seqs(rcv.delivered()); !slices.Equal(got, []int64{1, 2}) {
		t.Fatalf("delivered %v after update, want [1 2]", got)
	}
}

func TestWebhookRedirectNotFollowed(t *testing.T) {
	store, clk, w := setup(t)
	w.Sender.Client = nil // the default client
	target := newReceiver(t, clk.Now)
	redirect := httptest.NewServer(http.RedirectHandler(target.srv.URL, http.StatusTemporaryRedirect))
	defer redirect.Close()
	id := store.AddEndpoint(t, webhook("8051", redirect.URL))
	store.Append(statusChange("8051", "6132210100", npac.StatusPending, npac.StatusActive))
	runOnce(t, w, 0)
	if ep := store.Endpoint(id); !strings.Contains(ep.LastError, "307") || ep.Disabled() {
		t.Fatalf("endpoint = %+v", ep)
	}
	if n := len(target.requests()); n != 0 {
		t.Fatalf("redirect followed: %d requests", n)
	}
}

// TestRunLoop runs the worker's loop with the real clock: notifications
// appended while it runs arrive once each, in order, even though passes
// (every millisecond) are much shorter than a delivery (20ms), and Run
// stops when its context ends.
func TestRunLoop(t *testing.T) {
	store := NewMemStore()
	rcv := newReceiver(t, time.Now)
	rcv.delay = 20 * time.Millisecond
	w := &outbound.Worker{Store: store, Interval: time.Millisecond}
	store.AddEndpoint(t, webhook("8051", rcv.srv.URL))
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error)
	go func() { stopped <- w.Run(ctx) }()
	for range 5 {
		store.Append(statusChange("8051", "6132210100", npac.StatusPending, npac.StatusActive))
		w.Kick()
		time.Sleep(5 * time.Millisecond)
	}
	deadline := time.After(10 * time.Second)
	for len(rcv.delivered()) < 5 {
		select {
		case <-rcv.arrived:
		case <-deadline:
			t.Fatalf("delivered %v", seqs(rcv.delivered()))
		}
	}
	time.Sleep(50 * time.Millisecond) // let a duplicate show up, if any
	cancel()
	if err := <-stopped; err != nil {
		t.Fatalf("Run = %v", err)
	}
	if got := seqs(rcv.requests()); !slices.Equal(got, []int64{1, 2, 3, 4, 5}) {
		t.Fatalf("requests %v, want [1 2 3 4 5]", got)
	}
}

// TestKickTriggersPass checks that Kick starts a pass without waiting for
// the interval.
func TestKickTriggersPass(t *testing.T) {
	store := NewMemStore()
	rcv := newReceiver(t, time.Now)
	w := &outbound.Worker{Store: store, Interval: time.Hour}
	store.AddEndpoint(t, webhook("8051", rcv.srv.URL))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go w.Run(ctx)
	for i := range 3 {
		store.Append(statusChange("8051", "6132210100", npac.StatusPending, npac.StatusActive))
		w.Kick()
		select {
		case <-rcv.arrived:
		case <-time.After(10 * time.Second):
			t.Fatalf("notification %d not delivered after Kick", i+1)
		}
	}
}
