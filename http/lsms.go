package http

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	npac "github.com/opennpac/npac"
)

// The LSMS interface: registration, the ordered broadcast stream, its
// acknowledgements, and the full image for an initial or lost sync.

// heartbeatEvery is how often an idle stream sends a heartbeat line.
const heartbeatEvery = 15 * time.Second

// pollEvery bounds how long a stream waits before it looks at the log
// again when no append in this process woke it (another process may have
// written).
const pollEvery = time.Second

// lsmsBody is the body of an LSMS registration.
type lsmsBody struct {
	Regions []npac.Region `json:"regions"`
	Exclude []npac.NPANXX `json:"exclude"`
	// PseudoLRN and PseudoLRNFrom opt the LSMS in to pseudo-LRN records.
	PseudoLRN     bool        `json:"pseudo_lrn"`
	PseudoLRNFrom []npac.SPID `json:"pseudo_lrn_from"`
}

func pathSPID(r *http.Request) (npac.SPID, error) { return npac.ParseSPID(r.PathValue("spid")) }

func (s *Server) registerLSMS(w http.ResponseWriter, r *http.Request) error {
	spid, err := pathSPID(r)
	if err != nil {
		return err
	}
	var b lsmsBody
	if err := decodeBody(w, r, &b, true); err != nil {
		return err
	}
	l := &npac.LSMSRegistration{SPID: spid, Regions: b.Regions, Exclude: b.Exclude, PseudoLRN: b.PseudoLRN, PseudoLRNFrom: b.PseudoLRNFrom}
	if err := s.LSMS.RegisterLSMS(r.Context(), l); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, l)
}

func (s *Server) getLSMS(w http.ResponseWriter, r *http.Request) error {
	spid, err := pathSPID(r)
	if err != nil {
		return err
	}
	l, err := s.LSMS.LSMS(r.Context(), spid)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, l)
}

func (s *Server) listLSMS(w http.ResponseWriter, r *http.Request) error {
	ls, err := s.LSMS.LSMSs(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": ls})
}

func (s *Server) unregisterLSMS(w http.ResponseWriter, r *http.Request) error {
	spid, err := pathSPID(r)
	if err != nil {
		return err
	}
	if err := s.LSMS.UnregisterLSMS(r.Context(), spid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) ackLSMS(w http.ResponseWriter, r *http.Request) error {
	spid, err := pathSPID(r)
	if err != nil {
		return err
	}
	var b struct {
		Seq *int64 `json:"seq"`
	}
	if err := decodeBody(w, r, &b, true); err != nil {
		return err
	}
	if b.Seq == nil {
		return npac.Errorf(npac.EINVALID, "An acknowledgement names the last sequence number applied: {\"seq\": N}.")
	}
	if err := s.LSMS.Ack(r.Context(), spid, *b.Seq); err != nil {
		return err
	}
	l, err := s.LSMS.LSMS(r.Context(), spid)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]int64{"acked_seq": l.AckedSeq})
}

// ndjson writes stream lines, extending the write deadline for each so a
// long stream outlives the server's WriteTimeout.
type ndjson struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	enc *json.Encoder
}

func newNDJSON(w http.ResponseWriter) *ndjson {
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	return &ndjson{w: w, rc: http.NewResponseController(w), enc: json.NewEncoder(w)}
}

func (n *ndjson) write(l *npac.StreamLine) error {
	n.rc.SetWriteDeadline(time.Now().Add(30 * time.Second))
	return n.enc.Encode(l)
}

func (n *ndjson) flush() error { return n.rc.Flush() }

