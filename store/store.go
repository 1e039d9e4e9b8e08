// Package store implements the NPAC services over database/sql. The same
// code serves both dialects; the sqlite and postgres packages open a
// database, supply the Dialect and its embedded migrations, and hand back a
// *Store. Business rules come from the lifecycle package; this package
// loads, locks, checks network data and authorization, and writes each
// service call in one transaction with its audit record and notifications.
package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/lifecycle"
	"github.com/opennpac/npac/portorder"
)

// Dialect is what differs between the SQL databases the store runs on.
type Dialect struct {
	// Name is "sqlite" or "postgres".
	Name string
	// Migrations holds files NNN_name.sql applied in order.
	Migrations fs.FS
	// Dollar says placeholders are $1, $2… instead of ?.
	Dollar bool
	// ForUpdate is appended to SELECTs that lock the rows they read.
	ForUpdate string
	// IsUnique reports whether err is a unique-constraint violation.
	IsUnique func(error) bool
	// IsRetryable reports whether err is a serialization failure or
	// deadlock that a retry of the whole transaction may clear.
	IsRetryable func(error) bool
	// CacheStatements has the store keep prepared statements for reuse.
	// Only for a driver that does not cache them itself and whose pool
	// never runs out of connections: preparing takes a connection of its
	// own while the transaction holds one.
	CacheStatements bool
	// GroupCommit runs write transactions on one writer goroutine that
	// commits concurrent calls together (see group.go). For databases
	// with a single writer.
	GroupCommit bool
}

// Store implements the npac service interfaces.
type Store struct {
	db *sql.DB
	d  Dialect
	// machine holds the lifecycle rules in force; SetTunables replaces
	// them, under tunMu.
	machine atomic.Pointer[lifecycle.Machine]
	tunMu   sync.Mutex
	// tunAt is when the tunables in force were saved (micros), 0 for
	// none; under tunMu.
	tunAt int64
	// Now is the clock; tests replace it.
	Now func() time.Time
	// OrderRules are the port order rules (portorder.DefaultRules unless
	// the server sets them, e.g. with its holiday list).
	OrderRules portorder.Rules
	// LookupLimits bound the data roles' lookups (DefaultLookupLimits).
	LookupLimits map[npac.Role]LookupLimit
	limits       limiter
	log          *slog.Logger
	// stmts caches prepared statements by query text; a transaction binds
	// them to its connection, which re-prepares only on first use there.
	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt
	// The group-commit writer (GroupCommit dialects).
	quitOnce         sync.Once
	jobs             chan *job
	quit, writerDone chan struct{}
	// logCh is closed, and replaced, after each commit that appended to
	// the broadcast log (LogChanged).
	logMu sync.Mutex
	logCh chan struct{}
}

// New returns a Store over db. Call Migrate before use.
func New(db *sql.DB, d Dialect, m *lifecycle.Machine, log *slog.Logger) *Store {
	if log == nil {
		log = slog.Default()
	}
	s := &Store{db: db, d: d, Now: time.Now, OrderRules: portorder.DefaultRules(), LookupLimits: DefaultLookupLimits(), log: log, stmts: map[string]*sql.Stmt{}, logCh: make(chan struct{})}
	s.machine.Store(m)
	if d.GroupCommit {
		s.startWriter()
	}
	return s
}

// DB returns the underlying database handle.
func (s *Store) DB() *sql.DB { return s.db }

// Dialect returns the store's SQL dialect.
func (s *Store) Dialect() Dialect { return s.d }

// Machine returns the lifecycle rules the store applies.
func (s *Store) Machine() *lifecycle.Machine { return s.machine.Load() }

// Close stops the writer and closes the database.
func (s *Store) Close() error {
	s.stopWriter()
	s.stmtMu.Lock()
	for _, st := range s.stmts {
		st.Close()
	}
	s.stmts = map[string]*sql.Stmt{}
	s.stmtMu.Unlock()
	return s.db.Close()
}

