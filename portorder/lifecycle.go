package portorder

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/opennpac/npac"
	"github.com/opennpac/npac/calendar"
)

// Action is something done to an order. The status-changing ones are in
// Transition's table; the others only add to the history.
type Action string

// Actions.
const (
	ActSubmit   Action = "submit"   // gaining SP sends the LSR
	ActFOC      Action = "foc"      // losing SP commits to a date
	ActReject   Action = "reject"   // losing SP refuses
	ActSupp     Action = "supp"     // gaining SP changes the due date or data, which re-validates
	ActActivate Action = "activate" // the FOC date came
	ActComplete Action = "complete" // numbers ported
	ActCancel   Action = "cancel"   // gaining SP withdraws, or a rejection expired

	ActApprovalSent   Action = "approval-sent"   // losing wireless carrier texted the end user
	ActApprovalAnswer Action = "approval-answer" // the end user answered
	ActSplit          Action = "split"           // made from a larger order by Split
)

// transitions is the lifecycle: from status, action → new status.
var transitions = map[Status]map[Action]Status{
	StatusDraft:     {ActSubmit: StatusSubmitted, ActCancel: StatusCanceled},
	StatusSubmitted: {ActFOC: StatusFOC, ActReject: StatusRejected, ActSupp: StatusSubmitted, ActCancel: StatusCanceled},
	StatusFOC:       {ActReject: StatusRejected, ActSupp: StatusSubmitted, ActActivate: StatusActivating, ActCancel: StatusCanceled},
	// The losing SP may override its (automatic) rejection with an FOC.
	StatusRejected:   {ActFOC: StatusFOC, ActSupp: StatusSubmitted, ActCancel: StatusCanceled},
	StatusActivating: {ActComplete: StatusCompleted, ActCancel: StatusCanceled},
}

// statusHint says what can be done in a status, for error messages.
var statusHint = map[Status]string{
	StatusDraft:      "complete it and submit it, or cancel it",
	StatusSubmitted:  "wait for the losing provider's FOC or rejection, send a supp to change it, or cancel it",
	StatusFOC:        "send a supp to change it, activate it on the FOC date, or cancel it until the cutoff before the FOC",
	StatusRejected:   "correct it and send a supp before the rejection expires, or cancel it; the losing provider may still give an FOC",
	StatusActivating: "complete it once the numbers are active",
	StatusCompleted:  "it is final; porting more numbers needs a new order",
	StatusCanceled:   "it is final; start a new order",
}

// Transition returns the status action a moves an order in status from
// to, or an error with code EOrderWrongStatus saying what can be done
// instead. It is the whole state table: draft → submitted → foc | rejected
// → activating → completed; supp from submitted, foc or rejected back to
// submitted; cancel from every status that is not final.
func Transition(from Status, a Action) (Status, error) {
	if to, ok := transitions[from][a]; ok {
		return to, nil
	}
	if !from.Valid() {
		return "", npac.Errorf(npac.EINVALID, "%q is not an order status: use one of %s.", from, joinStatuses(Statuses))
	}
	var allowed []string
	for _, x := range []Action{ActSubmit, ActFOC, ActReject, ActSupp, ActActivate, ActComplete, ActCancel} {
		if _, ok := transitions[from][x]; ok {
			allowed = append(allowed, string(x))
		}
	}
	list := "none"
	if len(allowed) > 0 {
		list = strings.Join(allowed, ", ")
	}
	return "", npac.Errorf(EOrderWrongStatus, "The order is %s, so %s is not possible: %s (allowed actions: %s).", from, a, statusHint[from], list)
}

func joinStatuses(ss []Status) string {
	var b []string
	for _, s := range ss {
		b = append(b, string(s))
	}
	return strings.Join(b, ", ")
}

// record moves o to status to by action a and logs it. Numbers that are
// not final follow the order, except that canceling leaves completed
// numbers completed.
func record(o *Order, a Action, to Status, actor, note string, now time.Time) {
	from := o.Status
	o.Status = to
	for i := range o.TNs {
		if !o.TNs[i].Status.Final() {
			o.TNs[i].Status = to
		}
	}
	o.UpdatedAt = now
	if o.CreatedAt.IsZero() {
		o.CreatedAt = now
	}
	o.History = append(o.History, Event{At: now, Action: a, From: from, Status: to, Actor: actor, Note: note})
}

