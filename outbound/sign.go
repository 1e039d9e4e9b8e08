package outbound

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Webhook request headers.
const (
	HeaderSignature = "OpenNPAC-Signature"
	HeaderEventID   = "OpenNPAC-Event-ID"
	HeaderEventKind = "OpenNPAC-Event-Kind"
	UserAgent       = "OpenNPAC-Webhook/1"
)

// DefaultTolerance is the clock difference Verify accepts when given none.
const DefaultTolerance = 5 * time.Minute

// Errors of Verify.
var (
	// ErrBadSignature: the header is missing or malformed, or no v1 value
	// matches the body.
	ErrBadSignature = errors.New("outbound: webhook signature does not match")
	// ErrStaleSignature: the signature's timestamp is further from now than
	// the tolerance.
	ErrStaleSignature = errors.New("outbound: webhook signature timestamp outside tolerance")
)

// Sign returns the OpenNPAC-Signature header value for body sent at ts:
// "t=<unix>,v1=<hex HMAC-SHA256(secret, "<unix>.<body>")>".
func Sign(secret string, ts time.Time, body []byte) string {
	t := strconv.FormatInt(ts.Unix(), 10)
	return "t=" + t + ",v1=" + hex.EncodeToString(mac(secret, t, body))
}

func mac(secret, t string, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(t))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks an OpenNPAC-Signature header against the raw request body
// and the receiver's secret. It returns ErrBadSignature if the header is
// malformed or no v1 value matches, and ErrStaleSignature if the timestamp
// is more than tolerance before or after now (tolerance <= 0 means
// DefaultTolerance). Unknown keys in the header are ignored, so that future
// schemes can be added beside v1.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	var t string
	var sigs [][]byte
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return ErrBadSignature
		}
		switch k {
		case "t":
			if t != "" {
				return ErrBadSignature
			}
			t = v
		case "v1":
			sig, err := hex.DecodeString(v)
			if err != nil || len(sig) != sha256.Size {
				return ErrBadSignature
			}
			sigs = append(sigs, sig)
		}
	}
	if t == "" || len(sigs) == 0 {
		return ErrBadSignature
	}
	unix, err := strconv.ParseInt(t, 10, 64)
	if err != nil || strconv.FormatInt(unix, 10) != t {
		return ErrBadSignature
	}
	want := mac(secret, t, body)
	ok := false
	for _, sig := range sigs {
		if hmac.Equal(sig, want) {
			ok = true
		}
	}
	if !ok {
		return ErrBadSignature
	}
	// Check the time after the MAC, so that a stale answer is only given
	// to someone who holds the secret.
	if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return ErrStaleSignature
	}
	return nil
}