// stmt returns the prepared statement of a query written with ? marks. The
// lock is not held while preparing, so two callers may prepare the same
// query once each; the second keeps the first's.
func (s *Store) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	s.stmtMu.Lock()
	st, ok := s.stmts[query]
	s.stmtMu.Unlock()
	if ok {
		return st, nil
	}
	st, err := s.db.PrepareContext(ctx, s.q(query))
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	if prev, ok := s.stmts[query]; ok {
		st.Close()
		return prev, nil
	}
	s.stmts[query] = st
	return st, nil
}

// Ping checks the database answers; /readyz uses it.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// q rewrites ? placeholders for the dialect.
func (s *Store) q(query string) string {
	if !s.d.Dollar {
		return query
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// Migrate applies the dialect's migrations that have not run yet, each in
// its own transaction, and refuses a database whose schema is newer than
// this binary knows. Then it puts in force the tunables saved in the
// database, if any (ReloadTunables).
func (s *Store) Migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	files, err := fs.Glob(s.d.Migrations, "*.sql")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	sort.Strings(files)
	known := map[int]string{}
	for _, f := range files {
		v, err := strconv.Atoi(strings.SplitN(path.Base(f), "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migrate: file %s has no version number", f)
		}
		known[v] = f
	}
	rows, err := s.db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	applied := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("migrate: %w", err)
		}
		if _, ok := known[v]; !ok {
			rows.Close()
			return fmt.Errorf("migrate: the database has schema version %d, which this binary does not know; run a newer npac", v)
		}
		applied[v] = true
	}
	rows.Close()
	for _, f := range files {
		v, _ := strconv.Atoi(strings.SplitN(path.Base(f), "_", 2)[0])
		if applied[v] {
			continue
		}
		body, err := fs.ReadFile(s.d.Migrations, f)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s: %w", f, err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`), v, f, micros(s.Now())); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s: %w", f, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate %s: %w", f, err)
		}
		s.log.Info("applied migration", "file", f)
	}
	return s.ReloadTunables(ctx)
}

// micros turns a time into the stored form: microseconds since the epoch.
func micros(t time.Time) int64 { return t.UnixMicro() }

// fromMicros is the inverse of micros, in UTC.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// tx is one service call's transaction, with what it needs to audit.
type tx struct {
	*sql.Tx
	s     *Store
	ctx   context.Context
	now   time.Time
	actor *npac.Actor
	// logged records that the transaction appended to the broadcast log.
	logged bool
}

// prepared binds the cached statement of query to the transaction.
func (t *tx) prepared(query string) (*sql.Stmt, error) {
	st, err := t.s.stmt(t.ctx, query)
	if err != nil {
		return nil, err
	}
	return t.StmtContext(t.ctx, st), nil
}

