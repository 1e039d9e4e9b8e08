package lti

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	npac "github.com/opennpac/npac"
)

// ---- Range requests: one create or action for many TNs

// rangeCreateFields are the range create form's: the SV create form's
// with a TN list or span instead of one TN.
var rangeCreateFields = []string{"side", "idem", "tns", "span", "new_spid", "old_spid", "lrn", "sv_type", "due_date", "due_time"}

// rangeActFields are the range action form's, prefixed so that both
// forms share the page.
var rangeActFields = []string{"act_action", "act_as", "act_tns", "act_span", "act_cause", "act_lrn", "act_due_date", "act_cdd", "act_erd"}

// rangeActions are the actions on a range, for a select.
var rangeActions = []string{"", "choose an action",
	string(npac.ActActivate), "Activate (new SP)",
	string(npac.ActModify), "Modify the LRN or due date (new SP)",
	string(npac.ActConflict), "Place in conflict (old SP)",
	string(npac.ActResolveConflict), "Resolve the conflict",
	string(npac.ActCancel), "Cancel the port",
	string(npac.ActCancelAck), "Acknowledge the cancel",
	string(npac.ActCancelUndo), "Undo your cancel",
	string(npac.ActDisconnect), "Disconnect (current SP)"}

// rangeParams are the parameter fields of the range actions, each with
// the action that takes it and the refusal when another action is chosen.
var rangeParams = []struct {
	field string
	kind  npac.ActionKind
	only  string
}{
	{"act_cause", npac.ActConflict, "Only a conflict takes a cause code: leave it empty."},
	{"act_lrn", npac.ActModify, "Only a modify takes an LRN: leave it empty."},
	{"act_due_date", npac.ActModify, "Only a modify takes a due date: leave it empty."},
	{"act_cdd", npac.ActDisconnect, "Only a disconnect takes a customer disconnect date: leave it empty."},
	{"act_erd", npac.ActDisconnect, "Only a disconnect takes an effective release date: leave it empty."},
}

// rangeRow is one TN's outcome: its SV, or the service's refusal.
type rangeRow struct {
	TN            npac.TN
	SV            *npac.SV
	Code, Message string
}

type rangeData struct {
	// Create is the range create form, shaped like the SV create page's.
	createData
	Act                                    *form
	ActionChoices, AsChoices, CauseChoices []string
	// Ran names the request whose results are shown; empty before one.
	Ran        string
	Results    []rangeRow
	OK, Failed int
}

// mayRange refuses the range page to users who send no creates: it is
// for SOA and bureau users and NPAC personnel.
func (h *handler) mayRange(w http.ResponseWriter, c *call) bool {
	if len(soaSPIDs(c.actor)) > 0 || c.actor.IsAdmin() {
		return true
	}
	http.Error(w, "Range requests are for SOA users and NPAC personnel.", http.StatusForbidden)
	return false
}

func (h *handler) rangeData(c *call, p *page, create, act *form) *rangeData {
	return &rangeData{createData: h.createData(c, p, create), Act: act, ActionChoices: rangeActions,
		AsChoices:    []string{"", "my side of each SV", string(npac.SideNew), "new SP", string(npac.SideOld), "old SP"},
		CauseChoices: causeChoices}
}

// rangePage shows the range create form (as the new SP, or as the old SP
// to concur) and the range action form.
func (h *handler) rangePage(w http.ResponseWriter, r *http.Request, c *call) {
	if !h.mayRange(w, c) {
		return
	}
	p := h.newPage(c, "Range requests", "ranges")
	f := formFrom(r.URL.Query(), rangeCreateFields...)
	h.prefillCreate(c, f)
	p.Data = h.rangeData(c, p, f, newForm(rangeActFields...))
	h.render(w, http.StatusOK, "ranges", p)
}

// rangeCreate sends one side's create for every TN of a list or span
// (CreateRange) and shows each TN's result.
func (h *handler) rangeCreate(w http.ResponseWriter, r *http.Request, c *call) {
	if !h.mayRange(w, c) {
		return
	}
	p := h.newPage(c, "Range requests", "ranges")
	f := formFrom(r.PostForm, rangeCreateFields...)
	d := h.rangeData(c, p, f, newForm(rangeActFields...))
	in := readCreate(c, p, f, d.Side)
	tns := readTNSet(f, "tns", "span")
	if f.OK() {
		res, err := h.st.CreateRange(c.ctx, in, tns)
		switch {
		case npac.ErrorCode(err) == npac.EINTERNAL:
			h.internal(w, r, err)
			return
		case err != nil:
			failRange(f, err, "tns", "span", "")
		default:
			ran := "Create as the new SP"
			if d.Side == npac.SideOld {
				ran = "Create as the old SP (concurrence)"
			}
			d.show(ran, res)
			// A new key: sending the form again is a new request, while
			// a reload of this answer replays the first results.
			f.Set("idem", token(16))
		}
	}
	h.renderRange(w, p, d)
}

