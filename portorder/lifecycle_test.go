package portorder

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/opennpac/npac"
)

func TestHappyPath(t *testing.T) {
	now := usNow(t)
	o := usOrder(t)
	foc := at(t, "America/New_York", "2022-03-07 00:00")
	steps := []struct {
		name string
		do   func() error
		want Status
	}{
		{"submit", func() error { return Submit(o, "GAIN", now) }, StatusSubmitted},
		{"foc", func() error { return ConfirmFOC(o, foc, "LOSE", now.Add(time.Hour)) }, StatusFOC},
		{"activate", func() error { return Activate(o, "GAIN", foc.Add(9*time.Hour)) }, StatusActivating},
		{"complete", func() error { return Complete(o, nil, "GAIN", foc.Add(10*time.Hour)) }, StatusCompleted},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if o.Status != s.want || o.TNs[0].Status != s.want {
			t.Fatalf("%s: status %s / TN %s, want %s", s.name, o.Status, o.TNs[0].Status, s.want)
		}
	}
	if len(o.History) != 4 || o.History[0].From != StatusDraft || o.History[3].Status != StatusCompleted {
		t.Errorf("history %+v", o.History)
	}
	if !o.SubmittedAt.Equal(now) || !o.CreatedAt.Equal(now) || !o.UpdatedAt.Equal(foc.Add(10*time.Hour)) {
		t.Errorf("times: submitted %v created %v updated %v", o.SubmittedAt, o.CreatedAt, o.UpdatedAt)
	}
}

// Every (status, action) pair outside the table is refused with
// EOrderWrongStatus and a message naming what can be done.
func TestIllegalTransitions(t *testing.T) {
	actions := []Action{ActSubmit, ActFOC, ActReject, ActSupp, ActActivate, ActComplete, ActCancel}
	legal := 0
	for _, s := range Statuses {
		for _, a := range actions {
			to, err := Transition(s, a)
			if _, ok := transitions[s][a]; ok {
				legal++
				if err != nil || to == "" {
					t.Errorf("%s + %s: %v", s, a, err)
				}
				continue
			}
			wantCode(t, err, EOrderWrongStatus)
			if !strings.Contains(npac.ErrorMessage(err), "allowed actions") {
				t.Errorf("%s + %s: message %q", s, a, npac.ErrorMessage(err))
			}
		}
	}
	if legal != 15 {
		t.Errorf("%d legal moves, want 15", legal)
	}
	for _, s := range []Status{StatusCompleted, StatusCanceled} {
		if !s.Final() {
			t.Errorf("%s not final", s)
		}
		for _, a := range actions {
			if _, err := Transition(s, a); err == nil {
				t.Errorf("final %s allows %s", s, a)
			}
		}
	}
	for _, s := range Statuses {
		if !s.Final() {
			if to, err := Transition(s, ActCancel); err != nil || to != StatusCanceled {
				t.Errorf("cancel from %s: %s %v", s, to, err)
			}
		}
	}
	wantCode(t, func() error { _, err := Transition("bogus", ActSubmit); return err }(), npac.EINVALID)

	// Through the functions, the order is left unchanged.
	now := usNow(t)
	o := usOrder(t)
	for name, f := range map[string]func() error{
		"foc on draft":      func() error { return ConfirmFOC(o, now, "LOSE", now) },
		"reject on draft":   func() error { return Reject(o, []string{CodeName}, "LOSE", "", now) },
		"supp on draft":     func() error { return Supp(o, nil, "GAIN", now) },
		"activate on draft": func() error { return Activate(o, "GAIN", now) },
		"complete on draft": func() error { return Complete(o, nil, "GAIN", now) },
	} {
		wantCode(t, f(), EOrderWrongStatus)
		if o.Status != StatusDraft || len(o.History) != 0 {
			t.Fatalf("%s changed the order", name)
		}
	}
	if err := Submit(o, "GAIN", now); err != nil {
		t.Fatal(err)
	}
	wantCode(t, Submit(o, "GAIN", now), EOrderWrongStatus)
	wantCode(t, Activate(o, "GAIN", now), EOrderWrongStatus)
	if err := Cancel(o, "GAIN", "end user changed mind", now); err != nil {
		t.Fatal(err)
	}
	wantCode(t, Cancel(o, "GAIN", "", now), EOrderWrongStatus)
	wantCode(t, Supp(o, nil, "GAIN", now), EOrderWrongStatus)
	if o.Status != StatusCanceled || o.TNs[0].Status != StatusCanceled || o.CancelFeeTier() != "" {
		t.Errorf("after cancel: %s %s %q", o.Status, o.TNs[0].Status, o.CancelFeeTier())
	}
}

