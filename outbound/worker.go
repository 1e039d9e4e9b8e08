package outbound

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/opennpac/npac"
)

// Store keeps endpoints and their delivery state, and reads notification
// streams. Its methods are called concurrently for different endpoints.
type Store interface {
	// Endpoints returns every endpoint (to deliver for).
	Endpoints(ctx context.Context) ([]*Endpoint, error)
	// Notifications returns spid's notifications after seq, oldest first.
	Notifications(ctx context.Context, spid npac.SPID, after int64, limit int) ([]*npac.Notification, error)
	// Delivered records that ep delivered up to seq (cursor) and clears its
	// failure state: Failing false, LastError "", Attempts 0, NextAttempt
	// zero.
	Delivered(ctx context.Context, id int64, seq int64) error
	// Failed records a failed attempt: error text, attempts, next attempt
	// time, permanent. It sets Failing; when permanent, next is the zero
	// time and the endpoint stays disabled until it is updated (which must
	// clear Failing). The cursor does not change.
	Failed(ctx context.Context, id int64, attempts int, next time.Time, errText string, permanent bool) error
}

// Worker defaults.
const (
	DefaultInterval    = 5 * time.Second
	DefaultBatch       = 100
	DefaultConcurrency = 8
	maxErrText         = 500
)

// Worker delivers every endpoint's notifications in Seq order, one at a
// time per endpoint, many endpoints at once. Set its fields before the
// first call and do not copy it.
type Worker struct {
	Store Store
	// Sender sends; nil means a zero Sender (default HTTP client, no
	// email).
	Sender *Sender
	// Log receives delivery failures and store errors; nil discards.
	Log *slog.Logger
	// Interval is Run's pause between passes; zero means DefaultInterval.
	Interval time.Duration
	// Now is the clock for due times and backoff; nil means time.Now.
	Now func() time.Time
	// Batch is how many notifications to read at a time; zero means
	// DefaultBatch.
	Batch int
	// Concurrency bounds the endpoints delivered at once; zero means
	// DefaultConcurrency.
	Concurrency int
	// Backoff gives the delay after the attempt-th failure in a row; nil
	// means Backoff (jittered). Tests use BackoffBase.
	Backoff func(attempt int) time.Duration

	once sync.Once
	sem  chan struct{}
	kick chan struct{}
	mu   sync.Mutex
	busy map[int64]bool // endpoints being delivered: wanted again by a later pass
}

func (w *Worker) init() {
	w.once.Do(func() {
		n := w.Concurrency
		if n <= 0 {
			n = DefaultConcurrency
		}
		w.sem = make(chan struct{}, n)
		w.kick = make(chan struct{}, 1)
		w.busy = map[int64]bool{}
	})
}

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Worker) sender() *Sender {
	if w.Sender != nil {
		return w.Sender
	}
	return &Sender{}
}

