package outbound

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/opennpac/npac"
)

// DefaultWebhookTimeout bounds one webhook request when the Sender uses its
// default client.
const DefaultWebhookTimeout = 30 * time.Second

// defaultClient does not follow redirects: a webhook that moved must be
// updated, and a redirect must not turn a signed POST into a request to
// somewhere else.
var defaultClient = &http.Client{
	Timeout: DefaultWebhookTimeout,
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
}

// PermanentError is a failure retrying will not cure: the endpoint must be
// updated first (a webhook answered 410 Gone, a relay rejected a
// recipient). The Worker disables the endpoint on it.
type PermanentError struct {
	Err error
}

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// IsPermanent reports whether err is or wraps a *PermanentError.
func IsPermanent(err error) bool {
	var pe *PermanentError
	return errors.As(err, &pe)
}

// Sender delivers one notification to one endpoint.
type Sender struct {
	// Client sends webhooks. Nil means a client with DefaultWebhookTimeout
	// that does not follow redirects. A caller's client should have a
	// timeout.
	Client *http.Client
	// Mail sends email; nil makes every email delivery fail (retryably).
	Mail *Mailer
	// Now stamps signatures; nil means time.Now.
	Now func() time.Time
}

// EventID returns the notification's event ID, "<spid>-<seq>", the same on
// every delivery of it.
func EventID(n *npac.Notification) string {
	return string(n.SPID) + "-" + strconv.FormatInt(n.Seq, 10)
}

// Send delivers n to ep once. A nil error means the receiver took it. An
// error for which IsPermanent is true means retrying is pointless until
// the endpoint changes; any other error is worth retrying.
func (s *Sender) Send(ctx context.Context, ep *Endpoint, n *npac.Notification) error {
	if n.SPID != ep.SPID {
		// Never send one provider's notification to another's endpoint.
		return fmt.Errorf("outbound: notification %s is not for endpoint %d of %s", EventID(n), ep.ID, ep.SPID)
	}
	switch ep.Kind {
	case KindWebhook:
		return s.webhook(ctx, ep, n)
	case KindEmail:
		if s.Mail == nil {
			return errors.New("outbound: email is not configured on this server")
		}
		subject, body := FormatEmail(n)
		return s.Mail.Send(ctx, ep.To, subject, body)
	default:
		return &PermanentError{Err: fmt.Errorf("outbound: endpoint %d has unknown kind %q", ep.ID, ep.Kind)}
	}
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Sender) webhook(ctx context.Context, ep *Endpoint, n *npac.Notification) error {
	body, err := json.Marshal(n)
	if err != nil {
		return fmt.Errorf("outbound: encoding notification %s: %w", EventID(n), err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(body))
	if err != nil {
		return &PermanentError{Err: fmt.Errorf("outbound: webhook URL: %w", err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set(HeaderEventID, EventID(n))
	req.Header.Set(HeaderEventKind, string(n.Kind))
	req.Header.Set(HeaderSignature, Sign(ep.Secret, s.now(), body))
	client := s.Client
	if client == nil {
		client = defaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("outbound: webhook: %w", err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	switch code := resp.StatusCode; {
	case code >= 200 && code <= 299:
		return nil
	case code == http.StatusGone:
		return &PermanentError{Err: fmt.Errorf("outbound: webhook answered %s; update the endpoint to resume delivery", resp.Status)}
	case code >= 300 && code <= 399:
		return fmt.Errorf("outbound: webhook answered %s (to %q); redirects are not followed, update the endpoint's URL", resp.Status, resp.Header.Get("Location"))
	default:
		msg := fmt.Sprintf("outbound: webhook answered %s", resp.Status)
		if t := clean(snippet, 200); t != "" {
			msg += ": " + t
		}
		return errors.New(msg)
	}
}

// clean makes a receiver's answer fit to show: valid UTF-8, one line, at
// most limit bytes.
func clean(b []byte, limit int) string {
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	if len(s) > limit {
		cut := limit
		for cut > 0 && !utf8Start(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// FormatEmail renders n as an email subject and plain-text body, e.g.
// "[OpenNPAC] 8051: status-change of 613-221-0100 (sending → active)".
func FormatEmail(n *npac.Notification) (subject, body string) {
	var s strings.Builder
	fmt.Fprintf(&s, "[OpenNPAC] %s: %s", n.SPID, n.Kind)
	switch {
	case n.TN != "":
		fmt.Fprintf(&s, " of %s", n.TN)
	case n.SVID != 0:
		fmt.Fprintf(&s, " of SV %d", n.SVID)
	}
	switch {
	case n.OldStatus != "" && n.Status != "":
		fmt.Fprintf(&s, " (%s → %s)", n.OldStatus, n.Status)
	case n.Status != "":
		fmt.Fprintf(&s, " (%s)", n.Status)
	}

	var b strings.Builder
	line := func(k, v string) { fmt.Fprintf(&b, "%-10s %s\n", k+":", v) }
	fmt.Fprintf(&b, "OpenNPAC notification %s\n\n", EventID(n))
	line("Kind", string(n.Kind))
	line("Provider", string(n.SPID))
	line("Sequence", strconv.FormatInt(n.Seq, 10))
	if n.TN != "" {
		line("Number", n.TN.String())
	}
	if n.SVID != 0 {
		line("SV", strconv.FormatInt(n.SVID, 10))
	}
	switch {
	case n.OldStatus != "" && n.Status != "":
		line("Status", string(n.OldStatus)+" → "+string(n.Status))
	case n.Status != "":
		line("Status", string(n.Status))
	}
	if !n.CreatedAt.IsZero() {
		line("Time", n.CreatedAt.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	if n.Message != "" {
		b.WriteString("\n" + strings.TrimRight(n.Message, "\n") + "\n")
	}
	if len(n.Data) > 0 {
		b.WriteString("\nDetails:\n")
		keys := make([]string, 0, len(n.Data))
		for k := range n.Data {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "  %s: %s\n", k, formatValue(n.Data[k]))
		}
	}
	fmt.Fprintf(&b, "\n-- \nEvent ID %s. Deliveries are at least once: the same event ID may arrive again.\n", EventID(n))
	return s.String(), b.String()
}

func formatValue(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	j, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(j)
}
