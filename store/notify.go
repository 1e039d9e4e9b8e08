package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/lifecycle"
)

// notifySV sends a transition's notices about sv to the providers they
// name.
func (t *tx) notifySV(sv *npac.SV, notices []lifecycle.Notice) error {
	if len(notices) == 0 {
		return nil
	}
	var out []*npac.Notification
	for _, n := range notices {
		var to []npac.SPID
		switch n.To {
		case lifecycle.PartyNew:
			to = []npac.SPID{sv.NewSPID}
		case lifecycle.PartyOld:
			to = []npac.SPID{sv.OldSPID}
		case lifecycle.PartyBoth:
			to = []npac.SPID{sv.NewSPID}
			if sv.OldSPID != sv.NewSPID {
				to = append(to, sv.OldSPID)
			}
		case lifecycle.PartyCodeHolder:
			c, err := t.code(sv.TN.NPANXX())
			if err != nil {
				return err
			}
			h, err := t.servingHolder(sv.TN, c)
			if err != nil {
				return err
			}
			to = []npac.SPID{h}
		}
		for _, spid := range to {
			nt := &npac.Notification{SPID: spid, Kind: n.Kind, SVID: sv.ID, TN: sv.TN, Status: sv.Status,
				Message: n.Message, Data: n.Data, CreatedAt: t.now}
			if n.Kind == npac.NoticeStatusChange {
				nt.Status, nt.OldStatus = n.Status, n.OldStatus
			}
			out = append(out, nt)
		}
	}
	return t.notify(out)
}

// notify appends notifications to their providers' streams. Each stream's
// sequence comes from a per-provider counter row that the transaction
// holds until it commits, so a stream's numbers are gapless and in commit
// order. Counters are taken in SPID order, so two transactions never wait
// on each other in a cycle.
func (t *tx) notify(ns []*npac.Notification) error {
	sort.SliceStable(ns, func(i, j int) bool { return ns[i].SPID < ns[j].SPID })
	for _, n := range ns {
		if err := t.row(`INSERT INTO notify_seq (spid, last) VALUES (?, 1)
			ON CONFLICT (spid) DO UPDATE SET last = notify_seq.last + 1 RETURNING last`, string(n.SPID)).Scan(&n.Seq); err != nil {
			return fmt.Errorf("notification seq: %w", err)
		}
		data, err := json.Marshal(n)
		if err != nil {
			return fmt.Errorf("notification: %w", err)
		}
		var svID any
		if n.SVID != 0 {
			svID = n.SVID
		}
		if _, err := t.exec(`INSERT INTO notifications (spid, seq, kind, sv_id, data, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			string(n.SPID), n.Seq, string(n.Kind), svID, string(data), micros(n.CreatedAt)); err != nil {
			return fmt.Errorf("insert notification: %w", err)
		}
	}
	return nil
}

// Notifications implements npac.NotificationService.
func (s *Store) Notifications(ctx context.Context, spid npac.SPID, after int64, n int) ([]*npac.Notification, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if !a.CanRead(spid) {
		return nil, npac.Errorf(npac.EFORBIDDEN, "You may read the notifications of your own providers only, not %s.", spid)
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT data FROM notifications WHERE spid = ? AND seq > ? ORDER BY seq LIMIT ?`),
		string(spid), after, limit(n, 100, 1000))
	if err != nil {
		return nil, fmt.Errorf("notifications: %w", err)
	}
	defer rows.Close()
	out := []*npac.Notification{}
	for rows.Next() {
		var data string
		if err := rows.Scan(&data); err != nil {
			return nil, fmt.Errorf("scan notification: %w", err)
		}
		var nt npac.Notification
		if err := json.Unmarshal([]byte(data), &nt); err != nil {
			return nil, fmt.Errorf("notification data: %w", err)
		}
		out = append(out, &nt)
	}
	return out, rows.Err()
}

// LastSeq implements npac.NotificationService.
func (s *Store) LastSeq(ctx context.Context, spid npac.SPID) (int64, error) {
	a, err := actor(ctx)
	if err != nil {
		return 0, err
	}
	if !a.CanRead(spid) {
		return 0, npac.Errorf(npac.EFORBIDDEN, "You may read the notifications of your own providers only, not %s.", spid)
	}
	var last sql.NullInt64
	if err := s.db.QueryRowContext(ctx, s.q(`SELECT last FROM notify_seq WHERE spid = ?`), string(spid)).Scan(&last); err != nil && err != sql.ErrNoRows {
		return 0, fmt.Errorf("last seq: %w", err)
	}
	return last.Int64, nil
}

// Audit implements npac.AuditService.
func (s *Store) Audit(ctx context.Context, f npac.AuditFilter) ([]*npac.AuditRecord, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	query := `SELECT id, at, user_id, user_name, spid, action, entity, entity_id, before, after FROM audit WHERE id > ?`
	args := []any{f.AfterID}
	if f.Entity != "" {
		query += ` AND entity = ?`
		args = append(args, f.Entity)
	}
	if f.EntityID != "" {
		query += ` AND entity_id = ?`
		args = append(args, f.EntityID)
	}
	if f.SPID != "" {
		query += ` AND spid = ?`
		args = append(args, string(f.SPID))
	}
	if f.Action != "" {
		query += ` AND action = ?`
		args = append(args, f.Action)
	}
	if f.BeforeID > 0 {
		query += ` AND id < ?`
		args = append(args, f.BeforeID)
	}
	if !a.IsAdmin() {
		// A provider reads its own actions, and every record of an SV it
		// is party to.
		switch {
		case f.Entity == "sv" && f.EntityID != "":
			id, err := strconv.ParseInt(f.EntityID, 10, 64)
			if err != nil {
				return nil, npac.Errorf(npac.EINVALID, "entity_id %q is not an SV ID.", f.EntityID)
			}
			sv, err := s.SV(ctx, id)
			if err != nil {
				return nil, err
			}
			if !a.CanRead(sv.NewSPID) && !a.CanRead(sv.OldSPID) {
				return nil, npac.Errorf(npac.EFORBIDDEN, "Only the parties to SV %d read its audit trail.", id)
			}
		case f.SPID == "" || !a.CanRead(f.SPID):
			return nil, npac.Errorf(npac.EFORBIDDEN, "Name one of your SPIDs (spid=…) or one SV (entity=sv&entity_id=…) to read the audit trail.")
		}
	}
	order := ` ORDER BY id`
	if f.Newest {
		order = ` ORDER BY id DESC`
	}
	query += order + ` LIMIT ` + fmt.Sprint(limit(f.Limit, 100, 1000))
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	defer rows.Close()
	out := []*npac.AuditRecord{}
	for rows.Next() {
		var (
			r             npac.AuditRecord
			at            int64
			uid           sql.NullInt64
			before, after sql.NullString
		)
		if err := rows.Scan(&r.ID, &at, &uid, &r.UserName, &r.SPID, &r.Action, &r.Entity, &r.EntityID, &before, &after); err != nil {
			return nil, fmt.Errorf("scan audit: %w", err)
		}
		r.At, r.UserID = fromMicros(at), uid.Int64
		if before.Valid {
			r.Before = json.RawMessage(before.String)
		}
		if after.Valid {
			r.After = json.RawMessage(after.String)
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}
