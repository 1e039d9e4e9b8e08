package lti

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/portorder"
)

// maxUpload bounds a form with a file: an order's bill or a CSR file.
const maxUpload = 10 << 20

// ---- order list

var orderStatusChoices = func() []string {
	out := []string{"", "any status"}
	for _, s := range portorder.Statuses {
		out = append(out, string(s), string(s))
	}
	return out
}()

type orderListData struct {
	Form          *form
	Side          string
	Orders        []*portorder.Order
	Next, First   string
	SPIDChoices   []string
	StatusChoices []string
}

// sideOf reads the side of the orders list: gaining (port-ins) unless
// losing (port-outs).
func sideOf(s string) string {
	if s == "losing" {
		return s
	}
	return "gaining"
}

func (h *handler) orderList(w http.ResponseWriter, r *http.Request, c *call) {
	p := h.newPage(c, "Port orders", "orders")
	q := r.URL.Query()
	f := formFrom(q, "side", "status", "spid")
	d := orderListData{Form: f, Side: sideOf(f.Get("side")), StatusChoices: orderStatusChoices}
	f.Set("side", d.Side)
	mine := soaSPIDs(c.actor)
	d.SPIDChoices = p.spidChoices(nil, mine)
	if f.Get("spid") == "" && len(mine) > 0 {
		f.Set("spid", string(mine[0]))
	}
	filter := portorder.Filter{Side: d.Side, Limit: pageSize + 1}
	filter.SPID = f.parseSPID("spid", !c.actor.IsAdmin())
	if filter.SPID == "" {
		filter.Side = ""
	}
	if st := f.Get("status"); st != "" {
		if !portorder.Status(st).Valid() {
			f.Fail("status", fmt.Sprintf("%q is not an order status.", st))
		}
		filter.Status = portorder.Status(st)
	}
	filter.After, _ = strconv.ParseInt(q.Get("after"), 10, 64)
	link := func(after string) string {
		nq := url.Values{"side": {d.Side}}
		for _, k := range []string{"status", "spid"} {
			if v := f.Get(k); v != "" {
				nq.Set(k, v)
			}
		}
		if after != "" {
			nq.Set("after", after)
		}
		return h.base + "/orders?" + nq.Encode()
	}
	if f.OK() {
		list, err := h.st.Orders(c.ctx, filter)
		if err != nil {
			f.FailErr(err)
		} else {
			if len(list) > pageSize {
				list = list[:pageSize]
				d.Next = link(list[len(list)-1].ID)
			}
			d.Orders = list
		}
	}
	if filter.After > 0 {
		d.First = link("")
	}
	status := http.StatusOK
	if !f.OK() {
		status = http.StatusUnprocessableEntity
	}
	if d.Side == "losing" {
		p.Title = "Port-out inbox"
	}
	p.Data = d
	h.render(w, status, "orders", p)
}

// ---- new order and edit (draft edit or supp)

var orderFields = []string{"idem", "gaining_spid", "kind", "name", "business_name",
	"addr_number", "addr_street", "addr_unit", "addr_city", "addr_state", "addr_postal", "addr_country",
	"account", "btn", "pin", "reseller", "tns", "lrn", "due_date", "loa_signer", "loa_signature", "doc_kind", "doc", "notes", "rem_rows"}

// The remaining services of a partial port are rows of the order form:
// rem_tn_N, rem_desc_N and rem_action_N, N from 0 to rem_rows-1. A form
// shows the order's services and two empty rows (three for a new order);
// maxRemaining bounds the rows a form may post.
const maxRemaining = 500

// remField is the name of a part (tn, desc or action) of remaining-service
// row i.
func remField(part string, i int) string { return "rem_" + part + "_" + strconv.Itoa(i) }

// orderFieldsWith returns the order form's fields with n remaining-service
// rows.
func orderFieldsWith(n int) []string {
	out := slices.Clone(orderFields)
	for i := range n {
		out = append(out, remField("tn", i), remField("desc", i), remField("action", i))
	}
	return out
}

// postedOrderForm reads a submitted order form with the rows it says it
// has.
func postedOrderForm(r *http.Request) *form {
	n, _ := strconv.Atoi(r.PostForm.Get("rem_rows"))
	n = min(max(n, 0), maxRemaining)
	f := formFrom(r.PostForm, orderFieldsWith(n)...)
	f.Set("rem_rows", strconv.Itoa(n))
	return f
}

// remRow names the fields of one remaining-service row.
type remRow struct {
	N                int
	TN, Desc, Action string
}

var remainingChoices = []string{"", "choose",
	string(portorder.Keep), "kept at the losing provider",
	string(portorder.Disconnect), "disconnected"}