// note adds a history entry that does not change the status.
func note(o *Order, a Action, actor, text string, now time.Time) {
	o.UpdatedAt = now
	o.History = append(o.History, Event{At: now, Action: a, Status: o.Status, Actor: actor, Note: text})
}

func unmetError(what string, unmet []Requirement) error {
	var fixes []string
	for _, q := range unmet {
		fixes = append(fixes, q.Name+": "+q.Fix)
	}
	return npac.Errorf(ERequirementsUnmet, "The order cannot be %s until %d requirement(s) are met. %s", what, len(unmet), strings.Join(fixes, " "))
}

// Submit sends a draft order: it refuses while any requirement is unmet,
// listing the fixes (ERequirementsUnmet). A wireless order starts waiting
// for the end user's approval.
func (r Rules) Submit(o *Order, actor string, now time.Time) error {
	to, err := Transition(o.Status, ActSubmit)
	if err != nil {
		return err
	}
	if unmet := Unmet(r.Requirements(o, now)); len(unmet) > 0 {
		return unmetError("submitted", unmet)
	}
	o.SubmittedAt = now
	o.Approval = Approval{}
	if o.isWireless() {
		o.Approval.State = ApprovalWaiting
	}
	record(o, ActSubmit, to, actor, "", now)
	return nil
}

// ConfirmFOC records the losing SP's firm order commitment. The FOC must
// satisfy CheckDue counted from the (last) submission; a wireless port must
// have been approved by the end user first (EApprovalRequired).
func (r Rules) ConfirmFOC(o *Order, foc time.Time, actor string, now time.Time) error {
	to, err := Transition(o.Status, ActFOC)
	if err != nil {
		return err
	}
	if o.isWireless() && o.Approval.State != ApprovalApproved {
		return npac.Errorf(EApprovalRequired, "The end user has not approved this wireless port (approval %s): give the FOC after the approval, or reject with %s if no approval came within the window.", approvalName(o.Approval.State), CodeApprovalTimeout)
	}
	if err := r.CheckDue(foc, o.SubmittedAt, o.Simple, o.region(), now); err != nil {
		return npac.Errorf(EDueDate, "The FOC date is not valid: %s", npac.ErrorMessage(err))
	}
	f := foc
	o.FOC = &f
	record(o, ActFOC, to, actor, "FOC "+foc.Format(time.RFC3339), now)
	return nil
}

func approvalName(s ApprovalState) string {
	if s == ApprovalNone {
		return "not started"
	}
	return string(s)
}

// Reject records the losing SP's rejection for codes from Codes. It
// refuses an empty or unknown code (npac.EINVALID) and any code that is not
// Permitted (ERejectNotPermitted): under FCC and CRTC/CCTS rules a port may
// be rejected only when the end-user information does not match the
// losing carrier's record or the number is not in service (seed 002 lines
// 264-272). The FOC, if any, is void; the rejection expires after
// Rules.RejectionExpiry.
func (r Rules) Reject(o *Order, codes []string, actor, text string, now time.Time) error {
	to, err := Transition(o.Status, ActReject)
	if err != nil {
		return err
	}
	if len(codes) == 0 {
		return npac.Errorf(npac.EINVALID, "Give at least one rejection code from the published list (for example %s).", CodeName)
	}
	var bad []string
	var uniq []string
	for _, c := range codes {
		rc, ok := Lookup(c)
		if !ok {
			return npac.Errorf(npac.EINVALID, "%q is not a rejection code: use one of the published codes (%s).", c, permittedList())
		}
		if !rc.Permitted {
			bad = append(bad, fmt.Sprintf("%s (%s): %s", strings.TrimSuffix(rc.Title, " (not permitted)"), rc.Code, rc.Fix))
		}
		if !slices.Contains(uniq, c) {
			uniq = append(uniq, c)
		}
	}
	if len(bad) > 0 {
		return npac.Errorf(ERejectNotPermitted, "A port may not be rejected for: %s Under FCC (US and toll-free) and CRTC/CCTS (Canada) rules the only reasons to reject a port are end-user information that does not match the record and, for local numbers, a number not in service. Release the number, or reject for a permitted reason (%s).",
			strings.Join(bad, " "), permittedList())
	}
	o.Rejection = &Rejection{Codes: sortCodes(uniq), Note: text, By: actor, At: now, ExpiresAt: r.RejectionExpires(now)}
	o.FOC = nil
	record(o, ActReject, to, actor, strings.Join(o.Rejection.Codes, ", "), now)
	return nil
}

