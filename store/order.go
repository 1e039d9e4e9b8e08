package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/portorder"
)

// Port orders. The rules are portorder's; this file keeps orders and CSRs,
// decides who may act, runs the losing SP's automatic validation, and
// links an order to the NPAC: at the FOC it issues both SPs' SV creates,
// at activation it activates them, and the order completes when they are
// active. Time-driven work (approval and rejection expiry, automatic
// activation, completion) is AdvanceOrders, which the scheduler runs.

// ENotPortable refuses an order for numbers that cannot be ported.
const ENotPortable = "not-portable"

func (s *Store) rules() portorder.Rules { return s.OrderRules }

func scanOrder(r rowScanner) (*portorder.Order, error) {
	id, o, err := scanDoc[portorder.Order](r, "port order")
	if err != nil {
		return nil, err
	}
	o.ID = strconv.FormatInt(id, 10)
	return o, nil
}

func orderID(id string) (int64, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return 0, npac.Errorf(npac.ENOTFOUND, "There is no port order %q: order IDs are numbers.", id)
	}
	return n, nil
}

// order loads an order, locked, that the actor may read.
func (t *tx) order(id string) (*portorder.Order, error) {
	n, err := orderID(id)
	if err != nil {
		return nil, err
	}
	o, err := scanOrder(t.row(`SELECT id, data FROM orders WHERE id = ?`+t.s.d.ForUpdate, n))
	if err == nil && !canSeeOrder(t.actor, o) {
		err = npac.Errorf(npac.ENOTFOUND, "No such port order.")
	}
	if npac.ErrorCode(err) == npac.ENOTFOUND {
		return nil, npac.Errorf(npac.ENOTFOUND, "There is no port order %s.", id)
	}
	return o, err
}

// canSeeOrder: the gaining SP, the losing SP once the order is submitted,
// and NPAC personnel.
func canSeeOrder(a *npac.Actor, o *portorder.Order) bool {
	return a.IsAdmin() || a.CanRead(o.GainingSPID) || (o.Status != portorder.StatusDraft && a.CanRead(o.LosingSPID))
}

// side refuses anyone but the order's gaining (or losing) SP and NPAC
// personnel.
func side(a *npac.Actor, o *portorder.Order, losing bool) error {
	spid, who := o.GainingSPID, "gaining"
	if losing {
		spid, who = o.LosingSPID, "losing"
	}
	if a.IsAdmin() || a.CanActFor(spid) {
		return nil
	}
	return npac.Errorf(npac.EFORBIDDEN, "Only the %s SP %s (or NPAC personnel) does that to order %s.", who, spid, o.ID)
}

// activatingCheck is how often an activating order's SVs are looked at.
const activatingCheck = 2 * time.Second

// nextAt is when the scheduler next has work on an order, or nil.
func (t *tx) nextAt(o *portorder.Order) (any, error) {
	switch o.Status {
	case portorder.StatusSubmitted:
		if o.Approval.State == portorder.ApprovalPending {
			return micros(o.Approval.Deadline), nil
		}
	case portorder.StatusRejected:
		if o.Rejection != nil {
			return micros(o.Rejection.ExpiresAt), nil
		}
	case portorder.StatusFOC:
		p, err := t.provider(o.GainingSPID)
		if err != nil {
			return nil, err
		}
		if p.AutoActivate && o.FOC != nil {
			return micros(*o.FOC), nil
		}
	case portorder.StatusActivating:
		return micros(t.now.Add(activatingCheck)), nil
	}
	return nil, nil
}

// saveOrder writes an order, releases its numbers once it is final, and
// tells its parties of each status change the change made (the events
// added to its history since it had prev events).
func (t *tx) saveOrder(o *portorder.Order, prev int) error {
	o.UpdatedAt = t.now
	next, err := t.nextAt(o)
	if err != nil {
		return err
	}
	data, err := json.Marshal(o)
	if err != nil {
		return err
	}
	id, _ := orderID(o.ID)
	if _, err := t.exec(`UPDATE orders SET status = ?, next_at = ?, updated_at = ?, data = ? WHERE id = ?`,
		string(o.Status), next, micros(t.now), string(data), id); err != nil {
		return fmt.Errorf("save order: %w", err)
	}
	if o.Status.Final() {
		if _, err := t.exec(`DELETE FROM order_tns WHERE order_id = ?`, id); err != nil {
			return fmt.Errorf("release numbers: %w", err)
		}
	}
	for _, ev := range o.History[min(prev, len(o.History)):] {
		if ev.From != ev.Status && ev.From != "" {
			if err := t.notifyOrder(o, ev); err != nil {
				return err
			}
		}
	}
	return nil
}

