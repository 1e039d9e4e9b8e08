package http

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/portorder"
)

// Port orders: the gaining SP's SOA checks portability, creates, changes
// (supps), submits, activates and cancels its orders; the losing SP's SOA
// keeps CSRs, records a wireless end user's approval and answers orders by
// hand; NPAC personnel may do all. The rules are portorder's and the store
// decides who may act; this file only translates.

// codeNotPortable is store.ENotPortable, the refusal of an order for
// numbers that cannot be ported. The http package does not import the
// store; a test keeps the two equal.
const codeNotPortable = "not-portable"

// orderDate is a date in a port order body: RFC 3339, or a date alone,
// which means that calendar day in the order's region (see dayIn).
type orderDate struct {
	time.Time
	// dateOnly says the client gave a date without a time.
	dateOnly bool
}

// UnmarshalJSON implements json.Unmarshaler; a bad value is reported as
// jsonTime's is, so that the decoder names the field.
func (d *orderDate) UnmarshalJSON(b []byte) error {
	var t jsonTime
	if err := t.UnmarshalJSON(b); err != nil {
		return err
	}
	var s string
	d.Time, d.dateOnly = t.Time, json.Unmarshal(b, &s) == nil && len(s) == len(time.DateOnly)
	return nil
}

// noonUTC returns the time of a date the rules read only as a calendar day
// in the order's region (a desired due date): a date alone is taken at
// 12:00 UTC, which falls on that day in every NPAC region's time zone
// (00:00 UTC would be the evening before in all of them).
func (d orderDate) noonUTC() time.Time {
	if d.dateOnly {
		return d.Add(12 * time.Hour)
	}
	return d.Time
}

// dayIn returns the time of the date: a date alone is 00:00 of that day in
// loc, the order's region's time zone, as the NPAC's own FOCs are.
func (d orderDate) dayIn(loc *time.Location) time.Time {
	if d.dateOnly {
		return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
	}
	return d.Time
}

// rejectionOut is a rejection as the API answers it: with each code's
// table entry, whose fix says what to correct.
type rejectionOut struct {
	*portorder.Rejection
	Reasons []portorder.RejectCode `json:"reasons"`
}

// orderOut is an order as the API answers it: the order (with its SVs,
// validation and unmet requirements when read whole), its rejection
// carrying the reasons.
type orderOut struct {
	*portorder.OrderView
	Rejection *rejectionOut `json:"rejection,omitempty"`
}

// viewOut returns the answer of an order read whole.
func viewOut(v *portorder.OrderView) orderOut {
	out := orderOut{OrderView: v}
	if v.Rejection != nil {
		out.Rejection = &rejectionOut{Rejection: v.Rejection, Reasons: v.Rejection.Reasons()}
	}
	return out
}

// orderAnswer returns the answer of an order changed.
func orderAnswer(o *portorder.Order) orderOut {
	return viewOut(&portorder.OrderView{Order: o})
}

// portabilityBody is the body of a portability check.
type portabilityBody struct {
	// SPID is the gaining SP the numbers would be ported to.
	SPID npac.SPID `json:"spid"`
	TNs  []string  `json:"tns"`
}

// parseBodyTNs validates the TNs of a body field; each is named by its
// index in an error.
func parseBodyTNs(field string, in []string) ([]npac.TN, error) {
	out := make([]npac.TN, len(in))
	for i, s := range in {
		tn, err := parseBodyTN(fmt.Sprintf("%s[%d]", field, i), s)
		if err != nil {
			return nil, err
		}
		out[i] = tn
	}
	return out, nil
}

func (s *Server) checkPortability(w http.ResponseWriter, r *http.Request) error {
	var b portabilityBody
	if err := decodeBody(w, r, &b, true); err != nil {
		return err
	}
	if b.SPID == "" {
		return npac.Errorf(npac.EINVALID, "The request needs spid, the gaining SP the numbers would be ported to.")
	}
	spid, err := npac.ParseSPID(string(b.SPID))
	if err != nil {
		return err
	}
	if len(b.TNs) == 0 {
		return npac.Errorf(npac.EINVALID, "The request needs tns, the numbers to check (1 to 1,000).")
	}
	tns, err := parseBodyTNs("tns", b.TNs)
	if err != nil {
		return err
	}
	res, err := s.Orders.CheckPortability(r.Context(), spid, tns)
	if err != nil {
		return err
	}
	if res == nil {
		res = []portorder.Portability{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"results": res})
}

