package http

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	npac "github.com/opennpac/npac"
)

// Data services: the port query, porting history and the TCPA batch check
// for the data roles (ptrs, tcpa, fraud, law-enforcement), and limited
// lookup sessions opened with a PIN (the IVR). The store decides who sees
// which field of which number, counts the limits and audits every lookup;
// this file only translates.

// maxTCPA is the largest list of numbers a TCPA check reads: about 90
// million numbers, one a line.
const maxTCPA = 1 << 30

// tcpaFlushEvery is how many result lines a TCPA answer sends between
// flushes.
const tcpaFlushEvery = 1000

// portInfoOut is a npac.PortInfo as the API answers it: a number's error
// is a problem document, as in range answers.
type portInfoOut struct {
	*npac.PortInfo
	Error *problem `json:"error,omitempty"`
}

// infoOut returns the answer of one number.
func infoOut(info *npac.PortInfo) portInfoOut {
	out := portInfoOut{PortInfo: info}
	if info.Error != nil {
		p := problemOf(info.Error)
		out.Error = &p
	}
	return out
}

// pathTN parses the TN of a lookup route.
func pathTN(r *http.Request) (npac.TN, error) {
	return npac.ParseTN(r.PathValue("tn"))
}

// lookupTN answers one number; the number's own error (not-found,
// forbidden) is the answer's.
func (s *Server) lookupTN(w http.ResponseWriter, r *http.Request) error {
	tn, err := pathTN(r)
	if err != nil {
		return err
	}
	infos, err := s.Lookups.Lookup(r.Context(), []npac.TN{tn})
	if err != nil {
		return err
	}
	if len(infos) != 1 {
		return errors.New("lookup: the store answered " + strconv.Itoa(len(infos)) + " numbers for one")
	}
	if infos[0].Error != nil {
		return infos[0].Error
	}
	return writeJSON(w, http.StatusOK, infoOut(infos[0]))
}

// lookupBody is the body of a port query of several numbers.
type lookupBody struct {
	TNs []string `json:"tns"`
}

// lookupTNs answers several numbers; each number's error stays in its
// result.
func (s *Server) lookupTNs(w http.ResponseWriter, r *http.Request) error {
	var b lookupBody
	if err := decodeBody(w, r, &b, true); err != nil {
		return err
	}
	if len(b.TNs) == 0 {
		return npac.Errorf(npac.EINVALID, "The request needs tns, the numbers to look up.")
	}
	tns, err := parseBodyTNs("tns", b.TNs)
	if err != nil {
		return err
	}
	infos, err := s.Lookups.Lookup(r.Context(), tns)
	if err != nil {
		return err
	}
	out := make([]portInfoOut, len(infos))
	for i, info := range infos {
		out[i] = infoOut(info)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"results": out})
}

func (s *Server) lookupHistory(w http.ResponseWriter, r *http.Request) error {
	tn, err := pathTN(r)
	if err != nil {
		return err
	}
	events, err := s.Lookups.History(r.Context(), tn)
	if err != nil {
		return err
	}
	if events == nil {
		events = []*npac.PortEvent{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": events})
}

// parseSince reads the since parameter of a TCPA check: a date alone
// (00:00 UTC of that day) or RFC 3339.
func parseSince(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, npac.Errorf(npac.EINVALID, "A TCPA check needs since, the date from which a port counts: ?since=2025-01-01 or an RFC 3339 time.")
	}
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, npac.Errorf(npac.EINVALID, "since %q is not a date: give 2025-01-01 or an RFC 3339 time such as 2025-01-01T00:00:00Z.", s)
	}
	return t, nil
}

// wantsNDJSON reports whether the client asked for NDJSON rather than CSV.
func wantsNDJSON(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		for part := range strings.SplitSeq(v, ",") {
			mt, _, _ := strings.Cut(part, ";")
			if strings.EqualFold(strings.TrimSpace(mt), "application/x-ndjson") {
				return true
			}
		}
	}
	return false
}

// tcpaBody is the list of numbers of a TCPA check as it is uploaded. It
// keeps the connection's deadlines moving while data arrives, so that a
// large list outlives the server's read and write timeouts while a
// stalled upload does not, and remembers a body cut off at maxTCPA.
type tcpaBody struct {
	r        io.Reader
	rc       *http.ResponseController
	extended time.Time
	tooLarge bool
}

func (b *tcpaBody) Read(p []byte) (int, error) {
	if now := time.Now(); now.Sub(b.extended) > time.Second {
		b.rc.SetReadDeadline(now.Add(time.Minute))
		b.rc.SetWriteDeadline(now.Add(time.Minute))
		b.extended = now
	}
	n, err := b.r.Read(p)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		b.tooLarge = true
	}
	if errors.Is(err, io.EOF) {
		// Nothing is written until the store has checked every number;
		// the answer's writes set their own deadlines.
		b.rc.SetWriteDeadline(time.Time{})
	}
	return n, err
}

// tcpaOut writes a TCPA answer as CSV or NDJSON, starting it at the first
// result so that an error before it (forbidden, rate-limited, a list that
// could not be read) is still a problem document.
type tcpaOut struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	ndjson  bool
	started bool
	csv     *csv.Writer
	enc     *json.Encoder
	lines   int
}

