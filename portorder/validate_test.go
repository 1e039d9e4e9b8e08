package portorder

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opennpac/npac"
)

// A rejection scenario: a realistic mismatch between an order and the
// losing SP's CSR, the codes it must produce, and the correction after
// which the order gets its FOC.
type scenario struct {
	name    string // the seed's "Port Rejection" reason it reproduces
	mutate  func(o *Order, c *CSR)
	want    []string
	presub  bool // caught by Requirements before the LSR is sent
	correct func(o *Order, c *CSR)
}

func scenarios(t *testing.T) []scenario {
	ny := func(s string) time.Time { return at(t, "America/New_York", s) }
	return []scenario{
		{name: "Abbreviations (US numbers: the smallest difference)",
			mutate:  func(o *Order, c *CSR) { o.ServiceAddress.Street = "Main Street" },
			want:    []string{CodeAddress},
			correct: func(o *Order, c *CSR) { o.ServiceAddress.Street = "Main St" }},
		{name: "Mismatch Information: name",
			mutate:  func(o *Order, c *CSR) { o.EndUser.Name = "Jon Smith" },
			want:    []string{CodeName},
			correct: func(o *Order, c *CSR) { o.EndUser.Name = "john q smith" }},
		{name: "Mismatch Information: billing address instead of service address",
			mutate: func(o *Order, c *CSR) {
				o.ServiceAddress = Address{Number: "500", Street: "Commerce Ave", City: "Albany", State: "NY", PostalCode: "12206", Country: "US"}
			},
			want:    []string{CodeAddress, CodePostalCode},
			correct: func(o *Order, c *CSR) { o.ServiceAddress = usOrder(t).ServiceAddress }},
		{name: "Mismatch Information: company name",
			mutate: func(o *Order, c *CSR) {
				o.EndUser = EndUser{Kind: Business, Name: "John Q. Smith", BusinessName: "Acme Corp"}
				c.BusinessName = "Acme Widgets, Inc."
			},
			want:    []string{CodeBusinessName},
			correct: func(o *Order, c *CSR) { o.EndUser.BusinessName = "ACME WIDGETS INC" }},
		{name: "Mismatch Information: contact person on a business account",
			mutate: func(o *Order, c *CSR) {
				o.EndUser = EndUser{Kind: Business, Name: "Acme Widgets Inc", BusinessName: "Acme Widgets Inc"}
				o.LOA.SignedBy = "Mary Jones"
				c.BusinessName = "Acme Widgets Inc"
				c.AuthorizedNames = []string{"Mary Jones"}
			},
			want:    []string{CodeName},
			correct: func(o *Order, c *CSR) { o.EndUser.Name = "Mary Jones" }},
		{name: "Mismatch Information: post office box",
			mutate: func(o *Order, c *CSR) {
				o.ServiceAddress.Number, o.ServiceAddress.Street, o.ServiceAddress.Unit = "", "P.O. Box 123", ""
			},
			want:    []string{CodePOBox},
			presub:  true,
			correct: func(o *Order, c *CSR) { o.ServiceAddress = usOrder(t).ServiceAddress }},
		{name: "Mismatch Information: ZIP code",
			mutate:  func(o *Order, c *CSR) { o.ServiceAddress.PostalCode = "12210" },
			want:    []string{CodePostalCode},
			correct: func(o *Order, c *CSR) { o.ServiceAddress.PostalCode = "12207-9999" }},
		{name: "Unauthorized contact or signature (Plivo)",
			mutate:  func(o *Order, c *CSR) { o.LOA.SignedBy = "Bob Intern" },
			want:    []string{CodeSigner},
			correct: func(o *Order, c *CSR) { o.LOA.SignedBy = "Jane Smith" }},
		{name: "Disconnected / Inactive Numbers: number",
			mutate:  func(o *Order, c *CSR) { c.TNs[0].Active = false },
			want:    []string{CodeTNNotActive},
			correct: func(o *Order, c *CSR) { c.TNs[0].Active = true }},
		{name: "Disconnected / Inactive Numbers: account",
			mutate:  func(o *Order, c *CSR) { c.Inactive = true },
			want:    []string{CodeAccountNotActive},
			correct: func(o *Order, c *CSR) { c.Inactive = false }},
		{name: "Incorrect Billing Telephone Number (BTN)",
			mutate:  func(o *Order, c *CSR) { o.Account.BTNs = []npac.TN{"5185550199"} },
			want:    []string{CodeBTN},
			correct: func(o *Order, c *CSR) { o.Account.BTNs = []npac.TN{"5185550100"} }},
		{name: "Hunt Members / Stranded Services: hunt group",
			mutate: func(o *Order, c *CSR) {
				c.TNs = []CSRLine{{TN: "5185550100", Active: true, HuntGroup: "HG1"},
					{TN: "5185550101", Active: true, HuntGroup: "HG1"}, {TN: "5185550102", Active: true, HuntGroup: "HG1"}}
			},
			want: []string{CodeHuntGroup},
			correct: func(o *Order, c *CSR) {
				o.Partial = true
				o.Remaining = []RemainingService{{TN: "5185550101", Action: Keep}, {TN: "5185550102", Action: Disconnect}}
			}},
		{name: "Account Number, Reseller Mismatch: account number",
			mutate:  func(o *Order, c *CSR) { o.Account.Number = "ACC-1002" },
			want:    []string{CodeAccountNumber},
			correct: func(o *Order, c *CSR) { o.Account.Number = "acc 1001" }},
		{name: "Account Number, Reseller Mismatch: reseller",
			mutate:  func(o *Order, c *CSR) { c.Reseller = "Budget Phone Co." },
			want:    []string{CodeReseller},
			correct: func(o *Order, c *CSR) { o.Reseller = "Budget Phone Co" }},
		{name: "Partial Port",
			mutate: func(o *Order, c *CSR) {
				c.TNs = append(c.TNs, CSRLine{TN: "5185550177", Active: true}, CSRLine{TN: "5185550178", Active: false})
				c.Services = []string{"DSL"}
			},
			want: []string{CodePartialPort},
			correct: func(o *Order, c *CSR) {
				o.Partial = true
				o.Remaining = []RemainingService{{TN: "5185550177", Action: Keep}, {Description: "DSL internet", Action: Keep}}
			}},
		{name: "Freeze on the Account, Pending Order: pending order",
			mutate:  func(o *Order, c *CSR) { c.PendingOrder = true },
			want:    []string{CodePendingOrder},
			correct: func(o *Order, c *CSR) { c.PendingOrder = false }},
		{name: "Freeze on the Account, Pending Order: freeze",
			mutate:  func(o *Order, c *CSR) { c.Frozen = true },
			want:    []string{CodeFrozen},
			correct: func(o *Order, c *CSR) { c.Frozen = false }},
		{name: "More Recent Authorization",
			mutate: func(o *Order, c *CSR) { c.LastAuthorization = ny("2022-02-28 09:00") },
			want:   []string{CodeMoreRecentAuth},
			correct: func(o *Order, c *CSR) {
				o.LOA = LOA{SignedBy: "John Q. Smith", SignedAt: ny("2022-03-01 10:30"), Method: LOAElectronic}
			}},
		{name: "Port Out Rejection for PIN: missing",
			mutate:  func(o *Order, c *CSR) { c.PIN = "4321" },
			want:    []string{CodePINMissing},
			correct: func(o *Order, c *CSR) { o.Account.PIN = "4321" }},
		{name: "Port Out Rejection for PIN: mismatch",
			mutate:  func(o *Order, c *CSR) { c.PIN = "4321"; o.Account.PIN = "1234" },
			want:    []string{CodePIN},
			correct: func(o *Order, c *CSR) { o.Account.PIN = "4321" }},
		{name: "Number not on the account",
			mutate: func(o *Order, c *CSR) {
				o.TNs = append(o.TNs, OrderTN{TN: "5185550200", Type: TypeWireline})
			},
			want:    []string{CodeTNNotOnAccount},
			correct: func(o *Order, c *CSR) { o.TNs = o.TNs[:1] }},
		{name: "Number in another open order",
			mutate:  func(o *Order, c *CSR) { c.TNs[0].OpenOrder = "PO-0999" },
			want:    []string{CodeDuplicate},
			correct: func(o *Order, c *CSR) { c.TNs[0].OpenOrder = "" }},
		{name: "Rejection for SMS Not Answered (state only; the timed flow is TestWirelessApprovalFlow)",
			mutate:  func(o *Order, c *CSR) { o.Approval.State = ApprovalExpired },
			want:    []string{CodeApprovalTimeout},
			presub:  true, // a draft has no SMS; checked by Validate only
			correct: func(o *Order, c *CSR) { o.Approval = Approval{} }},
	}
}

