package npac

import (
	"context"
	"time"
)

// WebSession is one signed-in browser of the Low Tech Interface, kept by
// the store so that sessions survive a restart and are shared by every
// server on one database.
type WebSession struct {
	// Key is the SHA-256, in hex, of the random ID the cookie carries:
	// the store holds nothing a cookie can be made from.
	Key      string
	UserID   int64
	UserName string
	// Stamp is the user's password stamp at sign-in; when the password
	// is set again the stamp changes and the session no longer counts.
	Stamp string
	// CSRF is the token every form of the session carries.
	CSRF string
	// Flash is a one-time message for the session's next page.
	Flash    string
	Created  time.Time
	LastSeen time.Time
}

// WebSessionStore keeps web sessions. The LTI calls it before it knows
// who is signed in, so its methods take no actor; it is not served over
// the API.
type WebSessionStore interface {
	// PutWebSession stores s, replacing the session with its key.
	PutWebSession(ctx context.Context, s *WebSession) error
	// WebSession returns the session with the key. Errors: not-found.
	WebSession(ctx context.Context, key string) (*WebSession, error)
	// DeleteWebSession ends one session; an unknown key is no error.
	DeleteWebSession(ctx context.Context, key string) error
	// DeleteUserWebSessions ends every session of a user but the one
	// with key except ("" for none).
	DeleteUserWebSessions(ctx context.Context, userID int64, except string) error
	// DeleteExpiredWebSessions ends the sessions last seen before
	// idleBefore or created before createdBefore, and returns how many.
	DeleteExpiredWebSessions(ctx context.Context, idleBefore, createdBefore time.Time) (int64, error)
}
