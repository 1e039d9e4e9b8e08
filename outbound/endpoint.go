package outbound

import (
	"crypto/rand"
	"encoding/base64"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/opennpac/npac"
)

// Endpoint kinds.
const (
	KindWebhook = "webhook"
	KindEmail   = "email"
)

// Limits Validate enforces.
const (
	MinSecretLen  = 16   // bytes of a webhook secret
	MaxSecretLen  = 256  // bytes of a webhook secret
	MaxURLLen     = 2048 // bytes of a webhook URL
	MaxRecipients = 20   // addresses of an email endpoint
)

// Endpoint is one destination of one provider's notification stream.
//
// Cursor, Failing, LastError, NextAttempt and Attempts are delivery state,
// kept by the Store as the Worker reports results:
//   - after a success, Cursor is the Seq delivered, Failing is false,
//     LastError is "", Attempts is 0 and NextAttempt is zero;
//   - after a failure, Failing is true, LastError says why, Attempts counts
//     the failed attempts at the notification after Cursor, and NextAttempt
//     is when to try again, or zero when the failure is permanent (Disabled).
type Endpoint struct {
	ID   int64     `json:"id"`
	SPID npac.SPID `json:"spid"`
	// Kind is KindWebhook or KindEmail.
	Kind string `json:"kind"`
	// URL is a webhook's absolute http or https URL.
	URL string `json:"url,omitempty"`
	// To lists an email endpoint's recipients (RFC 5322 addresses).
	To []string `json:"to,omitempty"`
	// Secret is a webhook's HMAC key. It is never serialized.
	Secret string `json:"-"`
	// Kinds limits the notifications sent; empty means all.
	Kinds []npac.NoticeKind `json:"kinds,omitempty"`
	// Cursor is the Seq of the last notification delivered (or skipped).
	Cursor      int64     `json:"cursor"`
	Failing     bool      `json:"failing"`
	LastError   string    `json:"last_error,omitempty"`
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	Attempts    int       `json:"attempts"`
	CreatedAt   time.Time `json:"created_at"`
}

// NewSecret returns a new random webhook secret: "whsec_" and 256 random
// bits in unpadded base64url.
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand documents it)
	return "whsec_" + base64.RawURLEncoding.EncodeToString(b)
}

// Validate checks the endpoint's configuration and returns an EINVALID
// *npac.Error for the first problem. It gives a webhook without a secret a
// new one (NewSecret).
func (ep *Endpoint) Validate() error {
	if _, err := npac.ParseSPID(string(ep.SPID)); err != nil {
		return err
	}
	switch ep.Kind {
	case KindWebhook:
		if err := validateURL(ep.URL); err != nil {
			return err
		}
		if len(ep.To) > 0 {
			return npac.Errorf(npac.EINVALID, "A webhook endpoint has no email recipients; remove \"to\" or make it an email endpoint.")
		}
		if ep.Secret == "" {
			ep.Secret = NewSecret()
		}
		if len(ep.Secret) < MinSecretLen || len(ep.Secret) > MaxSecretLen {
			return npac.Errorf(npac.EINVALID, "The webhook secret must be %d to %d bytes long; leave it empty to have one generated.", MinSecretLen, MaxSecretLen)
		}
	case KindEmail:
		if ep.URL != "" {
			return npac.Errorf(npac.EINVALID, "An email endpoint has no URL; remove \"url\" or make it a webhook endpoint.")
		}
		if len(ep.To) == 0 {
			return npac.Errorf(npac.EINVALID, "An email endpoint needs at least one recipient in \"to\".")
		}
		if len(ep.To) > MaxRecipients {
			return npac.Errorf(npac.EINVALID, "An email endpoint may have at most %d recipients, not %d.", MaxRecipients, len(ep.To))
		}
		for _, to := range ep.To {
			if _, err := parseAddress(to); err != nil {
				return npac.Errorf(npac.EINVALID, "%q is not an email address: %v.", to, err)
			}
		}
	default:
		return npac.Errorf(npac.EINVALID, "%q is not an endpoint kind: use %q or %q.", ep.Kind, KindWebhook, KindEmail)
	}
	for i, k := range ep.Kinds {
		if !validNoticeKind(k) {
			return npac.Errorf(npac.EINVALID, "%q is not a notification kind.", k)
		}
		if slices.Contains(ep.Kinds[:i], k) {
			return npac.Errorf(npac.EINVALID, "The notification kind %q is listed twice.", k)
		}
	}
	if ep.Cursor < 0 {
		return npac.Errorf(npac.EINVALID, "The cursor must not be negative.")
	}
	return nil
}

// Wants reports whether the endpoint takes notifications of kind k.
func (ep *Endpoint) Wants(k npac.NoticeKind) bool {
	return len(ep.Kinds) == 0 || slices.Contains(ep.Kinds, k)
}

// Disabled reports whether delivery stopped after a permanent failure and
// waits for the endpoint to be updated.
func (ep *Endpoint) Disabled() bool {
	return ep.Failing && ep.NextAttempt.IsZero()
}

// Due reports whether the worker should try the endpoint at now: it is not
// disabled and its next attempt, if any, has come.
func (ep *Endpoint) Due(now time.Time) bool {
	return !ep.Disabled() && !ep.NextAttempt.After(now)
}

// validNoticeKind accepts the shape of a kind (lower-case words joined by
// dashes) rather than a fixed list, so that new kinds need no change here.
func validNoticeKind(k npac.NoticeKind) bool {
	if k == "" || len(k) > 64 || k[0] == '-' || k[len(k)-1] == '-' {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

func validateURL(s string) error {
	if s == "" {
		return npac.Errorf(npac.EINVALID, "A webhook endpoint needs a URL.")
	}
	if len(s) > MaxURLLen {
		return npac.Errorf(npac.EINVALID, "The webhook URL is longer than %d bytes.", MaxURLLen)
	}
	if strings.ContainsAny(s, " \t\r\n") {
		return npac.Errorf(npac.EINVALID, "The webhook URL %q contains white space.", s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return npac.Errorf(npac.EINVALID, "%q is not a URL.", s)
	}
	if u.Scheme != "https" && u.Scheme != "http" || u.Host == "" || u.Opaque != "" {
		return npac.Errorf(npac.EINVALID, "The webhook URL %q must be an absolute http or https URL, such as https://example.com/npac.", s)
	}
	if u.User != nil {
		return npac.Errorf(npac.EINVALID, "The webhook URL must not contain credentials; deliveries are authenticated by their signature.")
	}
	if u.Hostname() == "" {
		return npac.Errorf(npac.EINVALID, "The webhook URL %q has no host name.", s)
	}
	return nil
}

// parseAddress parses one RFC 5322 address and refuses group syntax and
// other oddities net/mail lets through.
func parseAddress(s string) (*mail.Address, error) {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, err
	}
	at := strings.LastIndexByte(a.Address, '@')
	if at <= 0 || at == len(a.Address)-1 {
		return nil, errNoDomain
	}
	return a, nil
}

type addrError string

func (e addrError) Error() string { return string(e) }

const errNoDomain = addrError("mail: address has no domain")