func permittedList() string {
	var p []string
	for _, c := range Codes {
		if c.Permitted {
			p = append(p, c.Code)
		}
	}
	return strings.Join(p, ", ")
}

// Answer is the losing SP's automatic answer to a submitted order: it
// validates o against csr and rejects with the codes found, or confirms
// foc when there are none. It returns the codes.
func (r Rules) Answer(o *Order, csr *CSR, foc time.Time, actor string, now time.Time) ([]string, error) {
	codes := Validate(o, csr)
	if len(codes) > 0 {
		return codes, r.Reject(o, codes, actor, "automatic validation against the CSR", now)
	}
	return nil, r.ConfirmFOC(o, foc, actor, now)
}

// Supp sends a supplement: a change of due date or data while the order is
// submitted, has an FOC or was rejected. revised carries the new data (its
// end user, service address, account, reseller, numbers, partial flag and
// remaining services, desired due date, LOA, documents, notes, region and
// the simple and wireless flags); nil resubmits the order unchanged, after
// the end user fixed the record at the losing provider. Identity, status
// and history are kept.
//
// The supp re-validates: it is refused unless every requirement is met at
// now, which is also the new receipt time the due date counts from ("the
// process time starts again after it has been resubmitted", seed 002 line
// 552). After an FOC it is refused inside the cancel cutoff and records the
// fee tier; after a rejection it is refused once the rejection expired
// (ERejectionExpired). The FOC and rejection are cleared, and a wireless
// port waits for a new approval SMS (seed 002 line 405).
func (r Rules) Supp(o *Order, revised *Order, actor string, now time.Time) error {
	r = r.norm()
	to, err := Transition(o.Status, ActSupp)
	if err != nil {
		return err
	}
	if o.Status == StatusRejected && o.Rejection != nil && !now.Before(o.Rejection.ExpiresAt) {
		return npac.Errorf(ERejectionExpired, "The rejection of %s expired on %s: the order can no longer be corrected; cancel it and start a new order.",
			o.Rejection.At.Format(time.DateOnly), o.Rejection.ExpiresAt.Format(time.RFC3339))
	}
	var fee *Fee
	if o.FOC != nil {
		if err := CancelAllowed(now, *o.FOC, r.CancelCutoff); err != nil {
			return err
		}
		fee = &Fee{At: now, Action: ActSupp, Tier: FeeTier(now, *o.FOC, r.FeeTiers).Name}
	}
	c := o.Clone()
	if revised != nil {
		rv := revised.Clone()
		c.EndUser, c.ServiceAddress, c.Account, c.Reseller = rv.EndUser, rv.ServiceAddress, rv.Account, rv.Reseller
		c.TNs = nil
		for _, t := range rv.TNs {
			c.TNs = append(c.TNs, OrderTN{TN: t.TN, Type: t.Type, LosingSPID: t.LosingSPID, SVID: t.SVID, Status: o.Status})
		}
		c.Partial, c.Remaining, c.DesiredDue = rv.Partial, rv.Remaining, rv.DesiredDue
		c.LOA, c.Documents, c.Notes = rv.LOA, rv.Documents, rv.Notes
		c.Simple, c.Wireless = rv.Simple, rv.Wireless
		if rv.Region != "" {
			c.Region = rv.Region
		}
	}
	if unmet := Unmet(r.Requirements(c, now)); len(unmet) > 0 {
		return unmetError("supplemented", unmet)
	}
	*o = *c
	if fee != nil {
		o.Fees = append(o.Fees, *fee)
	}
	o.FOC = nil
	o.Rejection = nil
	o.Supps++
	o.SubmittedAt = now
	o.Approval = Approval{}
	if o.isWireless() {
		o.Approval.State = ApprovalWaiting
	}
	text := fmt.Sprintf("supp %d", o.Supps)
	if fee != nil {
		text += ", fee tier " + fee.Tier
	}
	record(o, ActSupp, to, actor, text, now)
	return nil
}

