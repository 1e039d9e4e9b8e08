package lti

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	npac "github.com/opennpac/npac"
)

// ---- Network data: NPA-NXXs, LRNs and pool blocks

// Each create form's fields; the names are unique on the page.
var (
	codeFields  = []string{"code_npanxx", "code_spid", "code_region", "code_effective", "code_portable"}
	lrnFields   = []string{"lrn_lrn", "lrn_spid", "lrn_region"}
	blockFields = []string{"block_x", "block_spid", "block_lrn", "block_effective"}
)

// Where a service error goes on each form, by the subject netSubject
// finds in it.
var (
	codeErrFields  = map[string]string{"code": "code_npanxx", "spid": "code_spid", "region": "code_region", "date": "code_effective"}
	lrnErrFields   = map[string]string{"lrn": "lrn_lrn", "spid": "lrn_spid", "region": "lrn_region"}
	blockErrFields = map[string]string{"block": "block_x", "code": "block_x", "lrn": "block_lrn", "spid": "block_spid", "date": "block_effective"}
)

type netData struct {
	Admin bool
	// Filter holds spid and region; it filters the three lists (blocks
	// by SPID only).
	Filter                          *form
	SPIDChoices, RegionChoices      []string
	FormSPIDChoices, FormRegions    []string
	Codes                           []*npac.CodeRecord
	LRNs                            []*npac.LRNRecord
	Blocks                          []*npac.Block
	CodesNext, LRNsNext, BlocksNext string
	First                           string
	CodeForm, LRNForm, BlockForm    *form
	// Manage lists the SPIDs whose rows the user may change (NPAC
	// personnel: every row).
	Manage map[npac.SPID]bool
	// ActionError reports a refused open or close of a code.
	ActionError string
	Now         time.Time
}

func (h *handler) mayNetwork(w http.ResponseWriter, c *call) bool {
	if c.actor.IsAdmin() || len(c.actor.SOASPIDs()) > 0 {
		return true
	}
	http.Error(w, "Network data is for NPAC personnel and SOAs.", http.StatusForbidden)
	return false
}

func (h *handler) networkPage(w http.ResponseWriter, r *http.Request, c *call) {
	if !h.mayNetwork(w, c) {
		return
	}
	h.renderNetwork(w, r, c, http.StatusOK, &netData{})
}

