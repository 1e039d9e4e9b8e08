package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	npac "github.com/opennpac/npac"
)

// Passwords sign users in to the Low Tech Interface (the web UI, package
// lti); the API keeps its tokens. A password is stored as an argon2id hash
// (RFC 9106) in the PHC string format
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
//
// with a random 16-byte salt and a 32-byte hash, both unpadded standard
// base64. The parameters are OWASP's recommended minimum for argon2id
// (19 MiB of memory, 2 passes, 1 lane): about 30 ms on one core, so one
// core checks some 30 guesses a second. They are read back from each stored
// string, so raising them later leaves existing hashes valid.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonSaltLen = 16
	argonKeyLen  = 32

	// MinPasswordLen and MaxPasswordLen bound a password, in characters
	// and bytes respectively.
	MinPasswordLen = 12
	MaxPasswordLen = 1024
)

// hashPassword returns the PHC string of password with a fresh salt.
func hashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// checkPassword reports whether password matches the PHC string encoded,
// comparing in constant time. A string it cannot read matches nothing.
func checkPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	// "", "argon2id", "v=19", "m=…,t=…,p=…", salt, hash
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return false
	}
	var m, t uint32
	var p uint8
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || n != 3 {
		return false
	}
	// Bounds keep a corrupt row from costing the server a gigabyte.
	if m < 8 || m > 1<<20 || t < 1 || t > 16 || p < 1 || p > 16 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) < 16 || len(want) > 64 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when a sign-in names no user with a
// password, so that it takes as long as a wrong password does.
var dummyHash = sync.OnceValue(func() string {
	h, err := hashPassword(rand.Text())
	if err != nil {
		panic(err)
	}
	return h
})

// passwordStamp identifies one setting of a password without revealing
// anything of it: it changes every time the password is set.
func passwordStamp(hash string) string {
	h := sha256.Sum256([]byte(hash))
	return hex.EncodeToString(h[:8])
}

// SetPassword sets the password a user signs in to the web UI with. NPAC
// personnel may set anyone's; a user may set its own. A password has 12 to
// 1,024 characters and is not the user's name.
// Errors: invalid, not-found, forbidden, unauthorized.
func (s *Store) SetPassword(ctx context.Context, userID int64, password string) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if !a.IsAdmin() && a.User.ID != userID {
		return npac.Errorf(npac.EFORBIDDEN, "You may set only your own password.")
	}
	if utf8.RuneCountInString(password) < MinPasswordLen {
		return npac.Errorf(npac.EINVALID, "The password is too short: use at least %d characters, such as a few unrelated words.", MinPasswordLen)
	}
	if len(password) > MaxPasswordLen {
		return npac.Errorf(npac.EINVALID, "The password is too long: use at most %d bytes.", MaxPasswordLen)
	}
	// Hash before the transaction: the SQLite writer is one goroutine and
	// must not wait on a deliberately slow function.
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(t *tx) error {
		u, err := scanUser(t.row(`SELECT `+userCols+` FROM users WHERE id = ?`, userID))
		if err != nil {
			return err
		}
		if strings.EqualFold(strings.TrimSpace(password), u.Name) {
			return npac.Errorf(npac.EINVALID, "The password must not be the user name.")
		}
		if _, err := t.exec(`INSERT INTO passwords (user_id, hash, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at`,
			userID, hash, micros(t.now)); err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		// The audit record says that it changed, never what to.
		return t.audit("", "password.set", "user", strconv.FormatInt(userID, 10), nil, nil)
	})
}

// loginDenied is the one answer to every failed sign-in, so that it tells
// nothing about which part was wrong or whether the user exists.
func loginDenied() error {
	return npac.Errorf(npac.EUNAUTHORIZED, "The user name or password is wrong, or the user is disabled.")
}

// Login checks a user name and password and returns the user's actor, built
// as Authenticate builds a token's. An unknown user, a user without a
// password, a disabled user and a wrong password all get the same
// unauthorized error after the same work. Login throttling is the caller's
// (package lti throttles by client address and user name).
func (s *Store) Login(ctx context.Context, name, password string) (*npac.Actor, error) {
	if name == "" || password == "" || len(name) > 100 || len(password) > MaxPasswordLen {
		return nil, loginDenied()
	}
	var hash sql.NullString
	u, err := scanUser(s.db.QueryRowContext(ctx, s.q(`SELECT u.id, u.name, u.grants, u.disabled, u.created_at, p.hash
		FROM users u LEFT JOIN passwords p ON p.user_id = u.id WHERE u.name = ?`), name), &hash)
	if err != nil && npac.ErrorCode(err) != npac.ENOTFOUND {
		return nil, err
	}
	if err != nil || !hash.Valid {
		checkPassword(dummyHash(), password)
		return nil, loginDenied()
	}
	if !checkPassword(hash.String, password) || u.Disabled {
		return nil, loginDenied()
	}
	return s.actorOf(ctx, u)
}

// PasswordActor returns the actor of a user signed in with a password, as
// it is now (grants and bureau clients are read afresh, as for a token on
// every request), and a stamp that changes whenever the user's password is
// set, so that a web session can end when it does. A disabled user, or one
// without a password, is unauthorized.
func (s *Store) PasswordActor(ctx context.Context, userID int64) (a *npac.Actor, stamp string, err error) {
	var hash string
	u, err := scanUser(s.db.QueryRowContext(ctx, s.q(`SELECT u.id, u.name, u.grants, u.disabled, u.created_at, p.hash
		FROM users u JOIN passwords p ON p.user_id = u.id WHERE u.id = ?`), userID), &hash)
	if npac.ErrorCode(err) == npac.ENOTFOUND || (err == nil && u.Disabled) {
		return nil, "", npac.Errorf(npac.EUNAUTHORIZED, "Your session has ended: sign in again.")
	} else if err != nil {
		return nil, "", err
	}
	if a, err = s.actorOf(ctx, u); err != nil {
		return nil, "", err
	}
	return a, passwordStamp(hash), nil
}

// actorOf builds a user's actor with the clients of its service-bureau
// grants resolved: what Authenticate and Login sign in as.
func (s *Store) actorOf(ctx context.Context, u *npac.User) (*npac.Actor, error) {
	a := &npac.Actor{User: *u, Bureau: map[npac.SPID]npac.SPID{}}
	for _, g := range u.Grants {
		if g.Role != npac.RoleServiceBureau {
			continue
		}
		clients, err := collectSPIDs(s.db.QueryContext(ctx, s.q(`SELECT client_spid FROM bureau_authorizations WHERE bureau_spid = ?`), string(g.SPID)))
		if err != nil {
			return nil, err
		}
		for _, c := range clients {
			a.Bureau[c] = g.SPID
		}
	}
	return a, nil
}