// notifyOrder tells the gaining SP, and the losing SP once the order left
// the draft, of a status change of the order.
func (t *tx) notifyOrder(o *portorder.Order, ev portorder.Event) error {
	msg := fmt.Sprintf("Port order %s (%d numbers, %s to %s) is now %s (was %s).", o.ID, len(o.TNs), o.LosingSPID, o.GainingSPID, ev.Status, ev.From)
	data := map[string]any{"order_id": o.ID, "status": ev.Status, "from": ev.From}
	if ev.Status == portorder.StatusRejected && o.Rejection != nil {
		data["codes"] = o.Rejection.Codes
		var fixes []string
		for _, rc := range o.Rejection.Reasons() {
			fixes = append(fixes, rc.Code+": "+rc.Fix)
		}
		msg += " Rejected: " + strings.Join(fixes, " ")
	}
	if ev.Status == portorder.StatusFOC && o.FOC != nil {
		data["foc"] = o.FOC
		msg += " FOC " + o.FOC.Format(time.RFC3339) + "."
	}
	to := []npac.SPID{o.GainingSPID}
	if o.LosingSPID != o.GainingSPID {
		to = append(to, o.LosingSPID)
	}
	var ns []*npac.Notification
	for _, spid := range to {
		ns = append(ns, &npac.Notification{SPID: spid, Kind: npac.NoticeOrderStatus, Message: msg, Data: data, CreatedAt: t.now})
	}
	return t.notify(ns)
}

// portability gathers what the NPAC knows of a number for a check by
// gaining.
func (t *tx) portability(tn npac.TN, gaining *npac.Provider) (portorder.TNInfo, error) {
	info := portorder.TNInfo{NANP: true}
	code, err := t.code(tn.NPANXX())
	if npac.ErrorCode(err) == npac.ENOTFOUND {
		return info, nil
	} else if err != nil {
		return info, err
	}
	info.Known, info.CodeOpen = true, code.OpenAt(t.now)
	if code.Region == npac.Canada {
		info.Country = "CA"
	}
	info.GainingCountry = info.Country
	if !slices.Contains(gaining.Regions, code.Region) {
		// The gaining SP does not serve the number's region; name the
		// country it does serve.
		info.GainingCountry = "US"
		if slices.Contains(gaining.Regions, npac.Canada) {
			info.GainingCountry = "CA"
		}
	}
	if info.LosingSPID, err = t.servingHolder(tn, code); err != nil {
		return info, err
	}
	if active, err := t.svInSlot(tn, npac.SlotActive); err != nil {
		return info, err
	} else if active != nil {
		info.LosingSPID = active.NewSPID
	}
	if info.LosingType, err = t.providerType(info.LosingSPID); err != nil {
		return info, err
	}
	var open sql.NullInt64
	if err := t.row(`SELECT order_id FROM order_tns WHERE tn = ?`, string(tn)).Scan(&open); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return info, fmt.Errorf("open orders: %w", err)
	}
	if open.Valid {
		info.OpenOrder = strconv.FormatInt(open.Int64, 10)
	}
	if csr, err := t.csrOf(info.LosingSPID, tn, ""); err != nil {
		return info, err
	} else if csr != nil {
		info.SingleLine = len(csr.TNs) == 1 && len(csr.Services) == 0 && len(csr.ComplexServices) == 0
		info.Reseller = csr.Reseller != ""
	}
	return info, nil
}

// CheckPortability implements portorder.Service.
func (s *Store) CheckPortability(ctx context.Context, gaining npac.SPID, tns []npac.TN) ([]portorder.Portability, error) {
	var out []portorder.Portability
	err := s.inTx(ctx, func(t *tx) error {
		out = nil
		if err := mayManage(t.actor, gaining); err != nil {
			return err
		}
		if len(tns) == 0 || len(tns) > 1000 {
			return npac.Errorf(npac.EINVALID, "Check 1 to 1,000 numbers at a time; %d were given.", len(tns))
		}
		g, err := t.provider(gaining)
		if err != nil {
			return err
		}
		for _, raw := range tns {
			tn, err := npac.ParseTN(string(raw))
			if err != nil {
				return err
			}
			info, err := t.portability(tn, g)
			if err != nil {
				return err
			}
			out = append(out, portorder.CheckTN(tn, info))
		}
		return nil
	})
	return out, err
}

// typeOf is a number's service type from its losing SP's type.
func typeOf(p npac.ProviderType) portorder.TNType {
	switch p {
	case npac.ProviderWireless:
		return portorder.TypeWireless
	case npac.ProviderVoIP:
		return portorder.TypeVoIP
	}
	return portorder.TypeWireline
}

