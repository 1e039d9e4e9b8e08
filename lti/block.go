package lti

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	npac "github.com/opennpac/npac"
)

// ---- A pool block: its routing, a modify form and, for NPAC personnel,
// a resend of a failed broadcast.

// signalingPoints are the DPC/SSN pairs a block or an SV carries, by form
// field prefix.
var signalingPoints = []struct{ Key, Label string }{
	{"class", "CLASS"}, {"lidb", "LIDB"}, {"cnam", "CNAM"}, {"isvm", "ISVM"}, {"wsmsc", "WSMSC"},
}

// blockModifyFields are the fields of the modify form.
func blockModifyFields() []string {
	fs := []string{"lrn", "sv_type", "effective"}
	for _, sp := range signalingPoints {
		fs = append(fs, sp.Key+"_dpc", sp.Key+"_ssn")
	}
	return fs
}

// blockModifyErrFields place the store's refusals of a modify.
var blockModifyErrFields = map[string]string{"lrn": "lrn", "date": "effective", "block": "", "code": "", "spid": ""}

type blockData struct {
	Block *npac.Block
	// Manage: the user may modify or de-pool the block; Resend: the user
	// may resend its failed broadcast.
	Manage, Resend bool
	Form           *form
	Points         []struct{ Key, Label string }
	SVTypes        []string
	// Pairs are the block's signaling points, by form field prefix.
	Pairs map[string]*npac.SignalingPoint
	// ResendError reports a refused resend.
	ResendError string
}

// blockTarget reads the block a path names, or renders why not.
func (h *handler) blockTarget(w http.ResponseWriter, r *http.Request, c *call) (*npac.Block, bool) {
	if !h.mayNetwork(w, c) {
		return nil, false
	}
	x, err := npac.ParseNPANXXX(r.PathValue("id"))
	if err != nil {
		h.notFound(w, r, c)
		return nil, false
	}
	b, err := h.st.Block(c.ctx, x)
	switch npac.ErrorCode(err) {
	case "":
		return b, true
	case npac.ENOTFOUND:
		h.notFound(w, r, c)
	default:
		h.internal(w, r, err)
	}
	return nil, false
}

func (h *handler) blockPage(w http.ResponseWriter, r *http.Request, c *call) {
	if b, ok := h.blockTarget(w, r, c); ok {
		h.renderBlock(w, c, http.StatusOK, b, nil, "")
	}
}

// renderBlock shows block b with form f (one filled from b when nil).
func (h *handler) renderBlock(w http.ResponseWriter, c *call, status int, b *npac.Block, f *form, resendErr string) {
	if f == nil {
		f = blockForm(b)
	}
	d := &blockData{Block: b, Form: f, Points: signalingPoints, ResendError: resendErr,
		Manage: h.managesBlock(c, b),
		Resend: c.actor.IsAdmin() && (b.Status == npac.StatusFailed || b.Status == npac.StatusPartialFailure),
		Pairs:  blockPairs(&b.BlockRouting)}
	d.SVTypes = []string{}
	for _, t := range []npac.SVType{npac.SVWireline, npac.SVWireless, npac.SVVoIP, npac.SVVoWiFi, npac.SVPrepaidWireless} {
		d.SVTypes = append(d.SVTypes, string(t), string(t))
	}
	p := h.newPage(c, "Pool block "+fmtBlock(b.NPANXXX), "network")
	p.Data = d
	h.render(w, status, "block", p)
}

// managesBlock reports whether the user may modify and de-pool b: NPAC
// personnel may, and so may the holder's SOA when its provider profile
// lets its SOA manage blocks (soa_blocks).
func (h *handler) managesBlock(c *call, b *npac.Block) bool {
	if c.actor.IsAdmin() {
		return true
	}
	if !c.actor.Has(npac.RoleSOA, b.SPID) {
		return false
	}
	p, err := h.st.Provider(c.ctx, b.SPID) // not the cached list: this decides what the page offers
	return err == nil && p.SOABlocks
}

// blockPairs returns a routing's signaling points by form field prefix.
func blockPairs(r *npac.BlockRouting) map[string]*npac.SignalingPoint {
	return map[string]*npac.SignalingPoint{"class": r.CLASS, "lidb": r.LIDB, "cnam": r.CNAM, "isvm": r.ISVM, "wsmsc": r.WSMSC}
}

// blockForm fills the modify form with b's routing.
func blockForm(b *npac.Block) *form {
	f := newForm(blockModifyFields()...)
	f.Set("lrn", fmtTN(b.LRN))
	f.Set("sv_type", string(b.SVType))
	if b.Status == npac.StatusPending {
		f.Set("effective", b.EffectiveDate.UTC().Format(time.DateOnly))
	}
	for k, sp := range blockPairs(&b.BlockRouting) {
		if sp != nil {
			f.Set(k+"_dpc", sp.DPC)
			if sp.SSN != nil {
				f.Set(k+"_ssn", strconv.Itoa(*sp.SSN))
			}
		}
	}
	return f
}