// streamLSMS sends spid's LSMS the log after the sequence it names,
// then whatever is appended, in order, with heartbeats, until the client
// goes away. A message the LSMS has not acknowledged within the broadcast
// interval is sent again, from the first unacknowledged one.
func (s *Server) streamLSMS(w http.ResponseWriter, r *http.Request) error {
	spid, err := pathSPID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	l, err := s.LSMS.LSMS(ctx, spid)
	if err != nil {
		return err
	}
	cursor := l.AckedSeq
	q := r.URL.Query()
	if q.Get("after") != "" && q.Get("since") != "" {
		return npac.Errorf(npac.EINVALID, "Give after (a sequence number) or since (a time), not both.")
	}
	if a := q.Get("after"); a != "" {
		if cursor, err = strconv.ParseInt(a, 10, 64); err != nil || cursor < 0 {
			return npac.Errorf(npac.EINVALID, "after %q is not a sequence number.", a)
		}
	}
	if since := q.Get("since"); since != "" {
		at, err := time.Parse(time.RFC3339, since)
		if err != nil {
			return npac.Errorf(npac.EINVALID, "since %q is not an RFC 3339 time, such as 2026-11-21T15:00:00Z.", since)
		}
		if cursor, err = s.LSMS.SeqBefore(ctx, at); err != nil {
			return err
		}
	}
	// The first read reports errors (forbidden, log-truncated) as a
	// problem, before the stream starts.
	msgs, next, err := s.LSMS.Messages(ctx, spid, cursor, 500)
	if err != nil {
		return err
	}
	out := newNDJSON(w)
	var (
		sentUpTo  int64 // last message sent
		sentAt    time.Time
		heartbeat = time.Now()
	)
	for {
		for _, m := range msgs {
			if err := out.write(&npac.StreamLine{Message: m}); err != nil {
				return nil // the client went away
			}
			sentUpTo, sentAt = m.Seq, time.Now()
		}
		cursor = next
		if len(msgs) > 0 {
			if out.flush() != nil {
				return nil
			}
		}
		if len(msgs) == 0 {
			changed := s.LSMS.LogChanged()
			wait := time.NewTimer(pollEvery)
			select {
			case <-ctx.Done():
				wait.Stop()
				return nil
			case <-changed:
			case <-wait.C:
			}
			wait.Stop()
		}
		if time.Since(heartbeat) >= heartbeatEvery {
			head, err := s.LSMS.LogHead(ctx)
			if err != nil {
				return nil
			}
			if out.write(&npac.StreamLine{Heartbeat: &npac.Heartbeat{Cursor: cursor, Head: head, At: time.Now().UTC()}}) != nil || out.flush() != nil {
				return nil
			}
			heartbeat = time.Now()
		}
		// Resend what was not acknowledged in time.
		if sentUpTo > 0 && time.Since(sentAt) >= s.broadcastInterval(ctx) {
			if l, err = s.LSMS.LSMS(ctx, spid); err != nil {
				return nil
			}
			if l.AckedSeq < sentUpTo {
				cursor, sentUpTo = l.AckedSeq, 0
			} else {
				sentUpTo = 0
			}
		}
		if msgs, next, err = s.LSMS.Messages(ctx, spid, cursor, 500); err != nil {
			return nil // a stream cannot carry a problem once started; the LSMS reconnects
		}
	}
}

// imageLSMS streams the full routing state spid's LSMS should hold, as of
// the log head given in the first line.
func (s *Server) imageLSMS(w http.ResponseWriter, r *http.Request) error {
	spid, err := pathSPID(r)
	if err != nil {
		return err
	}
	var (
		out   *ndjson
		count int64
		head  int64
	)
	err = s.LSMS.Image(r.Context(), spid, func(h, total int64) error {
		head, out = h, newNDJSON(w)
		return out.write(&npac.StreamLine{Image: &npac.ImageMark{Head: h, Total: total}})
	}, func(m *npac.Message) error {
		count++
		return out.write(&npac.StreamLine{Message: m})
	})
	if out == nil {
		return err // nothing written yet: a problem
	}
	if err != nil {
		s.Log.Warn("image stream ended early", "spid", spid, "err", err)
		return nil
	}
	out.write(&npac.StreamLine{Image: &npac.ImageMark{Head: head, End: true, Count: count}})
	return nil
}

// broadcastInterval is how long the stream waits for an acknowledgement
// before it sends again: the tunable in force, which may change while the
// stream runs.
func (s *Server) broadcastInterval(ctx context.Context) time.Duration {
	t, err := s.Tunables.Tunables(ctx)
	if err != nil {
		return npac.DefaultTunables().BroadcastInterval
	}
	return t.BroadcastInterval
}