type orderFormData struct {
	Form *form
	// Order is the order edited; nil for a new one.
	Order       *portorder.Order
	OwnChoices  []string
	KindChoices []string
	DocChoices  []string
	// Remaining are the rows of remaining services; Siblings counts the
	// numbers ported in sibling orders of a split, kept as they are.
	Remaining        []remRow
	RemainingChoices []string
	Siblings         int
}

func (h *handler) orderFormData(c *call, p *page, f *form, o *portorder.Order) orderFormData {
	d := orderFormData{Form: f, Order: o, KindChoices: []string{string(portorder.Person), "a person", string(portorder.Business), "a business"},
		DocChoices:       []string{string(portorder.DocBill), "a bill", string(portorder.DocCSR), "a CSR from the losing provider", string(portorder.DocOther), "other"},
		RemainingChoices: remainingChoices}
	if !c.actor.IsAdmin() {
		d.OwnChoices = p.spidChoices(nil, soaSPIDs(c.actor))
	}
	n, _ := strconv.Atoi(f.Get("rem_rows"))
	for i := range n {
		d.Remaining = append(d.Remaining, remRow{N: i + 1, TN: remField("tn", i), Desc: remField("desc", i), Action: remField("action", i)})
	}
	if o != nil {
		d.Siblings = len(siblingPorts(o.Remaining))
	}
	return d
}

// siblingPorts returns the remaining services a split lists as ported in
// sibling orders: the form does not edit them, and keeps them.
func siblingPorts(rs []portorder.RemainingService) []portorder.RemainingService {
	var out []portorder.RemainingService
	for _, r := range rs {
		if r.Action == portorder.Port {
			out = append(out, r)
		}
	}
	return out
}

func (h *handler) orderNewPage(w http.ResponseWriter, r *http.Request, c *call) {
	p := h.newPage(c, "New port order", "orders")
	f := formFrom(r.URL.Query(), orderFieldsWith(3)...)
	f.Set("rem_rows", "3")
	f.Set("idem", token(16))
	if mine := soaSPIDs(c.actor); f.Get("gaining_spid") == "" && len(mine) > 0 {
		f.Set("gaining_spid", string(mine[0]))
	}
	if f.Get("addr_country") == "" {
		f.Set("addr_country", "US")
	}
	p.Data = h.orderFormData(c, p, f, nil)
	h.render(w, http.StatusOK, "order-new", p)
}

// dayIn reads a date field as 00:00 of that day in the zone of the region
// the order's service address (or the order) is in.
func dayIn(f *form, name string, region npac.Region, required bool) *time.Time {
	d := f.parseDate(name, "", time.UTC, required)
	if d == nil {
		return nil
	}
	loc := time.UTC
	if region != "" {
		if l, err := portorder.Location(region); err == nil {
			loc = l
		}
	}
	at := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
	return &at
}

// regionOf is the region of a service address: Canada, or the region of
// its state's area.
func regionOf(a portorder.Address) npac.Region {
	if strings.EqualFold(a.Country, "CA") {
		return npac.Canada
	}
	r, _ := npac.RegionOfArea(strings.ToUpper(a.State))
	return r
}

