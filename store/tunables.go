package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	npac "github.com/opennpac/npac"
)

// The tunables are kept in the settings table under this key, as the JSON
// of npac.Tunables (durations in nanoseconds). Without the row the store
// runs with the tunables its lifecycle.Machine was built with.
const tunablesKey = "tunables"

// Tunables implements npac.TunablesService.
func (s *Store) Tunables(ctx context.Context) (npac.Tunables, error) {
	if _, err := actor(ctx); err != nil {
		return npac.Tunables{}, err
	}
	return s.Machine().Tunables.Clone(), nil
}

// SetTunables implements npac.TunablesService. The change is saved and
// audited (entity "tunables") in one transaction, then put in force.
func (s *Store) SetTunables(ctx context.Context, t npac.Tunables) (npac.Tunables, error) {
	a, err := actor(ctx)
	if err != nil {
		return npac.Tunables{}, err
	}
	if err := requireAdmin(a, "change the tunables"); err != nil {
		return npac.Tunables{}, err
	}
	if err := t.Validate(); err != nil {
		return npac.Tunables{}, err
	}
	s.tunMu.Lock()
	defer s.tunMu.Unlock()
	cur := s.Machine()
	m, err := cur.WithTunables(t)
	if err != nil {
		return npac.Tunables{}, npac.Errorf(npac.EINVALID, "The tunables cannot run the lifecycle: %v.", err)
	}
	data, err := json.Marshal(m.Tunables)
	if err != nil {
		return npac.Tunables{}, fmt.Errorf("tunables: %w", err)
	}
	var at int64
	err = s.inTx(ctx, func(tx *tx) error {
		at = micros(tx.now)
		if _, err := tx.exec(`INSERT INTO settings (key, data, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`, tunablesKey, string(data), at); err != nil {
			return fmt.Errorf("save tunables: %w", err)
		}
		return tx.audit("", "update", "tunables", tunablesKey, cur.Tunables, m.Tunables)
	})
	if err != nil {
		return npac.Tunables{}, err
	}
	s.machine.Store(m)
	s.tunAt = at
	return m.Tunables.Clone(), nil
}

// ReloadTunables puts in force the tunables saved in the database, if they
// changed since this store last loaded or saved them: another server on
// the same database may have changed them. Migrate calls it; a server
// calls it now and then.
func (s *Store) ReloadTunables(ctx context.Context) error {
	s.tunMu.Lock()
	defer s.tunMu.Unlock()
	var data string
	var at int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT data, updated_at FROM settings WHERE key = ?`), tunablesKey).Scan(&data, &at)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && at == s.tunAt) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("load tunables: %w", err)
	}
	var t npac.Tunables
	if err := json.Unmarshal([]byte(data), &t); err != nil {
		return fmt.Errorf("load tunables: %w", err)
	}
	m, err := s.Machine().WithTunables(t)
	if err != nil {
		return fmt.Errorf("load tunables: %w", err)
	}
	s.machine.Store(m)
	s.tunAt = at
	return nil
}
