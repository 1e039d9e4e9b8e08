package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	npac "github.com/opennpac/npac"
)

// FireDue implements npac.SchedulerService. It looks at up to n due timers
// and returns how many it fired; a timer another scheduler took meanwhile
// is not counted. Each timer fires in its own
// transaction that locks the SV, marks the timer fired only if no one else
// has, and applies its effect: a timer's effect commits exactly once, and a
// crash before the commit leaves it due for the next run.
func (s *Store) FireDue(ctx context.Context, now time.Time, n int) (int, error) {
	ctx = npac.NewContext(ctx, npac.SystemActor)
	fired := 0
	// A timer whose firing fails stays unfired and is tried again on the
	// next run; in this run it is skipped (it stays first in due order, so
	// OFFSET passes over the failures) so that it holds back no other.
	var errs []error
	for tries := 0; tries < n; tries++ {
		var (
			id, svID int64
			kind     string
			dueAt    int64
		)
		err := s.db.QueryRowContext(ctx, s.q(`SELECT id, sv_id, kind, due_at FROM timers WHERE fired_at IS NULL AND due_at <= ? ORDER BY due_at, id LIMIT 1 OFFSET ?`),
			micros(now), len(errs)).Scan(&id, &svID, &kind, &dueAt)
		if errors.Is(err, sql.ErrNoRows) {
			break
		} else if err != nil {
			errs = append(errs, fmt.Errorf("due timers: %w", err))
			break
		}
		took := false
		err = s.inTx(ctx, func(t *tx) error {
			took = false
			sv, err := t.svByID(svID)
			if err != nil {
				return err
			}
			res, err := t.exec(`UPDATE timers SET fired_at = ? WHERE id = ? AND fired_at IS NULL`, micros(t.now), id)
			if err != nil {
				return fmt.Errorf("fire timer: %w", err)
			}
			if k, _ := res.RowsAffected(); k != 1 {
				return nil // another scheduler fired it, or a transition cleared it
			}
			took = true
			before := *sv
			eff, changed := s.Machine().Fire(sv, npac.TimerKind(kind), fromMicros(dueAt), t.now)
			if !changed {
				return nil
			}
			return t.carry(sv, eff, "", "sv.timer."+kind, &before, false)
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("timer %d (%s of sv %s): %w", id, kind, strconv.FormatInt(svID, 10), err))
			continue
		}
		if took {
			fired++
		}
	}
	return fired, errors.Join(errs...)
}

// NextDue implements npac.SchedulerService.
func (s *Store) NextDue(ctx context.Context) (time.Time, bool, error) {
	var at sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT MIN(due_at) FROM timers WHERE fired_at IS NULL`).Scan(&at); err != nil {
		return time.Time{}, false, fmt.Errorf("next timer: %w", err)
	}
	if !at.Valid {
		return time.Time{}, false, nil
	}
	return fromMicros(at.Int64), true, nil
}

// RunScheduler fires due timers, activates pool blocks whose effective
// date came, starts and ends NPA splits' permissive dialing periods,
// advances port orders and fails overdue broadcast deliveries every
// interval; every minute it prunes the broadcast log and reloads the
// tunables another server may have changed. It runs until ctx ends.
// Errors are logged and the loop goes on: what failed stays due and is
// tried again on the next tick.
func (s *Store) RunScheduler(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var pruned time.Time
	for {
		if _, err := s.SweepDeliveries(ctx, s.Now(), 1000); err != nil && ctx.Err() == nil {
			s.log.Error("broadcast deadlines", "err", err)
		}
		if now := s.Now(); now.Sub(pruned) >= time.Minute {
			if _, err := s.PruneLog(ctx, now); err != nil && ctx.Err() == nil {
				s.log.Error("prune broadcast log", "err", err)
			}
			if err := s.ReloadTunables(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("reload tunables", "err", err)
			}
			pruned = now
		}
		if _, err := s.ActivateDueBlocks(ctx, s.Now(), 1000); err != nil && ctx.Err() == nil {
			s.log.Error("pool block activation", "err", err)
		}
		if _, err := s.AdvanceSplits(ctx, s.Now()); err != nil && ctx.Err() == nil {
			s.log.Error("NPA splits", "err", err)
		}
		if _, err := s.AdvanceOrders(ctx, s.Now()); err != nil && ctx.Err() == nil {
			s.log.Error("port orders", "err", err)
		}
		for {
			n, err := s.FireDue(ctx, s.Now(), 100)
			if err != nil && ctx.Err() == nil {
				s.log.Error("scheduler", "err", err)
			}
			if err != nil || n < 100 {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