func TestSubmitRequirementsUnmet(t *testing.T) {
	now := usNow(t)
	o := usOrder(t)
	o.TNs[0].Type = TypeWireless // needs a PIN
	o.ServiceAddress = Address{Street: "PO Box 44", City: "Albany", State: "NY", PostalCode: "12207", Country: "US"}
	before := o.Clone()
	err := Submit(o, "GAIN", now)
	wantCode(t, err, ERequirementsUnmet)
	msg := npac.ErrorMessage(err)
	for _, want := range []string{ReqNotPOBox, ReqWirelessID, ReqServiceAddress, "mailbox", "PIN"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q: %s", want, msg)
		}
	}
	if !reflect.DeepEqual(o, before) {
		t.Error("refused Submit changed the order")
	}
}

func TestCancelCutoffAndFees(t *testing.T) {
	now := usNow(t)
	foc := at(t, "America/New_York", "2022-03-07 00:00")
	submitted := func() *Order {
		o := usOrder(t)
		if err := Submit(o, "GAIN", now); err != nil {
			t.Fatal(err)
		}
		if err := ConfirmFOC(o, foc, "LOSE", now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		return o
	}
	o := submitted()
	wantCode(t, Cancel(o, "GAIN", "", foc.Add(-23*time.Hour)), ECancelTooLate)
	if o.Status != StatusFOC {
		t.Fatal("refused cancel changed the status")
	}
	if err := Cancel(o, "GAIN", "", foc.Add(-30*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if o.CancelFeeTier() != "24-48h" || o.Status != StatusCanceled {
		t.Errorf("tier %q status %s", o.CancelFeeTier(), o.Status)
	}
	o = submitted()
	if err := Cancel(o, "GAIN", "", foc.Add(-72*time.Hour)); err != nil || o.CancelFeeTier() != ">48h" {
		t.Errorf("72 h before: %v, tier %q", err, o.CancelFeeTier())
	}

	// A date change after the FOC is a supp: the same cutoff and tiers.
	o = submitted()
	revised := o.Clone()
	revised.DesiredDue = at(t, "America/New_York", "2022-03-11 00:00")
	wantCode(t, Supp(o, revised, "GAIN", foc.Add(-2*time.Hour)), ECancelTooLate)
	if err := Supp(o, revised, "GAIN", foc.Add(-40*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if o.Status != StatusSubmitted || o.FOC != nil || len(o.Fees) != 1 || o.Fees[0].Tier != "24-48h" || o.Fees[0].Action != ActSupp {
		t.Errorf("after supp: %s FOC %v fees %+v", o.Status, o.FOC, o.Fees)
	}
	if !o.DesiredDue.Equal(revised.DesiredDue) || !o.SubmittedAt.Equal(foc.Add(-40*time.Hour)) {
		t.Errorf("supp did not take the new date / restart the clock")
	}

	// Custom cutoff through Rules.
	r := DefaultRules()
	r.CancelCutoff = 72 * time.Hour
	o = submitted()
	wantCode(t, r.Cancel(o, "GAIN", "", foc.Add(-50*time.Hour)), ECancelTooLate)
}

func TestSuppRevalidates(t *testing.T) {
	now := usNow(t)
	o := usOrder(t)
	if err := Submit(o, "GAIN", now); err != nil {
		t.Fatal(err)
	}
	bad := o.Clone()
	bad.DesiredDue = at(t, "America/New_York", "2022-03-05 00:00") // Saturday
	bad.LOA.SignedAt = time.Time{}
	before := o.Clone()
	err := Supp(o, bad, "GAIN", now.Add(time.Hour))
	wantCode(t, err, ERequirementsUnmet)
	if !strings.Contains(npac.ErrorMessage(err), "weekend") || !reflect.DeepEqual(o, before) {
		t.Errorf("supp with errors: %s; changed=%t", npac.ErrorMessage(err), !reflect.DeepEqual(o, before))
	}
	// The identity and status of the order are kept whatever revised says.
	good := o.Clone()
	good.ID, good.GainingSPID, good.Status = "X", "ZZZZ", StatusCompleted
	good.Notes = "corrected"
	if err := Supp(o, good, "GAIN", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if o.ID != "PO-1" || o.GainingSPID != "GAIN" || o.Status != StatusSubmitted || o.Notes != "corrected" {
		t.Errorf("after supp: %+v", o)
	}
}

func TestRejectionExpiry(t *testing.T) {
	now := usNow(t)
	o := usOrder(t)
	_ = Submit(o, "GAIN", now)
	if err := Reject(o, []string{CodeBTN}, "LOSE", "", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	exp := now.Add(time.Hour + 7*24*time.Hour)
	if !o.Rejection.ExpiresAt.Equal(exp) {
		t.Fatalf("expires %v", o.Rejection.ExpiresAt)
	}
	if ExpireRejection(o, exp.Add(-time.Second)) {
		t.Fatal("expired early")
	}
	wantCode(t, Supp(o, nil, "GAIN", exp), ERejectionExpired)
	if !ExpireRejection(o, exp) || o.Status != StatusCanceled {
		t.Fatalf("not canceled: %s", o.Status)
	}
	if ExpireRejection(o, exp) {
		t.Fatal("expired twice")
	}
}

func TestActivateBeforeFOC(t *testing.T) {
	now := usNow(t)
	o := usOrder(t)
	foc := at(t, "America/New_York", "2022-03-07 00:00")
	_ = Submit(o, "GAIN", now)
	if err := ConfirmFOC(o, foc, "LOSE", now); err != nil {
		t.Fatal(err)
	}
	wantCode(t, Activate(o, "GAIN", foc.Add(-time.Minute)), EFOCNotReached)
	if err := Activate(o, "GAIN", foc); err != nil {
		t.Fatal(err)
	}
}

func TestConfirmFOCChecksDate(t *testing.T) {
	now := usNow(t)
	o := usOrder(t)
	_ = Submit(o, "GAIN", now)
	wantCode(t, ConfirmFOC(o, at(t, "America/New_York", "2022-03-03 00:00"), "LOSE", now), EDueDate) // too soon
	wantCode(t, ConfirmFOC(o, at(t, "America/New_York", "2022-03-12 00:00"), "LOSE", now), EDueDate) // Saturday
	if o.Status != StatusSubmitted || o.FOC != nil {
		t.Fatal("refused FOC changed the order")
	}
}

func TestCompletePerTN(t *testing.T) {
	now := usNow(t)
	o := usOrder(t)
	o.TNs = append(o.TNs, OrderTN{TN: "5185550101", Type: TypeWireline})
	o.Account.BTNs = []npac.TN{"5185550100"}
	foc := at(t, "America/New_York", "2022-03-07 00:00")
	for _, f := range []func() error{
		func() error { return Submit(o, "GAIN", now) },
		func() error { return ConfirmFOC(o, foc, "LOSE", now) },
		func() error { return Activate(o, "GAIN", foc) },
	} {
		if err := f(); err != nil {
			t.Fatal(err)
		}
	}
	wantCode(t, Complete(o, []npac.TN{"5185550999"}, "GAIN", foc), npac.EINVALID)
	if err := Complete(o, []npac.TN{"5185550101"}, "GAIN", foc.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if o.Status != StatusActivating || o.TNs[0].Status != StatusActivating || o.TNs[1].Status != StatusCompleted {
		t.Fatalf("after one: %s %s %s", o.Status, o.TNs[0].Status, o.TNs[1].Status)
	}
	if err := Complete(o, []npac.TN{"5185550100"}, "GAIN", foc.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if o.Status != StatusCompleted {
		t.Fatalf("status %s", o.Status)
	}
}

func TestApply(t *testing.T) {
	now := usNow(t)
	o := usOrder(t)
	foc := at(t, "America/New_York", "2022-03-07 00:00")
	for _, in := range []Input{
		{Action: ActSubmit, Actor: "GAIN"},
		{Action: ActReject, Actor: "LOSE", Codes: []string{CodeBTN}},
		{Action: ActSupp, Actor: "GAIN"},
		{Action: ActFOC, Actor: "LOSE", FOC: foc},
	} {
		if err := Apply(o, in, now); err != nil {
			t.Fatalf("%s: %v", in.Action, err)
		}
	}
	if o.Status != StatusFOC {
		t.Fatalf("status %s", o.Status)
	}
	wantCode(t, Apply(o, Input{Action: "teleport"}, now), npac.EINVALID)
	wantCode(t, Apply(o, Input{Action: ActSubmit}, now), EOrderWrongStatus)
	wantCode(t, Apply(o, Input{Action: ActReject, Codes: []string{CodeUnpaidBalance}}, now), ERejectNotPermitted)
}

func TestOrderJSON(t *testing.T) {
	now := usNow(t)
	o := usOrder(t)
	o.Partial = true
	o.Remaining = []RemainingService{{Description: "DSL", Action: Keep}}
	if err := Submit(o, "GAIN", now); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, k := range []string{`"gaining_spid":"GAIN"`, `"losing_spid":"LOSE"`, `"end_user":{"kind":"person"`, `"service_address":`,
		`"postal_code":"12207"`, `"btns":["5185550100"]`, `"desired_due":`, `"signed_at":`, `"sha256":`, `"submitted_at":`,
		`"remaining":[{"description":"DSL","action":"keep"}]`, `"history":[{`, `"status":"submitted"`} {
		if !strings.Contains(s, k) {
			t.Errorf("JSON lacks %s: %s", k, s)
		}
	}
	for _, k := range []string{`"foc"`, `"rejection"`, `"approval"`, `"GainingSPID"`} {
		if strings.Contains(s, k) {
			t.Errorf("JSON has %s: %s", k, s)
		}
	}
	var back Order
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	b2, _ := json.Marshal(&back)
	if string(b2) != s {
		t.Errorf("round trip differs:\n%s\n%s", s, b2)
	}
	_ = fmt.Sprint(back)
}