// CreateOrder implements portorder.Service.
func (s *Store) CreateOrder(ctx context.Context, in *portorder.Order, key string) ([]*portorder.Order, error) {
	var out []*portorder.Order
	err := s.inTx(ctx, func(t *tx) error {
		out = nil
		gaining, err := npac.ParseSPID(string(in.GainingSPID))
		if err != nil {
			return err
		}
		if err := mayManage(t.actor, gaining); err != nil {
			return err
		}
		raw, _ := json.Marshal(in)
		fp := fingerprintOf(raw)
		if key != "" {
			var have, result string
			err := t.row(`SELECT fingerprint, result FROM idempotency WHERE user_id = ? AND key = ?`, t.actor.User.ID, key).Scan(&have, &result)
			switch {
			case err == nil && have != fp:
				return npac.Errorf(npac.EIDEMPOTENCY, "Idempotency-Key %q was used for a different request; use a new key for a new request.", key)
			case err == nil:
				for _, id := range strings.Split(result, ",") {
					o, err := t.order(id)
					if err != nil {
						return err
					}
					out = append(out, o)
				}
				return nil
			case !errors.Is(err, sql.ErrNoRows):
				return fmt.Errorf("idempotency: %w", err)
			}
		}
		g, err := t.provider(gaining)
		if err != nil {
			return err
		}
		o := in.Clone()
		o.ID, o.ParentID, o.GainingSPID, o.Status, o.CreatedAt, o.UpdatedAt = "", "", gaining, portorder.StatusDraft, t.now, t.now
		o.FOC, o.Rejection, o.Approval, o.Fees, o.Supps, o.History, o.SubmittedAt = nil, nil, portorder.Approval{}, nil, 0, nil, time.Time{}
		if len(o.TNs) == 0 {
			return npac.Errorf(npac.EINVALID, "A port order names at least one number.")
		}
		var refused []string
		seen := map[npac.TN]bool{}
		for i := range o.TNs {
			ot := &o.TNs[i]
			tn, err := npac.ParseTN(string(ot.TN))
			if err != nil {
				return err
			}
			if seen[tn] {
				return npac.Errorf(npac.EINVALID, "%s is listed twice; list each number once.", tn)
			}
			seen[tn] = true
			info, err := t.portability(tn, g)
			if err != nil {
				return err
			}
			if ot.Type != "" {
				info.Type = ot.Type
			}
			p := portorder.CheckTN(tn, info)
			if !p.Portable {
				for _, r := range p.Reasons {
					refused = append(refused, r.Message)
				}
				continue
			}
			ot.TN, ot.LosingSPID, ot.Status, ot.SVID = tn, info.LosingSPID, portorder.StatusDraft, 0
			if ot.Type == "" {
				ot.Type = typeOf(info.LosingType)
			}
			if ot.Type == portorder.TypeWireless {
				o.Wireless = true
			}
			if o.Region == "" {
				code, _ := t.code(tn.NPANXX())
				o.Region = code.Region
			}
		}
		if len(refused) > 0 {
			return npac.Errorf(ENotPortable, "Some numbers cannot be ported: %s", strings.Join(refused, " "))
		}
		if o.LosingSPID == "" {
			o.LosingSPID = o.TNs[0].LosingSPID
		}
		if o.LRN != "" {
			if o.LRN, err = npac.ParseLRN(string(o.LRN)); err != nil {
				return err
			}
			if err := t.checkLRN(o.LRN, gaining, o.Region); err != nil {
				return err
			}
		}
		parts := t.s.rules().Split(o)
		var ids []string
		for i := range parts {
			p := &parts[i]
			p.ID = ""
			if p.LosingSPID == "" {
				p.LosingSPID = o.LosingSPID
			}
			if len(ids) > 0 {
				p.ParentID = ids[0]
			}
			if err := t.insertOrder(p); err != nil {
				return err
			}
			ids = append(ids, p.ID)
			out = append(out, p)
			if err := t.audit(gaining, "order.create", "order", p.ID, nil, p); err != nil {
				return err
			}
		}
		if key != "" {
			if _, err := t.exec(`INSERT INTO idempotency (user_id, key, fingerprint, result, created_at) VALUES (?, ?, ?, ?, ?)`,
				t.actor.User.ID, key, fp, strings.Join(ids, ","), micros(t.now)); err != nil {
				if t.s.d.IsUnique(err) {
					return errRetry
				}
				return fmt.Errorf("idempotency: %w", err)
			}
		}
		return nil
	})
	return out, err
}

// insertOrder stores a new order and claims its numbers.
func (t *tx) insertOrder(o *portorder.Order) error {
	var id int64
	if err := t.row(`INSERT INTO orders (gaining_spid, losing_spid, status, updated_at, data) VALUES (?, ?, ?, ?, '{}') RETURNING id`,
		string(o.GainingSPID), string(o.LosingSPID), string(o.Status), micros(t.now)).Scan(&id); err != nil {
		return fmt.Errorf("insert order: %w", err)
	}
	o.ID = strconv.FormatInt(id, 10)
	for _, ot := range o.TNs {
		if _, err := t.exec(`INSERT INTO order_tns (tn, order_id) VALUES (?, ?)`, string(ot.TN), id); err != nil {
			if t.s.d.IsUnique(err) {
				return npac.Errorf(ENotPortable, "%s is already in an open port order.", ot.TN)
			}
			return fmt.Errorf("order numbers: %w", err)
		}
	}
	return t.saveOrder(o, len(o.History))
}

