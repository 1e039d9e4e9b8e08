package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	npac "github.com/opennpac/npac"
)

// TokenPrefix starts every API token, so that a leaked one is easy to spot.
const TokenPrefix = "npac_"

// newSecret returns a fresh token secret and its stored hash.
func newSecret() (secret, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("token: %w", err)
	}
	secret = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, hashSecret(secret), nil
}

// hashSecret hashes a token. The secret has 256 bits of entropy, so a fast
// hash is enough; the database never holds a usable token.
func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// CreateUser implements npac.UserService.
func (s *Store) CreateUser(ctx context.Context, u *npac.User) (*npac.Token, error) {
	var tok *npac.Token
	err := s.inTx(ctx, func(t *tx) error {
		if err := requireAdmin(t.actor, "create users"); err != nil {
			return err
		}
		if err := u.Validate(); err != nil {
			return err
		}
		for _, g := range u.Grants {
			if g.SPID == "" {
				continue
			}
			p, err := t.provider(g.SPID)
			if err != nil {
				return npac.Errorf(npac.ENOTFOUND, "The %s role names SPID %s, which is not a registered provider.", g.Role, g.SPID)
			}
			if g.Role == npac.RoleServiceBureau && p.Type != npac.ProviderServiceBureau {
				return npac.Errorf(npac.EINVALID, "The service-bureau role is held for a service bureau's SPID; %s is a %s provider.", g.SPID, p.Type)
			}
		}
		var n int
		if err := t.row(`SELECT COUNT(*) FROM users WHERE name = ?`, u.Name).Scan(&n); err != nil {
			return fmt.Errorf("user name: %w", err)
		}
		if n > 0 {
			return npac.Errorf(npac.ECONFLICT, "A user named %q exists already.", u.Name)
		}
		grants, err := json.Marshal(u.Grants)
		if err != nil {
			return err
		}
		u.CreatedAt = t.now
		if err := t.row(`INSERT INTO users (name, grants, disabled, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
			u.Name, string(grants), false, micros(t.now)).Scan(&u.ID); err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		if err := t.audit("", "user.create", "user", fmt.Sprint(u.ID), nil, u); err != nil {
			return err
		}
		tok, err = t.createToken(u.ID, "initial", 0)
		return err
	})
	return tok, err
}

func (t *tx) createToken(userID int64, name string, ttl time.Duration) (*npac.Token, error) {
	secret, hash, err := newSecret()
	if err != nil {
		return nil, err
	}
	tok := &npac.Token{UserID: userID, Name: name, Secret: secret, CreatedAt: t.now}
	var exp any
	if ttl > 0 {
		e := t.now.Add(ttl)
		tok.ExpiresAt = &e
		exp = micros(e)
	}
	if err := t.row(`INSERT INTO tokens (user_id, name, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		userID, name, hash, micros(t.now), exp).Scan(&tok.ID); err != nil {
		return nil, fmt.Errorf("insert token: %w", err)
	}
	return tok, t.audit("", "token.create", "user", fmt.Sprint(userID), nil, map[string]any{"token_id": tok.ID, "name": name})
}

// scanUser reads the userCols of a row, then any extra columns into extra.
func scanUser(r rowScanner, extra ...any) (*npac.User, error) {
	var (
		u       npac.User
		grants  string
		created int64
	)
	if err := r.Scan(append([]any{&u.ID, &u.Name, &grants, &u.Disabled, &created}, extra...)...); errors.Is(err, sql.ErrNoRows) {
		return nil, npac.Errorf(npac.ENOTFOUND, "No such user.")
	} else if err != nil {
		return nil, fmt.Errorf("scan user: %w", err)
	}
	if err := json.Unmarshal([]byte(grants), &u.Grants); err != nil {
		return nil, fmt.Errorf("user %d grants: %w", u.ID, err)
	}
	u.CreatedAt = fromMicros(created)
	return &u, nil
}

const userCols = `id, name, grants, disabled, created_at`

// User implements npac.UserService.
func (s *Store) User(ctx context.Context, id int64) (*npac.User, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if !a.IsAdmin() && a.User.ID != id {
		return nil, npac.Errorf(npac.EFORBIDDEN, "You may read only your own user.")
	}
	return scanUser(s.db.QueryRowContext(ctx, s.q(`SELECT `+userCols+` FROM users WHERE id = ?`), id))
}

// Users implements npac.UserService.
func (s *Store) Users(ctx context.Context) ([]*npac.User, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := requireAdmin(a, "list users"); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+userCols+` FROM users ORDER BY id`)
	out, err := collect(rows, err, func(r rowScanner) (*npac.User, error) { return scanUser(r) })
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	return out, nil
}

// CreateToken implements npac.UserService.
func (s *Store) CreateToken(ctx context.Context, userID int64, name string, ttl time.Duration) (*npac.Token, error) {
	var tok *npac.Token
	err := s.inTx(ctx, func(t *tx) error {
		if !t.actor.IsAdmin() && t.actor.User.ID != userID {
			return npac.Errorf(npac.EFORBIDDEN, "You may issue tokens only for yourself.")
		}
		if name == "" || len(name) > 100 {
			return npac.Errorf(npac.EINVALID, "A token needs a name of 1 to 100 characters.")
		}
		if ttl < 0 {
			return npac.Errorf(npac.EINVALID, "A token's lifetime cannot be negative.")
		}
		if _, err := scanUser(t.row(`SELECT `+userCols+` FROM users WHERE id = ?`, userID)); err != nil {
			return err
		}
		var err error
		tok, err = t.createToken(userID, name, ttl)
		return err
	})
	return tok, err
}

// Tokens implements npac.UserService.
func (s *Store) Tokens(ctx context.Context, userID int64) ([]*npac.Token, error) {
	if _, err := s.User(ctx, userID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT id, name, created_at, expires_at, last_used_at FROM tokens WHERE user_id = ? ORDER BY id`), userID)
	out, err := collect(rows, err, func(r rowScanner) (*npac.Token, error) {
		tok := &npac.Token{UserID: userID}
		var created int64
		var expires, used sql.NullInt64
		if err := r.Scan(&tok.ID, &tok.Name, &created, &expires, &used); err != nil {
			return nil, err
		}
		tok.CreatedAt = fromMicros(created)
		for _, x := range []struct {
			v   sql.NullInt64
			dst **time.Time
		}{{expires, &tok.ExpiresAt}, {used, &tok.LastUsed}} {
			if x.v.Valid {
				at := fromMicros(x.v.Int64)
				*x.dst = &at
			}
		}
		return tok, nil
	})
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	return out, nil
}

// RevokeToken implements npac.UserService.
func (s *Store) RevokeToken(ctx context.Context, userID, tokenID int64) error {
	return s.inTx(ctx, func(t *tx) error {
		if !t.actor.IsAdmin() && t.actor.User.ID != userID {
			return npac.Errorf(npac.EFORBIDDEN, "You may revoke only your own tokens.")
		}
		res, err := t.exec(`DELETE FROM tokens WHERE id = ? AND user_id = ?`, tokenID, userID)
		if err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return npac.Errorf(npac.ENOTFOUND, "User %d has no token %d.", userID, tokenID)
		}
		return t.audit("", "token.revoke", "user", fmt.Sprint(userID), map[string]any{"token_id": tokenID}, nil)
	})
}

// SetDisabled implements npac.UserService.
func (s *Store) SetDisabled(ctx context.Context, id int64, disabled bool) (*npac.User, error) {
	var out *npac.User
	err := s.inTx(ctx, func(t *tx) error {
		if err := requireAdmin(t.actor, "disable users"); err != nil {
			return err
		}
		u, err := scanUser(t.row(`SELECT `+userCols+` FROM users WHERE id = ?`, id))
		if err != nil {
			return err
		}
		before := *u
		u.Disabled = disabled
		if _, err := t.exec(`UPDATE users SET disabled = ? WHERE id = ?`, disabled, id); err != nil {
			return fmt.Errorf("disable user: %w", err)
		}
		out = u
		action := "user.enable"
		if disabled {
			action = "user.disable"
		}
		return t.audit("", action, "user", fmt.Sprint(id), before, u)
	})
	return out, err
}

// lastUsedGranularity bounds how often a token's last-used time is written,
// so that authentication is a read on the hot path.
const lastUsedGranularity = time.Minute

// Authenticate implements npac.UserService.
func (s *Store) Authenticate(ctx context.Context, secret string) (*npac.Actor, error) {
	deny := npac.Errorf(npac.EUNAUTHORIZED, "The API token is unknown, expired or revoked; ask an NPAC administrator for a new one.")
	var (
		tokID    int64
		exp, use sql.NullInt64
	)
	u, err := scanUser(s.db.QueryRowContext(ctx, s.q(`SELECT u.id, u.name, u.grants, u.disabled, u.created_at, t.id, t.expires_at, t.last_used_at
		FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?`), hashSecret(secret)), &tokID, &exp, &use)
	if npac.ErrorCode(err) == npac.ENOTFOUND {
		return nil, deny
	} else if err != nil {
		return nil, err
	}
	now := s.Now()
	if u.Disabled || (exp.Valid && now.After(fromMicros(exp.Int64))) {
		return nil, deny
	}
	if !use.Valid || now.Sub(fromMicros(use.Int64)) > lastUsedGranularity {
		if _, err := s.db.ExecContext(ctx, s.q(`UPDATE tokens SET last_used_at = ? WHERE id = ?`), micros(now), tokID); err != nil {
			return nil, fmt.Errorf("token last used: %w", err)
		}
	}
	return s.actorOf(ctx, u)
}

// Bootstrap creates the first NPAC administrator when the database has no
// users, and returns its token; it returns nil when users exist already.
func (s *Store) Bootstrap(ctx context.Context) (*npac.Token, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	if n > 0 {
		return nil, nil
	}
	return s.CreateUser(npac.NewContext(ctx, npac.SystemActor), &npac.User{Name: "admin", Grants: []npac.Grant{{Role: npac.RoleAdmin}}})
}
