package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	npac "github.com/opennpac/npac"
)

// The LTI's sessions (npac.WebSessionStore), in the table web_sessions.

// PutWebSession implements npac.WebSessionStore.
func (s *Store) PutWebSession(ctx context.Context, ws *npac.WebSession) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO web_sessions (key, user_id, user_name, stamp, csrf, flash, created_at, last_seen)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET user_id = excluded.user_id, user_name = excluded.user_name, stamp = excluded.stamp,
			csrf = excluded.csrf, flash = excluded.flash, created_at = excluded.created_at, last_seen = excluded.last_seen`),
		ws.Key, ws.UserID, ws.UserName, ws.Stamp, ws.CSRF, ws.Flash, micros(ws.Created), micros(ws.LastSeen))
	if err != nil {
		return fmt.Errorf("put web session: %w", err)
	}
	return nil
}

// WebSession implements npac.WebSessionStore.
func (s *Store) WebSession(ctx context.Context, key string) (*npac.WebSession, error) {
	ws := &npac.WebSession{Key: key}
	var created, seen int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT user_id, user_name, stamp, csrf, flash, created_at, last_seen FROM web_sessions WHERE key = ?`), key).
		Scan(&ws.UserID, &ws.UserName, &ws.Stamp, &ws.CSRF, &ws.Flash, &created, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, npac.Errorf(npac.ENOTFOUND, "No such session.")
	}
	if err != nil {
		return nil, fmt.Errorf("web session: %w", err)
	}
	ws.Created, ws.LastSeen = fromMicros(created), fromMicros(seen)
	return ws, nil
}

// DeleteWebSession implements npac.WebSessionStore.
func (s *Store) DeleteWebSession(ctx context.Context, key string) error {
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM web_sessions WHERE key = ?`), key); err != nil {
		return fmt.Errorf("delete web session: %w", err)
	}
	return nil
}

// DeleteUserWebSessions implements npac.WebSessionStore.
func (s *Store) DeleteUserWebSessions(ctx context.Context, userID int64, except string) error {
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM web_sessions WHERE user_id = ? AND key <> ?`), userID, except); err != nil {
		return fmt.Errorf("delete web sessions: %w", err)
	}
	return nil
}

// DeleteExpiredWebSessions implements npac.WebSessionStore.
func (s *Store) DeleteExpiredWebSessions(ctx context.Context, idleBefore, createdBefore time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM web_sessions WHERE last_seen < ? OR created_at < ?`), micros(idleBefore), micros(createdBefore))
	if err != nil {
		return 0, fmt.Errorf("delete expired web sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