// Order implements portorder.Service.
func (s *Store) Order(ctx context.Context, id string) (*portorder.OrderView, error) {
	var out *portorder.OrderView
	err := s.inTx(ctx, func(t *tx) error {
		o, err := t.order(id)
		if err != nil {
			return err
		}
		v := &portorder.OrderView{Order: o}
		for _, ot := range o.TNs {
			if ot.SVID == 0 {
				continue
			}
			sv, err := t.svByID(ot.SVID)
			if err != nil {
				return err
			}
			v.SVs = append(v.SVs, portorder.SVState{TN: sv.TN, SVID: sv.ID, Status: sv.Status, Broadcast: sv.Broadcast, FailedSPs: sv.FailedSPs})
		}
		if o.Status == portorder.StatusDraft {
			v.Unmet = portorder.Unmet(t.s.rules().Requirements(o, t.now))
		}
		if t.actor.IsAdmin() || t.actor.CanRead(o.LosingSPID) {
			csr, err := t.csrOf(o.LosingSPID, o.TNs[0].TN, o.Account.Number)
			if err != nil {
				return err
			}
			if csr != nil {
				v.Validation = portorder.Check(o, csr)
			}
		}
		out = v
		return nil
	})
	return out, err
}

// Orders implements portorder.Service.
func (s *Store) Orders(ctx context.Context, f portorder.Filter) ([]*portorder.Order, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	q, args := `SELECT id, data FROM orders WHERE id > ?`, []any{f.After}
	switch {
	case f.SPID == "" && !a.IsAdmin():
		return nil, npac.Errorf(npac.EINVALID, "Name the provider (spid) whose orders to list.")
	case f.SPID != "" && !a.CanRead(f.SPID):
		return nil, npac.Errorf(npac.EFORBIDDEN, "You may list only your own providers' orders, not %s's.", f.SPID)
	}
	if f.SPID != "" {
		switch f.Side {
		case "gaining":
			q += ` AND gaining_spid = ?`
			args = append(args, string(f.SPID))
		case "losing":
			q += ` AND losing_spid = ? AND status <> 'draft'`
			args = append(args, string(f.SPID))
		case "":
			q += ` AND (gaining_spid = ? OR (losing_spid = ? AND status <> 'draft'))`
			args = append(args, string(f.SPID), string(f.SPID))
		default:
			return nil, npac.Errorf(npac.EINVALID, "side %q is unknown: use gaining or losing.", f.Side)
		}
	}
	if f.Status != "" {
		if !f.Status.Valid() {
			return nil, npac.Errorf(npac.EINVALID, "status %q is not an order status: use one of %v.", f.Status, portorder.Statuses)
		}
		q += ` AND status = ?`
		args = append(args, string(f.Status))
	}
	q += ` ORDER BY id LIMIT ?`
	args = append(args, limit(f.Limit, 100, 1000))
	rows, err := s.db.QueryContext(ctx, s.q(q), args...)
	return collect(rows, err, scanOrder)
}

// changeOrder runs one change of an order by its gaining (or losing) SP:
// it loads and authorizes the order, lets change apply itself, saves it
// and audits the action.
func (s *Store) changeOrder(ctx context.Context, id, action string, losing bool, change func(t *tx, o *portorder.Order) error) (*portorder.Order, error) {
	var out *portorder.Order
	err := s.inTx(ctx, func(t *tx) error {
		o, err := t.order(id)
		if err != nil {
			return err
		}
		if err := side(t.actor, o, losing); err != nil {
			return err
		}
		before := o.Clone()
		if err := change(t, o); err != nil {
			return err
		}
		if err := t.saveOrder(o, len(before.History)); err != nil {
			return err
		}
		out = o
		return t.audit(actorSPID(t.actor, o, losing), "order."+action, "order", o.ID, before, o)
	})
	return out, err
}

// actorSPID is the SPID an order change is audited under.
func actorSPID(a *npac.Actor, o *portorder.Order, losing bool) npac.SPID {
	if losing {
		return o.LosingSPID
	}
	return o.GainingSPID
}

// actorName names who acted in an order's history.
func actorName(a *npac.Actor) string { return a.User.Name }

// UpdateOrder implements portorder.Service.
func (s *Store) UpdateOrder(ctx context.Context, id string, revised *portorder.Order) (*portorder.Order, error) {
	return s.changeOrder(ctx, id, "update", false, func(t *tx, o *portorder.Order) error {
		if revised == nil {
			return npac.Errorf(npac.EINVALID, "Send the order's new data.")
		}
		have, want := tnSet(o.TNs), tnSet(revised.TNs)
		if !slices.Equal(have, want) {
			return npac.Errorf(npac.EINVALID, "An order's numbers do not change once created (it has %s); cancel it and create a new order for other numbers.", strings.Join(have, ", "))
		}
		r := revised.Clone()
		r.TNs = o.TNs
		if r.LRN != "" && r.LRN != o.LRN {
			lrn, err := npac.ParseLRN(string(r.LRN))
			if err != nil {
				return err
			}
			if err := t.checkLRN(lrn, o.GainingSPID, o.Region); err != nil {
				return err
			}
			r.LRN = lrn
		}
		r.Wireless = isWireless(o)
		if o.Status != portorder.StatusDraft {
			lrn := o.LRN
			if r.LRN != "" {
				lrn = r.LRN
			}
			if err := t.s.rules().Supp(o, r, actorName(t.actor), t.now); err != nil {
				return err
			}
			o.LRN = lrn
			return t.autoAnswer(o)
		}
		o.EndUser, o.ServiceAddress, o.Account, o.Reseller = r.EndUser, r.ServiceAddress, r.Account, r.Reseller
		o.Partial, o.Remaining, o.DesiredDue, o.LOA, o.Documents, o.Notes = r.Partial, r.Remaining, r.DesiredDue, r.LOA, r.Documents, r.Notes
		o.Simple = r.Simple
		if r.LRN != "" {
			o.LRN = r.LRN
		}
		return nil
	})
}

