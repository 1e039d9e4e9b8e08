package http_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	npac "github.com/opennpac/npac"
	npachttp "github.com/opennpac/npac/http"
	"github.com/opennpac/npac/portorder"
	"github.com/opennpac/npac/store"
)

// The losing SP's CSR file of the order tests: account ACCT-1 (Jane Roe,
// two lines) and ACCT-2 (Doe Bakery, one line, with a PIN). Account
// details are on the first row of ACCT-1 only.
const csrFile = `account,tn,active,btn,authorized_names,business_name,number,street,unit,city,state,postal_code,country,pin,services
ACCT-1,212-555-0100,true,2125550100,Jane Roe,,123,Main St,,New York,NY,10001,US,,
ACCT-1,2125550101,yes,,,,,,,,,,,,
ACCT-2,2125550200,,2125550200,John Doe;Mary Doe,Doe Bakery,45,Broadway,,New York,NY,10006,US,1234,
`

// billSHA is a document digest: 64 hex digits.
var billSHA = strings.Repeat("ab", 32)

// orderBody is a complete order of NEW1 for tns of the account ACCT-1 as
// the CSR lists it, due on Friday 7 March 2025.
func orderBody(tns ...string) map[string]any {
	var list []map[string]any
	for _, tn := range tns {
		list = append(list, map[string]any{"tn": tn})
	}
	return map[string]any{
		"gaining_spid": newSPID,
		"end_user":     map[string]any{"kind": "person", "name": "Jane Roe"},
		"service_address": map[string]any{"number": "123", "street": "Main St", "city": "New York", "state": "NY",
			"postal_code": "10001", "country": "US"},
		"account":     map[string]any{"number": "ACCT-1", "btns": []string{"212-555-0100"}},
		"tns":         list,
		"lrn":         lrn,
		"desired_due": "2025-03-07",
		"loa":         map[string]any{"signed_by": "Jane Roe", "signed_at": "2025-03-01", "method": "wet"},
		"documents":   []map[string]any{{"kind": "bill", "name": "bill.pdf", "sha256": billSHA, "size": 1000}},
	}
}

// bakeryBody is an order for ACCT-2 with a wrong street and no PIN.
func bakeryBody() map[string]any {
	b := orderBody("2125550200")
	b["end_user"] = map[string]any{"kind": "business", "name": "John Doe", "business_name": "Doe Bakery"}
	b["service_address"] = map[string]any{"number": "45", "street": "Broadway Ave", "city": "New York", "state": "NY",
		"postal_code": "10006", "country": "US"}
	b["account"] = map[string]any{"number": "ACCT-2", "btns": []string{"2125550200"}}
	b["loa"] = map[string]any{"signed_by": "John Doe", "signed_at": "2025-03-01", "method": "electronic"}
	return b
}

// orderJSON is an order as the API answers it.
type orderJSON struct {
	portorder.Order
	SVs        []portorder.SVState     `json:"svs"`
	Validation []portorder.Finding     `json:"validation"`
	Unmet      []portorder.Requirement `json:"unmet"`
	Rejection  *struct {
		Codes   []string               `json:"codes"`
		Reasons []portorder.RejectCode `json:"reasons"`
	} `json:"rejection"`
}

// orderList is a list of orders.
type orderList struct {
	Items     []orderJSON `json:"items"`
	NextAfter string      `json:"next_after"`
}

// createOrder creates one order and returns it.
func (e *env) createOrder(tok string, body map[string]any) orderJSON {
	e.t.Helper()
	var l orderList
	e.do("POST", "/api/v1/orders", tok, body).ok(e.t, http.StatusCreated, &l)
	if len(l.Items) != 1 {
		e.t.Fatalf("create answered %d orders, want 1", len(l.Items))
	}
	return l.Items[0]
}

// orderOK sends a request that must answer 200 with one order, and
// returns it.
func (e *env) orderOK(method, path, tok string, body any) orderJSON {
	e.t.Helper()
	var o orderJSON
	e.do(method, path, tok, body).ok(e.t, http.StatusOK, &o)
	return o
}