// readOrderForm checks the order form and fills o from it; errors go next
// to their fields. The LOA and documents are added by the caller.
func readOrderForm(f *form, o *portorder.Order) {
	o.EndUser = portorder.EndUser{Kind: portorder.EndUserKind(f.Get("kind")), Name: f.Get("name"), BusinessName: f.Get("business_name")}
	switch o.EndUser.Kind {
	case portorder.Person, portorder.Business:
	default:
		f.Fail("kind", "Say whether the end user is a person or a business.")
	}
	if o.EndUser.Name == "" {
		f.Fail("name", "Give the authorized name, as the losing provider's CSR lists it.")
	}
	o.ServiceAddress = portorder.Address{Number: f.Get("addr_number"), Street: f.Get("addr_street"), Unit: f.Get("addr_unit"),
		City: f.Get("addr_city"), State: strings.ToUpper(f.Get("addr_state")), PostalCode: f.Get("addr_postal"),
		Country: strings.ToUpper(f.Get("addr_country"))}
	o.Account.Number, o.Account.PIN = f.Get("account"), f.Get("pin")
	o.Reseller = f.Get("reseller")
	o.Account.BTNs = nil
	if btn := f.parseTN("btn", false); btn != "" {
		o.Account.BTNs = []npac.TN{btn}
	}
	old := map[npac.TN]portorder.OrderTN{}
	for _, t := range o.TNs {
		old[t.TN] = t
	}
	o.TNs = nil
	seen := map[npac.TN]bool{}
	for i, line := range strings.Split(f.Get("tns"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		tn, err := npac.ParseTN(line)
		if err != nil {
			f.Fail("tns", fmt.Sprintf("Line %d: %s", i+1, npac.ErrorMessage(err)))
			continue
		}
		if seen[tn] {
			continue
		}
		seen[tn] = true
		ot, ok := old[tn]
		if !ok {
			ot = portorder.OrderTN{TN: tn}
		}
		o.TNs = append(o.TNs, ot)
	}
	if len(o.TNs) == 0 && f.Errors["tns"] == "" {
		f.Fail("tns", "Give the numbers to port, one a line, NPA-NXX-XXXX.")
	}
	o.Remaining = append(siblingPorts(o.Remaining), readRemaining(f, seen)...)
	o.Partial = len(o.Remaining) > 0
	o.LRN = f.parseLRN("lrn", true)
	if due := dayIn(f, "due_date", regionOf(o.ServiceAddress), false); due != nil {
		o.DesiredDue = *due
	} else if f.Get("due_date") == "" {
		o.DesiredDue = time.Time{}
	}
	o.Notes = f.Get("notes")
}

// readRemaining reads the remaining-service rows of the order form: a row
// with a number or a description is a service that stays on the account,
// kept or disconnected; an empty row is skipped. ported holds the order's
// numbers.
func readRemaining(f *form, ported map[npac.TN]bool) []portorder.RemainingService {
	n, _ := strconv.Atoi(f.Get("rem_rows"))
	var out []portorder.RemainingService
	listed := map[npac.TN]bool{}
	for i := range n {
		tnF, descF, actF := remField("tn", i), remField("desc", i), remField("action", i)
		rs := portorder.RemainingService{Description: f.Get(descF), Action: portorder.RemainingAction(f.Get(actF))}
		if f.Get(tnF) == "" && rs.Description == "" {
			continue
		}
		if rs.TN = f.parseTN(tnF, false); rs.TN != "" {
			switch {
			case ported[rs.TN]:
				f.Fail(tnF, fmt.Sprintf("%s is both ported and listed as remaining: remove it from one list.", rs.TN))
			case listed[rs.TN]:
				f.Fail(tnF, fmt.Sprintf("%s is listed twice among the remaining services.", rs.TN))
			}
			listed[rs.TN] = true
		}
		if rs.Action != portorder.Keep && rs.Action != portorder.Disconnect {
			f.Fail(actF, "Say whether this service is kept at the losing provider or disconnected.")
		}
		out = append(out, rs)
	}
	return out
}

// signature decodes the drawn signature, a PNG data URL; "" is none.
func signature(v string) ([]byte, error) {
	if v == "" {
		return nil, nil
	}
	const prefix = "data:image/png;base64,"
	if !strings.HasPrefix(v, prefix) {
		return nil, npac.Errorf(npac.EINVALID, "The drawn signature is not a PNG image: draw it again, or clear it and sign with your typed name.")
	}
	b, err := base64.StdEncoding.DecodeString(v[len(prefix):])
	if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		return nil, npac.Errorf(npac.EINVALID, "The drawn signature could not be read: draw it again, or clear it and sign with your typed name.")
	}
	return b, nil
}

// upload reads an uploaded file and returns its document (digest and
// size); the content itself is not kept. No file is (nil, nil).
func upload(r *http.Request, name string, kind portorder.DocumentKind) (*portorder.Document, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	file, hdr, err := r.FormFile(name)
	if errors.Is(err, http.ErrMissingFile) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	defer file.Close()
	return digest(file, hdr, kind)
}

func digest(file multipart.File, hdr *multipart.FileHeader, kind portorder.DocumentKind) (*portorder.Document, error) {
	sum := sha256.New()
	n, err := io.Copy(sum, file)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, npac.Errorf(npac.EINVALID, "The file is empty: choose the bill or CSR itself.")
	}
	fn := path.Base(strings.ReplaceAll(hdr.Filename, "\\", "/"))
	if len(fn) > 100 {
		fn = fn[:100]
	}
	return &portorder.Document{Kind: kind, Name: fn, SHA256: hex.EncodeToString(sum.Sum(nil)), Size: n}, nil
}

