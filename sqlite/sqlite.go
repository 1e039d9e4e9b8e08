// Package sqlite opens the embedded SQLite store, OpenNPAC's default: one
// file in a data directory, no server, no cgo (modernc.org/sqlite).
package sqlite

import (
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/opennpac/npac/lifecycle"
	"github.com/opennpac/npac/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Dialect returns the store dialect of SQLite.
func Dialect() store.Dialect {
	m, _ := fs.Sub(migrations, "migrations")
	return store.Dialect{
		Name:            "sqlite",
		Migrations:      m,
		CacheStatements: true,
		GroupCommit:     true,
		IsUnique: func(err error) bool {
			var e *sqlite.Error
			return errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
		},
		IsRetryable: func(err error) bool {
			var e *sqlite.Error
			return errors.As(err, &e) && (e.Code()&0xff == sqlite3.SQLITE_BUSY)
		},
	}
}

// Open opens (creating if needed) the database npac.db in dir and returns
// the store; call its Migrate before use. Transactions begin IMMEDIATE, so writers queue
// for the one write lock instead of failing on upgrade; the journal is WAL,
// so readers never wait for writers.
func Open(dir string, m *lifecycle.Machine, log *slog.Logger) (*store.Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: data directory: %w", err)
	}
	dsn := "file:" + filepath.Join(dir, "npac.db") +
		"?_txlock=immediate&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-65536)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return store.New(db, Dialect(), m, log), nil
}
