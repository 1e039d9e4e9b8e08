package lti

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"

	npac "github.com/opennpac/npac"
)

// A session is one signed-in browser, as a page sees it. The store keeps
// sessions (npac.WebSessionStore), so a restart signs no one out and every
// server on the database knows them. The cookie carries a random 32-byte
// ID; the store is keyed by its SHA-256, so it holds nothing a cookie can
// be made from.
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
}

// touchEvery is how stale a session's last use may be in the store: a
// request writes it only when it is older, so the idle timeout is kept to
// within that.
const touchEvery = time.Minute

// sessions reads and writes the sessions in the store.
type sessions struct {
	st npac.WebSessionStore
	// idle ends a session unused for that long; max ends any session that
	// old.
	idle, max time.Duration
	now       func() time.Time
	log       *slog.Logger

	mu    sync.Mutex
	swept time.Time
}

func newSessions(st npac.WebSessionStore, idle, max time.Duration, now func() time.Time, log *slog.Logger) *sessions {
	return &sessions{st: st, idle: idle, max: max, now: now, log: log}
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

// key is the store's key of a session ID.
func key(id string) string {
	k := sha256.Sum256([]byte(id))
	return hex.EncodeToString(k[:])
}

// create starts a session for a user and returns its ID, which only the
// cookie holds. Now and then it ends the expired sessions of everyone.
func (ss *sessions) create(ctx context.Context, u *npac.User, stamp string) (string, error) {
	id := token(32)
	now := ss.now()
	ss.sweep(ctx, now)
	err := ss.st.PutWebSession(ctx, &npac.WebSession{Key: key(id), UserID: u.ID, UserName: u.Name, Stamp: stamp, CSRF: token(32), Created: now, LastSeen: now})
	return id, err
}

// get returns the live session with the ID and marks it used. An unknown
// or expired ID gives false (and ends the expired session); so does a
// store that fails, which is logged.
func (ss *sessions) get(ctx context.Context, id string) (session, bool) {
	if id == "" {
		return session{}, false
	}
	k := key(id)
	ws, err := ss.st.WebSession(ctx, k)
	if err != nil {
		if npac.ErrorCode(err) != npac.ENOTFOUND {
			ss.log.Error("lti: read session", "err", err)
		}
		return session{}, false
	}
	now := ss.now()
	if now.Sub(ws.LastSeen) >= ss.idle || now.Sub(ws.Created) >= ss.max {
		ss.end(ctx, id)
		return session{}, false
	}
	if now.Sub(ws.LastSeen) >= touchEvery {
		ws.LastSeen = now
		if err := ss.st.PutWebSession(ctx, ws); err != nil {
			ss.log.Error("lti: mark session used", "err", err)
		}
	}
	return session{UserID: ws.UserID, UserName: ws.UserName, Stamp: ws.Stamp, CSRF: ws.CSRF, Created: ws.Created, LastSeen: ws.LastSeen}, true
}

// end deletes a session.
func (ss *sessions) end(ctx context.Context, id string) {
	if err := ss.st.DeleteWebSession(ctx, key(id)); err != nil {
		ss.log.Error("lti: end session", "err", err)
	}
}

// endUser deletes every session of a user but the one with ID keep ("" for
// none). A failure is logged: those sessions end anyway at their next
// request when the user's password stamp changed or the user is disabled.
func (ss *sessions) endUser(ctx context.Context, userID int64, keep string) {
	except := ""
	if keep != "" {
		except = key(keep)
	}
	if err := ss.st.DeleteUserWebSessions(ctx, userID, except); err != nil {
		ss.log.Error("lti: end a user's sessions", "user", userID, "err", err)
	}
}

// setFlash leaves a message for the session's next page.
func (ss *sessions) setFlash(ctx context.Context, id, msg string) {
	ss.update(ctx, id, func(ws *npac.WebSession) bool { ws.Flash = msg; return true })
}

// takeFlash returns and clears the session's message.
func (ss *sessions) takeFlash(ctx context.Context, id string) string {
	var msg string
	ss.update(ctx, id, func(ws *npac.WebSession) bool {
		msg, ws.Flash = ws.Flash, ""
		return msg != ""
	})
	return msg
}

// update reads a session, changes it with fn and writes it back when fn
// says it changed; failures are logged.
func (ss *sessions) update(ctx context.Context, id string, fn func(*npac.WebSession) bool) {
	ws, err := ss.st.WebSession(ctx, key(id))
	if err != nil {
		if npac.ErrorCode(err) != npac.ENOTFOUND {
			ss.log.Error("lti: read session", "err", err)
		}
		return
	}
	if fn(ws) {
		if err := ss.st.PutWebSession(ctx, ws); err != nil {
			ss.log.Error("lti: write session", "err", err)
		}
	}
}

// sweep ends the expired sessions, at most once a minute.
func (ss *sessions) sweep(ctx context.Context, now time.Time) {
	ss.mu.Lock()
	due := now.Sub(ss.swept) >= time.Minute
	if due {
		ss.swept = now
	}
	ss.mu.Unlock()
	if !due {
		return
	}
	if _, err := ss.st.DeleteExpiredWebSessions(ctx, now.Add(-ss.idle), now.Add(-ss.max)); err != nil {
		ss.log.Error("lti: end expired sessions", "err", err)
	}
}

// sameToken compares a submitted token with the expected one in constant
// time. An empty expected token matches nothing.
func sameToken(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