// signLOA records the LOA of o from the form: the typed name, and the
// drawn signature when the browser sent one, signed now from the client's
// address. signed reports whether the form signed anew.
func (h *handler) signLOA(r *http.Request, f *form, o *portorder.Order) (signed bool) {
	signer := f.Get("loa_signer")
	png, err := signature(r.PostForm.Get("loa_signature"))
	if err != nil {
		f.Fail("loa_signer", npac.ErrorMessage(err))
		return false
	}
	if signer == "" {
		f.Fail("loa_signer", "Type the name of the person signing the letter of authorization: an authorized person on the account.")
		return false
	}
	if o.LOA.SignedBy == signer && png == nil && !o.LOA.SignedAt.IsZero() {
		return false // the LOA on file stands
	}
	now := h.opts.NPACNow().UTC()
	o.LOA = portorder.LOA{SignedBy: signer, SignedAt: now, Method: portorder.LOAElectronic}
	o.Documents = slices.DeleteFunc(o.Documents, func(d portorder.Document) bool { return d.Kind == portorder.DocLOA })
	how := "typed name"
	if png != nil {
		sum := sha256.Sum256(png)
		o.Documents = append(o.Documents, portorder.Document{Kind: portorder.DocLOA, Name: "signature.png", SHA256: hex.EncodeToString(sum[:]), Size: int64(len(png))})
		how = "typed name and drawn signature (sha256 " + hex.EncodeToString(sum[:8]) + "…)"
	}
	line := fmt.Sprintf("LOA signed electronically by %s at %s from %s (%s).", signer, now.Format(time.RFC3339), addrKey(h.opts.ClientAddr(r)), how)
	o.Notes = strings.TrimSpace(strings.TrimSpace(o.Notes) + "\n" + line)
	return true
}

// readOrderDocs adds the uploaded bill or CSR to o.
func readOrderDocs(r *http.Request, f *form, o *portorder.Order) {
	kind := portorder.DocumentKind(f.Get("doc_kind"))
	switch kind {
	case portorder.DocBill, portorder.DocCSR, portorder.DocOther:
	default:
		kind = portorder.DocBill
	}
	doc, err := upload(r, "doc", kind)
	if err != nil {
		f.Fail("doc", npac.ErrorMessage(err))
		return
	}
	if doc != nil {
		o.Documents = append(o.Documents, *doc)
	}
}

func (h *handler) orderNew(w http.ResponseWriter, r *http.Request, c *call) {
	p := h.newPage(c, "New port order", "orders")
	f := postedOrderForm(r)
	d := h.orderFormData(c, p, f, nil)
	o := &portorder.Order{}
	o.GainingSPID = f.parseSPID("gaining_spid", true)
	if o.GainingSPID != "" && f.Errors["gaining_spid"] == "" && !c.actor.CanActFor(o.GainingSPID) {
		f.Fail("gaining_spid", fmt.Sprintf("You do not act for %s: choose one of your SPIDs.", o.GainingSPID))
	}
	readOrderForm(f, o)
	readOrderDocs(r, f, o)
	h.signLOA(r, f, o)
	if f.OK() {
		key := ""
		if idem := f.Get("idem"); idem != "" && len(idem) <= 64 {
			key = "lti-" + idem
		}
		out, err := h.st.CreateOrder(c.ctx, o, key)
		if err == nil {
			msg := fmt.Sprintf("Order %s is saved as a draft: check its requirements below, then submit it.", out[0].ID)
			if len(out) > 1 {
				msg = fmt.Sprintf("The order was split into %d orders (by losing provider or size); this is the first, %s, saved as a draft.", len(out), out[0].ID)
			}
			h.sess.setFlash(c.ctx, c.sid, msg)
			http.Redirect(w, r, h.base+"/orders/"+url.PathEscape(out[0].ID), http.StatusSeeOther)
			return
		}
		if npac.ErrorCode(err) == npac.EINTERNAL {
			h.internal(w, r, err)
			return
		}
		failOrder(f, err)
	}
	p.Data = d
	h.render(w, http.StatusUnprocessableEntity, "order-new", p)
}

// failOrder records an order service's error next to its field, by the
// words of its message, else in the banner.
func failOrder(f *form, err error) {
	msg := npac.ErrorMessage(err)
	lower := strings.ToLower(msg)
	field := ""
	switch {
	case strings.Contains(lower, "account number"):
		field = "account"
	case npac.ErrorCode(err) == "not-portable", strings.Contains(lower, "number"), strings.Contains(lower, "npa-nxx"):
		field = "tns"
	case strings.Contains(lower, "lrn"):
		field = "lrn"
	case strings.Contains(lower, "due date"):
		field = "due_date"
	case strings.Contains(lower, "spid"):
		field = "gaining_spid"
	}
	if npac.ErrorCode(err) == portorder.ERequirementsUnmet {
		field = ""
	}
	if field != "" {
		f.Fail(field, msg)
		return
	}
	f.failBanner(msg)
}

