package outbound_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opennpac/npac"
	"github.com/opennpac/npac/outbound"
)

func TestSignFormat(t *testing.T) {
	ts := time.Unix(1767225600, 0)
	body := []byte(`{"seq":1,"spid":"8051"}`)
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte("1767225600." + string(body)))
	want := "t=1767225600,v1=" + hex.EncodeToString(h.Sum(nil))
	if got := outbound.Sign(secret, ts, body); got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
}

func TestVerify(t *testing.T) {
	now := time.Unix(1767225600, 0)
	body := []byte(`{"seq":1,"spid":"8051","kind":"status-change"}`)
	good := outbound.Sign(secret, now, body)
	v1 := good[strings.Index(good, "v1="):]
	other := outbound.Sign("whsec_some-other-secret", now, body)
	otherV1 := other[strings.Index(other, "v1="):]
	tests := []struct {
		name   string
		secret string
		header string
		body   []byte
		now    time.Time
		want   error
	}{
		{"valid", secret, good, body, now, nil},
		{"valid within tolerance", secret, good, body, now.Add(4 * time.Minute), nil},
		{"spaces and unknown keys", secret, "t=1767225600, v0=abc, " + v1, body, now, nil},
		{"rotation: second v1 matches", secret, "t=1767225600," + otherV1 + "," + v1, body, now, nil},
		{"tampered body", secret, good, []byte(`{"seq":2,"spid":"8051","kind":"status-change"}`), now, outbound.ErrBadSignature},
		{"appended body", secret, good, append(body, ' '), now, outbound.ErrBadSignature},
		{"wrong secret", "whsec_wrong-secret-0000", good, body, now, outbound.ErrBadSignature},
		{"old timestamp", secret, good, body, now.Add(6 * time.Minute), outbound.ErrStaleSignature},
		{"future timestamp", secret, good, body, now.Add(-6 * time.Minute), outbound.ErrStaleSignature},
		{"timestamp changed", secret, "t=1767225601," + v1, body, now, outbound.ErrBadSignature},
		{"replayed with a fresh t", secret, "t=1767229200," + v1, body, now.Add(time.Hour), outbound.ErrBadSignature},
		{"empty", secret, "", body, now, outbound.ErrBadSignature},
		{"no t", secret, v1, body, now, outbound.ErrBadSignature},
		{"no v1", secret, "t=1767225600", body, now, outbound.ErrBadSignature},
		{"two t", secret, "t=1767225600,t=1767225600," + v1, body, now, outbound.ErrBadSignature},
		{"t not a number", secret, "t=17672256e2," + v1, body, now, outbound.ErrBadSignature},
		{"t with sign", secret, "t=+1767225600," + v1, body, now, outbound.ErrBadSignature},
		{"v1 not hex", secret, "t=1767225600,v1=zz", body, now, outbound.ErrBadSignature},
		{"v1 short", secret, "t=1767225600," + v1[:20], body, now, outbound.ErrBadSignature},
		{"no equals", secret, "t=1767225600,garbage," + v1, body, now, outbound.ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := outbound.Verify(tt.secret, tt.header, tt.body, tt.now, 5*time.Minute)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
	// Tolerance <= 0 is the default, 5 minutes.
	if err := outbound.Verify(secret, good, body, now.Add(301*time.Second), 0); !errors.Is(err, outbound.ErrStaleSignature) {
		t.Errorf("default tolerance: %v", err)
	}
	if err := outbound.Verify(secret, good, body, now.Add(299*time.Second), 0); err != nil {
		t.Errorf("default tolerance: %v", err)
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{10 * time.Second, 10 * time.Second, 10 * time.Second, 30 * time.Second, time.Minute,
		5 * time.Minute, 15 * time.Minute, time.Hour, time.Hour, time.Hour}
	for i, w := range want {
		attempt := i - 1 // -1, 0, 1, ...
		if got := outbound.BackoffBase(attempt); got != w {
			t.Errorf("BackoffBase(%d) = %v, want %v", attempt, got, w)
		}
		for range 50 {
			got := outbound.Backoff(attempt)
			if got < w*9/10 || got > w*11/10 {
				t.Fatalf("Backoff(%d) = %v, not within 10%% of %v", attempt, got, w)
			}
		}
	}
	seen := map[time.Duration]bool{}
	for range 20 {
		seen[outbound.Backoff(6)] = true
	}
	if len(seen) < 2 {
		t.Errorf("Backoff has no jitter: %v", seen)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		ep   outbound.Endpoint
		ok   bool
	}{
		{"webhook", outbound.Endpoint{SPID: "8051", Kind: "webhook", URL: "https://hooks.example.com/npac?x=1"}, true},
		{"http webhook", outbound.Endpoint{SPID: "8051", Kind: "webhook", URL: "http://10.0.0.1:8080/", Secret: "0123456789abcdef"}, true},
		{"kinds", outbound.Endpoint{SPID: "8051", Kind: "webhook", URL: "https://h.example/", Kinds: []npac.NoticeKind{"status-change", "conflict"}}, true},
		{"email", outbound.Endpoint{SPID: "8051", Kind: "email", To: []string{"noc@example.com", "Ops Desk <ops@example.com>"}}, true},
		{"bad spid", outbound.Endpoint{SPID: "80511", Kind: "webhook", URL: "https://h.example/"}, false},
		{"bad kind", outbound.Endpoint{SPID: "8051", Kind: "sms", URL: "https://h.example/"}, false},
		{"no url", outbound.Endpoint{SPID: "8051", Kind: "webhook"}, false},
		{"relative url", outbound.Endpoint{SPID: "8051", Kind: "webhook", URL: "/hook"}, false},
		{"ftp url", outbound.Endpoint{SPID: "8051", Kind: "webhook", URL: "ftp://h.example/"}, false},
		{"opaque url", outbound.Endpoint{SPID: "8051", Kind: "webhook", URL: "https:h.example"}, false},
		{"credentials in url", outbound.Endpoint{SPID: "8051", Kind: "webhook", URL: "https://user:pw@h.example/"}, false},
		{"user in url", outbound.Endpoint{SPID: "8051", Kind: "webhook", URL: "https://user@h.example/"}, false},
		{"no host", outbound.Endpoint{SPID: "8051", Kind: "webhook", URL: "https://:443/"}, false},
		{"space in url", outbound.Endpoint{SPID: "8051", Kind: "webhook", URL: "https://h.example/a b"}, false},
		{"short secret", outbound.Endpoint{SPID: "8051", Kind: "webhook", URL: "https://h.example/", Secret: "short"}, false},
		{"webhook with to", outbound.Endpoint{SPID: "8051", Kind: "webhook", URL: "https://h.example/", To: []string{"a@b.example"}}, false},
		{"email with url", outbound.Endpoint{SPID: "8051", Kind: "email", URL: "https://h.example/", To: []string{"a@b.example"}}, false},
		{"email without to", outbound.Endpoint{SPID: "8051", Kind: "email"}, false},
		{"bad address", outbound.Endpoint{SPID: "8051", Kind: "email", To: []string{"not an address"}}, false},
		{"header injection", outbound.Endpoint{SPID: "8051", Kind: "email", To: []string{"a@b.example\r\nBcc: x@y.example"}}, false},
		{"no domain", outbound.Endpoint{SPID: "8051", Kind: "email", To: []string{"a@"}}, false},
		{"too many", outbound.Endpoint{SPID: "8051", Kind: "email", To: slices.Repeat([]string{"a@b.example"}, 21)}, false},
		{"bad notice kind", outbound.Endpoint{SPID: "8051", Kind: "webhook", URL: "https://h.example/", Kinds: []npac.NoticeKind{"Status Change"}}, false},
		{"duplicate notice kind", outbound.Endpoint{SPID: "8051", Kind: "webhook", URL: "https://h.example/", Kinds: []npac.NoticeKind{"conflict", "conflict"}}, false},
		{"negative cursor", outbound.Endpoint{SPID: "8051", Kind: "webhook", URL: "https://h.example/", Cursor: -1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.ep.Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("Validate = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && npac.ErrorCode(err) != npac.EINVALID {
				t.Fatalf("code = %q, want %q", npac.ErrorCode(err), npac.EINVALID)
			}
			if err == nil && tt.ep.Kind == "webhook" && len(tt.ep.Secret) < outbound.MinSecretLen {
				t.Fatalf("secret %q", tt.ep.Secret)
			}
		})
	}
}

func TestNewSecretAndJSON(t *testing.T) {
	a, b := outbound.NewSecret(), outbound.NewSecret()
	if a == b || len(a) < 40 || !strings.HasPrefix(a, "whsec_") {
		t.Fatalf("NewSecret = %q, %q", a, b)
	}
	ep := outbound.Endpoint{SPID: "8051", Kind: "webhook", URL: "https://h.example/"}
	if err := ep.Validate(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ep.Secret, "whsec_") {
		t.Fatalf("generated secret %q", ep.Secret)
	}
	jb, err := json.Marshal(ep)
	if err != nil {
		t.Fatal(err)
	}
	j := string(jb)
	if strings.Contains(j, ep.Secret) || strings.Contains(strings.ToLower(j), "secret") {
		t.Fatalf("secret serialized: %s", j)
	}
	if strings.Contains(j, "next_attempt") {
		t.Errorf("zero next_attempt serialized: %s", j)
	}
}