// TestSeedRejections reproduces every reason of the seed's "Port
// Rejection" article (seed 002 lines 346-475) from an order and a CSR,
// checks that the losing SP's automatic answer is a rejection with the
// reason's code and an actionable fix, then corrects the order (or the
// record, as the end user would at the losing SP), sends a supp and checks
// that the answer is an FOC.
func TestSeedRejections(t *testing.T) {
	now := usNow(t)
	foc := at(t, "America/New_York", "2022-03-07 00:00")
	if got := Validate(usOrder(t), usCSR()); len(got) != 0 {
		t.Fatalf("base fixtures do not match: %v", got)
	}
	for _, sc := range scenarios(t) {
		t.Run(sc.name, func(t *testing.T) {
			o, c := usOrder(t), usCSR()
			sc.mutate(o, c)
			got := Validate(o, c)
			if !slices.Equal(got, sc.want) {
				t.Fatalf("Validate = %v, want %v; findings %+v", got, sc.want, Check(o, c))
			}
			for _, code := range got {
				rc, ok := Lookup(code)
				if !ok || !rc.Permitted || len(rc.Fix) < 40 {
					t.Errorf("code %s: table entry %+v, want a permitted code with a fix", code, rc)
				}
			}
			if sc.presub {
				if o.Approval.State == ApprovalNone {
					err := Submit(o, "GAIN", now)
					wantCode(t, err, ERequirementsUnmet)
				}
				sc.correct(o, c)
				if got := Validate(o, c); len(got) != 0 {
					t.Fatalf("after correction Validate = %v", got)
				}
				return
			}

			if err := Submit(o, "GAIN", now); err != nil {
				t.Fatalf("Submit: %v", err)
			}
			codes, err := Answer(o, c, foc, "LOSE", now.Add(2*time.Hour))
			if err != nil {
				t.Fatalf("Answer: %v", err)
			}
			if !slices.Equal(codes, sc.want) || o.Status != StatusRejected || o.Rejection == nil {
				t.Fatalf("Answer = %v, status %s; want rejected with %v", codes, o.Status, sc.want)
			}
			for _, r := range o.Rejection.Reasons() {
				if r.Fix == "" {
					t.Errorf("reason %s has no fix", r.Code)
				}
			}
			for _, tn := range o.TNs {
				if tn.Status != StatusRejected {
					t.Errorf("%s status %s, want rejected", tn.TN, tn.Status)
				}
			}

			revised := o.Clone()
			sc.correct(revised, c)
			if err := Supp(o, revised, "GAIN", now.Add(150*time.Minute)); err != nil {
				t.Fatalf("Supp: %v", err)
			}
			if o.Status != StatusSubmitted || o.Rejection != nil || o.Supps != 1 {
				t.Fatalf("after supp: status %s, rejection %v, supps %d", o.Status, o.Rejection, o.Supps)
			}
			codes, err = Answer(o, c, foc, "LOSE", now.Add(4*time.Hour))
			if err != nil || len(codes) != 0 {
				t.Fatalf("re-validated Answer = %v, %v; want FOC", codes, err)
			}
			if o.Status != StatusFOC || o.FOC == nil || !o.FOC.Equal(foc) {
				t.Fatalf("status %s FOC %v, want foc %v", o.Status, o.FOC, foc)
			}
		})
	}
}