// renderNetwork fills the lists from the request's query and renders the
// page with d's forms (new ones where d has none).
func (h *handler) renderNetwork(w http.ResponseWriter, r *http.Request, c *call, status int, d *netData) {
	p := h.newPage(c, "Network data", "network")
	q := r.URL.Query()
	d.Admin, d.Now = c.actor.IsAdmin(), h.opts.NPACNow()
	d.Filter = formFrom(q, "spid", "region")
	d.RegionChoices = []string{"", "any region"}
	formRegions := []string{"", "choose…"}
	for _, ri := range npac.Regions {
		d.RegionChoices = append(d.RegionChoices, string(ri.Code), string(ri.Code)+" "+ri.Name)
		formRegions = append(formRegions, string(ri.Code), string(ri.Code)+" "+ri.Name)
	}
	d.Manage = map[npac.SPID]bool{}
	mine := soaSPIDs(c.actor)
	if !d.Admin {
		for _, s := range mine {
			d.Manage[s] = true
		}
		d.SPIDChoices = p.spidChoices([]string{"", "any provider"}, mine)
		d.FormSPIDChoices = p.spidChoices(nil, mine)
	}
	for _, ff := range []**form{&d.CodeForm, &d.LRNForm, &d.BlockForm} {
		if *ff == nil {
			*ff = newForm()
		}
	}
	if len(mine) == 1 && !d.Admin {
		for ff, name := range map[*form]string{d.CodeForm: "code_spid", d.LRNForm: "lrn_spid", d.BlockForm: "block_spid"} {
			if ff.Get(name) == "" {
				ff.Set(name, string(mine[0]))
			}
		}
	}
	spid := d.Filter.parseSPID("spid", false)
	var region npac.Region
	if v := d.Filter.Get("region"); v != "" {
		var err error
		if region, err = npac.ParseRegion(v); err != nil {
			d.Filter.Fail("region", npac.ErrorMessage(err))
		}
	}
	if d.Filter.OK() {
		cf := npac.CodeFilter{SPID: spid, Region: region, After: npac.NPANXX(q.Get("code_after")), Limit: pageSize + 1}
		codes, err := h.st.Codes(c.ctx, cf)
		if err != nil {
			h.internal(w, r, err)
			return
		}
		lf := npac.LRNFilter{SPID: spid, Region: region, After: npac.LRN(q.Get("lrn_after")), Limit: pageSize + 1}
		lrns, err := h.st.LRNs(c.ctx, lf)
		if err != nil {
			h.internal(w, r, err)
			return
		}
		bf := npac.BlockFilter{SPID: spid, Limit: pageSize + 1}
		bf.After, _ = strconv.ParseInt(q.Get("block_after"), 10, 64)
		blocks, err := h.st.Blocks(c.ctx, bf)
		if err != nil {
			h.internal(w, r, err)
			return
		}
		next := func(key, val string) string {
			nq := url.Values{}
			for _, k := range []string{"spid", "region", "code_after", "lrn_after", "block_after"} {
				if v := q.Get(k); v != "" {
					nq.Set(k, v)
				}
			}
			nq.Set(key, val)
			return h.base + "/network?" + nq.Encode()
		}
		if len(codes) > pageSize {
			codes = codes[:pageSize]
			d.CodesNext = next("code_after", string(codes[pageSize-1].NPANXX))
		}
		if len(lrns) > pageSize {
			lrns = lrns[:pageSize]
			d.LRNsNext = next("lrn_after", string(lrns[pageSize-1].LRN))
		}
		if len(blocks) > pageSize {
			blocks = blocks[:pageSize]
			d.BlocksNext = next("block_after", strconv.FormatInt(blocks[pageSize-1].ID, 10))
		}
		d.Codes, d.LRNs, d.Blocks = codes, lrns, blocks
		if q.Get("code_after") != "" || q.Get("lrn_after") != "" || q.Get("block_after") != "" {
			nq := url.Values{}
			for _, k := range []string{"spid", "region"} {
				if v := q.Get(k); v != "" {
					nq.Set(k, v)
				}
			}
			d.First = h.base + "/network"
			if len(nq) > 0 {
				d.First += "?" + nq.Encode()
			}
		}
	} else if status == http.StatusOK {
		status = http.StatusUnprocessableEntity
	}
	d.FormRegions = formRegions
	p.Data = d
	h.render(w, status, "network", p)
}

// netSubject says what a network service error is about: "lrn", "block"
// (an NPA-NXX-X), "code" (an NPA-NXX), "region", "date" or "spid"; ""
// for none.
func netSubject(err error) string {
	if npac.ErrorCode(err) == npac.ELRNNotOwned {
		return "lrn"
	}
	lower := strings.ToLower(npac.ErrorMessage(err))
	switch {
	case strings.Contains(lower, "lrn"):
		return "lrn"
	case strings.Contains(lower, "npa-nxx-x"), strings.Contains(lower, "pool"), strings.Contains(lower, "block"):
		if strings.Contains(lower, "holder") || strings.Contains(lower, "administrator") || strings.Contains(lower, "soa") {
			return "spid"
		}
		return "block"
	case strings.Contains(lower, "npa-nxx"):
		return "code"
	case strings.Contains(lower, "region"):
		return "region"
	case strings.Contains(lower, "date"):
		return "date"
	case strings.Contains(lower, "spid"), strings.Contains(lower, "provider"), strings.Contains(lower, "holder"):
		return "spid"
	}
	return ""
}

// failNet records a service error next to its field of f, or in f's
// banner.
func failNet(f *form, err error, fields map[string]string) {
	f.Fail(fields[netSubject(err)], npac.ErrorMessage(err))
}

// netSave ends a create from form f: when f is valid it runs save, and on
// success shows save's message back on the list. A rule the store enforces
// is marked on the field fields names for it, and the page is shown again
// with data; a store failure is an internal error.
func (h *handler) netSave(w http.ResponseWriter, r *http.Request, c *call, f *form, fields map[string]string, data *netData, save func() (string, error)) {
	if f.OK() {
		msg, err := save()
		if err == nil {
			h.netDone(w, r, c, msg)
			return
		}
		failNet(f, err, fields)
		if npac.ErrorCode(err) == npac.EINTERNAL {
			h.internal(w, r, err)
			return
		}
	}
	h.renderNetwork(w, r, c, http.StatusUnprocessableEntity, data)
}

// netDone ends a successful change: a message, and back to the list.
func (h *handler) netDone(w http.ResponseWriter, r *http.Request, c *call, msg string) {
	h.sess.setFlash(c.ctx, c.sid, msg)
	http.Redirect(w, r, h.base+"/network", http.StatusSeeOther)
}