// Activate starts the port on its FOC date: refused before 00:00 of the
// FOC date in the region's time zone (EFOCNotReached).
func (r Rules) Activate(o *Order, actor string, now time.Time) error {
	to, err := Transition(o.Status, ActActivate)
	if err != nil {
		return err
	}
	if o.FOC == nil {
		return npac.Errorf(EOrderWrongStatus, "The order has no FOC date: wait for the losing provider's FOC.")
	}
	cal := dayCalendar(o.region(), r.Holidays)
	start := cal.At(calendar.DateOf(o.FOC.In(cal.Location)), 0)
	if now.Before(start) {
		return npac.Errorf(EFOCNotReached, "The FOC date is %s: activation can start at %s, not before.",
			calendar.DateOf(o.FOC.In(cal.Location)), start.Format(time.RFC3339))
	}
	record(o, ActActivate, to, actor, "", now)
	return nil
}

// Complete marks numbers ported (all of them when tns is empty). The order
// becomes completed when none of its numbers is left; until then it stays
// activating.
func (r Rules) Complete(o *Order, tns []npac.TN, actor string, now time.Time) error {
	to, err := Transition(o.Status, ActComplete)
	if err != nil {
		return err
	}
	idx := map[npac.TN]int{}
	for i, t := range o.TNs {
		idx[t.TN] = i
	}
	if len(tns) == 0 {
		for _, t := range o.TNs {
			tns = append(tns, t.TN)
		}
	}
	for _, tn := range tns {
		if _, ok := idx[tn]; !ok {
			return npac.Errorf(npac.EINVALID, "%s is not in order %s: give numbers of the order.", tn, o.ID)
		}
	}
	var done []string
	for _, tn := range tns {
		if t := &o.TNs[idx[tn]]; !t.Status.Final() {
			t.Status = StatusCompleted
			done = append(done, tn.String())
		}
	}
	for _, t := range o.TNs {
		if !t.Status.Final() {
			note(o, ActComplete, actor, "ported "+strings.Join(done, ", "), now)
			return nil
		}
	}
	record(o, ActComplete, to, actor, "ported "+strings.Join(done, ", "), now)
	return nil
}

// Cancel withdraws the order from any status that is not final. With an
// FOC it is refused inside the cancel cutoff (ECancelTooLate; by default
// 24 h before the FOC) and records the fee tier that applies.
func (r Rules) Cancel(o *Order, actor, text string, now time.Time) error {
	r = r.norm()
	to, err := Transition(o.Status, ActCancel)
	if err != nil {
		return err
	}
	if o.FOC != nil {
		if err := CancelAllowed(now, *o.FOC, r.CancelCutoff); err != nil {
			return err
		}
		tier := FeeTier(now, *o.FOC, r.FeeTiers).Name
		o.Fees = append(o.Fees, Fee{At: now, Action: ActCancel, Tier: tier})
		if text != "" {
			text += "; "
		}
		text += "fee tier " + tier
	}
	record(o, ActCancel, to, actor, text, now)
	return nil
}

// ExpireRejection cancels o if it is rejected and its rejection expired at
// now (seed 002 line 469); it reports whether it did. The store calls it
// from a timer at Rejection.ExpiresAt.
func (r Rules) ExpireRejection(o *Order, now time.Time) bool {
	if o.Status != StatusRejected || o.Rejection == nil || now.Before(o.Rejection.ExpiresAt) {
		return false
	}
	record(o, ActCancel, StatusCanceled, "system", "rejection not corrected by "+o.Rejection.ExpiresAt.Format(time.RFC3339), now)
	return true
}

// ApprovalSent records that the losing wireless carrier texted the end
// user at sentAt; the approval window starts (a resubmission sends a new
// SMS and starts a new window).
func (r Rules) ApprovalSent(o *Order, sentAt time.Time, actor string) error {
	if o.Status != StatusSubmitted || !o.isWireless() {
		return npac.Errorf(EOrderWrongStatus, "An approval SMS belongs to a submitted wireless order; this order is %s (wireless: %t).", o.Status, o.isWireless())
	}
	switch o.Approval.State {
	case ApprovalWaiting, ApprovalPending:
	default:
		return npac.Errorf(EOrderWrongStatus, "The approval is already %s: a new SMS is sent only after a supp.", o.Approval.State)
	}
	o.Approval = Approval{State: ApprovalPending, SentAt: sentAt, Deadline: r.ApprovalDeadline(sentAt)}
	note(o, ActApprovalSent, actor, "approval SMS sent, answer due by "+o.Approval.Deadline.Format(time.RFC3339), sentAt)
	return nil
}