// orderForm is the form prefilled with an order's data, with two empty
// rows of remaining services.
func orderForm(o *portorder.Order) *form {
	var rows []portorder.RemainingService
	for _, r := range o.Remaining {
		if r.Action != portorder.Port {
			rows = append(rows, r)
		}
	}
	n := min(len(rows)+2, maxRemaining)
	f := newForm(orderFieldsWith(n)...)
	f.Set("rem_rows", strconv.Itoa(n))
	for i, r := range rows[:min(len(rows), n)] {
		if r.TN != "" {
			f.Set(remField("tn", i), fmtTN(r.TN))
		}
		f.Set(remField("desc", i), r.Description)
		f.Set(remField("action", i), string(r.Action))
	}
	f.Set("reseller", o.Reseller)
	f.Set("gaining_spid", string(o.GainingSPID))
	f.Set("kind", string(o.EndUser.Kind))
	f.Set("name", o.EndUser.Name)
	f.Set("business_name", o.EndUser.BusinessName)
	a := o.ServiceAddress
	f.Set("addr_number", a.Number)
	f.Set("addr_street", a.Street)
	f.Set("addr_unit", a.Unit)
	f.Set("addr_city", a.City)
	f.Set("addr_state", a.State)
	f.Set("addr_postal", a.PostalCode)
	f.Set("addr_country", a.Country)
	f.Set("account", o.Account.Number)
	if len(o.Account.BTNs) > 0 {
		f.Set("btn", fmtTN(o.Account.BTNs[0]))
	}
	f.Set("pin", o.Account.PIN)
	var tns []string
	for _, t := range o.TNs {
		tns = append(tns, fmtTN(t.TN))
	}
	f.Set("tns", strings.Join(tns, "\n"))
	f.Set("lrn", fmtTN(o.LRN))
	if !o.DesiredDue.IsZero() {
		f.Set("due_date", o.DesiredDue.Format("2006-01-02"))
	}
	f.Set("loa_signer", o.LOA.SignedBy)
	f.Set("notes", o.Notes)
	return f
}

func (h *handler) loadOrder(w http.ResponseWriter, r *http.Request, c *call) (*portorder.OrderView, bool) {
	id := r.PathValue("id")
	v, err := h.st.Order(c.ctx, id)
	if npac.ErrorCode(err) == npac.ENOTFOUND || npac.ErrorCode(err) == npac.EINVALID {
		h.notFound(w, r, c)
		return nil, false
	} else if err != nil {
		h.internal(w, r, err)
		return nil, false
	}
	return v, true
}

func (h *handler) orderEditPage(w http.ResponseWriter, r *http.Request, c *call) {
	v, ok := h.loadOrder(w, r, c)
	if !ok {
		return
	}
	p := h.newPage(c, "Edit order "+v.ID, "orders")
	p.Data = h.orderFormData(c, p, orderForm(v.Order), v.Order)
	h.render(w, http.StatusOK, "order-new", p)
}

func (h *handler) orderEdit(w http.ResponseWriter, r *http.Request, c *call) {
	v, ok := h.loadOrder(w, r, c)
	if !ok {
		return
	}
	p := h.newPage(c, "Edit order "+v.ID, "orders")
	f := postedOrderForm(r)
	f.Set("gaining_spid", string(v.GainingSPID))
	d := h.orderFormData(c, p, f, v.Order)
	o := v.Order.Clone()
	readOrderForm(f, o)
	readOrderDocs(r, f, o)
	h.signLOA(r, f, o)
	if f.OK() {
		was := v.Status
		out, err := h.st.UpdateOrder(c.ctx, v.ID, o)
		if err == nil {
			msg := fmt.Sprintf("Draft %s is updated.", out.ID)
			if was != portorder.StatusDraft {
				msg = fmt.Sprintf("Supplement %d of order %s is sent: its status is %s.", out.Supps, out.ID, out.Status)
			}
			h.sess.setFlash(c.ctx, c.sid, msg)
			http.Redirect(w, r, h.base+"/orders/"+url.PathEscape(out.ID), http.StatusSeeOther)
			return
		}
		if npac.ErrorCode(err) == npac.EINTERNAL {
			h.internal(w, r, err)
			return
		}
		failOrder(f, err)
	}
	p.Data = d
	h.render(w, http.StatusUnprocessableEntity, "order-new", p)
}

// ---- detail and actions

// reason is a rejection code with its table entry.
type reason struct {
	portorder.RejectCode
	Known bool
}

type finding struct {
	portorder.Finding
	Title, Fix string
}

type orderDetailData struct {
	View            *portorder.OrderView
	Gaining, Losing bool
	Reasons         []reason
	Findings        []finding
	Can             struct{ Submit, Edit, Supp, Activate, Cancel, Answer, Approval bool }
	Answer          *form
	Permitted       []portorder.RejectCode
	Checked         map[string]bool
	ActionError     string
	Zone            *time.Location
}

