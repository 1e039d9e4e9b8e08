package portorder

import (
	"time"

	"github.com/opennpac/npac"
)

// The functions below apply DefaultRules(); use a Rules value for other
// tunables or holidays.

// Submit is DefaultRules().Submit.
func Submit(o *Order, actor string, now time.Time) error {
	return DefaultRules().Submit(o, actor, now)
}

// ConfirmFOC is DefaultRules().ConfirmFOC.
func ConfirmFOC(o *Order, foc time.Time, actor string, now time.Time) error {
	return DefaultRules().ConfirmFOC(o, foc, actor, now)
}

// Reject is DefaultRules().Reject.
func Reject(o *Order, codes []string, actor, note string, now time.Time) error {
	return DefaultRules().Reject(o, codes, actor, note, now)
}

// Answer is DefaultRules().Answer.
func Answer(o *Order, csr *CSR, foc time.Time, actor string, now time.Time) ([]string, error) {
	return DefaultRules().Answer(o, csr, foc, actor, now)
}

// Supp is DefaultRules().Supp.
func Supp(o *Order, revised *Order, actor string, now time.Time) error {
	return DefaultRules().Supp(o, revised, actor, now)
}

// Activate is DefaultRules().Activate.
func Activate(o *Order, actor string, now time.Time) error {
	return DefaultRules().Activate(o, actor, now)
}

// Complete is DefaultRules().Complete.
func Complete(o *Order, tns []npac.TN, actor string, now time.Time) error {
	return DefaultRules().Complete(o, tns, actor, now)
}

// Cancel is DefaultRules().Cancel.
func Cancel(o *Order, actor, note string, now time.Time) error {
	return DefaultRules().Cancel(o, actor, note, now)
}

// ExpireRejection is DefaultRules().ExpireRejection.
func ExpireRejection(o *Order, now time.Time) bool {
	return DefaultRules().ExpireRejection(o, now)
}

// ApprovalSent is DefaultRules().ApprovalSent.
func ApprovalSent(o *Order, sentAt time.Time, actor string) error {
	return DefaultRules().ApprovalSent(o, sentAt, actor)
}

// ApprovalAnswered is DefaultRules().ApprovalAnswered.
func ApprovalAnswered(o *Order, approved bool, at time.Time, actor string) error {
	return DefaultRules().ApprovalAnswered(o, approved, at, actor)
}

// ExpireApproval is DefaultRules().ExpireApproval.
func ExpireApproval(o *Order, now time.Time) (bool, error) {
	return DefaultRules().ExpireApproval(o, now)
}

// Apply is DefaultRules().Apply.
func Apply(o *Order, in Input, now time.Time) error {
	return DefaultRules().Apply(o, in, now)
}