// rangeAct performs one action on the live SV of every TN of a list or
// span (ActRange) and shows each TN's result.
func (h *handler) rangeAct(w http.ResponseWriter, r *http.Request, c *call) {
	if !h.mayRange(w, c) {
		return
	}
	p := h.newPage(c, "Range requests", "ranges")
	f := formFrom(r.PostForm, rangeActFields...)
	create := newForm(rangeCreateFields...)
	create.Set("idem", token(16))
	d := h.rangeData(c, p, create, f)
	a := npac.Action{Kind: npac.ActionKind(f.Get("act_action"))}
	label := ""
	if i := slices.Index(rangeActions, string(a.Kind)); a.Kind != "" && i >= 0 && i%2 == 0 {
		label = rangeActions[i+1]
	}
	if label == "" {
		f.Fail("act_action", "Choose the action to take on each TN.")
	}
	switch as := npac.Side(f.Get("act_as")); as {
	case "", npac.SideNew, npac.SideOld:
		a.As = as
	default:
		f.Fail("act_as", fmt.Sprintf("%q is not a side: choose new SP or old SP, or leave it to the SV.", as))
	}
	tns := readTNSet(f, "act_tns", "act_span")
	for _, prm := range rangeParams {
		if label != "" && prm.kind != a.Kind && f.Get(prm.field) != "" {
			f.Fail(prm.field, prm.only)
		}
	}
	switch a.Kind {
	case npac.ActConflict:
		a.CauseCode = parseCause(f, "act_cause")
	case npac.ActModify:
		m := &npac.SVModify{}
		if lrn := f.parseLRN("act_lrn", false); lrn != "" {
			m.LRN = &lrn
		}
		m.DueDate = f.parseDate("act_due_date", "", p.Zone, false)
		if f.Errors["act_lrn"] == "" && f.Errors["act_due_date"] == "" && m.LRN == nil && m.DueDate == nil {
			f.Fail("act_lrn", "A modify changes something: give the new LRN, the new due date, or both.")
		}
		a.Modify = m
	case npac.ActDisconnect:
		a.CustomerDisconnectDate = f.parseDate("act_cdd", "", p.Zone, false)
		a.EffectiveReleaseDate = f.parseDate("act_erd", "", p.Zone, false)
	}
	if f.OK() {
		res, err := h.st.ActRange(c.ctx, tns, a)
		switch {
		case npac.ErrorCode(err) == npac.EINTERNAL:
			h.internal(w, r, err)
			return
		case err != nil:
			failRange(f, err, "act_tns", "act_span", "act_")
		default:
			d.show(label, res)
		}
	}
	h.renderRange(w, p, d)
}

// renderRange shows the page: 200 with the results of a request that
// ran, 422 with the errors of a refused form (nothing ran).
func (h *handler) renderRange(w http.ResponseWriter, p *page, d *rangeData) {
	status := http.StatusOK
	if !d.Form.OK() || !d.Act.OK() {
		status = http.StatusUnprocessableEntity
	}
	p.Data = d
	h.render(w, status, "ranges", p)
}

// show records a request's results for the table.
func (d *rangeData) show(ran string, res []npac.RangeResult) {
	d.Ran = ran
	d.Results = make([]rangeRow, len(res))
	for i, x := range res {
		d.Results[i] = rangeRow{TN: x.TN, SV: x.SV}
		if x.Error != nil {
			d.Results[i].Code, d.Results[i].Message = x.Error.Code, x.Error.Message
			d.Failed++
		} else {
			d.OK++
		}
	}
}

// readTNSet reads the TNs of a range form: a list (the list field) or a
// span (the span field), with the parsers the API and the CLI use.
func readTNSet(f *form, list, span string) []npac.TN {
	lv, sv := f.Get(list), f.Get(span)
	var (
		tns []npac.TN
		err error
	)
	switch {
	case lv != "" && sv != "":
		f.Fail(span, "Give the TNs either as a list or as a span, not both.")
		return nil
	case lv != "":
		if tns, err = npac.ParseTNList(lv); err != nil {
			f.Fail(list, npac.ErrorMessage(err))
		}
	case sv != "":
		var first, last npac.TN
		if first, last, err = npac.ParseTNSpan(sv); err == nil {
			tns, err = npac.TNSpan(first, last)
		}
		if err != nil {
			f.Fail(span, npac.ErrorMessage(err))
		}
	default:
		f.Fail(list, "Give the TNs: a list, one a line or separated by commas, or a span FIRST-LAST.")
	}
	return tns
}

// failRange records the refusal of a whole range request: one about its
// TNs (too many, repeated) next to the TN field given, others next to the
// field they name (prefix maps the field names of fieldOf to the form's),
// else in the banner.
func failRange(f *form, err error, list, span, prefix string) {
	msg := npac.ErrorMessage(err)
	tnField := list
	if f.Get(list) == "" {
		tnField = span
	}
	switch {
	case npac.ErrorCode(err) == npac.ETOOLARGE || strings.Contains(msg, "range"):
		f.Fail(tnField, msg)
	case prefix == "":
		failQuoted(f, err, "new_spid", "old_spid")
	default:
		if field := fieldOf(err); field != "" {
			f.Fail(prefix+field, msg)
		} else {
			f.failBanner(msg)
		}
	}
}