func (s *Server) rejectCodes(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, pageOf(portorder.Codes, 0, nil))
}

// orderTNBody is one number of an order body.
type orderTNBody struct {
	TN string `json:"tn"`
	// Type is the number's service type; absent means the losing SP's.
	Type portorder.TNType `json:"type"`
}

// loaBody is an order body's letter of authorization.
type loaBody struct {
	SignedBy string              `json:"signed_by"`
	SignedAt jsonTime            `json:"signed_at"`
	Method   portorder.LOAMethod `json:"method"`
}

// orderBody is the body of an order's creation and of its change (a draft
// edit or a supp): the fields the gaining SP gives. The NPAC fills in the
// rest: the losing SP, region, status, FOC and history.
type orderBody struct {
	GainingSPID    npac.SPID                    `json:"gaining_spid"`
	EndUser        portorder.EndUser            `json:"end_user"`
	ServiceAddress portorder.Address            `json:"service_address"`
	Account        portorder.Account            `json:"account"`
	Reseller       string                       `json:"reseller"`
	TNs            []orderTNBody                `json:"tns"`
	LRN            npac.LRN                     `json:"lrn"`
	Partial        bool                         `json:"partial"`
	Remaining      []portorder.RemainingService `json:"remaining"`
	DesiredDue     orderDate                    `json:"desired_due"`
	LOA            loaBody                      `json:"loa"`
	Documents      []portorder.Document         `json:"documents"`
	Notes          string                       `json:"notes"`
	Simple         bool                         `json:"simple"`
}

// order validates the body's numbers and returns it as a portorder.Order.
func (b *orderBody) order() (*portorder.Order, error) {
	if len(b.TNs) == 0 {
		return nil, npac.Errorf(npac.EINVALID, "The request needs tns, the numbers to port: [{\"tn\": \"2125550100\"}, …].")
	}
	o := &portorder.Order{
		GainingSPID: b.GainingSPID, EndUser: b.EndUser, ServiceAddress: b.ServiceAddress, Account: b.Account,
		Reseller: b.Reseller, LRN: b.LRN, Partial: b.Partial, Remaining: b.Remaining, DesiredDue: b.DesiredDue.noonUTC(),
		LOA:       portorder.LOA{SignedBy: b.LOA.SignedBy, SignedAt: b.LOA.SignedAt.Time, Method: b.LOA.Method},
		Documents: b.Documents, Notes: b.Notes, Simple: b.Simple,
	}
	for i, t := range b.TNs {
		tn, err := parseBodyTN(fmt.Sprintf("tns[%d].tn", i), t.TN)
		if err != nil {
			return nil, err
		}
		if !t.Type.Valid() {
			return nil, npac.Errorf(npac.EINVALID, "tns[%d].type %q is unknown: use wireline, wireless or voip, or leave it out for the losing SP's type.", i, t.Type)
		}
		o.TNs = append(o.TNs, portorder.OrderTN{TN: tn, Type: t.Type})
	}
	for i, rs := range b.Remaining {
		if rs.TN == "" {
			continue
		}
		tn, err := parseBodyTN(fmt.Sprintf("remaining[%d].tn", i), string(rs.TN))
		if err != nil {
			return nil, err
		}
		o.Remaining[i].TN = tn
	}
	for i, btn := range b.Account.BTNs {
		tn, err := parseBodyTN(fmt.Sprintf("account.btns[%d]", i), string(btn))
		if err != nil {
			return nil, err
		}
		o.Account.BTNs[i] = tn
	}
	return o, nil
}

// pathOrder parses the ID of an order route.
func pathOrder(r *http.Request) (string, error) {
	id, err := pathID(r, "id", "port order")
	if err != nil {
		return "", err
	}
	return strconv.FormatInt(id, 10), nil
}

// orderPath is the path of an order.
func orderPath(id string) string { return "/api/v1/orders/" + id }

func (s *Server) createOrder(w http.ResponseWriter, r *http.Request) error {
	var b orderBody
	if err := decodeBody(w, r, &b, true); err != nil {
		return err
	}
	if b.GainingSPID == "" {
		return npac.Errorf(npac.EINVALID, "The request needs gaining_spid, the SP the numbers are ported to.")
	}
	o, err := b.order()
	if err != nil {
		return err
	}
	key := r.Header.Get("Idempotency-Key")
	if len(key) > 200 {
		return npac.Errorf(npac.EINVALID, "An Idempotency-Key is at most 200 characters.")
	}
	parts, err := s.Orders.CreateOrder(r.Context(), o, key)
	if err != nil {
		return err
	}
	out := make([]orderOut, len(parts))
	for i, p := range parts {
		out[i] = orderAnswer(p)
	}
	if len(parts) > 0 {
		w.Header().Set("Location", orderPath(parts[0].ID))
	}
	return writeJSON(w, http.StatusCreated, pageOf(out, 0, nil))
}