// ApprovalAnswered records the end user's answer at at. A yes within the
// window approves the port; a no rejects it with CodeApprovalDeclined; an
// answer after the deadline counts as no answer (CodeApprovalTimeout).
func (r Rules) ApprovalAnswered(o *Order, approved bool, at time.Time, actor string) error {
	if o.Status != StatusSubmitted || o.Approval.State != ApprovalPending {
		return npac.Errorf(EOrderWrongStatus, "No approval SMS is outstanding for this order (status %s, approval %s).", o.Status, approvalName(o.Approval.State))
	}
	switch {
	case at.After(o.Approval.Deadline):
		o.Approval.State = ApprovalExpired
		return r.Reject(o, []string{CodeApprovalTimeout}, actor, "answer after the deadline", at)
	case !approved:
		o.Approval.State, o.Approval.AnsweredAt = ApprovalDeclined, at
		return r.Reject(o, []string{CodeApprovalDeclined}, actor, "", at)
	}
	o.Approval.State, o.Approval.AnsweredAt = ApprovalApproved, at
	note(o, ActApprovalAnswer, actor, "end user approved", at)
	return nil
}

// ExpireApproval rejects o with CodeApprovalTimeout if its approval SMS
// went unanswered past the deadline at now; it reports whether it did. The
// store calls it from a timer at Approval.Deadline.
func (r Rules) ExpireApproval(o *Order, now time.Time) (bool, error) {
	if o.Status != StatusSubmitted || o.Approval.State != ApprovalPending || !now.After(o.Approval.Deadline) {
		return false, nil
	}
	o.Approval.State = ApprovalExpired
	return true, r.Reject(o, []string{CodeApprovalTimeout}, "system", "no answer to the approval SMS", now)
}

// Input is one action for Apply, with the arguments it needs.
type Input struct {
	Action   Action    `json:"action"`
	Actor    string    `json:"actor,omitempty"`
	Note     string    `json:"note,omitempty"`
	FOC      time.Time `json:"foc,omitzero"`      // ActFOC
	Codes    []string  `json:"codes,omitempty"`   // ActReject
	Revised  *Order    `json:"revised,omitempty"` // ActSupp (nil: resubmit unchanged)
	TNs      []npac.TN `json:"tns,omitempty"`     // ActComplete (empty: all)
	Approved bool      `json:"approved,omitempty"`
	At       time.Time `json:"at,omitzero"` // ActApprovalSent, ActApprovalAnswer: when (default now)
}

// Apply performs in on o at now: the single entry point for a transport
// layer. Illegal moves are refused with EOrderWrongStatus (see Transition)
// and o is left unchanged on any error.
func (r Rules) Apply(o *Order, in Input, now time.Time) error {
	at := in.At
	if at.IsZero() {
		at = now
	}
	switch in.Action {
	case ActSubmit:
		return r.Submit(o, in.Actor, now)
	case ActFOC:
		return r.ConfirmFOC(o, in.FOC, in.Actor, now)
	case ActReject:
		return r.Reject(o, in.Codes, in.Actor, in.Note, now)
	case ActSupp:
		return r.Supp(o, in.Revised, in.Actor, now)
	case ActActivate:
		return r.Activate(o, in.Actor, now)
	case ActComplete:
		return r.Complete(o, in.TNs, in.Actor, now)
	case ActCancel:
		return r.Cancel(o, in.Actor, in.Note, now)
	case ActApprovalSent:
		return r.ApprovalSent(o, at, in.Actor)
	case ActApprovalAnswer:
		return r.ApprovalAnswered(o, in.Approved, at, in.Actor)
	}
	return npac.Errorf(npac.EINVALID, "%q is not an order action: use submit, foc, reject, supp, activate, complete, cancel, approval-sent or approval-answer.", in.Action)
}