// Every permitted code is reachable from some scenario (or is the declined
// approval, tested in the wireless flow).
func TestScenariosCoverCodes(t *testing.T) {
	seen := map[string]bool{CodeApprovalDeclined: true}
	for _, sc := range scenarios(t) {
		for _, c := range sc.want {
			seen[c] = true
		}
	}
	for _, c := range Codes {
		if c.Permitted && !seen[c.Code] {
			t.Errorf("permitted code %s has no scenario", c.Code)
		}
	}
}

// The wireless flow: the losing carrier's SMS goes unanswered for 90
// minutes, the port is rejected; the order is resubmitted, a new SMS is
// answered in time, and the port gets its FOC.
func TestWirelessApprovalFlow(t *testing.T) {
	now := usNow(t)
	o, c := usOrder(t), usCSR()
	o.TNs[0].Type = TypeWireless
	o.Account.PIN = "8642"
	c.PIN = "8642"
	foc := at(t, "America/New_York", "2022-03-07 00:00")

	if err := Submit(o, "GAIN", now); err != nil {
		t.Fatal(err)
	}
	if o.Approval.State != ApprovalWaiting {
		t.Fatalf("approval %q, want waiting", o.Approval.State)
	}
	wantCode(t, ConfirmFOC(o, foc, "LOSE", now.Add(time.Hour)), EApprovalRequired)

	sent := now.Add(10 * time.Minute)
	if err := ApprovalSent(o, sent, "LOSE"); err != nil {
		t.Fatal(err)
	}
	if !o.Approval.Deadline.Equal(sent.Add(90 * time.Minute)) {
		t.Fatalf("deadline %v", o.Approval.Deadline)
	}
	if done, err := ExpireApproval(o, sent.Add(89*time.Minute)); done || err != nil {
		t.Fatalf("expired early: %v %v", done, err)
	}
	if done, err := ExpireApproval(o, sent.Add(91*time.Minute)); !done || err != nil {
		t.Fatalf("not expired: %v %v", done, err)
	}
	if o.Status != StatusRejected || !slices.Equal(o.Rejection.Codes, []string{CodeApprovalTimeout}) {
		t.Fatalf("status %s rejection %+v", o.Status, o.Rejection)
	}
	if got := Validate(o, c); !slices.Equal(got, []string{CodeApprovalTimeout}) {
		t.Fatalf("Validate = %v", got)
	}

	resub := now.Add(3 * time.Hour)
	if err := Supp(o, nil, "GAIN", resub); err != nil {
		t.Fatal(err)
	}
	if o.Approval.State != ApprovalWaiting || len(Validate(o, c)) != 0 {
		t.Fatalf("after supp approval %q, codes %v", o.Approval.State, Validate(o, c))
	}
	if err := ApprovalSent(o, resub.Add(5*time.Minute), "LOSE"); err != nil {
		t.Fatal(err)
	}
	if err := ApprovalAnswered(o, true, resub.Add(30*time.Minute), "end-user"); err != nil {
		t.Fatal(err)
	}
	if codes, err := Answer(o, c, foc, "LOSE", resub.Add(time.Hour)); err != nil || len(codes) != 0 || o.Status != StatusFOC {
		t.Fatalf("Answer = %v, %v, status %s", codes, err, o.Status)
	}

	// A "no" is a rejection too; a late "yes" counts as no answer.
	o2 := usOrder(t)
	o2.Wireless, o2.Account.PIN = true, "1"
	if err := Submit(o2, "GAIN", now); err != nil {
		t.Fatal(err)
	}
	_ = ApprovalSent(o2, now, "LOSE")
	if err := ApprovalAnswered(o2, false, now.Add(time.Minute), "end-user"); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o2.Rejection.Codes, []string{CodeApprovalDeclined}) {
		t.Fatalf("declined: %+v", o2.Rejection)
	}
	o3 := usOrder(t)
	o3.Wireless, o3.Account.PIN = true, "1"
	_ = Submit(o3, "GAIN", now)
	_ = ApprovalSent(o3, now, "LOSE")
	if err := ApprovalAnswered(o3, true, now.Add(91*time.Minute), "end-user"); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o3.Rejection.Codes, []string{CodeApprovalTimeout}) {
		t.Fatalf("late answer: %+v", o3.Rejection)
	}
}