// parseRegion checks a region field.
func (f *form) parseRegion(name string) npac.Region {
	return parseField(f, name, true, "Choose the NPAC region.", npac.ParseRegion)
}

func (h *handler) createCode(w http.ResponseWriter, r *http.Request, c *call) {
	if !h.mayNetwork(w, c) {
		return
	}
	f := formFrom(r.PostForm, codeFields...)
	rec := &npac.CodeRecord{Portable: f.Get("code_portable") != ""}
	rec.NPANXX = parseField(f, "code_npanxx", true, "Give the NPA-NXX: 6 digits, such as 212-555.", npac.ParseNPANXX)
	rec.SPID = f.parseSPID("code_spid", true)
	rec.Region = f.parseRegion("code_region")
	if at := f.parseDate("code_effective", "", time.UTC, false); at != nil {
		rec.EffectiveDate = *at
	}
	h.netSave(w, r, c, f, codeErrFields, &netData{CodeForm: f}, func() (string, error) {
		if err := h.st.CreateCode(c.ctx, rec); err != nil {
			return "", err
		}
		h.log.Info("lti: npa-nxx created", "user", c.actor.User.Name, "npa_nxx", rec.NPANXX)
		return fmt.Sprintf("NPA-NXX %s is registered to %s.", fmtCode(rec.NPANXX), rec.SPID), nil
	})
}

// portable opens or closes a code for porting.
func (h *handler) portable(w http.ResponseWriter, r *http.Request, c *call) {
	if !h.mayNetwork(w, c) {
		return
	}
	code, err := npac.ParseNPANXX(r.PathValue("code"))
	if err != nil {
		h.notFound(w, r, c)
		return
	}
	open := r.PostForm.Get("portable") == "1"
	rec, err := h.st.UpdateCode(c.ctx, code, npac.CodeUpdate{Portable: &open})
	if err != nil {
		if npac.ErrorCode(err) == npac.EINTERNAL {
			h.internal(w, r, err)
			return
		}
		h.renderNetwork(w, r, c, http.StatusUnprocessableEntity, &netData{ActionError: fmt.Sprintf("NPA-NXX %s: %s", fmtCode(code), npac.ErrorMessage(err))})
		return
	}
	word := "closed to"
	if rec.Portable {
		word = "open for"
	}
	h.log.Info("lti: npa-nxx updated", "user", c.actor.User.Name, "npa_nxx", code, "portable", rec.Portable)
	h.netDone(w, r, c, fmt.Sprintf("NPA-NXX %s is %s porting.", fmtCode(code), word))
}

func (h *handler) createLRN(w http.ResponseWriter, r *http.Request, c *call) {
	if !h.mayNetwork(w, c) {
		return
	}
	f := formFrom(r.PostForm, lrnFields...)
	rec := &npac.LRNRecord{}
	rec.LRN = parseField(f, "lrn_lrn", true, "Give the LRN: 10 digits, NPA-NXX-XXXX.", npac.ParseLRN)
	rec.SPID = f.parseSPID("lrn_spid", true)
	rec.Region = f.parseRegion("lrn_region")
	h.netSave(w, r, c, f, lrnErrFields, &netData{LRNForm: f}, func() (string, error) {
		if err := h.st.CreateLRN(c.ctx, rec); err != nil {
			return "", err
		}
		h.log.Info("lti: lrn created", "user", c.actor.User.Name, "lrn", rec.LRN)
		return fmt.Sprintf("LRN %s is registered to %s.", fmtTN(rec.LRN), rec.SPID), nil
	})
}

func (h *handler) createBlock(w http.ResponseWriter, r *http.Request, c *call) {
	if !h.mayNetwork(w, c) {
		return
	}
	f := formFrom(r.PostForm, blockFields...)
	in := &npac.BlockCreate{}
	in.NPANXXX = parseField(f, "block_x", true, "Give the NPA-NXX-X: 7 digits, such as 212-555-1.", npac.ParseNPANXXX)
	in.SPID = f.parseSPID("block_spid", true)
	in.LRN = parseField(f, "block_lrn", true, "Give the LRN the block's numbers route to: one of the holder's, NPA-NXX-XXXX.", npac.ParseLRN)
	if at := f.parseDate("block_effective", "", time.UTC, false); at != nil {
		in.EffectiveDate = *at
	}
	h.netSave(w, r, c, f, blockErrFields, &netData{BlockForm: f}, func() (string, error) {
		b, err := h.st.CreateBlock(c.ctx, in)
		if err != nil {
			return "", err
		}
		h.log.Info("lti: block created", "user", c.actor.User.Name, "block", b.NPANXXX)
		return fmt.Sprintf("Pool block %s is pooled to %s: its status is %s.", fmtBlock(b.NPANXXX), b.SPID, b.Status), nil
	})
}