// modifyBlock changes what the form changes and nothing else.
func (h *handler) modifyBlock(w http.ResponseWriter, r *http.Request, c *call) {
	b, ok := h.blockTarget(w, r, c)
	if !ok {
		return
	}
	f := formFrom(r.PostForm, blockModifyFields()...)
	var md npac.BlockModify
	if l := parseField(f, "lrn", true, "Give the LRN the block's numbers route to: one of the holder's, NPA-NXX-XXXX.", npac.ParseLRN); l != "" && l != b.LRN {
		md.LRN = &l
	}
	if t := npac.SVType(f.Get("sv_type")); t != b.SVType {
		if !t.Valid() {
			f.Fail("sv_type", "Choose an SV type from the list.")
		}
		md.SVType = &t
	}
	cur := blockPairs(&b.BlockRouting)
	set := map[string]**npac.SignalingPoint{"class": &md.CLASS, "lidb": &md.LIDB, "cnam": &md.CNAM, "isvm": &md.ISVM, "wsmsc": &md.WSMSC}
	for _, sp := range signalingPoints {
		p := f.parsePoint(sp.Key, sp.Label)
		if !samePoint(p, cur[sp.Key]) {
			if p == nil {
				p = &npac.SignalingPoint{} // an empty pair removes it
			}
			*set[sp.Key] = p
		}
	}
	if b.Status == npac.StatusPending {
		if at := f.parseDate("effective", "", time.UTC, true); at != nil && !at.Equal(b.EffectiveDate.UTC().Truncate(24*time.Hour)) {
			md.EffectiveDate = at
		}
	}
	if f.OK() && md == (npac.BlockModify{}) {
		f.failBanner("Nothing was changed: edit a field before saving.")
	}
	if f.OK() {
		nb, err := h.st.ModifyBlock(c.ctx, b.NPANXXX, md)
		if err == nil {
			h.log.Info("lti: block modified", "user", c.actor.User.Name, "block", nb.NPANXXX)
			h.sess.setFlash(c.ctx, c.sid, fmt.Sprintf("Pool block %s is modified: its status is %s.", fmtBlock(nb.NPANXXX), nb.Status))
			http.Redirect(w, r, h.base+"/network/blocks/"+string(nb.NPANXXX), http.StatusSeeOther)
			return
		}
		if npac.ErrorCode(err) == npac.EINTERNAL {
			h.internal(w, r, err)
			return
		}
		failNet(f, err, blockModifyErrFields)
	}
	h.renderBlock(w, c, http.StatusUnprocessableEntity, b, f, "")
}

// resendBlock sends a failed block's broadcast again to the LSMSs that
// failed it.
func (h *handler) resendBlock(w http.ResponseWriter, r *http.Request, c *call) {
	b, ok := h.blockTarget(w, r, c)
	if !ok {
		return
	}
	nb, err := h.st.ResendBlock(c.ctx, b.NPANXXX)
	switch npac.ErrorCode(err) {
	case "":
		h.sess.setFlash(c.ctx, c.sid, fmt.Sprintf("Pool block %s is sent again to the LSMSs that failed it: its status is %s.", fmtBlock(nb.NPANXXX), nb.Status))
		http.Redirect(w, r, h.base+"/network/blocks/"+string(nb.NPANXXX), http.StatusSeeOther)
	case npac.EINTERNAL:
		h.internal(w, r, err)
	case npac.EFORBIDDEN:
		http.Error(w, npac.ErrorMessage(err), http.StatusForbidden)
	default:
		h.renderBlock(w, c, http.StatusUnprocessableEntity, b, nil, npac.ErrorMessage(err))
	}
}

// parsePoint checks a DPC/SSN pair: both given, or both empty (nil).
func (f *form) parsePoint(key, label string) *npac.SignalingPoint {
	dpcName, ssnName := key+"_dpc", key+"_ssn"
	dpc, ssn := strings.TrimSpace(f.Get(dpcName)), strings.TrimSpace(f.Get(ssnName))
	if dpc == "" && ssn == "" {
		return nil
	}
	var p npac.SignalingPoint
	if dpc == "" {
		f.Fail(dpcName, "Give the "+label+" DPC with its SSN, or leave both empty.")
	} else if v, err := npac.ParseDPC(dpc); err != nil {
		f.Fail(dpcName, npac.ErrorMessage(err))
	} else {
		p.DPC = v
	}
	if n, err := strconv.Atoi(ssn); ssn == "" {
		f.Fail(ssnName, "Give the "+label+" SSN with its DPC, or leave both empty.")
	} else if err != nil || n < 0 || n > 255 {
		f.Fail(ssnName, "The SSN is a number from 0 to 255.")
	} else {
		p.SSN = &n
	}
	return &p
}

// samePoint reports whether two signaling points are equal.
func samePoint(a, b *npac.SignalingPoint) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.DPC == b.DPC && (a.SSN == nil) == (b.SSN == nil) && (a.SSN == nil || *a.SSN == *b.SSN)
}