func (w *Worker) log() *slog.Logger {
	if w.Log != nil {
		return w.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Kick makes Run start its next pass now rather than after Interval, e.g.
// when new notifications were committed. It never blocks.
func (w *Worker) Kick() {
	w.init()
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Run delivers in passes, every Interval or when kicked, until ctx is done.
// An endpoint still being delivered from an earlier pass is left to it, so
// a slow endpoint delays neither the passes nor other endpoints. Run
// returns nil after ctx ends and the deliveries in progress stop.
func (w *Worker) Run(ctx context.Context) error {
	w.init()
	interval := w.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		if err := w.dispatch(ctx, &wg, nil); err != nil && ctx.Err() == nil {
			w.log().Error("outbound: listing endpoints", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-w.kick:
		}
	}
}

// RunOnce makes one pass: it delivers every endpoint that is due at Now
// (not disabled, NextAttempt reached) up to the end of its stream or its
// first failure, and waits for them. It returns the number of
// notifications delivered (not counting those skipped by Kinds) and the
// store's errors. Delivery failures are not errors: they are recorded with
// Store.Failed and logged. Endpoints that a concurrent Run or RunOnce is
// delivering are left to it.
func (w *Worker) RunOnce(ctx context.Context) (delivered int, err error) {
	w.init()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	err = w.dispatch(ctx, &wg, func(n int, err error) {
		mu.Lock()
		defer mu.Unlock()
		delivered += n
		if err != nil {
			errs = append(errs, err)
		}
	})
	wg.Wait()
	return delivered, errors.Join(append([]error{err}, errs...)...)
}

// dispatch starts a delivery for each due endpoint that is not already
// being delivered, and calls done, if not nil, with each one's result.
func (w *Worker) dispatch(ctx context.Context, wg *sync.WaitGroup, done func(int, error)) error {
	eps, err := w.Store.Endpoints(ctx)
	if err != nil {
		return err
	}
	now := w.now()
	for _, ep := range eps {
		if !ep.Due(now) || !w.claim(ep.ID) {
			continue
		}
		e := *ep
		wg.Go(func() {
			defer w.release(e.ID)
			select {
			case w.sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-w.sem }()
			n, err := w.deliver(ctx, &e)
			if err != nil && ctx.Err() == nil {
				w.log().Error("outbound: store error", "endpoint", e.ID, "spid", e.SPID, "err", err)
			}
			if done != nil {
				done(n, err)
			}
		})
	}
	return nil
}

// claim marks endpoint id busy and reports whether it was free. A busy
// endpoint is marked wanted again, so that release starts a new pass: a
// Kick that came while it was busy is not lost.
func (w *Worker) claim(id int64) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, busy := w.busy[id]; busy {
		w.busy[id] = true
		return false
	}
	w.busy[id] = false
	return true
}

func (w *Worker) release(id int64) {
	w.mu.Lock()
	again := w.busy[id]
	delete(w.busy, id)
	w.mu.Unlock()
	if again {
		w.Kick()
	}
}

// deliver sends ep's notifications after its cursor, in order, until the
// stream ends or a send fails. It returns how many it sent and a store
// error, if any.
func (w *Worker) deliver(ctx context.Context, ep *Endpoint) (int, error) {
	batch := w.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	cursor := ep.Cursor   // last Seq sent or skipped
	recorded := ep.Cursor // last Seq the store knows of
	attempts := ep.Attempts
	sent := 0
	// flush records notifications skipped since the last record.
	flush := func() error {
		if cursor == recorded {
			return nil
		}
		if err := w.Store.Delivered(ctx, ep.ID, cursor); err != nil {
			return fmt.Errorf("outbound: recording endpoint %d at seq %d: %w", ep.ID, cursor, err)
		}
		recorded, attempts = cursor, 0
		return nil
	}
	for ctx.Err() == nil {
		ns, err := w.Store.Notifications(ctx, ep.SPID, cursor, batch)
		if err != nil {
			return sent, fmt.Errorf("outbound: reading %s's notifications after %d: %w", ep.SPID, cursor, err)
		}
		for _, n := range ns {
			if n.Seq <= cursor {
				return sent, fmt.Errorf("outbound: %s's notifications out of order: seq %d after %d", ep.SPID, n.Seq, cursor)
			}
			if !ep.Wants(n.Kind) {
				cursor = n.Seq
				continue
			}
			if err := w.sender().Send(ctx, ep, n); err != nil {
				if ctx.Err() != nil {
					return sent, nil // shutting down: not the endpoint's failure
				}
				if err := flush(); err != nil {
					return sent, err
				}
				return sent, w.failed(ctx, ep, n, attempts+1, err)
			}
			cursor = n.Seq
			if err := w.Store.Delivered(ctx, ep.ID, n.Seq); err != nil {
				return sent, fmt.Errorf("outbound: recording endpoint %d at seq %d: %w", ep.ID, n.Seq, err)
			}
			recorded, attempts = n.Seq, 0
			sent++
		}
		if len(ns) < batch {
			break
		}
	}
	if ctx.Err() != nil {
		return sent, nil
	}
	return sent, flush()
}

// failed records a failed send of n to ep.
func (w *Worker) failed(ctx context.Context, ep *Endpoint, n *npac.Notification, attempts int, sendErr error) error {
	permanent := IsPermanent(sendErr)
	var next time.Time
	if !permanent {
		backoff := w.Backoff
		if backoff == nil {
			backoff = Backoff
		}
		next = w.now().Add(backoff(attempts))
	}
	text := clean([]byte(sendErr.Error()), maxErrText)
	if permanent {
		w.log().Warn("outbound: delivery failed permanently; endpoint disabled until updated",
			"endpoint", ep.ID, "spid", ep.SPID, "kind", ep.Kind, "event", EventID(n), "attempt", attempts, "err", text)
	} else {
		w.log().Warn("outbound: delivery failed; will retry",
			"endpoint", ep.ID, "spid", ep.SPID, "kind", ep.Kind, "event", EventID(n), "attempt", attempts, "next", next, "err", text)
	}
	if err := w.Store.Failed(ctx, ep.ID, attempts, next, text, permanent); err != nil {
		return fmt.Errorf("outbound: recording failure of endpoint %d: %w", ep.ID, err)
	}
	return nil
}