func (t *tx) exec(query string, args ...any) (sql.Result, error) {
	if !t.s.d.CacheStatements {
		return t.ExecContext(t.ctx, t.s.q(query), args...)
	}
	st, err := t.prepared(query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(t.ctx, args...)
}

func (t *tx) query(query string, args ...any) (*sql.Rows, error) {
	if !t.s.d.CacheStatements {
		return t.QueryContext(t.ctx, t.s.q(query), args...)
	}
	st, err := t.prepared(query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(t.ctx, args...)
}

// row runs a query expected to return one row. A failure to prepare shows
// up as the row's Scan error.
func (t *tx) row(query string, args ...any) *sql.Row {
	if !t.s.d.CacheStatements {
		return t.QueryRowContext(t.ctx, t.s.q(query), args...)
	}
	st, err := t.prepared(query)
	if err != nil {
		return t.QueryRowContext(t.ctx, t.s.q(query), args...)
	}
	return st.QueryRowContext(t.ctx, args...)
}

// maxAttempts bounds retries of a transaction that lost a race.
const maxAttempts = 5

// errRetry asks inTx to run the function again in a new transaction.
var errRetry = errors.New("store: retry transaction")

// inTx runs fn in a transaction as the actor of ctx: through the
// group-commit writer for GroupCommit dialects, else directly.
func (s *Store) inTx(ctx context.Context, fn func(*tx) error) error {
	actor := npac.ActorFrom(ctx)
	if actor == nil {
		return npac.Errorf(npac.EUNAUTHORIZED, "Sign in with an API token.")
	}
	if s.d.GroupCommit {
		return s.submit(ctx, actor, fn)
	}
	return s.runTx(ctx, actor, fn)
}

// runTx runs fn in its own transaction, retrying when the database reports
// a serialization failure or deadlock, or fn asks for a retry.
func (s *Store) runTx(ctx context.Context, actor *npac.Actor, fn func(*tx) error) error {
	var err error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		err = s.tryTx(ctx, actor, fn)
		if err == nil || !(errors.Is(err, errRetry) || (s.d.IsRetryable != nil && s.d.IsRetryable(err))) {
			break
		}
	}
	if errors.Is(err, errRetry) {
		return npac.Errorf(npac.ECONFLICT, "The request lost a race with another change several times; try again.")
	}
	return err
}

func (s *Store) tryTx(ctx context.Context, actor *npac.Actor, fn func(*tx) error) (err error) {
	stx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	t := &tx{Tx: stx, s: s, ctx: ctx, now: s.Now().UTC(), actor: actor}
	defer func() {
		// A panic must not leave the transaction (and SQLite's write lock)
		// held, nor stop the group-commit writer.
		if p := recover(); p != nil {
			stx.Rollback()
			s.log.Error("panic in a store call", "panic", p)
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	if err := fn(t); err != nil {
		stx.Rollback()
		return err
	}
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if t.logged {
		s.signalLog()
	}
	return nil
}

// audit records one change made in the transaction.
func (t *tx) audit(spid npac.SPID, action, entity, id string, before, after any) error {
	var b, a []byte
	var err error
	if before != nil {
		if b, err = json.Marshal(before); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
	}
	if after != nil {
		if a, err = json.Marshal(after); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
	}
	var uid any
	if t.actor.User.ID != 0 {
		uid = t.actor.User.ID
	}
	_, err = t.exec(`INSERT INTO audit (at, user_id, user_name, spid, action, entity, entity_id, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		micros(t.now), uid, t.actor.User.Name, string(spid), action, entity, id, nullBytes(b), nullBytes(a))
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

func nullBytes(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

// requireAdmin refuses anyone but NPAC personnel.
func requireAdmin(a *npac.Actor, what string) error {
	if !a.IsAdmin() {
		return npac.Errorf(npac.EFORBIDDEN, "Only NPAC personnel (npac-admin) may %s.", what)
	}
	return nil
}

// actor returns the actor of ctx or an unauthorized error.
func actor(ctx context.Context) (*npac.Actor, error) {
	a := npac.ActorFrom(ctx)
	if a == nil {
		return nil, npac.Errorf(npac.EUNAUTHORIZED, "Sign in with an API token.")
	}
	return a, nil
}

// limit clamps a page size to 1..max, defaulting to def.
func limit(n, def, max int) int {
	if n <= 0 {
		return def
	}
	if n > max {
		return max
	}
	return n
}

// collect scans every row of a query with scan and closes the rows; err is
// the query's error, passed through. It returns an empty, not nil, slice
// for no rows.
func collect[T any](rows *sql.Rows, err error, scan func(rowScanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// scanID scans a row holding one integer.
func scanID(r rowScanner) (int64, error) {
	var id int64
	err := r.Scan(&id)
	return id, err
}

// scanDoc scans a row of an ID and a JSON document into a new T; a
// missing row is not-found, saying "No such <what>."
func scanDoc[T any](r rowScanner, what string) (int64, *T, error) {
	var (
		id   int64
		data []byte
	)
	if err := r.Scan(&id, &data); errors.Is(err, sql.ErrNoRows) {
		return 0, nil, npac.Errorf(npac.ENOTFOUND, "No such %s.", what)
	} else if err != nil {
		return 0, nil, fmt.Errorf("scan %s: %w", what, err)
	}
	v := new(T)
	if err := json.Unmarshal(data, v); err != nil {
		return 0, nil, fmt.Errorf("%s %d: %w", what, id, err)
	}
	return id, v, nil
}