// otherProvider registers a third provider and its SOA user, and returns
// the user's token.
func (e *env) otherProvider() string {
	e.t.Helper()
	e.do("POST", "/api/v1/providers", e.admin, map[string]any{"spid": "OTH1", "name": "Other", "type": "wireline", "regions": []string{"NE"}}).
		ok(e.t, http.StatusCreated, nil)
	var out struct {
		Token npac.Token `json:"token"`
	}
	e.do("POST", "/api/v1/users", e.admin, map[string]any{"name": "oth-soa", "grants": []map[string]string{{"role": "soa", "spid": "OTH1"}}}).
		ok(e.t, http.StatusCreated, &out)
	return out.Token.Secret
}

// TestOrderFlow runs port orders through the API: the losing SP loads its
// CSRs, the gaining SP checks and orders; a matching order gets an FOC and
// SVs at once, a mismatching one is rejected with the fix and corrected
// by a supp; an order without a CSR is answered by hand; orders are
// activated on the FOC date and complete when their SVs are active.
func TestOrderFlow(t *testing.T) {
	e := newEnv(t) // Monday 3 March 2025, 10:00 in New York
	newTok, oldTok := e.fixture()
	othTok := e.otherProvider()

	// The losing SP loads its CSRs.
	var csrs struct {
		Items []portorder.CSR `json:"items"`
	}
	e.do("POST", "/api/v1/providers/OLD1/csrs", oldTok, csrFile, "Content-Type", "text/csv").ok(t, http.StatusOK, &csrs)
	if len(csrs.Items) != 2 || len(csrs.Items[0].TNs) != 2 || csrs.Items[0].ServiceAddress.Street != "Main St" ||
		csrs.Items[1].PIN != "1234" || len(csrs.Items[1].AuthorizedNames) != 2 {
		t.Fatalf("loaded CSRs %+v", csrs.Items)
	}
	e.do("GET", "/api/v1/providers/OLD1/csrs", oldTok, nil).ok(t, http.StatusOK, &csrs)
	if len(csrs.Items) != 2 || csrs.Items[0].Account != "ACCT-1" || csrs.Items[0].TNs[0].TN != "2125550100" || !csrs.Items[0].TNs[1].Active {
		t.Fatalf("listed CSRs %+v", csrs.Items)
	}
	// Only the provider (and NPAC personnel) reads them.
	e.do("GET", "/api/v1/providers/OLD1/csrs", newTok, nil).wantProblem(t, http.StatusForbidden, npac.EFORBIDDEN)

	// The gaining SP checks the numbers.
	var check struct {
		Results []portorder.Portability `json:"results"`
	}
	e.do("POST", "/api/v1/portability", newTok, map[string]any{"spid": newSPID, "tns": []string{"212-555-0100", "2125550200"}}).
		ok(t, http.StatusOK, &check)
	if len(check.Results) != 2 || !check.Results[0].Portable || check.Results[0].LosingSPID != oldSPID || check.Results[0].TN != "2125550100" {
		t.Fatalf("portability %+v", check.Results)
	}
	e.do("POST", "/api/v1/portability", newTok, map[string]any{"spid": newSPID, "tns": []string{"555"}}).wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	e.do("POST", "/api/v1/portability", newTok, map[string]any{"spid": oldSPID, "tns": []string{"2125550100"}}).wantProblem(t, http.StatusForbidden, npac.EFORBIDDEN)

	// A draft, created once under its Idempotency-Key.
	var created orderList
	r := e.do("POST", "/api/v1/orders", newTok, orderBody("2125550100", "212-555-0101"), "Idempotency-Key", "ord-1")
	r.ok(t, http.StatusCreated, &created)
	if len(created.Items) != 1 {
		t.Fatalf("create answered %d orders", len(created.Items))
	}
	o := created.Items[0]
	if o.Status != portorder.StatusDraft || o.LosingSPID != oldSPID || o.GainingSPID != newSPID || o.Region != npac.Northeast || len(o.TNs) != 2 {
		t.Fatalf("created %+v", o.Order)
	}
	if got := r.header.Get("Location"); got != "/api/v1/orders/"+o.ID {
		t.Errorf("Location %q", got)
	}
	var again orderList
	e.do("POST", "/api/v1/orders", newTok, orderBody("2125550100", "212-555-0101"), "Idempotency-Key", "ord-1").ok(t, http.StatusCreated, &again)
	if len(again.Items) != 1 || again.Items[0].ID != o.ID {
		t.Fatalf("replayed create answered %+v, want order %s", again.Items, o.ID)
	}
	e.do("POST", "/api/v1/orders", newTok, orderBody("2125550100"), "Idempotency-Key", "ord-1").
		wantProblem(t, http.StatusUnprocessableEntity, npac.EIDEMPOTENCY)
	// Its numbers are in an open order now.
	e.do("POST", "/api/v1/orders", newTok, orderBody("2125550100")).wantProblem(t, http.StatusUnprocessableEntity, store.ENotPortable)

	// The losing SP does not see drafts; others never see the order.
	e.do("GET", "/api/v1/orders/"+o.ID, oldTok, nil).wantProblem(t, http.StatusNotFound, npac.ENOTFOUND)
	e.do("GET", "/api/v1/orders/"+o.ID, othTok, nil).wantProblem(t, http.StatusNotFound, npac.ENOTFOUND)
	e.do("POST", "/api/v1/orders/"+o.ID+"/cancel", othTok, nil).wantProblem(t, http.StatusNotFound, npac.ENOTFOUND)
	e.do("GET", "/api/v1/orders/x1", newTok, nil).wantProblem(t, http.StatusBadRequest, npac.EINVALID)

	// Submitted, it is validated against ACCT-1 at once: FOC on the
	// desired Friday (4 business days from a Monday morning LSR), 00:00 in
	// New York, and both SPs' SVs.
	sub := e.orderOK("POST", "/api/v1/orders/"+o.ID+"/submit", newTok, nil)
	friday := time.Date(2025, 3, 7, 5, 0, 0, 0, time.UTC)
	if sub.Status != portorder.StatusFOC || sub.FOC == nil || !sub.FOC.Equal(friday) {
		t.Fatalf("submitted: status %s, FOC %v; want foc on %v", sub.Status, sub.FOC, friday)
	}
	view := e.orderOK("GET", "/api/v1/orders/"+o.ID, newTok, nil)
	if len(view.SVs) != 2 {
		t.Fatalf("order shows %d SVs, want 2: %+v", len(view.SVs), view.SVs)
	}
	for _, sv := range view.SVs {
		if sv.Status != npac.StatusPending || sv.SVID == 0 {
			t.Errorf("SV %+v, want pending", sv)
		}
	}
	var sv npac.SV
	e.do("GET", "/api/v1/svs/"+strconv.FormatInt(view.SVs[0].SVID, 10), newTok, nil).ok(t, http.StatusOK, &sv)
	if sv.NewSPID != newSPID || sv.OldSPID != oldSPID || sv.LRN != lrn || !sv.Concurred() {
		t.Errorf("SV %+v, want concurred %s→%s via %s", sv, oldSPID, newSPID, lrn)
	}
	// Now the losing SP sees it, with its validation (nothing found).
	view = e.orderOK("GET", "/api/v1/orders/"+o.ID, oldTok, nil)
	if view.Status != portorder.StatusFOC || len(view.Validation) != 0 {
		t.Errorf("losing SP's view: status %s, validation %+v", view.Status, view.Validation)
	}
	var list orderList
	e.do("GET", "/api/v1/orders?spid=OLD1&side=losing", oldTok, nil).ok(t, http.StatusOK, &list)
	if len(list.Items) != 1 || list.Items[0].ID != o.ID {
		t.Errorf("losing SP's orders %+v", list.Items)
	}
	e.do("GET", "/api/v1/orders?spid=NEW1&side=gaining&status=draft", newTok, nil).ok(t, http.StatusOK, &list)
	if len(list.Items) != 0 {
		t.Errorf("draft orders %+v, want none", list.Items)
	}
	e.do("GET", "/api/v1/orders?spid=NEW1&side=both", newTok, nil).wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	e.do("GET", "/api/v1/orders?spid=OLD1", newTok, nil).wantProblem(t, http.StatusForbidden, npac.EFORBIDDEN)

	// A mismatching order is rejected at submission, each code with its
	// fix.
	bakery := e.createOrder(newTok, bakeryBody())
	sub = e.orderOK("POST", "/api/v1/orders/"+bakery.ID+"/submit", newTok, nil)
	if sub.Status != portorder.StatusRejected || sub.Rejection == nil {
		t.Fatalf("bakery order: status %s, rejection %+v; want rejected", sub.Status, sub.Rejection)
	}
	view = e.orderOK("GET", "/api/v1/orders/"+bakery.ID, newTok, nil)
	if got := strings.Join(view.Rejection.Codes, ","); got != portorder.CodeAddress+","+portorder.CodePINMissing {
		t.Fatalf("rejection codes %s, want %s,%s", got, portorder.CodeAddress, portorder.CodePINMissing)
	}
	if len(view.Rejection.Reasons) != 2 || view.Rejection.Reasons[0].Code != portorder.CodeAddress ||
		!strings.Contains(view.Rejection.Reasons[0].Fix, "service address") || view.Rejection.Reasons[1].Field != "account.pin" {
		t.Errorf("rejection reasons %+v, want each code's fix", view.Rejection.Reasons)
	}
	// Its numbers cannot change in a supp.
	e.do("PATCH", "/api/v1/orders/"+bakery.ID, newTok, orderBody("2125550101")).wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	// The supp with the CSR's street and the PIN gets the FOC.
	fixed := bakeryBody()
	fixed["service_address"].(map[string]any)["street"] = "Broadway"
	fixed["account"].(map[string]any)["pin"] = "1234"
	sub = e.orderOK("PATCH", "/api/v1/orders/"+bakery.ID, newTok, fixed)
	if sub.Status != portorder.StatusFOC || sub.Supps != 1 || sub.Rejection != nil || sub.FOC == nil || !sub.FOC.Equal(friday) {
		t.Fatalf("after the supp: status %s, supps %d, rejection %+v, FOC %v; want foc on %v", sub.Status, sub.Supps, sub.Rejection, sub.FOC, friday)
	}
	// Canceled more than 48 hours before the FOC.
	e.do("POST", "/api/v1/orders/"+bakery.ID+"/cancel", oldTok, map[string]string{"note": "x"}).wantProblem(t, http.StatusForbidden, npac.EFORBIDDEN)
	sub = e.orderOK("POST", "/api/v1/orders/"+bakery.ID+"/cancel", newTok, map[string]string{"note": "end user changed their mind"})
	if sub.Status != portorder.StatusCanceled || sub.CancelFeeTier() != ">48h" {
		t.Errorf("canceled: status %s, fee tier %q", sub.Status, sub.CancelFeeTier())
	}
	e.do("POST", "/api/v1/orders/"+bakery.ID+"/cancel", newTok, nil).wantProblem(t, http.StatusConflict, portorder.EOrderWrongStatus)

	// An order for a number no CSR lists waits for the losing SP's answer.
	mb := orderBody("2125550300")
	mb["account"] = map[string]any{"number": "ACCT-9", "btns": []string{"2125550300"}}
	manual := e.createOrder(newTok, mb)
	sub = e.orderOK("POST", "/api/v1/orders/"+manual.ID+"/submit", newTok, `{}`)
	if sub.Status != portorder.StatusSubmitted {
		t.Fatalf("order without a CSR: status %s, want submitted", sub.Status)
	}
	e.do("POST", "/api/v1/orders/"+manual.ID+"/answer", newTok, map[string]any{"foc": "2025-03-07"}).wantProblem(t, http.StatusForbidden, npac.EFORBIDDEN)
	p := e.do("POST", "/api/v1/orders/"+manual.ID+"/answer", oldTok, map[string]any{"codes": []string{portorder.CodeUnpaidBalance}})
	if pr := p.wantProblem(t, http.StatusUnprocessableEntity, portorder.ERejectNotPermitted); !strings.Contains(pr.Detail, "balance") {
		t.Errorf("not-permitted detail %q", pr.Detail)
	}
	e.do("POST", "/api/v1/orders/"+manual.ID+"/answer", oldTok, map[string]any{"foc": "2025-03-04"}).wantProblem(t, http.StatusUnprocessableEntity, portorder.EDueDate)
	e.do("POST", "/api/v1/orders/"+manual.ID+"/answer", oldTok, map[string]any{"foc": "2025-03-07", "codes": []string{"name-mismatch"}}).
		wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	e.do("POST", "/api/v1/orders/"+manual.ID+"/approval", oldTok, map[string]any{"sent": true}).wantProblem(t, http.StatusConflict, portorder.EOrderWrongStatus)
	e.do("POST", "/api/v1/orders/"+manual.ID+"/approval", oldTok, map[string]any{}).wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	// A date alone is 00:00 of that day in the order's region.
	sub = e.orderOK("POST", "/api/v1/orders/"+manual.ID+"/answer", oldTok, map[string]any{"foc": "2025-03-07", "note": "ok"})
	if sub.Status != portorder.StatusFOC || sub.FOC == nil || !sub.FOC.Equal(friday) {
		t.Fatalf("answered: status %s, FOC %v; want foc on %v", sub.Status, sub.FOC, friday)
	}

	// Activation waits for the FOC date.
	e.do("POST", "/api/v1/orders/"+o.ID+"/activate", newTok, nil).wantProblem(t, http.StatusConflict, portorder.EFOCNotReached)
	e.clock.Set(time.Date(2025, 3, 7, 15, 0, 0, 0, time.UTC))
	e.do("POST", "/api/v1/orders/"+o.ID+"/cancel", newTok, nil).wantProblem(t, http.StatusConflict, portorder.ECancelTooLate)
	// The order completes when its SVs are active: at once, as no LSMS is
	// registered to wait for.
	sub = e.orderOK("POST", "/api/v1/orders/"+o.ID+"/activate", newTok, nil)
	if sub.Status != portorder.StatusCompleted {
		t.Fatalf("activated: status %s, want completed", sub.Status)
	}
	view = e.orderOK("GET", "/api/v1/orders/"+o.ID, newTok, nil)
	if view.Status != portorder.StatusCompleted {
		t.Errorf("after activation: status %s, want completed", view.Status)
	}
	for _, sv := range view.SVs {
		if sv.Status != npac.StatusActive {
			t.Errorf("SV %+v, want active", sv)
		}
	}
}

