package store

import (
	"context"
	"errors"
	"fmt"

	npac "github.com/opennpac/npac"
)

// Group commit. A database with one writer at a time (SQLite) spends most
// of a small transaction writing its pages to the log at commit. The store
// therefore runs every write transaction on one writer goroutine, which
// takes the calls waiting for it and runs up to maxBatch of them in one
// database transaction, each inside its own SAVEPOINT: a call that fails
// rolls back to its savepoint and leaves the others whole, and callers
// hear their result only after the shared COMMIT. The outcome is the same
// as running the calls one after another, in order; the log is written
// once per batch.

// maxBatch bounds the calls one commit carries.
const maxBatch = 128

// job is one service call waiting for the writer.
type job struct {
	ctx   context.Context
	actor *npac.Actor
	fn    func(*tx) error
	done  chan error
}

// startWriter starts the writer goroutine; New calls it for GroupCommit
// dialects.
func (s *Store) startWriter() {
	s.jobs = make(chan *job)
	s.quit = make(chan struct{})
	s.writerDone = make(chan struct{})
	go s.writer()
}

// stopWriter stops the writer after the batch it is running.
func (s *Store) stopWriter() {
	if s.quit == nil {
		return
	}
	s.quitOnce.Do(func() { close(s.quit) })
	<-s.writerDone
}

// submit hands fn to the writer and waits for its result.
func (s *Store) submit(ctx context.Context, actor *npac.Actor, fn func(*tx) error) error {
	j := &job{ctx: ctx, actor: actor, fn: fn, done: make(chan error, 1)}
	select {
	case s.jobs <- j:
	case <-s.quit:
		return npac.Errorf(npac.EUNAVAILABLE, "The NPAC is shutting down; try again shortly.")
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once taken, a call runs to its end: its result is what was committed.
	return <-j.done
}

func (s *Store) writer() {
	defer close(s.writerDone)
	for {
		var batch []*job
		select {
		case j := <-s.jobs:
			batch = append(batch, j)
		case <-s.quit:
			return
		}
	more:
		for len(batch) < maxBatch {
			select {
			case j := <-s.jobs:
				batch = append(batch, j)
			default:
				break more
			}
		}
		s.runBatch(batch)
	}
}

// runBatch runs the jobs in one transaction and reports each result.
func (s *Store) runBatch(batch []*job) {
	results := make([]error, len(batch))
	defer func() {
		for i, j := range batch {
			j.done <- results[i]
		}
	}()
	// A lone call needs no savepoints: it runs as an ordinary
	// transaction, rolled back whole when it fails.
	if len(batch) == 1 {
		j := batch[0]
		if results[0] = j.ctx.Err(); results[0] == nil {
			results[0] = s.runTx(context.WithoutCancel(j.ctx), j.actor, j.fn)
		}
		return
	}
	// Statements run with a context that is never canceled: canceling one
	// statement would interrupt SQLite and roll back the whole batch. A
	// call whose caller left before it started is skipped.
	base := context.Background()
	stx, err := s.db.BeginTx(base, nil)
	if err != nil {
		for i := range results {
			results[i] = fmt.Errorf("begin: %w", err)
		}
		return
	}
	logged := false
	for i, j := range batch {
		if err := j.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		t := &tx{Tx: stx, s: s, ctx: context.WithoutCancel(j.ctx), actor: j.actor}
		for attempt := 0; ; attempt++ {
			t.now = s.Now().UTC()
			results[i] = s.runSavepoint(t, j.fn)
			if !errors.Is(results[i], errRetry) || attempt == maxAttempts {
				break
			}
		}
		if errors.Is(results[i], errRetry) {
			results[i] = npac.Errorf(npac.ECONFLICT, "The request lost a race with another change several times; try again.")
		}
		logged = logged || (results[i] == nil && t.logged)
	}
	if err := stx.Commit(); err != nil {
		for i := range results {
			if results[i] == nil {
				results[i] = fmt.Errorf("commit: %w", err)
			}
		}
		return
	}
	if logged {
		s.signalLog()
	}
}

// runSavepoint runs fn inside a savepoint, rolling back to it when fn fails
// or panics.
func (s *Store) runSavepoint(t *tx, fn func(*tx) error) (err error) {
	if _, err := t.ExecContext(t.ctx, "SAVEPOINT call"); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic in a store call", "panic", p)
			err = fmt.Errorf("panic: %v", p)
		}
		if err != nil {
			if _, rerr := t.ExecContext(t.ctx, "ROLLBACK TO call"); rerr != nil {
				err = errors.Join(err, fmt.Errorf("rollback to savepoint: %w", rerr))
			}
		}
		if _, rerr := t.ExecContext(t.ctx, "RELEASE call"); rerr != nil && err == nil {
			err = fmt.Errorf("release savepoint: %w", rerr)
		}
	}()
	return fn(t)
}