func (h *handler) orderDetailData(c *call, v *portorder.OrderView) *orderDetailData {
	a := c.actor
	d := &orderDetailData{View: v, Gaining: a.CanActFor(v.GainingSPID), Losing: a.CanActFor(v.LosingSPID), Zone: time.UTC, Checked: map[string]bool{}}
	if l, err := portorder.Location(v.Region); err == nil && v.Region != "" {
		d.Zone = l
	}
	if v.Rejection != nil {
		for _, code := range v.Rejection.Codes {
			rc, ok := portorder.Lookup(code)
			if !ok {
				rc.Code = code
			}
			d.Reasons = append(d.Reasons, reason{RejectCode: rc, Known: ok})
		}
	}
	for _, fd := range v.Validation {
		x := finding{Finding: fd}
		if rc, ok := portorder.Lookup(fd.Code); ok {
			x.Title, x.Fix = rc.Title, rc.Fix
		}
		d.Findings = append(d.Findings, x)
	}
	st := v.Status
	d.Can.Submit = d.Gaining && st == portorder.StatusDraft
	d.Can.Edit = d.Gaining && st == portorder.StatusDraft
	d.Can.Supp = d.Gaining && (st == portorder.StatusSubmitted || st == portorder.StatusFOC || st == portorder.StatusRejected)
	d.Can.Activate = d.Gaining && st == portorder.StatusFOC
	d.Can.Cancel = d.Gaining && !st.Final() && st != portorder.StatusActivating
	d.Can.Answer = d.Losing && (st == portorder.StatusSubmitted || st == portorder.StatusFOC || st == portorder.StatusRejected)
	d.Can.Approval = d.Losing && v.Approval.State != portorder.ApprovalNone && st == portorder.StatusSubmitted
	d.Answer = newForm("foc_date", "codes", "note")
	if v.FOC != nil {
		d.Answer.Set("foc_date", v.FOC.In(d.Zone).Format("2006-01-02"))
	} else if !v.DesiredDue.IsZero() {
		d.Answer.Set("foc_date", v.DesiredDue.In(d.Zone).Format("2006-01-02"))
	}
	for _, rc := range portorder.Codes {
		if rc.Permitted {
			d.Permitted = append(d.Permitted, rc)
		}
	}
	return d
}

func (h *handler) orderDetail(w http.ResponseWriter, r *http.Request, c *call) {
	v, ok := h.loadOrder(w, r, c)
	if !ok {
		return
	}
	h.renderOrder(w, c, http.StatusOK, h.orderDetailData(c, v))
}

func (h *handler) renderOrder(w http.ResponseWriter, c *call, status int, d *orderDetailData) {
	p := h.newPage(c, "Order "+d.View.ID, "orders")
	p.Data = d
	h.render(w, status, "order", p)
}

// orderAct runs one action of the order page's forms.
func (h *handler) orderAct(w http.ResponseWriter, r *http.Request, c *call) {
	v, ok := h.loadOrder(w, r, c)
	if !ok {
		return
	}
	d := h.orderDetailData(c, v)
	var (
		out *portorder.Order
		err error
	)
	action := r.PathValue("action")
	switch action {
	case "submit":
		out, err = h.st.SubmitOrder(c.ctx, v.ID)
	case "activate":
		out, err = h.st.ActivateOrder(c.ctx, v.ID)
	case "cancel":
		out, err = h.st.CancelOrder(c.ctx, v.ID, strings.TrimSpace(r.PostForm.Get("note")))
		if err != nil {
			h.renderCancel(w, c, v, npac.ErrorMessage(err))
			return
		}
	case "answer":
		f := formFrom(r.PostForm, "foc_date", "codes", "note")
		d.Answer = f
		reply := portorder.Reply{Note: f.Get("note")}
		if r.PostForm.Get("answer") == "reject" {
			reply.Codes = r.PostForm["codes"]
			for _, code := range reply.Codes {
				d.Checked[code] = true
			}
			if len(reply.Codes) == 0 {
				f.Fail("codes", "Check at least one reason to reject.")
			}
		} else if foc := dayIn(f, "foc_date", v.Region, true); foc != nil {
			reply.FOC = foc
		}
		if !f.OK() {
			h.renderOrder(w, c, http.StatusUnprocessableEntity, d)
			return
		}
		out, err = h.st.AnswerOrder(c.ctx, v.ID, reply)
	case "approval":
		ev := portorder.ApprovalEvent{At: h.opts.NPACNow()}
		switch r.PostForm.Get("approval") {
		case "sent":
			ev.Sent = true
		case "yes":
			ev.Approved = true
		}
		out, err = h.st.RecordApproval(c.ctx, v.ID, ev)
	default:
		h.notFound(w, r, c)
		return
	}
	if npac.ErrorCode(err) == npac.EINTERNAL {
		h.internal(w, r, err)
		return
	}
	if err != nil {
		d.ActionError = npac.ErrorMessage(err)
		h.renderOrder(w, c, http.StatusUnprocessableEntity, d)
		return
	}
	msg := fmt.Sprintf("Order %s: %s done; its status is %s.", out.ID, action, out.Status)
	if action == "cancel" {
		if tier := out.CancelFeeTier(); tier != "" {
			msg += " Fee tier " + tier + "."
		}
	}
	h.sess.setFlash(c.ctx, c.sid, msg)
	http.Redirect(w, r, h.base+"/orders/"+url.PathEscape(out.ID), http.StatusSeeOther)
}

