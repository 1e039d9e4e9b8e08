package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opennpac/npac/internal/smtptest"
	"github.com/opennpac/npac/outbound"
)

// TestWebhookAndEmail runs the demo with an SMTP relay and has Bell's SOA
// add a webhook and an email endpoint; a port of a Bell number then
// reaches both, the webhook signed with the secret the API returned once.
func TestWebhookAndEmail(t *testing.T) {
	mail := smtptest.Start(t)
	var (
		mu     sync.Mutex
		secret string
		events []string
	)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if err := outbound.Verify(secret, r.Header.Get(outbound.HeaderSignature), body, time.Now(), 0); err != nil {
			t.Errorf("webhook signature: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		events = append(events, r.Header.Get(outbound.HeaderEventKind))
	}))
	defer hook.Close()
	srv, tokens := startDemo(t, "--smtp", mail.Addr(), "--smtp-from", "npac@demo.example", "--outbound-interval", "100ms")

	var created struct {
		Endpoint outbound.Endpoint `json:"endpoint"`
		Secret   string            `json:"secret"`
	}
	mu.Lock()
	if code := srv.call(t, tokens["bell-soa"], "POST", "/api/v1/providers/8051/endpoints", map[string]any{"kind": "webhook", "url": hook.URL}, &created); code != 201 || created.Secret == "" {
		t.Fatalf("create webhook: %d %+v", code, created)
	}
	secret = created.Secret
	mu.Unlock()
	if code := srv.call(t, tokens["bell-soa"], "POST", "/api/v1/providers/8051/endpoints",
		map[string]any{"kind": "email", "to": []string{"porting@bell.example"}}, nil); code != 201 {
		t.Fatalf("create email endpoint: %d", code)
	}
	if code := srv.call(t, tokens["rogers-soa"], "POST", "/api/v1/providers/8051/endpoints", map[string]any{"kind": "webhook", "url": hook.URL}, nil); code != 403 {
		t.Errorf("Rogers adding an endpoint for Bell: %d, want 403", code)
	}

	due := time.Now().UTC().Format("2006-01-02")
	cli(t, "sv", "create", "--url", srv.url, "--token", tokens["rogers-soa"],
		"--tn", "6132210150", "--old-spid", "8051", "--new-spid", "8821", "--lrn", "6132180000", "--due", due)
	msgs, err := func() ([]smtptest.Message, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return mail.Wait(ctx, 1)
	}()
	if err != nil {
		t.Fatalf("no notification email within 10s: %v", err)
	}
	if m := string(msgs[0].Data); !strings.Contains(m, "6132210150") && !strings.Contains(m, "613-221-0150") {
		t.Errorf("email does not name the number:\n%s", m)
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		mu.Lock()
		got := strings.Join(events, " ")
		mu.Unlock()
		if strings.Contains(got, "concurrence-request") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhook got %q, want the concurrence request", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