// start writes the status, the header and, for CSV, the column names.
func (o *tcpaOut) start() error {
	o.started = true
	o.rc.SetWriteDeadline(time.Now().Add(30 * time.Second))
	h := o.w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Vary", "Accept")
	if o.ndjson {
		h.Set("Content-Type", "application/x-ndjson")
		o.w.WriteHeader(http.StatusOK)
		o.enc = json.NewEncoder(o.w)
	} else {
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="tcpa.csv"`)
		o.w.WriteHeader(http.StatusOK)
		o.csv = csv.NewWriter(o.w)
		if err := o.csv.Write([]string{"tn", "ported", "line_type", "error"}); err != nil {
			return err
		}
	}
	// The client learns at once that the check began.
	return o.flush()
}

// write sends one result, flushing every tcpaFlushEvery lines.
func (o *tcpaOut) write(res *npac.TCPAResult) error {
	if !o.started {
		if err := o.start(); err != nil {
			return err
		}
	}
	var err error
	if o.ndjson {
		err = o.enc.Encode(res)
	} else {
		ported := strconv.FormatBool(res.Ported)
		if res.Error != "" {
			ported = ""
		}
		err = o.csv.Write([]string{string(res.TN), ported, res.LineType, res.Error})
	}
	if err != nil {
		return err
	}
	if o.lines++; o.lines%tcpaFlushEvery == 0 {
		return o.flush()
	}
	return nil
}

// flush sends what is buffered to the client.
func (o *tcpaOut) flush() error {
	if o.csv != nil {
		o.csv.Flush()
		if err := o.csv.Error(); err != nil {
			return err
		}
	}
	o.rc.SetWriteDeadline(time.Now().Add(30 * time.Second))
	return o.rc.Flush()
}

// tcpa checks a list of numbers, one a line, for ports between wireless
// and wireline service since a date, and streams one result per number in
// the list's order.
func (s *Server) tcpa(w http.ResponseWriter, r *http.Request) error {
	since, err := parseSince(r.URL.Query().Get("since"))
	if err != nil {
		return err
	}
	rc := http.NewResponseController(w)
	body := &tcpaBody{r: http.MaxBytesReader(w, r.Body, maxTCPA), rc: rc}
	out := &tcpaOut{w: w, rc: rc, ndjson: wantsNDJSON(r)}
	n, err := s.Lookups.TCPA(r.Context(), since, body, out.write)
	switch {
	case err != nil && !out.started && body.tooLarge:
		return npac.Errorf(npac.ETOOLARGE, "The list of numbers is larger than %d MiB, the most a TCPA check reads; split it.", maxTCPA>>20)
	case err != nil && !out.started:
		return err
	case err != nil:
		// The answer has begun and cannot carry a problem: end the
		// connection without the response's end, so that the client
		// does not take a cut-off list for a whole one.
		if r.Context().Err() == nil {
			s.logger().Error("tcpa answer ended early", "numbers", n, "request_id", requestID(r.Context()), "err", err)
		}
		panic(http.ErrAbortHandler)
	}
	if !out.started {
		// No numbers in the list: the column names alone.
		if err := out.start(); err != nil {
			return nil
		}
	}
	out.flush()
	return nil
}

func (s *Server) issuePIN(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "user")
	if err != nil {
		return err
	}
	// No parameters; an empty object is accepted, anything in it refused.
	if err := decodeBody(w, r, &struct{}{}, false); err != nil {
		return err
	}
	pin, err := s.Lookups.IssuePIN(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"pin": pin})
}

// sessionBody opens a lookup session.
type sessionBody struct {
	User string `json:"user"`
	PIN  string `json:"pin"`
}

// openSession opens a limited lookup session with a user's name and PIN.
// It is public: the caller (an IVR) has a PIN, not an API token.
func (s *Server) openSession(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	var b sessionBody
	if err := decodeBody(w, r, &b, true); err != nil {
		return err
	}
	if b.User == "" || b.PIN == "" {
		return npac.Errorf(npac.EINVALID, "A lookup session is opened with user, the user's name, and pin, the PIN NPAC personnel issued.")
	}
	sess, err := s.Lookups.OpenLookupSession(r.Context(), b.User, b.PIN)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, sess)
}

// sessionScheme is the Authorization scheme of a lookup session.
const sessionScheme = "Session"

// sessionID reads the session of a session lookup from the header
// Authorization: Session <id>. The session is a credential: it is not put
// in the path, which request logs record.
func sessionID(r *http.Request) (string, error) {
	scheme, id, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	id = strings.TrimSpace(id)
	if !strings.EqualFold(scheme, sessionScheme) || id == "" {
		return "", npac.Errorf(npac.EUNAUTHORIZED, "A session lookup needs the header Authorization: Session <id>, with the id POST /api/v1/lookup-sessions answered.")
	}
	return id, nil
}

// sessionAnswer is a session lookup's answer: the number, and the session
// with the numbers it has used.
type sessionAnswer struct {
	Result  portInfoOut         `json:"result"`
	Session *npac.LookupSession `json:"session"`
}

// sessionLookup answers one number in a lookup session. The number's own
// error (not-found, forbidden) stays in the result: the session counted
// it.
func (s *Server) sessionLookup(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	err := func() error {
		id, err := sessionID(r)
		if err != nil {
			return err
		}
		tn, err := pathTN(r)
		if err != nil {
			return err
		}
		info, sess, err := s.Lookups.SessionLookup(r.Context(), id, tn)
		if err != nil {
			return err
		}
		sess.ID = id
		return writeJSON(w, http.StatusOK, sessionAnswer{Result: infoOut(info), Session: sess})
	}()
	if npac.ErrorCode(err) == npac.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", sessionScheme+` realm="OpenNPAC"`)
	}
	return err
}