// ---- cancel confirmation

type cancelData struct {
	View *portorder.OrderView
	// Tier is the fee tier a cancel now would fall in; "" before an FOC.
	Tier, TooLate, Error string
	Zone                 *time.Location
}

func (h *handler) orderCancelPage(w http.ResponseWriter, r *http.Request, c *call) {
	v, ok := h.loadOrder(w, r, c)
	if !ok {
		return
	}
	h.renderCancel(w, c, v, "")
}

func (h *handler) renderCancel(w http.ResponseWriter, c *call, v *portorder.OrderView, errMsg string) {
	d := cancelData{View: v, Error: errMsg, Zone: time.UTC}
	if l, err := portorder.Location(v.Region); err == nil && v.Region != "" {
		d.Zone = l
	}
	if v.FOC != nil {
		now := h.opts.NPACNow()
		d.Tier = portorder.FeeTier(now, *v.FOC, h.opts.FeeTiers).Name
		if err := portorder.CancelAllowed(now, *v.FOC, 0); err != nil {
			d.TooLate = npac.ErrorMessage(err)
		}
	}
	p := h.newPage(c, "Cancel order "+v.ID, "orders")
	p.Data = d
	status := http.StatusOK
	if errMsg != "" {
		status = http.StatusUnprocessableEntity
	}
	h.render(w, status, "order-cancel", p)
}

// ---- CSRs

type csrData struct {
	Form    *form
	SPID    npac.SPID
	Choices []string
	CSRs    []csrRow
	Columns string
}

// csrRow is a CSR of the list with the link to delete it.
type csrRow struct {
	*portorder.CSR
	DeleteURL string
}

func (h *handler) csrData(c *call, p *page, f *form) csrData {
	d := csrData{Form: f, Columns: strings.Join(portorder.CSRColumns(), ", ")}
	mine := soaSPIDs(c.actor)
	d.Choices = p.spidChoices(nil, mine)
	if f.Get("spid") == "" && len(mine) > 0 {
		f.Set("spid", string(mine[0]))
	}
	return d
}

func (h *handler) listCSRs(c *call, d *csrData) {
	d.SPID = d.Form.parseSPID("spid", !c.actor.IsAdmin())
	if d.SPID == "" || !d.Form.OK() {
		return
	}
	csrs, err := h.st.CSRs(c.ctx, d.SPID)
	if err != nil {
		d.Form.Fail("spid", npac.ErrorMessage(err))
		return
	}
	for _, csr := range csrs {
		d.CSRs = append(d.CSRs, csrRow{CSR: csr, DeleteURL: csrDeleteURL(h.base, d.SPID, csr.Account)})
	}
}

func (h *handler) csrPage(w http.ResponseWriter, r *http.Request, c *call) {
	p := h.newPage(c, "Customer service records", "orders")
	d := h.csrData(c, p, formFrom(r.URL.Query(), "spid", "file"))
	h.listCSRs(c, &d)
	p.Data = d
	status := http.StatusOK
	if !d.Form.OK() {
		status = http.StatusUnprocessableEntity
	}
	h.render(w, status, "csrs", p)
}