// TestOrderRefusals checks the refusals of order bodies and the problem
// codes of the numbers and requirements.
func TestOrderRefusals(t *testing.T) {
	e := newEnv(t)
	newTok, _ := e.fixture()

	// Numbers no code covers cannot be ordered.
	e.do("POST", "/api/v1/orders", newTok, orderBody("3125550100")).wantProblem(t, http.StatusUnprocessableEntity, store.ENotPortable)
	if got := npachttp.ProblemStatuses()[store.ENotPortable]; got != http.StatusUnprocessableEntity {
		t.Errorf("%s has status %d, want 422", store.ENotPortable, got)
	}
	for _, c := range []struct {
		name string
		edit func(map[string]any)
	}{
		{"no numbers", func(b map[string]any) { delete(b, "tns") }},
		{"bad number", func(b map[string]any) { b["tns"] = []map[string]any{{"tn": "555"}} }},
		{"bad type", func(b map[string]any) { b["tns"] = []map[string]any{{"tn": "2125550100", "type": "fax"}} }},
		{"bad due date", func(b map[string]any) { b["desired_due"] = "Friday" }},
		{"bad BTN", func(b map[string]any) { b["account"] = map[string]any{"number": "A", "btns": []string{"12"}} }},
		{"unknown field", func(b map[string]any) { b["status"] = "foc" }},
		{"no gaining SP", func(b map[string]any) { delete(b, "gaining_spid") }},
	} {
		b := orderBody("2125550100")
		c.edit(b)
		if r := e.do("POST", "/api/v1/orders", newTok, b); r.status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400; %s", c.name, r.status, r.body)
		}
	}

	// A draft with unmet requirements is not submitted; GET shows them.
	b := orderBody("2125550100")
	delete(b, "documents")
	b["desired_due"] = "2025-03-08" // a Saturday
	o := e.createOrder(newTok, b)
	p := e.do("POST", "/api/v1/orders/"+o.ID+"/submit", newTok, nil).wantProblem(t, http.StatusUnprocessableEntity, portorder.ERequirementsUnmet)
	if !strings.Contains(p.Detail, "bill") || !strings.Contains(p.Detail, "Saturday") {
		t.Errorf("unmet detail %q, want the bill and the weekend named", p.Detail)
	}
	view := e.orderOK("GET", "/api/v1/orders/"+o.ID, newTok, nil)
	var unmet []string
	for _, q := range view.Unmet {
		unmet = append(unmet, q.Name)
	}
	if strings.Join(unmet, ",") != portorder.ReqDueDate+","+portorder.ReqBillOrCSR {
		t.Errorf("unmet %v", unmet)
	}
	// A draft edit completes it.
	edited := e.orderOK("PATCH", "/api/v1/orders/"+o.ID, newTok, orderBody("2125550100"))
	if edited.Status != portorder.StatusDraft || len(edited.Documents) != 1 || edited.Supps != 0 {
		t.Errorf("edited draft %+v", edited.Order)
	}
	e.do("POST", "/api/v1/orders/"+o.ID+"/activate", newTok, nil).wantProblem(t, http.StatusConflict, portorder.EOrderWrongStatus)
	// No CSR: it waits.
	sub := e.orderOK("POST", "/api/v1/orders/"+o.ID+"/submit", newTok, nil)
	if sub.Status != portorder.StatusSubmitted {
		t.Errorf("submitted: %s", sub.Status)
	}

	// The rejection vocabulary is public to every signed-in user.
	var codes struct {
		Items []portorder.RejectCode `json:"items"`
	}
	e.do("GET", "/api/v1/reject-codes", newTok, nil).ok(t, http.StatusOK, &codes)
	if len(codes.Items) != len(portorder.Codes) || codes.Items[0].Fix == "" {
		t.Errorf("reject codes: %d, want %d with fixes", len(codes.Items), len(portorder.Codes))
	}
	e.do("GET", "/api/v1/reject-codes", "", nil).wantProblem(t, http.StatusUnauthorized, npac.EUNAUTHORIZED)

	// A provider is registered with auto_activate, and its SOA sets its own.
	var prov npac.Provider
	e.do("POST", "/api/v1/providers", e.admin, map[string]any{"spid": "AUT1", "name": "Auto", "type": "voip", "regions": []string{"NE"}, "auto_activate": true}).
		ok(t, http.StatusCreated, &prov)
	if !prov.AutoActivate {
		t.Errorf("registered %+v, want auto_activate", prov)
	}
	e.do("PATCH", "/api/v1/providers/NEW1", newTok, map[string]any{"auto_activate": true}).ok(t, http.StatusOK, &prov)
	if !prov.AutoActivate {
		t.Errorf("provider after PATCH %+v, want auto_activate", prov)
	}
	e.do("GET", "/api/v1/providers/NEW1", newTok, nil).ok(t, http.StatusOK, &prov)
	if !prov.AutoActivate {
		t.Errorf("provider %+v, want auto_activate kept", prov)
	}
}