// A losing SP may not reject for a negative balance or the other
// not-permitted reasons; the order stays as it was.
func TestRejectNotPermitted(t *testing.T) {
	now := usNow(t)
	for _, code := range []string{CodeUnpaidBalance, CodePortOutFee, CodeContract, CodeNoticePeriod, CodeMustCall} {
		o := usOrder(t)
		if err := Submit(o, "GAIN", now); err != nil {
			t.Fatal(err)
		}
		before := o.Clone()
		err := Reject(o, []string{CodeName, code}, "LOSE", "", now.Add(time.Hour))
		wantCode(t, err, ERejectNotPermitted)
		msg := npac.ErrorMessage(err)
		if !strings.Contains(msg, code) || !strings.Contains(msg, "FCC") || !strings.Contains(msg, "CRTC") {
			t.Errorf("%s: message %q", code, msg)
		}
		if o.Status != StatusSubmitted || o.Rejection != nil || len(o.History) != len(before.History) {
			t.Errorf("%s: order changed: %s %+v", code, o.Status, o.Rejection)
		}
	}
	o := usOrder(t)
	_ = Submit(o, "GAIN", now)
	err := Reject(o, []string{CodeUnpaidBalance}, "LOSE", "", now)
	if !strings.Contains(npac.ErrorMessage(err), "negative balance") {
		t.Errorf("unpaid balance message %q does not say why", npac.ErrorMessage(err))
	}
	wantCode(t, Reject(o, []string{"bad-vibes"}, "LOSE", "", now), npac.EINVALID)
	wantCode(t, Reject(o, nil, "LOSE", "", now), npac.EINVALID)
	if err := Reject(o, []string{CodeTNNotActive, CodeName, CodeName}, "LOSE", "note", now); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o.Rejection.Codes, []string{CodeTNNotActive, CodeName}) {
		t.Errorf("codes %v, want deduplicated in table order", o.Rejection.Codes)
	}
	if !o.Rejection.ExpiresAt.Equal(now.Add(7 * 24 * time.Hour)) {
		t.Errorf("expires %v", o.Rejection.ExpiresAt)
	}
}

