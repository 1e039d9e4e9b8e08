// Package postgres opens the PostgreSQL store, OpenNPAC's production store,
// through pgx's database/sql driver.
package postgres

import (
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/opennpac/npac/lifecycle"
	"github.com/opennpac/npac/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// pgCode returns the SQLSTATE of a PostgreSQL error, or "".
func pgCode(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Dialect returns the store dialect of PostgreSQL.
func Dialect() store.Dialect {
	m, _ := fs.Sub(migrations, "migrations")
	return store.Dialect{
		Name:       "postgres",
		Migrations: m,
		Dollar:     true,
		ForUpdate:  " FOR UPDATE",
		IsUnique:   func(err error) bool { return pgCode(err) == "23505" },
		// serialization_failure, deadlock_detected
		IsRetryable: func(err error) bool { c := pgCode(err); return c == "40001" || c == "40P01" },
	}
}

// Open connects to the database at url (postgres://…) and returns the
// store; call its Migrate before use.
func Open(url string, m *lifecycle.Machine, log *slog.Logger) (*store.Store, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(20)
	return store.New(db, Dialect(), m, log), nil
}