func tnSet(tns []portorder.OrderTN) []string {
	out := make([]string, len(tns))
	for i, t := range tns {
		out[i] = string(t.TN)
	}
	slices.Sort(out)
	return out
}

// SubmitOrder implements portorder.Service.
func (s *Store) SubmitOrder(ctx context.Context, id string) (*portorder.Order, error) {
	return s.changeOrder(ctx, id, "submit", false, func(t *tx, o *portorder.Order) error {
		if o.LRN == "" {
			return npac.Errorf(portorder.ERequirementsUnmet, "Give the LRN the numbers will route to (lrn): the NPAC creates their subscription versions with it at the FOC.")
		}
		if err := t.s.rules().Submit(o, actorName(t.actor), t.now); err != nil {
			return err
		}
		return t.autoAnswer(o)
	})
}

// csrOf finds the losing SP's CSR of an account, or of the account that
// lists tn; nil when it keeps none.
func (t *tx) csrOf(spid npac.SPID, tn npac.TN, account string) (*portorder.CSR, error) {
	if account == "" {
		err := t.row(`SELECT account FROM csr_tns WHERE spid = ? AND tn = ?`, string(spid), string(tn)).Scan(&account)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		} else if err != nil {
			return nil, fmt.Errorf("csr: %w", err)
		}
	}
	var data string
	err := t.row(`SELECT data FROM csrs WHERE spid = ? AND account = ?`, string(spid), account).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		// The account on the order is wrong or unknown: look it up by the
		// number, so the validation names the mismatch.
		if err := t.row(`SELECT c.data FROM csr_tns n JOIN csrs c ON c.spid = n.spid AND c.account = n.account WHERE n.spid = ? AND n.tn = ?`,
			string(spid), string(tn)).Scan(&data); errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		} else if err != nil {
			return nil, fmt.Errorf("csr: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("csr: %w", err)
	}
	var c portorder.CSR
	if err := json.Unmarshal([]byte(data), &c); err != nil {
		return nil, fmt.Errorf("csr data: %w", err)
	}
	return &c, nil
}

// autoAnswer is the losing SP's automatic validation of a submitted order
// against its CSR: a wireless order first has the end user texted for
// approval; an order that matches gets its FOC and its SVs, one that does
// not is rejected with the codes. With no CSR the order waits for the
// losing SP's answer by hand.
func (t *tx) autoAnswer(o *portorder.Order) error {
	if o.Status != portorder.StatusSubmitted {
		return nil
	}
	csr, err := t.csrOf(o.LosingSPID, o.TNs[0].TN, o.Account.Number)
	if err != nil || csr == nil {
		return err
	}
	r := t.s.rules()
	const system = "automatic validation"
	o.Simple = portorder.SimplePort(o, csr)
	if codes := portorder.Validate(o, csr); len(codes) > 0 {
		return r.Reject(o, codes, system, "automatic validation against the CSR", t.now)
	}
	if isWireless(o) {
		switch o.Approval.State {
		case portorder.ApprovalWaiting:
			return r.ApprovalSent(o, t.now, system)
		case portorder.ApprovalApproved:
		default:
			return nil
		}
	}
	if err := r.ConfirmFOC(o, r.AutoFOC(o), system, t.now); err != nil {
		return err
	}
	return t.issueSVs(o)
}

// asSystem runs fn with the transaction acting as the NPAC itself: the
// order's SV work is done for both SPs.
func (t *tx) asSystem(fn func() error) error {
	a := t.actor
	t.actor = npac.SystemActor
	defer func() { t.actor = a }()
	return fn()
}