// TestCSRLoad checks the CSV load: a bad row is refused naming its line
// and stores nothing, and account details must agree between rows.
func TestCSRLoad(t *testing.T) {
	e := newEnv(t)
	_, oldTok := e.fixture()
	csrCount := func() int {
		var l struct {
			Items []portorder.CSR `json:"items"`
		}
		e.do("GET", "/api/v1/providers/OLD1/csrs", oldTok, nil).ok(t, http.StatusOK, &l)
		return len(l.Items)
	}
	for _, c := range []struct {
		name, file, want string
	}{
		{"bad number", "account,tn\nA1,2125550100\nA2,212555\n", "Line 3"},
		{"bad flag", "account,tn,active\nA1,2125550100,true\nA1,2125550101,maybe\n", "Line 3"},
		{"repeated number", "account,tn\nA1,2125550100\nA2,2125550100\n", "also on line 2"},
		{"disagreeing rows", "account,tn,street\nA1,2125550100,Main St\nA1,2125550101,Main Street\n", "line 2"},
		{"unknown column", "account,tn,colour\nA1,2125550100,red\n", "colour"},
		{"no tn column", "account,btn\nA1,2125550100\n", "no tn column"},
		{"short row", "account,tn,btn\nA1,2125550100\n", "Line 2"},
		{"empty", "", "empty"},
		{"header only", "account,tn\n", "no rows"},
		{"bad date", "account,tn,last_authorization\nA1,2125550100,yesterday\n", "Line 2"},
	} {
		p := e.do("POST", "/api/v1/providers/OLD1/csrs", oldTok, c.file, "Content-Type", "text/csv").wantProblem(t, http.StatusBadRequest, npac.EINVALID)
		if !strings.Contains(p.Detail, c.want) {
			t.Errorf("%s: detail %q, want it to mention %q", c.name, p.Detail, c.want)
		}
	}
	if n := csrCount(); n != 0 {
		t.Fatalf("refused files stored %d CSRs", n)
	}

	// A load replaces the accounts it names; numbers may move between
	// them, but not away from an account the file does not name.
	e.do("POST", "/api/v1/providers/OLD1/csrs", oldTok, "account,tn\nA1,2125550100\nA1,2125550101\nA2,2125550200\n", "Content-Type", "text/csv").ok(t, http.StatusOK, nil)
	e.do("POST", "/api/v1/providers/OLD1/csrs", oldTok, "account,tn\nA2,2125550101\nA2,2125550200\nA1,2125550100\n", "Content-Type", "text/csv").ok(t, http.StatusOK, nil)
	p := e.do("POST", "/api/v1/providers/OLD1/csrs", oldTok, "account,tn\nA3,2125550300\nA3,2125550100\n", "Content-Type", "text/csv").wantProblem(t, http.StatusConflict, npac.ECONFLICT)
	if !strings.Contains(p.Detail, "212-555-0100") {
		t.Errorf("conflict detail %q, want it to name the number", p.Detail)
	}
	if n := csrCount(); n != 2 {
		t.Fatalf("%d CSRs, want A1 and A2", n)
	}

	// One account as JSON, then deleted.
	var csr portorder.CSR
	e.do("PUT", "/api/v1/providers/OLD1/csrs/A3", oldTok, map[string]any{
		"tns": []map[string]any{{"tn": "212-555-0300", "active": true}}, "authorized_names": []string{"Ann"}, "last_authorization": "2025-02-01",
	}).ok(t, http.StatusOK, &csr)
	if csr.Account != "A3" || csr.TNs[0].TN != "2125550300" || !csr.LastAuthorization.Equal(time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("put CSR %+v", csr)
	}
	e.do("PUT", "/api/v1/providers/OLD1/csrs/A3", oldTok, map[string]any{"account": "A4", "tns": []map[string]any{{"tn": "2125550300"}}}).
		wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	if n := csrCount(); n != 3 {
		t.Fatalf("%d CSRs, want 3", n)
	}
	if r := e.do("DELETE", "/api/v1/providers/OLD1/csrs/A3", oldTok, nil); r.status != http.StatusNoContent {
		t.Fatalf("delete: status %d %s", r.status, r.body)
	}
	e.do("DELETE", "/api/v1/providers/OLD1/csrs/A3", oldTok, nil).wantProblem(t, http.StatusNotFound, npac.ENOTFOUND)
	e.do("POST", "/api/v1/providers/NEW1/csrs", oldTok, "account,tn\nA1,2125550100\n").wantProblem(t, http.StatusForbidden, npac.EFORBIDDEN)
}