// ---- delete confirmation

type netDeleteData struct {
	Kind, What, ID, Detail, Error string
	Action                        string
}

// netDeleteTarget names the thing a delete URL is about, or false.
func netDeleteTarget(kind, id string) (what, canon string, ok bool) {
	switch kind {
	case "codes":
		code, err := npac.ParseNPANXX(id)
		return "NPA-NXX " + fmtCode(code), string(code), err == nil
	case "lrns":
		l, err := npac.ParseLRN(id)
		return "LRN " + fmtTN(l), string(l), err == nil
	case "blocks":
		x, err := npac.ParseNPANXXX(id)
		return "pool block " + fmtBlock(x), string(x), err == nil
	}
	return "", "", false
}

func (h *handler) netDeletePage(w http.ResponseWriter, r *http.Request, c *call) {
	if !h.mayNetwork(w, c) {
		return
	}
	kind := r.PathValue("kind")
	what, id, ok := netDeleteTarget(kind, r.PathValue("id"))
	if !ok {
		h.notFound(w, r, c)
		return
	}
	h.renderNetDelete(w, c, http.StatusOK, kind, what, id, "")
}

func (h *handler) renderNetDelete(w http.ResponseWriter, c *call, status int, kind, what, id, msg string) {
	d := netDeleteData{Kind: kind, What: what, ID: id, Error: msg, Action: "Delete"}
	switch kind {
	case "codes":
		d.Detail = "The code is removed from the NPAC and the LSMSs are told. It is refused while live subscription versions are in the code."
	case "lrns":
		d.Detail = "The LRN is removed from the NPAC. It is refused while live subscription versions route to it."
	case "blocks":
		d.Action = "De-pool"
		d.Detail = "A pending block is removed at once; a block in effect is broadcast as deleted, and its numbers fall back to the code holder."
	}
	p := h.newPage(c, d.Action+" "+what, "network")
	p.Data = d
	h.render(w, status, "network-delete", p)
}

func (h *handler) netDelete(w http.ResponseWriter, r *http.Request, c *call) {
	if !h.mayNetwork(w, c) {
		return
	}
	kind := r.PathValue("kind")
	what, id, ok := netDeleteTarget(kind, r.PathValue("id"))
	if !ok {
		h.notFound(w, r, c)
		return
	}
	var err error
	msg := what + " is deleted."
	switch kind {
	case "codes":
		err = h.st.DeleteCode(c.ctx, npac.NPANXX(id))
	case "lrns":
		err = h.st.DeleteLRN(c.ctx, npac.LRN(id))
	case "blocks":
		var b *npac.Block
		if b, err = h.st.DeleteBlock(c.ctx, npac.NPANXXX(id)); err == nil {
			msg = fmt.Sprintf("%s is de-pooled: its status is %s.", what, b.Status)
		}
	}
	switch code := npac.ErrorCode(err); {
	case err == nil:
		h.log.Info("lti: network data deleted", "user", c.actor.User.Name, "what", what)
		h.netDone(w, r, c, strings.ToUpper(msg[:1])+msg[1:])
	case code == npac.EINTERNAL:
		h.internal(w, r, err)
	case code == npac.ENOTFOUND:
		h.renderNetDelete(w, c, http.StatusNotFound, kind, what, id, npac.ErrorMessage(err))
	default:
		h.renderNetDelete(w, c, http.StatusUnprocessableEntity, kind, what, id, npac.ErrorMessage(err))
	}
}

// fmtCode writes an NPA-NXX as NPA-NXX.
func fmtCode(v any) string {
	s := fmt.Sprint(v)
	if len(s) != 6 {
		return s
	}
	return s[:3] + "-" + s[3:]
}

// fmtBlock writes an NPA-NXX-X as NPA-NXX-X.
func fmtBlock(v any) string {
	s := fmt.Sprint(v)
	if len(s) != 7 {
		return s
	}
	return s[:3] + "-" + s[3:6] + "-" + s[6:]
}