// issueSVs creates both SPs' SVs of an order at its FOC, due on the FOC,
// or moves the due date of SVs a supp left pending.
func (t *tx) issueSVs(o *portorder.Order) error {
	return t.asSystem(func() error {
		for i := range o.TNs {
			ot := &o.TNs[i]
			if ot.Status.Final() {
				continue
			}
			old := ot.LosingSPID
			if old == "" {
				old = o.LosingSPID
			}
			if ot.SVID != 0 {
				sv, err := t.svByID(ot.SVID)
				if err != nil {
					return err
				}
				if sv.Status == npac.StatusPending || sv.Status == npac.StatusConflict {
					due := *o.FOC
					if _, err := t.actOn(sv, npac.Action{Kind: npac.ActModify, As: npac.SideNew, Modify: &npac.SVModify{DueDate: &due}}); err != nil {
						return fmt.Errorf("%s: %w", ot.TN, err)
					}
					continue
				}
			}
			sv, err := t.createOne(npac.SVCreate{TN: ot.TN, NewSPID: o.GainingSPID, OldSPID: old, As: npac.SideNew,
				RoutingData: npac.RoutingData{LRN: o.LRN, SVType: svType(ot.Type)}, DueDate: *o.FOC}, "")
			if err != nil {
				return fmt.Errorf("%s: %w", ot.TN, err)
			}
			yes := true
			if _, err := t.createOne(npac.SVCreate{TN: ot.TN, NewSPID: o.GainingSPID, OldSPID: old, As: npac.SideOld,
				DueDate: *o.FOC, Authorization: &yes}, ""); err != nil {
				return fmt.Errorf("%s: %w", ot.TN, err)
			}
			ot.SVID = sv.ID
		}
		return nil
	})
}

// isWireless reports whether an order ports wireless numbers, which need
// the end user's approval.
func isWireless(o *portorder.Order) bool {
	if o.Wireless {
		return true
	}
	for _, t := range o.TNs {
		if t.Type == portorder.TypeWireless {
			return true
		}
	}
	return false
}

// svType is the SV type of a number's service type.
func svType(t portorder.TNType) npac.SVType {
	switch t {
	case portorder.TypeWireless:
		return npac.SVWireless
	case portorder.TypeVoIP:
		return npac.SVVoIP
	}
	return npac.SVWireline
}

// AnswerOrder implements portorder.Service.
func (s *Store) AnswerOrder(ctx context.Context, id string, r portorder.Reply) (*portorder.Order, error) {
	return s.changeOrder(ctx, id, "answer", true, func(t *tx, o *portorder.Order) error {
		rules := t.s.rules()
		switch {
		case r.FOC != nil && len(r.Codes) == 0:
			if err := rules.ConfirmFOC(o, *r.FOC, actorName(t.actor), t.now); err != nil {
				return err
			}
			return t.issueSVs(o)
		case r.FOC == nil && len(r.Codes) > 0:
			if err := rules.Reject(o, r.Codes, actorName(t.actor), r.Note, t.now); err != nil {
				return err
			}
			// A rejection after the FOC withdraws the SVs it created.
			return t.cancelSVs(o)
		}
		return npac.Errorf(npac.EINVALID, "Answer with an FOC date (foc) or with rejection codes (codes), not both or neither.")
	})
}

// RecordApproval implements portorder.Service.
func (s *Store) RecordApproval(ctx context.Context, id string, ev portorder.ApprovalEvent) (*portorder.Order, error) {
	return s.changeOrder(ctx, id, "approval", true, func(t *tx, o *portorder.Order) error {
		at := ev.At
		if at.IsZero() {
			at = t.now
		}
		rules := t.s.rules()
		if ev.Sent {
			return rules.ApprovalSent(o, at, actorName(t.actor))
		}
		if err := rules.ApprovalAnswered(o, ev.Approved, at, actorName(t.actor)); err != nil {
			return err
		}
		// An approved order the losing SP keeps a CSR for gets its FOC now.
		return t.autoAnswer(o)
	})
}

// ActivateOrder implements portorder.Service.
func (s *Store) ActivateOrder(ctx context.Context, id string) (*portorder.Order, error) {
	return s.changeOrder(ctx, id, "activate", false, func(t *tx, o *portorder.Order) error {
		return t.activateOrder(o, actorName(t.actor))
	})
}

// activateOrder moves an order to activating and activates its SVs.
func (t *tx) activateOrder(o *portorder.Order, who string) error {
	if err := t.s.rules().Activate(o, who, t.now); err != nil {
		return err
	}
	return t.asSystem(func() error {
		for _, ot := range o.TNs {
			if ot.SVID == 0 || ot.Status.Final() {
				continue
			}
			sv, err := t.svByID(ot.SVID)
			if err != nil {
				return err
			}
			if sv.Status != npac.StatusPending {
				continue
			}
			if _, err := t.actOn(sv, npac.Action{Kind: npac.ActActivate, As: npac.SideNew}); err != nil {
				return fmt.Errorf("%s: %w", ot.TN, err)
			}
		}
		// With no LSMS to wait for, the SVs are active already.
		_, err := t.completeActive(o, who)
		return err
	})
}

// CancelOrder implements portorder.Service.
func (s *Store) CancelOrder(ctx context.Context, id string, note string) (*portorder.Order, error) {
	return s.changeOrder(ctx, id, "cancel", false, func(t *tx, o *portorder.Order) error {
		if err := t.s.rules().Cancel(o, actorName(t.actor), note, t.now); err != nil {
			return err
		}
		return t.cancelSVs(o)
	})
}

