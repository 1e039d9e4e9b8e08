package lti

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"sync"
	"time"

	npac "github.com/opennpac/npac"
)

// A session is one signed-in browser. Sessions live in the server's memory
// only: a restart signs everyone out. The cookie carries a random 32-byte
// ID; the table is keyed by its SHA-256, so the table itself holds nothing
// a cookie can be made from.
type session struct {
	UserID   int64
	UserName string
	// Stamp is the user's password stamp at sign-in: when the password is
	// set again the stamp changes and the session ends.
	Stamp string
	// CSRF is the token every form of the session carries.
	CSRF     string
	Created  time.Time
	LastSeen time.Time
	// Flash is a one-time message for the next page, such as "SV 12
	// created".
	Flash string
}

// sessions is the in-memory session table.
type sessions struct {
	mu sync.Mutex
	m  map[[32]byte]*session
	// idle ends a session unused for that long; max ends any session that
	// old.
	idle, max time.Duration
	// limit bounds the table; at the limit, the oldest session is dropped.
	limit int
	now   func() time.Time
	swept time.Time
}

func newSessions(idle, max time.Duration, limit int, now func() time.Time) *sessions {
	return &sessions{m: map[[32]byte]*session{}, idle: idle, max: max, limit: limit, now: now}
}

// token returns n random bytes, base64url-encoded.
func token(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		// crypto/rand does not fail on supported platforms (Go 1.24+
		// crashes the program instead); keep the signature simple.
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func key(id string) [32]byte { return sha256.Sum256([]byte(id)) }

// create starts a session for a user and returns its ID, which only the
// cookie holds.
func (ss *sessions) create(u *npac.User, stamp string) (id string, s session) {
	id = token(32)
	now := ss.now()
	s = session{UserID: u.ID, UserName: u.Name, Stamp: stamp, CSRF: token(32), Created: now, LastSeen: now}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.sweepLocked(now)
	if len(ss.m) >= ss.limit {
		ss.dropOldestLocked()
	}
	cp := s
	ss.m[key(id)] = &cp
	return id, s
}

// get returns a copy of the live session with the ID and marks it used.
// An unknown or expired ID gives false (and ends the expired session).
func (ss *sessions) get(id string) (session, bool) {
	if id == "" {
		return session{}, false
	}
	k := key(id)
	now := ss.now()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s, ok := ss.m[k]
	if !ok {
		return session{}, false
	}
	if ss.expired(s, now) {
		delete(ss.m, k)
		return session{}, false
	}
	s.LastSeen = now
	return *s, true
}

func (ss *sessions) expired(s *session, now time.Time) bool {
	return now.Sub(s.LastSeen) >= ss.idle || now.Sub(s.Created) >= ss.max
}

// end deletes a session.
func (ss *sessions) end(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.m, key(id))
}

// endUser deletes every session of a user but the one with ID keep.
func (ss *sessions) endUser(userID int64, keep string) {
	k := key(keep)
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for sk, s := range ss.m {
		if s.UserID == userID && (keep == "" || sk != k) {
			delete(ss.m, sk)
		}
	}
}

// setFlash leaves a message for the session's next page.
func (ss *sessions) setFlash(id, msg string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if s, ok := ss.m[key(id)]; ok {
		s.Flash = msg
	}
}

// takeFlash returns and clears the session's message.
func (ss *sessions) takeFlash(id string) string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s, ok := ss.m[key(id)]
	if !ok {
		return ""
	}
	msg := s.Flash
	s.Flash = ""
	return msg
}

// len returns the number of sessions in the table, live or not yet swept.
func (ss *sessions) len() int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return len(ss.m)
}

// sweepLocked drops expired sessions, at most once a minute.
func (ss *sessions) sweepLocked(now time.Time) {
	if now.Sub(ss.swept) < time.Minute && len(ss.m) < ss.limit {
		return
	}
	ss.swept = now
	for k, s := range ss.m {
		if ss.expired(s, now) {
			delete(ss.m, k)
		}
	}
}

func (ss *sessions) dropOldestLocked() {
	var (
		oldest [32]byte
		at     time.Time
		found  bool
	)
	for k, s := range ss.m {
		if !found || s.LastSeen.Before(at) {
			oldest, at, found = k, s.LastSeen, true
		}
	}
	if found {
		delete(ss.m, oldest)
	}
}

// sameToken compares a submitted token with the expected one in constant
// time. An empty expected token matches nothing.
func sameToken(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