func TestCodesTable(t *testing.T) {
	seen := map[string]bool{}
	var notPermitted int
	for _, c := range Codes {
		if c.Code == "" || c.Title == "" || c.Fix == "" || seen[c.Code] {
			t.Errorf("bad or duplicate entry %+v", c)
		}
		seen[c.Code] = true
		if c.Code != strings.ToLower(c.Code) || strings.ContainsAny(c.Code, " _") {
			t.Errorf("code %q is not kebab-case", c.Code)
		}
		if !c.Permitted {
			notPermitted++
		}
	}
	for _, c := range []string{CodeUnpaidBalance, CodeContract, CodeMustCall} {
		if rc, ok := Lookup(c); !ok || rc.Permitted {
			t.Errorf("%s must be listed and not permitted", c)
		}
	}
	if notPermitted < 3 {
		t.Errorf("%d not-permitted codes", notPermitted)
	}
}

func TestValidateCanada(t *testing.T) {
	o := &Order{
		EndUser: EndUser{Kind: Person, Name: "Hélène Côté"},
		ServiceAddress: Address{Number: "45", Street: "St 1St Av", City: "Montréal", State: "Québec",
			PostalCode: "h2x 1y4", Country: "CA"},
		Account: Account{Number: "77-12", BTNs: []npac.TN{"5145550100"}},
		TNs:     []OrderTN{{TN: "5145550100"}},
		LOA:     LOA{SignedBy: "Helene Cote"},
	}
	c := &CSR{
		Account: "7712", BTN: "5145550100", TNs: []CSRLine{{TN: "5145550100", Active: true}},
		ServiceAddress: Address{Number: "45", Street: "Street First Avenue", City: "MONTREAL", State: "QC",
			PostalCode: "H2X1Y4", Country: "CA"},
		AuthorizedNames: []string{"HELENE COTE"},
	}
	if got := Validate(o, c); len(got) != 0 {
		t.Fatalf("Validate = %v, %+v", got, Check(o, c))
	}
	o.ServiceAddress.Street = "St 2nd Av"
	if got := Validate(o, c); !slices.Equal(got, []string{CodeAddress}) {
		t.Fatalf("Validate = %v", got)
	}
}

func TestSimplePort(t *testing.T) {
	o, c := usOrder(t), usCSR()
	if !SimplePort(o, c) {
		t.Fatal("single-line account without features is simple")
	}
	for name, f := range map[string]func(o *Order, c *CSR){
		"two lines":  func(o *Order, c *CSR) { c.TNs = append(c.TNs, CSRLine{TN: "5185550101", Active: true}) },
		"UNE":        func(o *Order, c *CSR) { c.UNE = true },
		"Centrex":    func(o *Order, c *CSR) { c.ComplexServices = []string{"Centrex"} },
		"DSL":        func(o *Order, c *CSR) { c.Services = []string{"DSL"} },
		"reseller":   func(o *Order, c *CSR) { c.Reseller = "Budget" },
		"other TN":   func(o *Order, c *CSR) { o.TNs[0].TN = "5185550999" },
		"partial":    func(o *Order, c *CSR) { o.Partial = true },
		"no numbers": func(o *Order, c *CSR) { o.TNs = nil },
	} {
		o, c := usOrder(t), usCSR()
		f(o, c)
		if SimplePort(o, c) {
			t.Errorf("%s: SimplePort = true", name)
		}
	}
}