// cancelSVs cancels the order's SVs that are not active yet.
func (t *tx) cancelSVs(o *portorder.Order) error {
	return t.asSystem(func() error {
		for _, ot := range o.TNs {
			if ot.SVID == 0 {
				continue
			}
			sv, err := t.svByID(ot.SVID)
			if err != nil {
				return err
			}
			if sv.Status != npac.StatusPending && sv.Status != npac.StatusConflict {
				continue
			}
			if sv, err = t.actOn(sv, npac.Action{Kind: npac.ActCancel, As: npac.SideNew}); err != nil {
				return fmt.Errorf("%s: %w", ot.TN, err)
			}
			// The NPAC acts for the losing SP too: it acknowledges, so the
			// numbers are free for another order at once.
			if sv.Status == npac.StatusCancelPending {
				if _, err := t.actOn(sv, npac.Action{Kind: npac.ActCancelAck, As: npac.SideOld}); err != nil {
					return fmt.Errorf("%s: %w", ot.TN, err)
				}
			}
		}
		return nil
	})
}

// PutCSR implements portorder.Service.
func (s *Store) PutCSR(ctx context.Context, spid npac.SPID, csr *portorder.CSR) error {
	return s.PutCSRs(ctx, spid, []*portorder.CSR{csr})
}

// PutCSRs implements portorder.Service: every account is replaced in one
// transaction, so numbers may move between the accounts given.
func (s *Store) PutCSRs(ctx context.Context, spid npac.SPID, csrs []*portorder.CSR) error {
	return s.inTx(ctx, func(t *tx) error {
		if err := mayManage(t.actor, spid); err != nil {
			return err
		}
		if _, err := t.providerType(spid); err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, csr := range csrs {
			if err := normalizeCSR(csr); err != nil {
				return err
			}
			if seen[csr.Account] {
				return npac.Errorf(npac.EINVALID, "Account %s is given twice; give each account once.", csr.Account)
			}
			seen[csr.Account] = true
		}
		before := map[string]*portorder.CSR{}
		for _, csr := range csrs {
			prev, err := t.csrOf(spid, "", csr.Account)
			if err != nil {
				return err
			}
			if prev != nil && prev.Account == csr.Account {
				before[csr.Account] = prev
			}
			for _, q := range []string{`DELETE FROM csr_tns WHERE spid = ? AND account = ?`, `DELETE FROM csrs WHERE spid = ? AND account = ?`} {
				if _, err := t.exec(q, string(spid), csr.Account); err != nil {
					return fmt.Errorf("csr: %w", err)
				}
			}
		}
		for _, csr := range csrs {
			data, err := json.Marshal(csr)
			if err != nil {
				return err
			}
			if _, err := t.exec(`INSERT INTO csrs (spid, account, data, updated_at) VALUES (?, ?, ?, ?)`, string(spid), csr.Account, string(data), micros(t.now)); err != nil {
				return fmt.Errorf("csr: %w", err)
			}
			for _, l := range csr.TNs {
				if _, err := t.exec(`INSERT INTO csr_tns (spid, tn, account) VALUES (?, ?, ?)`, string(spid), string(l.TN), csr.Account); err != nil {
					if t.s.d.IsUnique(err) {
						return npac.Errorf(npac.ECONFLICT, "%s of account %s is on another of %s's accounts; a number belongs to one account: give that account too, or delete its CSR first.", l.TN, csr.Account, spid)
					}
					return fmt.Errorf("csr numbers: %w", err)
				}
			}
			var b any
			if prev := before[csr.Account]; prev != nil {
				b = prev
			}
			if err := t.audit(spid, "csr.put", "csr", string(spid)+"/"+csr.Account, b, csr); err != nil {
				return err
			}
		}
		return nil
	})
}

// normalizeCSR checks a CSR and writes its numbers in canonical form.
func normalizeCSR(csr *portorder.CSR) error {
	csr.Account = strings.TrimSpace(csr.Account)
	if csr.Account == "" || len(csr.Account) > 64 {
		return npac.Errorf(npac.EINVALID, "A CSR needs its account number (1 to 64 characters).")
	}
	if len(csr.TNs) == 0 {
		return npac.Errorf(npac.EINVALID, "CSR %s lists no numbers; list the account's numbers.", csr.Account)
	}
	for i := range csr.TNs {
		tn, err := npac.ParseTN(string(csr.TNs[i].TN))
		if err != nil {
			return npac.Errorf(npac.EINVALID, "CSR %s: %s", csr.Account, npac.ErrorMessage(err))
		}
		csr.TNs[i].TN = tn
	}
	if csr.BTN != "" {
		btn, err := npac.ParseTN(string(csr.BTN))
		if err != nil {
			return npac.Errorf(npac.EINVALID, "CSR %s BTN: %s", csr.Account, npac.ErrorMessage(err))
		}
		csr.BTN = btn
	}
	return nil
}

