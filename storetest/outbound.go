package storetest

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/internal/smtptest"
	"github.com/opennpac/npac/outbound"
)

// hook is a webhook receiver on 127.0.0.1 that checks signatures.
type hook struct {
	srv    *httptest.Server
	secret string
	mu     sync.Mutex
	got    []string // event IDs, in arrival order
	bad    int
}

func newHook(t *testing.T) *hook {
	h := &hook{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		if outbound.Verify(h.secret, r.Header.Get(outbound.HeaderSignature), body, time.Now(), 0) != nil {
			h.bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var n npac.Notification
		if json.Unmarshal(body, &n) != nil {
			h.bad++
		}
		h.got = append(h.got, r.Header.Get(outbound.HeaderEventID))
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) events() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.got...)
}

func testEndpoints(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	h := newHook(t)
	mail := smtptest.Start(t)

	// Validation and authorization come first; nothing is written.
	WantCode(t, w.S.CreateEndpoint(w.B, &outbound.Endpoint{SPID: SPB, Kind: outbound.KindWebhook, URL: "ftp://x"}), npac.EINVALID)
	WantCode(t, w.S.CreateEndpoint(w.C, &outbound.Endpoint{SPID: SPB, Kind: outbound.KindWebhook, URL: h.srv.URL}), npac.EFORBIDDEN)
	if n := w.Count(t, "endpoints"); n != 0 {
		t.Fatalf("refused endpoints wrote %d rows", n)
	}
	// SPB hears of the world's code openings before its endpoint exists:
	// those are not delivered.
	before, _ := w.S.LastSeq(w.B, SPB)
	ep := &outbound.Endpoint{SPID: SPB, Kind: outbound.KindWebhook, URL: h.srv.URL}
	if err := w.S.CreateEndpoint(w.B, ep); err != nil {
		t.Fatal(err)
	}
	if ep.Secret == "" || ep.Cursor != before {
		t.Fatalf("new webhook: secret %q, cursor %d; want a secret and the cursor at %d", ep.Secret, ep.Cursor, before)
	}
	h.secret = ep.Secret
	em := &outbound.Endpoint{SPID: SPB, Kind: outbound.KindEmail, To: []string{"ports@bravo.example"}, Kinds: []npac.NoticeKind{npac.NoticeStatusChange}}
	if err := w.S.CreateEndpoint(w.B, em); err != nil {
		t.Fatal(err)
	}
	list, err := w.S.Endpoints(w.B, SPB)
	if err != nil || len(list) != 2 || list[0].Secret == "" {
		t.Fatalf("endpoints: %v (%v)", list, err)
	}
	_, err = w.S.Endpoints(w.C, SPB)
	WantCode(t, err, npac.EFORBIDDEN)

	w.Port(t, TN(800))
	last, _ := w.S.LastSeq(w.B, SPB)
	worker := &outbound.Worker{Store: w.S.Outbound(), Sender: &outbound.Sender{Mail: &outbound.Mailer{Addr: mail.Addr(), From: "npac@opennpac.example"}},
		Log: slog.New(slog.DiscardHandler)}
	if _, err := worker.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	var want []string
	for seq := before + 1; seq <= last; seq++ {
		want = append(want, string(SPB)+"-"+strconv.FormatInt(seq, 10))
	}
	if got := h.events(); strings.Join(got, ",") != strings.Join(want, ",") || h.bad != 0 {
		t.Fatalf("webhook got %v (%d bad), want %v", got, h.bad, want)
	}
	msgs, err := mail.Wait(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(msgs[0].Data), "status-change") || msgs[0].To[0] != "ports@bravo.example" {
		t.Errorf("email: %q to %v", msgs[0].Data, msgs[0].To)
	}
	if got, _ := w.S.Endpoint(w.B, ep.ID); got.Cursor != last || got.Failing {
		t.Errorf("webhook after delivery: cursor %d failing %t, want %d", got.Cursor, got.Failing, last)
	}

	// A replay delivers again, with the same event IDs.
	if _, err := w.S.ReplayEndpoint(w.B, ep.ID, last); err != nil {
		t.Fatal(err)
	}
	_, err = w.S.ReplayEndpoint(w.B, ep.ID, 0)
	WantCode(t, err, npac.EINVALID)
	if _, err := worker.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := h.events(); got[len(got)-1] != want[len(want)-1] || len(got) != len(want)+1 {
		t.Errorf("after replaying %d: %v", last, got)
	}

	// Rotating the secret returns the new one once; deleting stops delivery.
	up, err := w.S.UpdateEndpoint(w.B, ep.ID, outbound.EndpointUpdate{RotateSecret: true})
	if err != nil || up.Secret == ep.Secret {
		t.Fatalf("rotate: %v", err)
	}
	if err := w.S.DeleteEndpoint(w.C, ep.ID); npac.ErrorCode(err) != npac.EFORBIDDEN {
		t.Errorf("another provider deleting the endpoint: %v", err)
	}
	if err := w.S.DeleteEndpoint(w.B, ep.ID); err != nil {
		t.Fatal(err)
	}
	_, err = w.S.Endpoint(w.B, ep.ID)
	WantCode(t, err, npac.ENOTFOUND)
}
