package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/lifecycle"
)

// slotArg is the stored form of a slot: NULL for none, so that the unique
// index (tn, slot) admits any number of old and canceled SVs.
func slotArg(s npac.Slot) any {
	if s == npac.SlotNone {
		return nil
	}
	return string(s)
}

// svCols are the columns scanSV reads. The id column is authoritative: an
// SV's document is written in the same statement that assigns its ID.
// Every statement that writes a document also writes the bddCols made of
// it (bddColumns).
const svCols = `id, slot, data`

func scanSV(r rowScanner) (*npac.SV, error) {
	var (
		id   int64
		slot sql.NullString
		data string
	)
	if err := r.Scan(&id, &slot, &data); errors.Is(err, sql.ErrNoRows) {
		return nil, npac.Errorf(npac.ENOTFOUND, "No such subscription version.")
	} else if err != nil {
		return nil, fmt.Errorf("scan sv: %w", err)
	}
	var sv npac.SV
	if err := json.Unmarshal([]byte(data), &sv); err != nil {
		return nil, fmt.Errorf("sv data: %w", err)
	}
	sv.ID, sv.Slot = id, npac.Slot(slot.String)
	return &sv, nil
}

// svByID loads an SV, locking its row until the transaction ends.
func (t *tx) svByID(id int64) (*npac.SV, error) {
	sv, err := scanSV(t.row(`SELECT `+svCols+` FROM svs WHERE id = ?`+t.s.d.ForUpdate, id))
	if npac.ErrorCode(err) == npac.ENOTFOUND {
		return nil, npac.Errorf(npac.ENOTFOUND, "There is no subscription version %d.", id)
	}
	return sv, err
}

// svInSlot loads and locks the TN's SV in a slot, or returns nil.
func (t *tx) svInSlot(tn npac.TN, slot npac.Slot) (*npac.SV, error) {
	sv, err := scanSV(t.row(`SELECT `+svCols+` FROM svs WHERE tn = ? AND slot = ?`+t.s.d.ForUpdate, string(tn), string(slot)))
	if npac.ErrorCode(err) == npac.ENOTFOUND {
		return nil, nil
	}
	return sv, err
}