// CSRs implements portorder.Service.
func (s *Store) CSRs(ctx context.Context, spid npac.SPID) ([]*portorder.CSR, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if !a.IsAdmin() && !a.CanActFor(spid) {
		return nil, npac.Errorf(npac.EFORBIDDEN, "Only %s's SOA (or NPAC personnel) reads its CSRs.", spid)
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT data FROM csrs WHERE spid = ? ORDER BY account`), string(spid))
	return collect(rows, err, func(r rowScanner) (*portorder.CSR, error) {
		var data string
		if err := r.Scan(&data); err != nil {
			return nil, err
		}
		var c portorder.CSR
		return &c, json.Unmarshal([]byte(data), &c)
	})
}

// DeleteCSR implements portorder.Service.
func (s *Store) DeleteCSR(ctx context.Context, spid npac.SPID, account string) error {
	return s.inTx(ctx, func(t *tx) error {
		if err := mayManage(t.actor, spid); err != nil {
			return err
		}
		prev, err := t.csrOf(spid, "", account)
		if err != nil {
			return err
		}
		if prev == nil || prev.Account != account {
			return npac.Errorf(npac.ENOTFOUND, "%s keeps no CSR for account %q.", spid, account)
		}
		for _, q := range []string{`DELETE FROM csr_tns WHERE spid = ? AND account = ?`, `DELETE FROM csrs WHERE spid = ? AND account = ?`} {
			if _, err := t.exec(q, string(spid), account); err != nil {
				return fmt.Errorf("csr: %w", err)
			}
		}
		return t.audit(spid, "csr.delete", "csr", string(spid)+"/"+account, prev, nil)
	})
}

// AdvanceOrders implements portorder.Service.
func (s *Store) AdvanceOrders(ctx context.Context, now time.Time) (int, error) {
	ctx = npac.NewContext(ctx, npac.SystemActor)
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT id FROM orders WHERE next_at IS NOT NULL AND next_at <= ? ORDER BY next_at LIMIT 500`), micros(now))
	ids, err := collect(rows, err, scanID)
	if err != nil {
		return 0, fmt.Errorf("due orders: %w", err)
	}
	n := 0
	var errs []error
	for _, id := range ids {
		moved := false
		err := s.inTx(ctx, func(t *tx) error {
			moved = false
			o, err := t.order(strconv.FormatInt(id, 10))
			if err != nil {
				return err
			}
			before := o.Clone()
			if moved, err = t.advanceOrder(o); err != nil {
				return err
			}
			if !moved {
				// Not yet: look again when nextAt says, so the order does
				// not stay first in line.
				return t.reschedule(o)
			}
			if err := t.saveOrder(o, len(before.History)); err != nil {
				return err
			}
			return t.audit("", "order.advance", "order", o.ID, before, o)
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("order %d: %w", id, err))
		} else if moved {
			n++
		}
	}
	return n, errors.Join(errs...)
}

// reschedule stores when the scheduler next looks at an order.
func (t *tx) reschedule(o *portorder.Order) error {
	next, err := t.nextAt(o)
	if err != nil {
		return err
	}
	id, _ := orderID(o.ID)
	if _, err := t.exec(`UPDATE orders SET next_at = ? WHERE id = ?`, next, id); err != nil {
		return fmt.Errorf("reschedule order: %w", err)
	}
	return nil
}

// rescheduleFOC recomputes when the FOC orders of a gaining SP are next
// looked at, after its auto_activate setting changed.
func (t *tx) rescheduleFOC(spid npac.SPID) error {
	rows, err := t.query(`SELECT id, data FROM orders WHERE gaining_spid = ? AND status = 'foc'`, string(spid))
	orders, err := collect(rows, err, scanOrder)
	if err != nil {
		return fmt.Errorf("foc orders: %w", err)
	}
	for _, o := range orders {
		if err := t.reschedule(o); err != nil {
			return err
		}
	}
	return nil
}

// advanceOrder does an order's time-driven work and reports whether it
// changed the order.
func (t *tx) advanceOrder(o *portorder.Order) (bool, error) {
	r := t.s.rules()
	const who = "NPAC"
	switch o.Status {
	case portorder.StatusSubmitted:
		return r.ExpireApproval(o, t.now)
	case portorder.StatusRejected:
		if !r.ExpireRejection(o, t.now) {
			return false, nil
		}
		return true, t.cancelSVs(o)
	case portorder.StatusFOC:
		if o.FOC == nil || t.now.Before(*o.FOC) {
			return false, nil
		}
		return true, t.activateOrder(o, who)
	case portorder.StatusActivating:
		return t.completeActive(o, who)
	}
	return false, nil
}

// completeActive completes the numbers of an activating order whose SVs
// are active, and reports whether there were any.
func (t *tx) completeActive(o *portorder.Order, who string) (bool, error) {
	var done []npac.TN
	for _, ot := range o.TNs {
		if ot.SVID == 0 || ot.Status.Final() {
			continue
		}
		sv, err := t.svByID(ot.SVID)
		if err != nil {
			return false, err
		}
		if sv.Status == npac.StatusActive || sv.Status == npac.StatusPartialFailure {
			done = append(done, ot.TN)
		}
	}
	if len(done) == 0 {
		return false, nil
	}
	return true, t.s.rules().Complete(o, done, who, t.now)
}