// orderSides are the values of the side parameter of the order list.
var orderSides = []string{"gaining", "losing"}

func (s *Server) listOrders(w http.ResponseWriter, r *http.Request) error {
	var (
		f   portorder.Filter
		err error
		q   = r.URL.Query()
	)
	if side := q.Get("side"); side != "" {
		if side != orderSides[0] && side != orderSides[1] {
			return npac.Errorf(npac.EINVALID, "side %q is unknown: use gaining (port-ins) or losing (port-outs), or leave it out for both.", side)
		}
		f.Side = side
	}
	if st := q.Get("status"); st != "" {
		f.Status = portorder.Status(st)
		if !f.Status.Valid() {
			return npac.Errorf(npac.EINVALID, "status %q is not an order status: use one of %v.", st, portorder.Statuses)
		}
	}
	if f.SPID, f.After, f.Limit, err = queryIDPage(r); err != nil {
		return err
	}
	if f.Side != "" && f.SPID == "" {
		return npac.Errorf(npac.EINVALID, "side needs spid: name the provider whose port-ins or port-outs to list.")
	}
	list, err := s.Orders.Orders(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]orderOut, len(list))
	for i, o := range list {
		out[i] = orderAnswer(o)
	}
	return writeJSON(w, http.StatusOK, pageOf(out, f.Limit, func(o orderOut) string { return o.ID }))
}

func (s *Server) getOrder(w http.ResponseWriter, r *http.Request) error {
	id, err := pathOrder(r)
	if err != nil {
		return err
	}
	v, err := s.Orders.Order(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, viewOut(v))
}

func (s *Server) updateOrder(w http.ResponseWriter, r *http.Request) error {
	id, err := pathOrder(r)
	if err != nil {
		return err
	}
	var b orderBody
	if err := decodeBody(w, r, &b, true); err != nil {
		return err
	}
	o, err := b.order()
	if err != nil {
		return err
	}
	out, err := s.Orders.UpdateOrder(r.Context(), id, o)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, orderAnswer(out))
}

// orderAction returns the handler of an order action that takes no
// parameters (an empty object is accepted, anything in it refused).
func orderAction(do func(portorder.Service, *http.Request, string) (*portorder.Order, error)) handlerFunc {
	return func(s *Server, w http.ResponseWriter, r *http.Request) error {
		id, err := pathOrder(r)
		if err != nil {
			return err
		}
		if err := decodeBody(w, r, &struct{}{}, false); err != nil {
			return err
		}
		o, err := do(s.Orders, r, id)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, orderAnswer(o))
	}
}

var (
	submitOrder = orderAction(func(svc portorder.Service, r *http.Request, id string) (*portorder.Order, error) {
		return svc.SubmitOrder(r.Context(), id)
	})
	activateOrder = orderAction(func(svc portorder.Service, r *http.Request, id string) (*portorder.Order, error) {
		return svc.ActivateOrder(r.Context(), id)
	})
)

// answerBody is the losing SP's answer by hand: an FOC or rejection codes.
type answerBody struct {
	FOC   *orderDate `json:"foc"`
	Codes []string   `json:"codes"`
	Note  string     `json:"note"`
}

func (s *Server) answerOrder(w http.ResponseWriter, r *http.Request) error {
	id, err := pathOrder(r)
	if err != nil {
		return err
	}
	var b answerBody
	if err := decodeBody(w, r, &b, true); err != nil {
		return err
	}
	if (b.FOC == nil) == (len(b.Codes) == 0) {
		return npac.Errorf(npac.EINVALID, "Answer with an FOC date (foc) or with rejection codes (codes), not both or neither.")
	}
	reply := portorder.Reply{Codes: b.Codes, Note: b.Note}
	if b.FOC != nil {
		foc := b.FOC.Time
		if b.FOC.dateOnly {
			// A date alone is 00:00 of that day where the order is, as the
			// NPAC's automatic FOCs are.
			v, err := s.Orders.Order(r.Context(), id)
			if err != nil {
				return err
			}
			loc, err := portorder.Location(v.Region)
			if err != nil {
				return err
			}
			foc = b.FOC.dayIn(loc)
		}
		reply.FOC = &foc
	}
	o, err := s.Orders.AnswerOrder(r.Context(), id, reply)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, orderAnswer(o))
}