// insertSV stores a new SV and sets its ID. A unique violation means another
// transaction created an SV for the TN first: the caller retries and meets
// it.
func (t *tx) insertSV(sv *npac.SV) error {
	sv.Version = 1
	data, err := json.Marshal(sv)
	if err != nil {
		return fmt.Errorf("sv data: %w", err)
	}
	cols, err := t.bddColumns(sv)
	if err != nil {
		return err
	}
	args := append([]any{string(sv.TN), string(sv.Status), slotArg(sv.Slot), string(sv.OldSPID), string(sv.NewSPID),
		string(sv.LRN), string(sv.Region), micros(sv.DueDate), micros(sv.UpdatedAt), sv.Version, string(data)}, cols...)
	err = t.row(`INSERT INTO svs (tn, status, slot, old_spid, new_spid, lrn, region, due_date, updated_at, version, data, `+bddCols+`)
		VALUES (`+strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")+`) RETURNING id`, args...).Scan(&sv.ID)
	if err != nil {
		if t.s.d.IsUnique(err) {
			return errRetry
		}
		return fmt.Errorf("insert sv: %w", err)
	}
	return nil
}

// saveSV writes a changed SV. The version check catches a writer that did
// not hold the row lock (SQLite serializes writers; PostgreSQL locks rows).
func (t *tx) saveSV(sv *npac.SV) error {
	prev := sv.Version
	sv.Version++
	data, err := json.Marshal(sv)
	if err != nil {
		return fmt.Errorf("sv data: %w", err)
	}
	cols, err := t.bddColumns(sv)
	if err != nil {
		return err
	}
	args := append(append([]any{string(sv.Status), slotArg(sv.Slot), string(sv.LRN), micros(sv.DueDate), micros(sv.UpdatedAt), sv.Version, string(data)},
		cols...), sv.ID, prev)
	res, err := t.exec(`UPDATE svs SET status = ?, slot = ?, lrn = ?, due_date = ?, updated_at = ?, version = ?, data = ?, `+bddSet+` WHERE id = ? AND version = ?`, args...)
	if err != nil {
		if t.s.d.IsUnique(err) {
			return errRetry
		}
		return fmt.Errorf("update sv: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errRetry
	}
	return nil
}

// sides returns the sides of sv the actor may act for as an SOA.
func sides(a *npac.Actor, sv *npac.SV) []npac.Side {
	var out []npac.Side
	if a.CanActFor(sv.NewSPID) {
		out = append(out, npac.SideNew)
	}
	if a.CanActFor(sv.OldSPID) {
		out = append(out, npac.SideOld)
	}
	return out
}

// carry applies a transition's effects: broadcast, retirement of the
// previous active SV, the SV itself, timers, notifications and audit.
func (t *tx) carry(sv *npac.SV, eff lifecycle.Effects, actingSPID npac.SPID, action string, before *npac.SV, insert bool) error {
	m := t.s.Machine()
	if eff.Broadcast {
		done, err := t.deliver(sv, eff.ResendTo)
		if err != nil {
			return err
		}
		if done {
			// No LSMS is a target: the broadcast concludes at once.
			more, err := m.Conclude(sv, 0, nil, t.now)
			if err != nil {
				return err
			}
			eff.Notices = append(eff.Notices, more.Notices...)
			eff.ClearTimers = append(eff.ClearTimers, more.ClearTimers...)
			eff.Timers = append(eff.Timers, more.Timers...)
			eff.RetireActive = eff.RetireActive || more.RetireActive
		}
	}
	if eff.RetireActive {
		prev, err := t.svInSlot(sv.TN, npac.SlotActive)
		if err != nil {
			return err
		}
		if prev != nil && prev.ID != sv.ID {
			pb := *prev
			if err := t.carry(prev, m.Retire(prev, t.now), "", "sv.retire", &pb, false); err != nil {
				return err
			}
		}
	}
	var err error
	if insert {
		err = t.insertSV(sv)
	} else {
		err = t.saveSV(sv)
	}
	if err != nil {
		return err
	}
	if err := t.clearTimers(sv.ID, eff.ClearTimers); err != nil {
		return err
	}
	for _, tm := range eff.Timers {
		if _, err := t.exec(`INSERT INTO timers (sv_id, kind, due_at) VALUES (?, ?, ?)`, sv.ID, string(tm.Kind), micros(tm.At)); err != nil {
			return fmt.Errorf("schedule timer: %w", err)
		}
	}
	if err := t.notifySV(sv, eff.Notices); err != nil {
		return err
	}
	var b any
	if before != nil {
		b = before
	}
	return t.audit(actingSPID, action, "sv", strconv.FormatInt(sv.ID, 10), b, sv)
}

func (t *tx) clearTimers(svID int64, kinds []npac.TimerKind) error {
	if len(kinds) == 0 {
		return nil
	}
	args := []any{svID}
	marks := make([]string, len(kinds))
	for i, k := range kinds {
		marks[i] = "?"
		args = append(args, string(k))
	}
	if _, err := t.exec(`DELETE FROM timers WHERE sv_id = ? AND fired_at IS NULL AND kind IN (`+strings.Join(marks, ", ")+`)`, args...); err != nil {
		return fmt.Errorf("clear timers: %w", err)
	}
	return nil
}

// CreateSV implements npac.SVService.
func (s *Store) CreateSV(ctx context.Context, in npac.SVCreate) (*npac.SV, error) {
	if in.TN == "" {
		return nil, npac.Errorf(npac.EINVALID, "A create names the TN to port.")
	}
	if err := normalizeCreate(&in); err != nil {
		return nil, err
	}
	var out *npac.SV
	err := s.inTx(ctx, func(t *tx) error {
		var err error
		out, err = t.createOne(in, in.IdempotencyKey)
		return err
	})
	return out, err
}

// normalizeCreate validates the parts of a create that do not depend on the
// TN or the database.
func normalizeCreate(in *npac.SVCreate) error {
	var err error
	if in.TN != "" {
		if in.TN, err = npac.ParseTN(string(in.TN)); err != nil {
			return err
		}
	}
	if in.NewSPID, err = npac.ParseSPID(string(in.NewSPID)); err != nil {
		return npac.Errorf(npac.EINVALID, "new_spid: %s", npac.ErrorMessage(err))
	}
	if in.OldSPID, err = npac.ParseSPID(string(in.OldSPID)); err != nil {
		return npac.Errorf(npac.EINVALID, "old_spid: %s", npac.ErrorMessage(err))
	}
	if in.As != "" && in.As != npac.SideNew && in.As != npac.SideOld {
		return npac.Errorf(npac.EINVALID, "as %q is not a side: use new or old.", in.As)
	}
	if len(in.IdempotencyKey) > 200 {
		return npac.Errorf(npac.EINVALID, "An Idempotency-Key is at most 200 characters.")
	}
	return in.RoutingData.Validate()
}

// fingerprint identifies a create's content, to tell a retry from a
// different request reusing an Idempotency-Key.
func fingerprint(in npac.SVCreate) string {
	b, _ := json.Marshal(in)
	return fingerprintOf(b)
}

// fingerprintOf is the hash an Idempotency-Key's request is known by.
func fingerprintOf(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// createOne runs one TN's create in the transaction.
func (t *tx) createOne(in npac.SVCreate, key string) (*npac.SV, error) {
	if key != "" {
		var fp, result string
		err := t.row(`SELECT fingerprint, result FROM idempotency WHERE user_id = ? AND key = ?`, t.actor.User.ID, key).Scan(&fp, &result)
		switch {
		case err == nil && fp != fingerprint(in):
			return nil, npac.Errorf(npac.EIDEMPOTENCY, "Idempotency-Key %q was used for a different request; use a new key for a new request.", key)
		case err == nil:
			id, _ := strconv.ParseInt(result, 10, 64)
			return t.svByID(id)
		case !errors.Is(err, sql.ErrNoRows):
			return nil, fmt.Errorf("idempotency: %w", err)
		}
	}
	var (
		canNew, canOld bool
		err            error
	)
	canNew, canOld = t.actor.CanActFor(in.NewSPID), t.actor.CanActFor(in.OldSPID)
	side := in.As
	switch {
	case !canNew && !canOld:
		return nil, npac.Errorf(npac.ENotAuthorizedForSPID, "You act for neither the new SP %s nor the old SP %s.", in.NewSPID, in.OldSPID)
	case side == npac.SideNew && !canNew, side == npac.SideOld && !canOld:
		return nil, npac.Errorf(npac.ENotAuthorizedForSPID, "You may not act as the %s SP %s.", side, in.SPIDOf(side))
	case side == "" && canNew && canOld && in.NewSPID != in.OldSPID:
		return nil, npac.Errorf(npac.EINVALID, "You may act for both %s and %s: say which side you create for with as=new or as=old.", in.NewSPID, in.OldSPID)
	case side == "" && canNew:
		side = npac.SideNew
	case side == "":
		side = npac.SideOld
	}
	// During an NPA split's permissive dialing period the old number
	// names the new one.
	if in.TN, err = t.splitTN(in.TN); err != nil {
		return nil, err
	}
	code, err := t.code(in.TN.NPANXX())
	if err != nil {
		return nil, npac.Errorf(npac.ENPANXXNotPortable, "%s cannot be ported: its NPA-NXX %s is not registered in the NPAC.", in.TN, in.TN.NPANXX())
	}
	if !code.OpenAt(t.now) {
		return nil, npac.Errorf(npac.ENPANXXNotPortable, "%s cannot be ported: NPA-NXX %s is not open for porting (portable=%t, effective %s).",
			in.TN, code.NPANXX, code.Portable, code.EffectiveDate.Format("2006-01-02"))
	}
	wireless := 0
	for _, sp := range []npac.SPID{in.NewSPID, in.OldSPID} {
		typ, err := t.providerType(sp)
		if err != nil {
			return nil, err
		}
		if typ == npac.ProviderWireless {
			wireless++
		}
	}
	active, err := t.svInSlot(in.TN, npac.SlotActive)
	if err != nil {
		return nil, err
	}
	// Without an active SV the number belongs to its pool block's holder,
	// or else to the code holder; either is the "original" SP a
	// port-to-original returns it to.
	original, err := t.servingHolder(in.TN, code)
	if err != nil {
		return nil, err
	}
	current := original
	if active != nil {
		if active.Status != npac.StatusActive && active.Status != npac.StatusPartialFailure {
			return nil, npac.Errorf(npac.ESVWrongStatus, "%s's current SV %d is %s; a new port can start once it settles.", in.TN, active.ID, active.Status)
		}
		current = active.NewSPID
	}
	if in.OldSPID != current {
		return nil, npac.Errorf(npac.EOldSPMismatch, "%s is served by %s, not %s: name %s as the old SP.", in.TN, current, in.OldSPID, current)
	}
	if in.PortToOriginal && (active == nil || in.NewSPID != original || in.NewSPID == current) {
		return nil, npac.Errorf(npac.EPortToOriginalInvalid, "A port-to-original returns a ported number to its original SP %s (its block or code holder); %s is not ported away from it.", original, in.TN)
	}
	if side == npac.SideNew && in.LRN != "" {
		if err := t.checkLRN(in.LRN, in.NewSPID, code.Region); err != nil {
			return nil, err
		}
	}
	pending, err := t.svInSlot(in.TN, npac.SlotPending)
	if err != nil {
		return nil, err
	}
	var sv *npac.SV
	if pending != nil {
		before := *pending
		eff, err := t.s.Machine().Concur(pending, in, side, t.now)
		if err != nil {
			return nil, err
		}
		if err := t.carry(pending, eff, in.SPIDOf(side), "sv.concur", &before, false); err != nil {
			return nil, err
		}
		sv = pending
	} else {
		// Only a port between two wireless providers has a due time;
		// wireline and intermodal ports are due on a day.
		sv = &npac.SV{Region: code.Region, DueIsDay: wireless < 2}
		eff, err := t.s.Machine().Create(sv, in, side, t.now)
		if err != nil {
			return nil, err
		}
		if err := t.carry(sv, eff, in.SPIDOf(side), "sv.create", nil, true); err != nil {
			return nil, err
		}
		if code.FirstPortAt == nil {
			if err := t.firstPort(code); err != nil {
				return nil, err
			}
		}
	}
	if key != "" {
		if _, err := t.exec(`INSERT INTO idempotency (user_id, key, fingerprint, result, created_at) VALUES (?, ?, ?, ?, ?)`,
			t.actor.User.ID, key, fingerprint(in), strconv.FormatInt(sv.ID, 10), micros(t.now)); err != nil {
			if t.s.d.IsUnique(err) {
				return nil, errRetry
			}
			return nil, fmt.Errorf("idempotency: %w", err)
		}
	}
	return sv, nil
}

// checkLRN refuses an LRN the new SP does not own in the code's region.
// The pseudo-LRN belongs to no one and is always accepted.
func (t *tx) checkLRN(lrn npac.LRN, owner npac.SPID, region npac.Region) error {
	if lrn.IsPseudo() {
		return nil
	}
	l, err := t.lrn(lrn)
	if err != nil {
		return npac.Errorf(npac.ELRNNotOwned, "LRN %s is not registered in the NPAC; register it for %s first.", lrn, owner)
	}
	if l.SPID != owner {
		return npac.Errorf(npac.ELRNNotOwned, "LRN %s belongs to %s, not to the new SP %s.", lrn, l.SPID, owner)
	}
	if l.Region != region {
		return npac.Errorf(npac.ELRNNotOwned, "LRN %s is in region %s; the number is in region %s.", lrn, l.Region, region)
	}
	return nil
}

// SV implements npac.SVService. Parties to a port and NPAC personnel see
// every SV; other providers see SVs that are or were in the network
// (active-like or old), since their routing is public to every LSMS.
func (s *Store) SV(ctx context.Context, id int64) (*npac.SV, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	sv, err := scanSV(s.db.QueryRowContext(ctx, s.q(`SELECT `+svCols+` FROM svs WHERE id = ?`), id))
	if err == nil && !visible(a, sv) {
		err = npac.Errorf(npac.ENOTFOUND, "")
	}
	if npac.ErrorCode(err) == npac.ENOTFOUND {
		return nil, npac.Errorf(npac.ENOTFOUND, "There is no subscription version %d.", id)
	}
	return sv, err
}

// publicStatuses are the statuses of SVs whose routing every provider may
// read.
var publicStatuses = []npac.Status{npac.StatusActive, npac.StatusPartialFailure, npac.StatusDisconnectPending, npac.StatusOld}

func visible(a *npac.Actor, sv *npac.SV) bool {
	if a.IsAdmin() || a.CanRead(sv.NewSPID) || a.CanRead(sv.OldSPID) {
		return true
	}
	for _, st := range publicStatuses {
		if sv.Status == st {
			return true
		}
	}
	return false
}

// SVs implements npac.SVService. Without a TN, non-administrators list only
// SVs their providers are party to.
func (s *Store) SVs(ctx context.Context, f npac.SVFilter) ([]*npac.SV, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var (
		conds []string
		args  []any
	)
	if f.TN != "" {
		conds = append(conds, "tn = ?")
		args = append(args, string(f.TN))
	}
	if f.Status != "" {
		conds = append(conds, "status = ?")
		args = append(args, string(f.Status))
	}
	if f.SPID != "" {
		if !a.IsAdmin() && !a.CanRead(f.SPID) && f.TN == "" {
			return nil, npac.Errorf(npac.EFORBIDDEN, "You may list the SVs of your own providers only, not %s.", f.SPID)
		}
		conds = append(conds, "(old_spid = ? OR new_spid = ?)")
		args = append(args, string(f.SPID), string(f.SPID))
	}
	if !a.IsAdmin() {
		// Parties see their ports; with a TN, everyone also sees the SVs
		// whose routing is public.
		var mine []any
		for _, g := range a.User.Grants {
			mine = append(mine, string(g.SPID))
		}
		for c := range a.Bureau {
			mine = append(mine, string(c))
		}
		var vis []string
		if len(mine) > 0 {
			marks := strings.TrimSuffix(strings.Repeat("?, ", len(mine)), ", ")
			vis = append(vis, "old_spid IN ("+marks+")", "new_spid IN ("+marks+")")
			args = append(append(args, mine...), mine...)
		}
		if f.TN != "" {
			vis = append(vis, "status IN (?, ?, ?, ?)")
			for _, st := range publicStatuses {
				args = append(args, string(st))
			}
		}
		if len(vis) == 0 {
			return []*npac.SV{}, nil
		}
		conds = append(conds, "("+strings.Join(vis, " OR ")+")")
	}
	if f.AfterID > 0 {
		conds = append(conds, "id > ?")
		args = append(args, f.AfterID)
	}
	query := `SELECT ` + svCols + ` FROM svs`
	if len(conds) > 0 {
		query += " WHERE " + strings.Join(conds, " AND ")
	}
	query += " ORDER BY id LIMIT " + strconv.Itoa(limit(f.Limit, 100, 1000))
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	out, err := collect(rows, err, scanSV)
	if err != nil {
		return nil, fmt.Errorf("list svs: %w", err)
	}
	return out, nil
}

// Act implements npac.SVService.
func (s *Store) Act(ctx context.Context, id int64, a npac.Action) (*npac.SV, error) {
	if err := normalizeAction(&a); err != nil {
		return nil, err
	}
	var out *npac.SV
	err := s.inTx(ctx, func(t *tx) error {
		sv, err := t.svByID(id)
		if err != nil {
			return err
		}
		if !visible(t.actor, sv) {
			return npac.Errorf(npac.ENOTFOUND, "There is no subscription version %d.", id)
		}
		out, err = t.actOn(sv, a)
		return err
	})
	return out, err
}

// normalizeAction validates the parts of an action that do not depend on
// the SV.
func normalizeAction(a *npac.Action) error {
	if a.Kind == npac.ActModify {
		if a.Modify == nil {
			return npac.Errorf(npac.EINVALID, "A modify names at least one field to change.")
		}
		if a.Modify.LRN != nil {
			lrn, err := npac.ParseLRN(string(*a.Modify.LRN))
			if err != nil {
				return err
			}
			a.Modify.LRN = &lrn
		}
	}
	return nil
}

// actOn applies an action to a loaded, locked SV.
func (t *tx) actOn(sv *npac.SV, a npac.Action) (*npac.SV, error) {
	var (
		side npac.Side
		err  error
	)
	if a.Kind == npac.ActResend {
		// NPAC personnel resend; no provider's side is involved.
		if err := requireAdmin(t.actor, "resend a broadcast"); err != nil {
			return nil, err
		}
		side = npac.SideNew
	} else if side, err = lifecycle.Side(sv, sides(t.actor, sv), a.As); err != nil {
		return nil, err
	}
	if a.Kind == npac.ActModify && a.Modify.LRN != nil {
		if err := t.checkLRN(*a.Modify.LRN, sv.NewSPID, sv.Region); err != nil {
			return nil, err
		}
	}
	before := *sv
	eff, err := t.s.Machine().Act(sv, a, side, t.now)
	if err != nil {
		return nil, err
	}
	if err := t.carry(sv, eff, sv.SPIDOf(side), "sv."+string(a.Kind), &before, false); err != nil {
		return nil, err
	}
	return sv, nil
}

// checkRange validates the TN list of a range request.
func checkRange(tns []npac.TN) error {
	if len(tns) == 0 {
		return npac.Errorf(npac.EINVALID, "A range request names at least one TN.")
	}
	if len(tns) > npac.MaxRange {
		return npac.Errorf(npac.ETOOLARGE, "A range request names at most %d TNs; this one names %d. Split it.", npac.MaxRange, len(tns))
	}
	seen := make(map[npac.TN]bool, len(tns))
	for i, tn := range tns {
		valid, err := npac.ParseTN(string(tn))
		if err != nil {
			return npac.Errorf(npac.EINVALID, "TN %d of the range: %s", i+1, npac.ErrorMessage(err))
		}
		tn = valid
		tns[i] = tn
		if seen[tn] {
			return npac.Errorf(npac.EINVALID, "TN %s appears twice in the range request.", tn)
		}
		seen[tn] = true
	}
	return nil
}

// CreateRange implements npac.SVService. Each TN is its own transaction,
// so one TN's refusal does not undo the others; an Idempotency-Key applies
// to each TN, so a retried range replays every TN's first result.
func (s *Store) CreateRange(ctx context.Context, in npac.SVCreate, tns []npac.TN) ([]npac.RangeResult, error) {
	if err := checkRange(tns); err != nil {
		return nil, err
	}
	if err := normalizeCreate(&in); err != nil {
		return nil, err
	}
	out := make([]npac.RangeResult, len(tns))
	err := eachTN(ctx, tns, func(i int, tn npac.TN) error {
		one := in
		one.TN = tn
		key := ""
		if in.IdempotencyKey != "" {
			key = in.IdempotencyKey + "/" + string(tn)
		}
		out[i].TN = tn
		err := s.inTx(ctx, func(t *tx) error {
			var err error
			out[i].SV, err = t.createOne(one, key)
			return err
		})
		return settle(ctx, &out[i], err)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ActRange implements npac.SVService. Disconnects act on each TN's active
// SV; modifies on its pending SV if it has one, else its active SV; every
// other action on its pending SV.
func (s *Store) ActRange(ctx context.Context, tns []npac.TN, a npac.Action) ([]npac.RangeResult, error) {
	if err := checkRange(tns); err != nil {
		return nil, err
	}
	if err := normalizeAction(&a); err != nil {
		return nil, err
	}
	out := make([]npac.RangeResult, len(tns))
	err := eachTN(ctx, tns, func(i int, tn npac.TN) error {
		out[i].TN = tn
		err := s.inTx(ctx, func(t *tx) error {
			slots := []npac.Slot{npac.SlotPending}
			switch a.Kind {
			case npac.ActDisconnect:
				slots = []npac.Slot{npac.SlotActive}
			case npac.ActModify:
				slots = []npac.Slot{npac.SlotPending, npac.SlotActive}
			}
			var sv *npac.SV
			for _, sl := range slots {
				var err error
				if sv, err = t.svInSlot(tn, sl); err != nil {
					return err
				} else if sv != nil {
					break
				}
			}
			if sv == nil || !visible(t.actor, sv) {
				return npac.Errorf(npac.ENOTFOUND, "%s has no live subscription version to %s.", tn, a.Kind)
			}
			var err error
			out[i].SV, err = t.actOn(sv, a)
			return err
		})
		return settle(ctx, &out[i], err)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// rangeWorkers is how many TNs of a range are in flight at once: enough
// for group commit to batch them, few enough not to crowd out other
// requests.
const rangeWorkers = 16

// eachTN calls fn for every TN on a pool of workers and returns the first
// error fn returns; TNs not started by then are skipped.
func eachTN(ctx context.Context, tns []npac.TN, fn func(i int, tn npac.TN) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for w := 0; w < min(rangeWorkers, len(tns)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= len(tns) {
					return
				}
				if err := fn(i, tns[i]); err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return first
}

// settle records a TN's outcome in its result and returns the error that
// must stop the whole range, if any.
func settle(ctx context.Context, r *npac.RangeResult, err error) error {
	if fatal := rangeErr(ctx, err); fatal != nil {
		return fatal
	}
	if e := asError(err); e != nil {
		r.Error, r.SV = e, nil
	}
	return nil
}

// rangeErr returns the errors that stop a whole range: internal faults and
// a canceled request. Domain errors belong to their TN.
func rangeErr(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if npac.ErrorCode(err) == npac.EINTERNAL {
		return err
	}
	return nil
}

func asError(err error) *npac.Error {
	var e *npac.Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}