func (h *handler) csrUpload(w http.ResponseWriter, r *http.Request, c *call) {
	p := h.newPage(c, "Customer service records", "orders")
	f := formFrom(r.PostForm, "spid", "file")
	d := h.csrData(c, p, f)
	spid := f.parseSPID("spid", true)
	var csrs []*portorder.CSR
	if f.OK() {
		file, _, err := r.FormFile("file")
		if err != nil {
			f.Fail("file", "Choose the CSV file to load.")
		} else {
			defer file.Close()
			csrs, err = portorder.ReadCSRs(file)
			if err != nil {
				f.Fail("file", npac.ErrorMessage(err))
			}
		}
	}
	if f.OK() {
		err := h.st.PutCSRs(c.ctx, spid, csrs)
		if err == nil {
			h.sess.setFlash(c.ctx, c.sid, fmt.Sprintf("%d CSRs of %s are stored.", len(csrs), spid))
			http.Redirect(w, r, h.base+"/csrs?spid="+url.QueryEscape(string(spid)), http.StatusSeeOther)
			return
		}
		if npac.ErrorCode(err) == npac.EINTERNAL {
			h.internal(w, r, err)
			return
		}
		if npac.ErrorCode(err) == npac.EFORBIDDEN {
			f.Fail("spid", npac.ErrorMessage(err))
		} else {
			f.Fail("file", npac.ErrorMessage(err))
		}
	}
	h.listCSRs(c, &d)
	p.Data = d
	h.render(w, http.StatusUnprocessableEntity, "csrs", p)
}

// ---- CSR deletion

type csrDeleteData struct {
	SPID npac.SPID
	// CSR is the record to delete; nil when it could not be read.
	CSR       *portorder.CSR
	Account   string
	Error     string
	ListURL   string
	DeleteURL string
}

// csrTarget reads the SPID and account of a CSR deletion's path.
func (h *handler) csrTarget(r *http.Request) (csrDeleteData, bool) {
	spid, err := npac.ParseSPID(r.PathValue("spid"))
	account := r.PathValue("account")
	if err != nil || account == "" {
		return csrDeleteData{}, false
	}
	return csrDeleteData{SPID: spid, Account: account,
		ListURL:   h.base + "/csrs?spid=" + url.QueryEscape(string(spid)),
		DeleteURL: csrDeleteURL(h.base, spid, account)}, true
}

// csrDeleteURL is the confirmation page of a CSR's deletion.
func csrDeleteURL(base string, spid npac.SPID, account string) string {
	return base + "/csrs/" + url.PathEscape(string(spid)) + "/" + url.PathEscape(account) + "/delete"
}

// csrDeletePage asks to confirm the deletion of a CSR, showing it.
func (h *handler) csrDeletePage(w http.ResponseWriter, r *http.Request, c *call) {
	d, ok := h.csrTarget(r)
	if !ok {
		h.notFound(w, r, c)
		return
	}
	csrs, err := h.st.CSRs(c.ctx, d.SPID)
	switch code := npac.ErrorCode(err); {
	case code == npac.EINTERNAL:
		h.internal(w, r, err)
		return
	case err != nil:
		d.Error = npac.ErrorMessage(err)
		h.renderCSRDelete(w, c, http.StatusForbidden, d)
		return
	}
	for _, csr := range csrs {
		if csr.Account == d.Account {
			d.CSR = csr
		}
	}
	if d.CSR == nil {
		d.Error = fmt.Sprintf("%s keeps no CSR for account %q.", d.SPID, d.Account)
		h.renderCSRDelete(w, c, http.StatusNotFound, d)
		return
	}
	h.renderCSRDelete(w, c, http.StatusOK, d)
}

func (h *handler) renderCSRDelete(w http.ResponseWriter, c *call, status int, d csrDeleteData) {
	p := h.newPage(c, "Delete the CSR of account "+d.Account, "orders")
	p.Data = d
	h.render(w, status, "csr-delete", p)
}

// csrDelete deletes a CSR (DeleteCSR: the losing SP's SOA or NPAC
// personnel), then goes back to the list.
func (h *handler) csrDelete(w http.ResponseWriter, r *http.Request, c *call) {
	d, ok := h.csrTarget(r)
	if !ok {
		h.notFound(w, r, c)
		return
	}
	err := h.st.DeleteCSR(c.ctx, d.SPID, d.Account)
	switch code := npac.ErrorCode(err); {
	case err == nil:
		h.log.Info("lti: CSR deleted", "user", c.actor.User.Name, "spid", d.SPID, "account", d.Account)
		h.sess.setFlash(c.ctx, c.sid, fmt.Sprintf("The CSR of %s's account %s is deleted.", d.SPID, d.Account))
		http.Redirect(w, r, d.ListURL, http.StatusSeeOther)
	case code == npac.EINTERNAL:
		h.internal(w, r, err)
	case code == npac.ENOTFOUND:
		d.Error = npac.ErrorMessage(err)
		h.renderCSRDelete(w, c, http.StatusNotFound, d)
	case code == npac.EFORBIDDEN:
		d.Error = npac.ErrorMessage(err)
		h.renderCSRDelete(w, c, http.StatusForbidden, d)
	default:
		d.Error = npac.ErrorMessage(err)
		h.renderCSRDelete(w, c, http.StatusUnprocessableEntity, d)
	}
}