// approvalBody is a wireless approval step: {"sent": true}, or the end
// user's answer {"approved": true|false}.
type approvalBody struct {
	Sent     bool     `json:"sent"`
	Approved *bool    `json:"approved"`
	At       jsonTime `json:"at"`
}

func (s *Server) recordApproval(w http.ResponseWriter, r *http.Request) error {
	id, err := pathOrder(r)
	if err != nil {
		return err
	}
	var b approvalBody
	if err := decodeBody(w, r, &b, true); err != nil {
		return err
	}
	if b.Sent == (b.Approved != nil) {
		return npac.Errorf(npac.EINVALID, `Send {"sent": true} when the end user was texted, or {"approved": true} or {"approved": false} with the end user's answer; not both or neither.`)
	}
	ev := portorder.ApprovalEvent{Sent: b.Sent, At: b.At.Time}
	if b.Approved != nil {
		ev.Approved = *b.Approved
	}
	o, err := s.Orders.RecordApproval(r.Context(), id, ev)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, orderAnswer(o))
}

func (s *Server) cancelOrder(w http.ResponseWriter, r *http.Request) error {
	id, err := pathOrder(r)
	if err != nil {
		return err
	}
	var b struct {
		Note string `json:"note"`
	}
	if err := decodeBody(w, r, &b, false); err != nil {
		return err
	}
	o, err := s.Orders.CancelOrder(r.Context(), id, b.Note)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, orderAnswer(o))
}

// csrBody is a CSR in a request: portorder.CSR with a request time.
type csrBody struct {
	portorder.CSR
	LastAuthorization jsonTime `json:"last_authorization"`
}

// pathCSR parses the SPID and account of a CSR route.
func pathCSR(r *http.Request) (npac.SPID, string, error) {
	spid, err := npac.ParseSPID(r.PathValue("spid"))
	if err != nil {
		return "", "", err
	}
	account := strings.TrimSpace(r.PathValue("account"))
	if account == "" {
		return "", "", npac.Errorf(npac.EINVALID, "The path needs the account number.")
	}
	return spid, account, nil
}

func (s *Server) listCSRs(w http.ResponseWriter, r *http.Request) error {
	spid, err := npac.ParseSPID(r.PathValue("spid"))
	if err != nil {
		return err
	}
	list, err := s.Orders.CSRs(r.Context(), spid)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pageOf(list, 0, nil))
}

func (s *Server) putCSR(w http.ResponseWriter, r *http.Request) error {
	spid, account, err := pathCSR(r)
	if err != nil {
		return err
	}
	var b csrBody
	if err := decodeBody(w, r, &b, true); err != nil {
		return err
	}
	switch a := strings.TrimSpace(b.Account); {
	case a == "":
		b.Account = account
	case a != account:
		return npac.Errorf(npac.EINVALID, "The body's account %q is not the path's %q; leave it out or give the same.", b.Account, account)
	}
	csr := b.CSR
	csr.LastAuthorization = b.LastAuthorization.Time
	if err := s.Orders.PutCSR(r.Context(), spid, &csr); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, &csr)
}

func (s *Server) deleteCSR(w http.ResponseWriter, r *http.Request) error {
	spid, account, err := pathCSR(r)
	if err != nil {
		return err
	}
	if err := s.Orders.DeleteCSR(r.Context(), spid, account); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// maxCSRFile is the largest CSR file the API reads. The layout is
// portorder.ReadCSRs's.
const maxCSRFile = 64 << 20

// loadCSRs stores the CSRs of a CSV file sent as the raw request body.
// The file is read and validated whole first and then stored in one
// transaction, so that a bad row or a conflict stores nothing.
func (s *Server) loadCSRs(w http.ResponseWriter, r *http.Request) error {
	spid, err := npac.ParseSPID(r.PathValue("spid"))
	if err != nil {
		return err
	}
	csrs, err := portorder.ReadCSRs(http.MaxBytesReader(w, r.Body, maxCSRFile))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return npac.Errorf(npac.ETOOLARGE, "The file is larger than %d MiB, the most a CSR load takes; send it in parts.", maxCSRFile>>20)
	} else if err != nil {
		return err
	}
	if err := s.Orders.PutCSRs(r.Context(), spid, csrs); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pageOf(csrs, 0, nil))
}
