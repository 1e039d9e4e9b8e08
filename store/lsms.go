package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	npac "github.com/opennpac/npac"
)

// Broadcasting to LSMSs. A transaction that changes what networks route
// appends a message to the log (lsms_log), updates the published routing
// state (lsms_routes) and, for an SV, records one delivery per target LSMS.
// LSMSs read the log in order and acknowledge what they applied; an
// acknowledgement or a delivery's deadline settles the SV's broadcast, and
// the last one concludes it (active, partial-failure or failed).

// mayReadLog refuses anyone but spid's LSMS and NPAC personnel.
func mayReadLog(a *npac.Actor, spid npac.SPID) error {
	if a.IsAdmin() || a.Has(npac.RoleLSMS, spid) {
		return nil
	}
	return npac.Errorf(npac.EFORBIDDEN, "Only the LSMS of %s (the lsms role for %s) reads its broadcasts.", spid, spid)
}

// RegisterLSMS implements npac.LSMSService.
func (s *Store) RegisterLSMS(ctx context.Context, l *npac.LSMSRegistration) error {
	return s.inTx(ctx, func(t *tx) error {
		spid, err := npac.ParseSPID(string(l.SPID))
		if err != nil {
			return err
		}
		l.SPID = spid
		// The provider's SOA registers its LSMS, or the LSMS itself.
		if !t.actor.Has(npac.RoleLSMS, spid) {
			if err := mayManage(t.actor, spid); err != nil {
				return err
			}
		}
		if _, err := t.providerType(spid); err != nil {
			return err
		}
		if len(l.Regions) == 0 {
			return npac.Errorf(npac.EINVALID, "An LSMS receives the broadcasts of at least one region.")
		}
		for i, r := range l.Regions {
			if l.Regions[i], err = npac.ParseRegion(string(r)); err != nil {
				return err
			}
		}
		if l.Exclude == nil {
			l.Exclude = []npac.NPANXX{}
		}
		for i, c := range l.Exclude {
			if l.Exclude[i], err = npac.ParseNPANXX(string(c)); err != nil {
				return err
			}
		}
		for i, sp := range l.PseudoLRNFrom {
			if l.PseudoLRNFrom[i], err = npac.ParseSPID(string(sp)); err != nil {
				return err
			}
		}
		if len(l.PseudoLRNFrom) > 0 && !l.PseudoLRN {
			return npac.Errorf(npac.EINVALID, "pseudo_lrn_from names providers to receive pseudo-LRN records from; set pseudo_lrn to opt in.")
		}
		regions, _ := json.Marshal(l.Regions)
		exclude, _ := json.Marshal(l.Exclude)
		options, _ := json.Marshal(lsmsOptions{l.PseudoLRN, l.PseudoLRNFrom})
		prev, err := t.lsms(spid)
		switch {
		case npac.ErrorCode(err) == npac.ENOTFOUND:
			// A new LSMS starts from the full image at the log's head.
			head, err := t.logHead()
			if err != nil {
				return err
			}
			l.AckedSeq, l.CreatedAt, l.UpdatedAt = head, t.now, t.now
			if _, err := t.exec(`INSERT INTO lsms (spid, regions, exclude, acked_seq, created_at, updated_at, options) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				string(spid), string(regions), string(exclude), head, micros(t.now), micros(t.now), string(options)); err != nil {
				return fmt.Errorf("register lsms: %w", err)
			}
			return t.audit(spid, "lsms.register", "lsms", string(spid), nil, l)
		case err != nil:
			return err
		}
		l.AckedSeq, l.CreatedAt, l.UpdatedAt = prev.AckedSeq, prev.CreatedAt, t.now
		if _, err := t.exec(`UPDATE lsms SET regions = ?, exclude = ?, options = ?, updated_at = ? WHERE spid = ?`,
			string(regions), string(exclude), string(options), micros(t.now), string(spid)); err != nil {
			return fmt.Errorf("update lsms: %w", err)
		}
		return t.audit(spid, "lsms.update", "lsms", string(spid), prev, l)
	})
}

const lsmsCols = `spid, regions, exclude, acked_seq, created_at, updated_at, options`

// lsmsOptions is the JSON options column of an LSMS registration.
type lsmsOptions struct {
	PseudoLRN     bool        `json:"pseudo_lrn,omitempty"`
	PseudoLRNFrom []npac.SPID `json:"pseudo_lrn_from,omitempty"`
}

func scanLSMS(r rowScanner) (*npac.LSMSRegistration, error) {
	var (
		l                         npac.LSMSRegistration
		regions, exclude, options string
		created, updated          int64
	)
	if err := r.Scan(&l.SPID, &regions, &exclude, &l.AckedSeq, &created, &updated, &options); errors.Is(err, sql.ErrNoRows) {
		return nil, npac.Errorf(npac.ENOTFOUND, "No LSMS is registered for that SPID.")
	} else if err != nil {
		return nil, fmt.Errorf("scan lsms: %w", err)
	}
	if err := json.Unmarshal([]byte(regions), &l.Regions); err != nil {
		return nil, fmt.Errorf("lsms regions: %w", err)
	}
	if err := json.Unmarshal([]byte(exclude), &l.Exclude); err != nil {
		return nil, fmt.Errorf("lsms exclude: %w", err)
	}
	var o lsmsOptions
	if err := json.Unmarshal([]byte(options), &o); err != nil {
		return nil, fmt.Errorf("lsms options: %w", err)
	}
	l.PseudoLRN, l.PseudoLRNFrom = o.PseudoLRN, o.PseudoLRNFrom
	l.CreatedAt, l.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &l, nil
}

func (t *tx) lsms(spid npac.SPID) (*npac.LSMSRegistration, error) {
	l, err := scanLSMS(t.row(`SELECT `+lsmsCols+` FROM lsms WHERE spid = ?`+t.s.d.ForUpdate, string(spid)))
	if npac.ErrorCode(err) == npac.ENOTFOUND {
		return nil, npac.Errorf(npac.ENOTFOUND, "No LSMS is registered for %s.", spid)
	}
	return l, err
}

// allLSMS lists every registration, by SPID.
func (t *tx) allLSMS() ([]*npac.LSMSRegistration, error) {
	return collectLSMS(t.query(`SELECT ` + lsmsCols + ` FROM lsms ORDER BY spid`))
}

func collectLSMS(rows *sql.Rows, err error) ([]*npac.LSMSRegistration, error) {
	return collect(rows, err, scanLSMS)
}

// LSMS implements npac.LSMSService.
func (s *Store) LSMS(ctx context.Context, spid npac.SPID) (*npac.LSMSRegistration, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if !a.CanRead(spid) {
		return nil, npac.Errorf(npac.EFORBIDDEN, "You may read only your own providers' LSMS registrations, not %s's.", spid)
	}
	l, err := scanLSMS(s.db.QueryRowContext(ctx, s.q(`SELECT `+lsmsCols+` FROM lsms WHERE spid = ?`), string(spid)))
	if npac.ErrorCode(err) == npac.ENOTFOUND {
		return nil, npac.Errorf(npac.ENOTFOUND, "No LSMS is registered for %s.", spid)
	}
	return l, err
}

// LSMSs implements npac.LSMSService.
func (s *Store) LSMSs(ctx context.Context) ([]*npac.LSMSRegistration, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := requireAdmin(a, "list LSMS registrations"); err != nil {
		return nil, err
	}
	return collectLSMS(s.db.QueryContext(ctx, `SELECT `+lsmsCols+` FROM lsms ORDER BY spid`))
}

// UnregisterLSMS implements npac.LSMSService.
func (s *Store) UnregisterLSMS(ctx context.Context, spid npac.SPID) error {
	return s.inTx(ctx, func(t *tx) error {
		if err := mayManage(t.actor, spid); err != nil {
			return err
		}
		l, err := t.lsms(spid)
		if err != nil {
			return err
		}
		if _, err := t.exec(`DELETE FROM lsms WHERE spid = ?`, string(spid)); err != nil {
			return fmt.Errorf("unregister lsms: %w", err)
		}
		// Broadcasts waiting for it no longer do.
		if err := t.settleUpTo(spid, 1<<62, false); err != nil {
			return err
		}
		return t.audit(spid, "lsms.unregister", "lsms", string(spid), l, nil)
	})
}

// logHead returns the newest log sequence number.
func (t *tx) logHead() (int64, error) {
	var head int64
	if err := t.row(`SELECT last FROM log_seq WHERE id = 1`).Scan(&head); err != nil {
		return 0, fmt.Errorf("log head: %w", err)
	}
	return head, nil
}

// LogHead implements npac.LSMSService.
func (s *Store) LogHead(ctx context.Context) (int64, error) {
	var head int64
	if err := s.db.QueryRowContext(ctx, `SELECT last FROM log_seq WHERE id = 1`).Scan(&head); err != nil {
		return 0, fmt.Errorf("log head: %w", err)
	}
	return head, nil
}

// SeqBefore implements npac.LSMSService.
func (s *Store) SeqBefore(ctx context.Context, at time.Time) (int64, error) {
	var first sql.NullInt64
	if err := s.db.QueryRowContext(ctx, s.q(`SELECT MIN(seq) FROM lsms_log WHERE created_at >= ?`), micros(at)).Scan(&first); err != nil {
		return 0, fmt.Errorf("log by time: %w", err)
	}
	if !first.Valid {
		return s.LogHead(ctx)
	}
	return first.Int64 - 1, nil
}

// LogChanged implements npac.LSMSService.
func (s *Store) LogChanged() <-chan struct{} {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return s.logCh
}

// signalLog wakes the streams waiting for log appends; called after a
// commit that appended.
func (s *Store) signalLog() {
	s.logMu.Lock()
	close(s.logCh)
	s.logCh = make(chan struct{})
	s.logMu.Unlock()
}

// appendLog adds a message to the log and publishes its effect on the
// routing state. The counter row it updates stays locked until commit.
func (t *tx) appendLog(m *npac.Message) error {
	if err := t.row(`UPDATE log_seq SET last = last + 1 WHERE id = 1 RETURNING last`).Scan(&m.Seq); err != nil {
		return fmt.Errorf("log seq: %w", err)
	}
	m.At = t.now
	data, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("log message: %w", err)
	}
	if _, err := t.exec(`INSERT INTO lsms_log (seq, data, created_at) VALUES (?, ?, ?)`, m.Seq, string(data), micros(t.now)); err != nil {
		return fmt.Errorf("append log: %w", err)
	}
	t.logged = true
	switch m.Kind {
	case npac.MsgSV:
		_, err = t.exec(`INSERT INTO lsms_routes (tn, region, seq, data) VALUES (?, ?, ?, ?)
			ON CONFLICT (tn) DO UPDATE SET region = excluded.region, seq = excluded.seq, data = excluded.data`,
			string(m.TN), string(m.Region), m.Seq, string(data))
	case npac.MsgSVDelete:
		_, err = t.exec(`DELETE FROM lsms_routes WHERE tn = ?`, string(m.TN))
	case npac.MsgBlock:
		_, err = t.exec(`INSERT INTO lsms_blocks (npanxxx, region, seq, data) VALUES (?, ?, ?, ?)
			ON CONFLICT (npanxxx) DO UPDATE SET region = excluded.region, seq = excluded.seq, data = excluded.data`,
			string(m.Block), string(m.Region), m.Seq, string(data))
	case npac.MsgBlockDelete:
		_, err = t.exec(`DELETE FROM lsms_blocks WHERE npanxxx = ?`, string(m.Block))
	}
	if err != nil {
		return fmt.Errorf("publish route: %w", err)
	}
	return nil
}

// routeOf is the route an SV gives its TN.
func routeOf(sv *npac.SV) *npac.Route {
	return &npac.Route{Ported: true, SPID: sv.NewSPID, LRN: sv.LRN, SVType: sv.SVType,
		CLASS: sv.CLASS, LIDB: sv.LIDB, CNAM: sv.CNAM, ISVM: sv.ISVM, WSMSC: sv.WSMSC}
}

// broadcast appends a message that the LSMSs must acknowledge and records
// one delivery of it, for the SV or block (object) id, per target LSMS:
// every registered LSMS the message is for. It returns the broadcast to
// track, or nil when no LSMS is a target and the caller concludes at once.
func (t *tx) broadcast(m *npac.Message, object string, id int64) (*npac.Broadcast, error) {
	regs, err := t.allLSMS()
	if err != nil {
		return nil, err
	}
	if err := t.appendLog(m); err != nil {
		return nil, err
	}
	var targets []npac.SPID
	for _, l := range regs {
		if m.For(l) {
			targets = append(targets, l.SPID)
		}
	}
	if len(targets) == 0 {
		return nil, nil
	}
	deadline := t.now.Add(t.s.Machine().Tunables.BroadcastDeadline())
	for _, spid := range targets {
		if _, err := t.exec(`INSERT INTO deliveries (spid, seq, sv_id, deadline, object) VALUES (?, ?, ?, ?, ?)`,
			string(spid), m.Seq, id, micros(deadline), object); err != nil {
			return nil, fmt.Errorf("delivery: %w", err)
		}
	}
	return &npac.Broadcast{Seq: m.Seq, Targets: targets, Pending: slices.Clone(targets), Failed: []npac.SPID{}, Deadline: deadline}, nil
}

// deliver broadcasts an SV that entered sending (only to resendTo, for a
// resend). It reports done when no LSMS is a target, in which case the
// caller concludes the broadcast at once.
func (t *tx) deliver(sv *npac.SV, resendTo []npac.SPID) (done bool, err error) {
	m := &npac.Message{Kind: npac.MsgSV, Region: sv.Region, TN: sv.TN, SVID: sv.ID, ActivationTimestamp: sv.ActivationTimestamp, Targets: resendTo}
	if sv.Pending == "disconnect" || (sv.Pending == "activate" && sv.PortToOriginal) {
		m.Kind = npac.MsgSVDelete
	} else {
		m.Route = routeOf(sv)
	}
	b, err := t.broadcast(m, "sv", sv.ID)
	if err != nil || b == nil {
		return err == nil, err
	}
	sv.Broadcast = b
	return false, nil
}

// settle records that spid's LSMS applied (or, failed, did not apply) the
// broadcast of log message seq to SV svID, and concludes the broadcast when
// no LSMS is pending.
func (t *tx) settle(svID, seq int64, spid npac.SPID, failed bool) error {
	sv, err := t.svByID(svID)
	if err != nil {
		return err
	}
	b := sv.Broadcast
	if b == nil || b.Seq != seq || !slices.Contains(b.Pending, spid) {
		return nil // an older broadcast of the SV
	}
	before := *sv
	b.Pending = slices.DeleteFunc(b.Pending, func(x npac.SPID) bool { return x == spid })
	if failed {
		b.Failed = append(b.Failed, spid)
	}
	if len(b.Pending) > 0 {
		sv.UpdatedAt = t.now
		return t.saveSV(sv)
	}
	eff, err := t.s.Machine().Conclude(sv, len(b.Targets), b.Failed, t.now)
	if err != nil {
		return err
	}
	return t.carry(sv, eff, "", "sv.broadcast", &before, false)
}

// settleObject settles a delivery of an SV or a block.
func (t *tx) settleObject(object string, id, seq int64, spid npac.SPID, failed bool) error {
	if object == "block" {
		return t.settleBlock(id, seq, spid, failed)
	}
	return t.settle(id, seq, spid, failed)
}

// settleUpTo settles every delivery to spid up to seq.
func (t *tx) settleUpTo(spid npac.SPID, seq int64, failed bool) error {
	rows, err := t.query(`SELECT seq, sv_id, object FROM deliveries WHERE spid = ? AND seq <= ? ORDER BY seq`, string(spid), seq)
	if err != nil {
		return fmt.Errorf("deliveries: %w", err)
	}
	type del struct {
		seq, id int64
		object  string
	}
	var ds []del
	for rows.Next() {
		var d del
		if err := rows.Scan(&d.seq, &d.id, &d.object); err != nil {
			rows.Close()
			return fmt.Errorf("deliveries: %w", err)
		}
		ds = append(ds, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if _, err := t.exec(`DELETE FROM deliveries WHERE spid = ? AND seq <= ?`, string(spid), seq); err != nil {
		return fmt.Errorf("deliveries: %w", err)
	}
	for _, d := range ds {
		if err := t.settleObject(d.object, d.id, d.seq, spid, failed); err != nil {
			return err
		}
	}
	return nil
}

// Ack implements npac.LSMSService.
func (s *Store) Ack(ctx context.Context, spid npac.SPID, seq int64) error {
	return s.inTx(ctx, func(t *tx) error {
		if err := mayReadLog(t.actor, spid); err != nil {
			return err
		}
		l, err := t.lsms(spid)
		if err != nil {
			return err
		}
		head, err := t.logHead()
		if err != nil {
			return err
		}
		if seq < 0 || seq > head {
			return npac.Errorf(npac.EINVALID, "Sequence %d is not in the log, whose newest message is %d.", seq, head)
		}
		if seq <= l.AckedSeq {
			return nil
		}
		if _, err := t.exec(`UPDATE lsms SET acked_seq = ? WHERE spid = ?`, seq, string(spid)); err != nil {
			return fmt.Errorf("ack: %w", err)
		}
		return t.settleUpTo(spid, seq, false)
	})
}

// SweepDeliveries fails the deliveries whose deadline passed, up to limit,
// and returns how many it failed.
func (s *Store) SweepDeliveries(ctx context.Context, now time.Time, limit int) (int, error) {
	ctx = npac.NewContext(ctx, npac.SystemActor)
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT spid, seq, sv_id, object FROM deliveries WHERE deadline <= ? ORDER BY deadline LIMIT ?`), micros(now), limit)
	if err != nil {
		return 0, fmt.Errorf("due deliveries: %w", err)
	}
	type del struct {
		spid    npac.SPID
		seq, id int64
		object  string
	}
	var ds []del
	for rows.Next() {
		var d del
		if err := rows.Scan(&d.spid, &d.seq, &d.id, &d.object); err != nil {
			rows.Close()
			return 0, fmt.Errorf("due deliveries: %w", err)
		}
		ds = append(ds, d)
	}
	rows.Close()
	n := 0
	for _, d := range ds {
		err := s.inTx(ctx, func(t *tx) error {
			res, err := t.exec(`DELETE FROM deliveries WHERE spid = ? AND seq = ?`, string(d.spid), d.seq)
			if err != nil {
				return fmt.Errorf("fail delivery: %w", err)
			}
			if k, _ := res.RowsAffected(); k != 1 {
				return nil // acknowledged meanwhile
			}
			n++
			return t.settleObject(d.object, d.id, d.seq, d.spid, true)
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Messages implements npac.LSMSService. It reads past messages meant for
// other LSMSs, so it may return fewer than limit before the head; next is
// the sequence number to continue after.
func (s *Store) Messages(ctx context.Context, spid npac.SPID, after int64, limit int) ([]*npac.Message, int64, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, 0, err
	}
	if err := mayReadLog(a, spid); err != nil {
		return nil, 0, err
	}
	l, err := scanLSMS(s.db.QueryRowContext(ctx, s.q(`SELECT `+lsmsCols+` FROM lsms WHERE spid = ?`), string(spid)))
	if err != nil {
		return nil, 0, err
	}
	var pruned int64
	if err := s.db.QueryRowContext(ctx, `SELECT pruned FROM log_seq WHERE id = 1`).Scan(&pruned); err != nil {
		return nil, 0, fmt.Errorf("log: %w", err)
	}
	if after < pruned {
		return nil, 0, npac.Errorf(npac.ELogTruncated, "The log no longer holds the messages after %d (it keeps those after %d); re-sync %s's LSMS from the full image.", after, pruned, spid)
	}
	limit = max(1, min(limit, 5000))
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT seq, data FROM lsms_log WHERE seq > ? ORDER BY seq LIMIT ?`), after, 4*limit)
	if err != nil {
		return nil, 0, fmt.Errorf("log: %w", err)
	}
	defer rows.Close()
	out := []*npac.Message{}
	next := after
	for rows.Next() && len(out) < limit {
		var (
			seq  int64
			data string
		)
		if err := rows.Scan(&seq, &data); err != nil {
			return nil, 0, fmt.Errorf("log: %w", err)
		}
		next = seq
		var m npac.Message
		if err := json.Unmarshal([]byte(data), &m); err != nil {
			return nil, 0, fmt.Errorf("log message %d: %w", seq, err)
		}
		if m.For(l) {
			out = append(out, &m)
		}
	}
	return out, next, rows.Err()
}

// Image implements npac.LSMSService. It reads one snapshot, so the state it
// streams is exactly what the log up to head publishes.
func (s *Store) Image(ctx context.Context, spid npac.SPID, start func(head, total int64) error, each func(*npac.Message) error) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if err := mayReadLog(a, spid); err != nil {
		return err
	}
	stx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return fmt.Errorf("image: %w", err)
	}
	defer stx.Rollback()
	q := func(query string, args ...any) (*sql.Rows, error) { return stx.QueryContext(ctx, s.q(query), args...) }
	l, err := scanLSMS(stx.QueryRowContext(ctx, s.q(`SELECT `+lsmsCols+` FROM lsms WHERE spid = ?`), string(spid)))
	if err != nil {
		return err
	}
	var head int64
	if err := stx.QueryRowContext(ctx, `SELECT last FROM log_seq WHERE id = 1`).Scan(&head); err != nil {
		return fmt.Errorf("image: %w", err)
	}
	var total int64
	for _, r := range l.Regions {
		var n int64
		if err := stx.QueryRowContext(ctx, s.q(`SELECT (SELECT COUNT(*) FROM lsms_routes WHERE region = ?) + (SELECT COUNT(*) FROM lsms_blocks WHERE region = ?)
			+ (SELECT COUNT(*) FROM npanxx WHERE region = ?) + (SELECT COUNT(*) FROM lrns WHERE region = ?)`),
			string(r), string(r), string(r), string(r)).Scan(&n); err != nil {
			return fmt.Errorf("image count: %w", err)
		}
		total += n
	}
	if err := start(head, total); err != nil {
		return err
	}
	rows, err := q(`SELECT ` + codeCols + ` FROM npanxx ORDER BY npanxx`)
	if err != nil {
		return fmt.Errorf("image codes: %w", err)
	}
	for rows.Next() {
		c, err := scanCode(rows)
		if err != nil {
			rows.Close()
			return err
		}
		if l.Wants(c.Region, c.NPANXX) {
			if err := each(&npac.Message{Kind: npac.MsgCode, Region: c.Region, Code: c}); err != nil {
				rows.Close()
				return err
			}
		}
	}
	rows.Close()
	if rows, err = q(`SELECT ` + lrnCols + ` FROM lrns ORDER BY lrn`); err != nil {
		return fmt.Errorf("image lrns: %w", err)
	}
	for rows.Next() {
		lr, err := scanLRN(rows)
		if err != nil {
			rows.Close()
			return err
		}
		if l.Wants(lr.Region, "") {
			if err := each(&npac.Message{Kind: npac.MsgLRN, Region: lr.Region, LRN: lr}); err != nil {
				rows.Close()
				return err
			}
		}
	}
	rows.Close()
	// Splits in their permissive dialing period: the LSMS answers the
	// old numbers too.
	rows, err = q(`SELECT id, data FROM splits WHERE status = 'permissive' ORDER BY id`)
	splits, err := collect(rows, err, scanSplit)
	if err != nil {
		return fmt.Errorf("image splits: %w", err)
	}
	for _, sp := range splits {
		c, err := scanCode(stx.QueryRowContext(ctx, s.q(`SELECT `+codeCols+` FROM npanxx WHERE npanxx = ?`), sp.NewNPA+sp.NXXs[0]))
		if err != nil {
			return err
		}
		if l.Wants(c.Region, "") {
			if err := each(&npac.Message{Kind: npac.MsgSplit, Region: c.Region,
				Split: &npac.SplitNotice{SplitID: sp.ID, OldNPA: sp.OldNPA, NewNPA: sp.NewNPA, NXXs: sp.NXXs, Phase: "start"}}); err != nil {
				return err
			}
		}
	}
	// Blocks before TNs: a TN's route overrides its block's.
	for _, table := range []string{"lsms_blocks ORDER BY npanxxx", "lsms_routes ORDER BY tn"} {
		if err := imagePublished(q, table, l, each); err != nil {
			return err
		}
	}
	return nil
}

// imagePublished streams the published messages of a table (lsms_routes or
// lsms_blocks, with its ORDER BY) that the LSMS l receives.
func imagePublished(q func(string, ...any) (*sql.Rows, error), table string, l *npac.LSMSRegistration, each func(*npac.Message) error) error {
	rows, err := q(`SELECT data FROM ` + table)
	if err != nil {
		return fmt.Errorf("image: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var data string
		if err := rows.Scan(&data); err != nil {
			return fmt.Errorf("image: %w", err)
		}
		var m npac.Message
		if err := json.Unmarshal([]byte(data), &m); err != nil {
			return fmt.Errorf("image message: %w", err)
		}
		m.Targets = nil
		if m.For(l) {
			if err := each(&m); err != nil {
				return err
			}
		}
	}
	return rows.Err()
}

// PruneLog deletes the log messages every LSMS has acknowledged, and those
// older than the retention bound however far behind an LSMS is.
func (s *Store) PruneLog(ctx context.Context, now time.Time) (int64, error) {
	var cut int64
	err := s.inTx(npac.NewContext(ctx, npac.SystemActor), func(t *tx) error {
		var minAcked sql.NullInt64
		if err := t.row(`SELECT MIN(acked_seq) FROM lsms`).Scan(&minAcked); err != nil {
			return fmt.Errorf("prune: %w", err)
		}
		head, err := t.logHead()
		if err != nil {
			return err
		}
		cut = head
		if minAcked.Valid {
			cut = minAcked.Int64
		}
		var old sql.NullInt64
		if err := t.row(`SELECT MAX(seq) FROM lsms_log WHERE created_at < ?`, micros(now.Add(-s.Machine().Tunables.LogRetention))).Scan(&old); err != nil {
			return fmt.Errorf("prune: %w", err)
		}
		if old.Valid && old.Int64 > cut {
			cut = old.Int64
		}
		if _, err := t.exec(`DELETE FROM lsms_log WHERE seq <= ?`, cut); err != nil {
			return fmt.Errorf("prune: %w", err)
		}
		_, err = t.exec(`UPDATE log_seq SET pruned = ? WHERE id = 1 AND pruned < ?`, cut, cut)
		return err
	})
	return cut, err
}
