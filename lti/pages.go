package lti

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/lifecycle"
)

// ---- sign-in and sign-out

type loginData struct {
	Form *form
	Next string
	// Note is a line above the form: signed out, session ended.
	Note string
}

func (h *handler) loginPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if ck, err := r.Cookie(sessionCookie); err == nil {
		if _, ok := h.sess.get(r.Context(), ck.Value); ok {
			http.Redirect(w, r, h.base+"/", http.StatusSeeOther)
			return
		}
	}
	q := r.URL.Query()
	d := loginData{Form: newForm("name", "password"), Next: q.Get("next")}
	switch {
	case q.Get("out") != "":
		d.Note = "You are signed out."
	case q.Get("ended") != "":
		d.Note = "Your session has ended. Sign in again."
	}
	h.renderLogin(w, r, http.StatusOK, d)
}

// renderLogin shows the sign-in page with the double-submit CSRF token:
// the same random value in a cookie and in the form.
func (h *handler) renderLogin(w http.ResponseWriter, r *http.Request, status int, d loginData) {
	tok := ""
	if ck, err := r.Cookie(loginCookie); err == nil && len(ck.Value) >= 22 {
		tok = ck.Value
	} else {
		tok = token(24)
		h.setCookie(w, r, loginCookie, tok, 3600)
	}
	d.Form.Values["password"] = "" // never sent back
	h.render(w, status, "login", &page{Title: "Sign in", CSRF: tok, Data: d})
}

func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	f := formFrom(r.PostForm, "name", "password")
	password := r.PostForm.Get("password") // as typed: spaces count
	d := loginData{Form: f, Next: r.PostForm.Get("next")}
	ck, err := r.Cookie(loginCookie)
	if err != nil || !sameToken(r.PostForm.Get("csrf"), ck.Value) {
		f.Banner = "This sign-in form has expired, or your browser did not send its cookie. Allow cookies for this site and sign in again."
		r.Header.Del("Cookie") // a fresh token
		h.renderLogin(w, r, http.StatusForbidden, d)
		return
	}
	name := f.Get("name")
	if name == "" {
		f.Fail("name", "Give your user name.")
	}
	if password == "" {
		f.Fail("password", "Give your password.")
	}
	if !f.OK() {
		h.renderLogin(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	addr := addrKey(h.opts.ClientAddr(r))
	if wait := h.thr.attempt(addr, name); wait > 0 {
		h.log.Warn("lti: sign-in refused while throttled", "user", name, "addr", addr, "wait", wait)
		f.Banner = "Too many failed sign-ins from this address or for this user. Try again in " + humanDuration(wait) + "."
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
		h.renderLogin(w, r, http.StatusTooManyRequests, d)
		return
	}
	a, err := h.st.Login(r.Context(), name, password)
	if npac.ErrorCode(err) == npac.EUNAUTHORIZED {
		// attempt counted the failure already.
		h.log.Warn("lti: sign-in failed", "user", name, "addr", addr)
		f.Banner = npac.ErrorMessage(err)
		h.renderLogin(w, r, http.StatusUnauthorized, d)
		return
	} else if err != nil {
		h.internal(w, r, err)
		return
	}
	h.thr.succeed(addr, name)
	_, stamp, err := h.st.PasswordActor(r.Context(), a.User.ID)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	// A new ID at every sign-in: a session ID planted before it is
	// worthless after.
	if old, err := r.Cookie(sessionCookie); err == nil {
		h.sess.end(r.Context(), old.Value)
	}
	sid, err := h.sess.create(r.Context(), &a.User, stamp)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	h.setCookie(w, r, sessionCookie, sid, 0)
	h.setCookie(w, r, loginCookie, "", -1)
	h.log.Info("lti: signed in", "user", a.User.Name, "addr", addr)
	http.Redirect(w, r, h.safeNext(d.Next), http.StatusSeeOther)
}

// humanDuration says a wait the way a person reads it, rounded up.
func humanDuration(d time.Duration) string {
	switch s := int((d + time.Second - 1) / time.Second); {
	case s <= 1:
		return "1 second"
	case s < 120:
		return strconv.Itoa(s) + " seconds"
	default:
		return strconv.Itoa((s+59)/60) + " minutes"
	}
}

func (h *handler) logout(w http.ResponseWriter, r *http.Request, c *call) {
	h.sess.end(c.ctx, c.sid)
	h.setCookie(w, r, sessionCookie, "", -1)
	h.log.Info("lti: signed out", "user", c.actor.User.Name)
	http.Redirect(w, r, h.base+"/login?out=1", http.StatusSeeOther)
}

// ---- home

// queue is a list of SVs that wait for something, on the home page.
type queue struct {
	ID, Title, Hint string
	SVs             []*npac.SV
}

type homeData struct {
	Admin, Provider, SOA bool
	SPIDs                []npac.SPID
	Queues               []queue
	Notices              []*npac.Notification
	Error                string
}

func (h *handler) home(w http.ResponseWriter, r *http.Request, c *call) {
	p := h.newPage(c, "Home", "home")
	a := c.actor
	d := homeData{Admin: a.IsAdmin(), SPIDs: readSPIDs(a), SOA: len(a.SOASPIDs()) > 0}
	d.Provider = len(d.SPIDs) > 0
	if d.SOA {
		if err := h.fillQueues(c, &d); err != nil {
			d.Error = npac.ErrorMessage(err)
		}
	}
	for _, s := range d.SPIDs {
		ns, err := h.latestNotices(c, s, 10)
		if err != nil {
			d.Error = npac.ErrorMessage(err)
			continue
		}
		d.Notices = append(d.Notices, ns...)
	}
	sort.SliceStable(d.Notices, func(i, j int) bool { return d.Notices[i].CreatedAt.After(d.Notices[j].CreatedAt) })
	if len(d.Notices) > 10 {
		d.Notices = d.Notices[:10]
	}
	p.Data = d
	h.render(w, http.StatusOK, "home", p)
}

// fillQueues sorts the live SVs of the actor's SOA SPIDs into what each
// waits for.
func (h *handler) fillQueues(c *call, d *homeData) error {
	mine := soaSPIDs(c.actor)
	seen := map[int64]bool{}
	var all []*npac.SV
	for _, s := range mine {
		for _, st := range []npac.Status{npac.StatusPending, npac.StatusConflict, npac.StatusCancelPending,
			npac.StatusFailed, npac.StatusPartialFailure, npac.StatusDisconnectPending} {
			svs, err := h.st.SVs(c.ctx, npac.SVFilter{SPID: s, Status: st, Limit: 200})
			if err != nil {
				return err
			}
			for _, sv := range svs {
				if !seen[sv.ID] {
					seen[sv.ID] = true
					all = append(all, sv)
				}
			}
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	is := func(s npac.SPID) bool { return slices.Contains(mine, s) }
	qs := []queue{
		{ID: "concur", Title: "Awaiting your concurrence", Hint: "You are the old SP: concur, or place the port in conflict."},
		{ID: "create", Title: "Awaiting your create", Hint: "You are the new SP and the old SP created first: send your create with your LRN."},
		{ID: "activate", Title: "Concurred: activate on the due date", Hint: "You are the new SP; both sides agree."},
		{ID: "waiting", Title: "Waiting for the old SP", Hint: "You are the new SP; the old SP has not concurred yet."},
		{ID: "conflict", Title: "In conflict"},
		{ID: "cancel", Title: "Cancel pending", Hint: "One side canceled; the other acknowledges."},
		{ID: "failed", Title: "Broadcast failed or partly failed", Hint: "NPAC personnel resend to the LSMSs that missed it."},
		{ID: "disconnect", Title: "Disconnect pending"},
	}
	add := func(id string, sv *npac.SV) {
		for i := range qs {
			if qs[i].ID == id {
				qs[i].SVs = append(qs[i].SVs, sv)
			}
		}
	}
	for _, sv := range all {
		switch sv.Status {
		case npac.StatusPending:
			switch {
			case is(sv.OldSPID) && sv.OldSPCreatedAt == nil:
				add("concur", sv)
			case is(sv.NewSPID) && sv.NewSPCreatedAt == nil:
				add("create", sv)
			case is(sv.NewSPID) && sv.Concurred():
				add("activate", sv)
			case is(sv.NewSPID):
				add("waiting", sv)
			}
		case npac.StatusConflict:
			add("conflict", sv)
		case npac.StatusCancelPending:
			add("cancel", sv)
		case npac.StatusFailed, npac.StatusPartialFailure:
			add("failed", sv)
		case npac.StatusDisconnectPending:
			add("disconnect", sv)
		}
	}
	d.Queues = qs
	return nil
}

// latestNotices returns up to n of a SPID's newest notifications, newest
// first. A stream's sequence numbers have no gaps, so the window is
// computed from the last one.
func (h *handler) latestNotices(c *call, spid npac.SPID, n int) ([]*npac.Notification, error) {
	last, err := h.st.LastSeq(c.ctx, spid)
	if err != nil {
		return nil, err
	}
	return h.noticesBefore(c, spid, last+1, n)
}

func (h *handler) noticesBefore(c *call, spid npac.SPID, before int64, n int) ([]*npac.Notification, error) {
	after := max(before-1-int64(n), 0)
	ns, err := h.st.Notifications(c.ctx, spid, after, n)
	if err != nil {
		return nil, err
	}
	out := make([]*npac.Notification, 0, len(ns))
	for i := len(ns) - 1; i >= 0; i-- {
		if ns[i].Seq < before {
			out = append(out, ns[i])
		}
	}
	return out, nil
}

// ---- TN search

type tnData struct {
	Form             *form
	TN               npac.TN
	Searched         bool
	Current, Pending *npac.SV
	History          []*npac.SV
}

func (h *handler) tnSearch(w http.ResponseWriter, r *http.Request, c *call) {
	p := h.newPage(c, "TN search", "tn")
	f := formFrom(r.URL.Query(), "tn")
	d := tnData{Form: f}
	status := http.StatusOK
	if f.Get("tn") != "" {
		d.TN = f.parseTN("tn", true)
		if f.OK() {
			svs, err := h.st.SVs(c.ctx, npac.SVFilter{TN: d.TN, Limit: 1000})
			if err != nil {
				f.FailErr(err)
			}
			d.Searched = err == nil
			for i := len(svs) - 1; i >= 0; i-- {
				sv := svs[i]
				d.History = append(d.History, sv)
				switch sv.Slot {
				case npac.SlotActive:
					d.Current = sv
				case npac.SlotPending:
					d.Pending = sv
				}
			}
		}
		if !f.OK() {
			status = http.StatusUnprocessableEntity
		}
		p.Title = "TN " + fmtTN(d.TN)
	}
	p.Data = d
	h.render(w, status, "tn", p)
}

// ---- SV list

const pageSize = 50

type listData struct {
	Form          *form
	SVs           []*npac.SV
	Next, First   string
	Admin         bool
	SPIDChoices   []string
	StatusChoices []string
}

func (h *handler) svList(w http.ResponseWriter, r *http.Request, c *call) {
	p := h.newPage(c, "Subscription versions", "svs")
	q := r.URL.Query()
	f := formFrom(q, "tn", "status", "spid")
	d := listData{Form: f, Admin: c.actor.IsAdmin(), StatusChoices: []string{"", "any status"}}
	for _, s := range npac.Statuses {
		d.StatusChoices = append(d.StatusChoices, string(s), string(s))
	}
	if !d.Admin {
		d.SPIDChoices = p.spidChoices([]string{"", "all of mine"}, readSPIDs(c.actor))
	}
	filter := npac.SVFilter{Limit: pageSize + 1}
	filter.TN = f.parseTN("tn", false)
	if st := f.Get("status"); st != "" {
		if !slices.Contains(npac.Statuses, npac.Status(st)) {
			f.Fail("status", fmt.Sprintf("%q is not an SV status.", st))
		}
		filter.Status = npac.Status(st)
	}
	filter.SPID = f.parseSPID("spid", false)
	if a := q.Get("after"); a != "" {
		filter.AfterID, _ = strconv.ParseInt(a, 10, 64)
	}
	status := http.StatusOK
	if f.OK() {
		svs, err := h.st.SVs(c.ctx, filter)
		if npac.ErrorCode(err) == npac.EFORBIDDEN && filter.SPID != "" {
			f.Fail("spid", npac.ErrorMessage(err))
		} else if err != nil {
			f.FailErr(err)
		} else {
			if len(svs) > pageSize {
				svs = svs[:pageSize]
				nq := url.Values{}
				for _, k := range []string{"tn", "status", "spid"} {
					if v := f.Get(k); v != "" {
						nq.Set(k, v)
					}
				}
				nq.Set("after", strconv.FormatInt(svs[len(svs)-1].ID, 10))
				d.Next = h.base + "/svs?" + nq.Encode()
			}
			d.SVs = svs
		}
	}
	if filter.AfterID > 0 {
		nq := url.Values{}
		for _, k := range []string{"tn", "status", "spid"} {
			if v := f.Get(k); v != "" {
				nq.Set(k, v)
			}
		}
		d.First = h.base + "/svs"
		if len(nq) > 0 {
			d.First += "?" + nq.Encode()
		}
	}
	if !f.OK() {
		status = http.StatusUnprocessableEntity
	}
	p.Data = d
	h.render(w, status, "svs", p)
}

// ---- create

var createFields = []string{"side", "idem", "tn", "new_spid", "old_spid", "lrn", "sv_type", "due_date", "due_time"}

var svTypeChoices = []string{
	string(npac.SVWireline), "wireline", string(npac.SVWireless), "wireless", string(npac.SVVoIP), "VoIP",
	string(npac.SVVoWiFi), "VoWiFi", string(npac.SVPrepaidWireless), "prepaid wireless"}

type createData struct {
	Form *form
	Side npac.Side
	// OwnChoices lists the SPIDs the user may create for; empty for NPAC
	// personnel, who type any.
	OwnChoices  []string
	TypeChoices []string
	ZoneName    string
}

func (h *handler) createData(c *call, p *page, f *form) createData {
	side := npac.Side(f.Get("side"))
	if side != npac.SideOld {
		side = npac.SideNew
	}
	f.Set("side", string(side))
	d := createData{Form: f, Side: side, TypeChoices: svTypeChoices, ZoneName: p.Zone.String()}
	if !c.actor.IsAdmin() {
		d.OwnChoices = p.spidChoices(nil, soaSPIDs(c.actor))
	}
	return d
}

func (h *handler) createPage(w http.ResponseWriter, r *http.Request, c *call) {
	p := h.newPage(c, "New subscription version", "new")
	f := formFrom(r.URL.Query(), createFields...)
	h.prefillCreate(c, f)
	p.Data = h.createData(c, p, f)
	h.render(w, http.StatusOK, "create", p)
}

// prefillCreate fills a new create form: a fresh idempotency key, the
// user's first SPID on its side, and for the new SP the SV type its
// provider's type suggests.
func (h *handler) prefillCreate(c *call, f *form) {
	f.Set("idem", token(16))
	side := npac.SideNew
	if f.Get("side") == string(npac.SideOld) {
		side = npac.SideOld
	}
	own := "new_spid"
	if side == npac.SideOld {
		own = "old_spid"
	}
	if mine := soaSPIDs(c.actor); f.Get(own) == "" && len(mine) > 0 {
		f.Set(own, string(mine[0]))
	}
	if f.Get("sv_type") == "" && side == npac.SideNew {
		f.Set("sv_type", string(npac.SVWireline))
		if pr, ok := h.providers(c.ctx)[npac.SPID(f.Get("new_spid"))]; ok {
			switch pr.Type {
			case npac.ProviderWireless:
				f.Set("sv_type", string(npac.SVWireless))
			case npac.ProviderVoIP:
				f.Set("sv_type", string(npac.SVVoIP))
			}
		}
	}
}

func (h *handler) create(w http.ResponseWriter, r *http.Request, c *call) {
	p := h.newPage(c, "New subscription version", "new")
	f := formFrom(r.PostForm, createFields...)
	d := h.createData(c, p, f)
	in := readCreate(c, p, f, d.Side)
	in.TN = f.parseTN("tn", true)
	if f.OK() {
		sv, err := h.st.CreateSV(c.ctx, in)
		if err == nil {
			h.sess.setFlash(c.ctx, c.sid, fmt.Sprintf("SV %d for %s: your create is recorded; its status is %s.", sv.ID, fmtTN(sv.TN), sv.Status))
			http.Redirect(w, r, h.base+"/svs/"+strconv.FormatInt(sv.ID, 10), http.StatusSeeOther)
			return
		}
		failQuoted(f, err, "new_spid", "old_spid")
	}
	p.Data = d
	h.render(w, http.StatusUnprocessableEntity, "create", p)
}

// readCreate checks the fields of a create form besides its TNs: the
// SPIDs (the side the user creates as must be one of its own), the new
// SP's LRN and SV type, the due date, and the idempotency key.
func readCreate(c *call, p *page, f *form, side npac.Side) npac.SVCreate {
	in := npac.SVCreate{As: side}
	in.NewSPID = f.parseSPID("new_spid", true)
	in.OldSPID = f.parseSPID("old_spid", true)
	own := "new_spid"
	if side == npac.SideOld {
		own = "old_spid"
	}
	if s := in.SPIDOf(side); s != "" && f.Errors[own] == "" && !c.actor.CanActFor(s) {
		f.Fail(own, fmt.Sprintf("You do not act for %s: choose one of your SPIDs.", s))
	}
	if side == npac.SideNew {
		in.LRN = f.parseLRN("lrn", true)
		in.SVType = npac.SVType(f.Get("sv_type"))
		if in.SVType != "" && !in.SVType.Valid() {
			f.Fail("sv_type", fmt.Sprintf("SV type %q is unknown.", in.SVType))
		}
	} else if f.Get("lrn") != "" {
		// The old SP's form shows no LRN field: the banner says it.
		f.failBanner("The old SP's create carries no routing data; the new SP sends the LRN.")
	}
	if due := f.parseDate("due_date", "due_time", p.Zone, true); due != nil {
		in.DueDate = *due
	}
	if idem := f.Get("idem"); idem != "" && len(idem) <= 64 {
		in.IdempotencyKey = "lti-" + idem
	}
	return in
}

// failQuoted records a service error; a not-found error that names the
// value of one of the fields (a SPID that is not registered) goes next to
// that field.
func failQuoted(f *form, err error, fields ...string) {
	if fieldOf(err) == "" && npac.ErrorCode(err) == npac.ENOTFOUND {
		msg := npac.ErrorMessage(err)
		for _, name := range fields {
			if v := strings.ToUpper(f.Get(name)); v != "" && strings.Contains(msg, " "+v+" ") {
				f.Fail(name, msg)
				return
			}
		}
	}
	f.FailErr(err)
}

// ---- detail and actions

type historyRow struct {
	At       time.Time
	Who      string
	SPID     npac.SPID
	Action   string
	From, To npac.Status
	Changes  string
}

// can says which actions the detail page offers. The lifecycle decides;
// these only hide what cannot apply.
type can struct {
	Concur, CreateNew, Activate, Cancel, CancelAck, CancelUndo, Disconnect, Modify bool
	Conflict, Resolve                                                              bool
}

// causeChoices are the conflict cause codes a provider gives (NANC FRS),
// for a select.
var causeChoices = []string{"", "choose a cause",
	"50", "50 · LSR/WPR not received", "51", "51 · initial FOC/WPRR not issued",
	"52", "52 · due date mismatch", "53", "53 · vacant number", "54", "54 · general conflict"}

type detailData struct {
	SV          *npac.SV
	Zone        *time.Location
	History     []historyRow
	HistoryNote string
	New, Old    bool
	// Both says the user acts for both sides and must say which.
	Both                                 bool
	Can                                  can
	Concur, Modify, Disconnect, Conflict *form
	CauseChoices                         []string
	ActionError                          string
	CreateNewURL                         string
}

func (h *handler) loadSV(w http.ResponseWriter, r *http.Request, c *call) (*npac.SV, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.notFound(w, r, c)
		return nil, false
	}
	sv, err := h.st.SV(c.ctx, id)
	if npac.ErrorCode(err) == npac.ENOTFOUND {
		h.notFound(w, r, c)
		return nil, false
	} else if err != nil {
		h.internal(w, r, err)
		return nil, false
	}
	return sv, true
}

func (h *handler) detailData(c *call, sv *npac.SV) *detailData {
	a := c.actor
	d := &detailData{SV: sv, Zone: zoneOf(sv.Region), New: a.CanActFor(sv.NewSPID), Old: a.CanActFor(sv.OldSPID)}
	d.Both = d.New && d.Old && sv.NewSPID != sv.OldSPID
	st := sv.Status
	open := st == npac.StatusPending || st == npac.StatusConflict
	d.Can = can{
		Concur:     d.Old && open && sv.OldSPCreatedAt == nil && sv.NewSPID != sv.OldSPID,
		CreateNew:  d.New && open && sv.NewSPCreatedAt == nil,
		Activate:   d.New && st == npac.StatusPending && sv.NewSPCreatedAt != nil,
		Cancel:     (d.New || d.Old) && open,
		CancelAck:  (d.New || d.Old) && st == npac.StatusCancelPending,
		CancelUndo: (d.New || d.Old) && st == npac.StatusCancelPending,
		Disconnect: d.New && st == npac.StatusActive,
		Modify:     d.New && (st == npac.StatusPending || st == npac.StatusActive) && sv.NewSPCreatedAt != nil,
		// The old SP places a pending SV in conflict once; either side
		// removes a conflict, but the new SP never one with a cause only
		// the old SP may lift. The lifecycle refuses the rest (the
		// conflict window, the new SP's waiting time) with its sentence.
		Conflict: d.Old && st == npac.StatusPending && !sv.ConflictUsed,
		Resolve:  st == npac.StatusConflict && (d.Old || d.New && !lifecycle.RestrictedCause(sv.CauseCode)),
	}
	d.Conflict = newForm("cause")
	d.CauseChoices = causeChoices
	d.Concur = newForm("due_date", "due_time")
	d.Concur.Set("due_date", sv.DueDate.UTC().Format("2006-01-02"))
	d.Modify = newForm("lrn", "due_date", "due_time")
	d.Modify.Set("lrn", fmtTN(sv.LRN))
	if st == npac.StatusPending {
		d.Modify.Set("due_date", sv.DueDate.UTC().Format("2006-01-02"))
	}
	d.Disconnect = newForm("cdd", "erd")
	q := url.Values{"side": {"new"}, "tn": {string(sv.TN)}, "old_spid": {string(sv.OldSPID)}, "new_spid": {string(sv.NewSPID)},
		"due_date": {sv.DueDate.UTC().Format("2006-01-02")}}
	d.CreateNewURL = h.base + "/svs/new?" + q.Encode()
	return d
}

// history reads the SV's audit records. Only parties and NPAC personnel
// may; others see a note instead.
func (h *handler) history(c *call, d *detailData) {
	recs, err := h.st.Audit(c.ctx, npac.AuditFilter{Entity: "sv", EntityID: strconv.FormatInt(d.SV.ID, 10), Limit: 500})
	if err != nil {
		d.HistoryNote = "The history of an SV is shown to the two providers of the port and to NPAC personnel."
		if npac.ErrorCode(err) != npac.EFORBIDDEN {
			d.HistoryNote = npac.ErrorMessage(err)
		}
		return
	}
	for _, rec := range recs {
		row := historyRow{At: rec.At, Who: rec.UserName, SPID: rec.SPID, Action: strings.TrimPrefix(rec.Action, "sv.")}
		var before, after map[string]json.RawMessage
		json.Unmarshal(rec.Before, &before)
		json.Unmarshal(rec.After, &after)
		row.From, row.To = statusIn(before), statusIn(after)
		row.Changes = changes(before, after)
		d.History = append(d.History, row)
	}
}

func statusIn(m map[string]json.RawMessage) npac.Status {
	var s npac.Status
	if raw, ok := m["status"]; ok {
		json.Unmarshal(raw, &s)
	}
	return s
}

// bookkeeping are SV fields that change with everything and say nothing.
var bookkeeping = map[string]bool{"version": true, "updated_at": true, "status_changed_at": true, "status": true,
	"prior_status": true, "broadcast": true, "pending_broadcast": true, "id": true, "created_at": true}

// changes lists the SV fields a change touched, besides its status.
func changes(before, after map[string]json.RawMessage) string {
	if before == nil {
		return ""
	}
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	var out []string
	for k := range keys {
		if bookkeeping[k] {
			continue
		}
		var b, a any
		json.Unmarshal(before[k], &b)
		json.Unmarshal(after[k], &a)
		if !reflect.DeepEqual(a, b) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

func (h *handler) detail(w http.ResponseWriter, r *http.Request, c *call) {
	sv, ok := h.loadSV(w, r, c)
	if !ok {
		return
	}
	d := h.detailData(c, sv)
	h.renderDetail(w, c, http.StatusOK, d)
}

func (h *handler) renderDetail(w http.ResponseWriter, c *call, status int, d *detailData) {
	h.history(c, d)
	p := h.newPage(c, fmt.Sprintf("SV %d · %s", d.SV.ID, fmtTN(d.SV.TN)), "svs")
	p.Data = d
	h.render(w, status, "detail", p)
}

// act runs one action of the detail page's forms.
func (h *handler) act(w http.ResponseWriter, r *http.Request, c *call) {
	sv, ok := h.loadSV(w, r, c)
	if !ok {
		return
	}
	d := h.detailData(c, sv)
	action := r.PathValue("action")
	as := npac.Side(r.PostForm.Get("as"))
	if as != "" && as != npac.SideNew && as != npac.SideOld {
		as = ""
	}
	// Acting for both sides, an action only one side takes says which.
	side := func(def npac.Side) npac.Side {
		if !d.Both {
			return ""
		}
		if as != "" {
			return as
		}
		return def
	}
	var (
		out *npac.SV
		err error
		bad *form
	)
	switch action {
	case "concur":
		f := formFrom(r.PostForm, "due_date", "due_time")
		d.Concur, bad = f, f
		due := f.parseDate("due_date", "due_time", d.Zone, true)
		if f.OK() {
			out, err = h.st.CreateSV(c.ctx, npac.SVCreate{TN: sv.TN, NewSPID: sv.NewSPID, OldSPID: sv.OldSPID, As: npac.SideOld,
				DueDate: *due, PortToOriginal: sv.PortToOriginal})
		}
	case "activate":
		out, err = h.st.Act(c.ctx, sv.ID, npac.Action{Kind: npac.ActActivate, As: side(npac.SideNew)})
	case "conflict":
		f := formFrom(r.PostForm, "cause")
		d.Conflict, bad = f, f
		cause := parseCause(f, "cause")
		if f.OK() {
			out, err = h.st.Act(c.ctx, sv.ID, npac.Action{Kind: npac.ActConflict, As: side(npac.SideOld), CauseCode: cause})
		}
	case "resolve-conflict":
		out, err = h.st.Act(c.ctx, sv.ID, npac.Action{Kind: npac.ActResolveConflict, As: side(npac.SideOld)})
	case "cancel", "cancel-ack", "cancel-undo":
		if d.Both && as == "" {
			err = npac.Errorf(npac.EINVALID, "You act for both sides of this port: choose the side you %s for.", action)
		} else {
			out, err = h.st.Act(c.ctx, sv.ID, npac.Action{Kind: npac.ActionKind(action), As: side("")})
		}
	case "disconnect":
		f := formFrom(r.PostForm, "cdd", "erd")
		d.Disconnect, bad = f, f
		a := npac.Action{Kind: npac.ActDisconnect, As: side(npac.SideNew)}
		a.CustomerDisconnectDate = f.parseDate("cdd", "", d.Zone, false)
		a.EffectiveReleaseDate = f.parseDate("erd", "", d.Zone, false)
		if f.OK() {
			out, err = h.st.Act(c.ctx, sv.ID, a)
		}
	case "modify":
		f := formFrom(r.PostForm, "lrn", "due_date", "due_time")
		d.Modify, bad = f, f
		m := &npac.SVModify{}
		if lrn := f.parseLRN("lrn", false); lrn != "" && lrn != sv.LRN {
			m.LRN = &lrn
		}
		if sv.Status == npac.StatusPending {
			if due := f.parseDate("due_date", "due_time", d.Zone, false); due != nil && !due.Equal(sv.DueDate) {
				m.DueDate = due
			}
		}
		if f.OK() && m.LRN == nil && m.DueDate == nil {
			f.Fail("lrn", "Nothing changed: give a new LRN or due date.")
		}
		if f.OK() {
			out, err = h.st.Act(c.ctx, sv.ID, npac.Action{Kind: npac.ActModify, As: side(npac.SideNew), Modify: m})
		}
	default:
		h.notFound(w, r, c)
		return
	}
	if npac.ErrorCode(err) == npac.EINTERNAL {
		h.internal(w, r, err)
		return
	}
	if err == nil && (bad == nil || bad.OK()) {
		h.sess.setFlash(c.ctx, c.sid, fmt.Sprintf("%s of SV %d done: its status is %s.", actionLabel(action), out.ID, out.Status))
		http.Redirect(w, r, h.base+"/svs/"+strconv.FormatInt(out.ID, 10), http.StatusSeeOther)
		return
	}
	if err != nil {
		if bad != nil {
			bad.FailErr(err)
		} else {
			d.ActionError = npac.ErrorMessage(err)
		}
	}
	if bad != nil && bad.Banner != "" {
		d.ActionError, bad.Banner = bad.Banner, ""
	}
	h.renderDetail(w, c, http.StatusUnprocessableEntity, d)
}

func actionLabel(a string) string {
	switch a {
	case "concur":
		return "Concurrence"
	case "activate":
		return "Activation"
	case "cancel":
		return "Cancel"
	case "cancel-ack":
		return "Cancel acknowledgement"
	case "cancel-undo":
		return "Cancel undo"
	case "disconnect":
		return "Disconnect"
	case "modify":
		return "Modify"
	case "conflict":
		return "Conflict"
	case "resolve-conflict":
		return "Conflict resolution"
	}
	return a
}

// parseCause reads a conflict's cause code field; the service checks that
// it is one a provider may give.
func parseCause(f *form, name string) int {
	v := f.Get(name)
	if v == "" {
		f.Fail(name, "Choose the cause of the conflict.")
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		f.Fail(name, fmt.Sprintf("%q is not a cause code: choose one from 50 to 54.", v))
	}
	return n
}

// ---- notifications

type noticeData struct {
	Form         *form
	SPID         npac.SPID
	Choices      []string
	Admin        bool
	Notices      []*npac.Notification
	Older, Newer string
}

func (h *handler) notifications(w http.ResponseWriter, r *http.Request, c *call) {
	p := h.newPage(c, "Notifications", "notifications")
	q := r.URL.Query()
	f := formFrom(q, "spid")
	d := noticeData{Form: f, Admin: c.actor.IsAdmin()}
	mine := readSPIDs(c.actor)
	d.Choices = p.spidChoices(nil, mine)
	if f.Get("spid") == "" && len(mine) > 0 {
		f.Set("spid", string(mine[0]))
	}
	status := http.StatusOK
	d.SPID = f.parseSPID("spid", false)
	if d.SPID != "" && f.OK() {
		last, err := h.st.LastSeq(c.ctx, d.SPID)
		if err != nil {
			f.FailErr(err)
		} else {
			before := last + 1
			if b, err := strconv.ParseInt(q.Get("before"), 10, 64); err == nil && b > 0 && b <= last {
				before = b
			}
			ns, err := h.noticesBefore(c, d.SPID, before, pageSize)
			if err != nil {
				f.FailErr(err)
			}
			d.Notices = ns
			link := func(b int64) string {
				return h.base + "/notifications?" + url.Values{"spid": {string(d.SPID)}, "before": {strconv.FormatInt(b, 10)}}.Encode()
			}
			if len(ns) > 0 && ns[len(ns)-1].Seq > 1 {
				d.Older = link(ns[len(ns)-1].Seq)
			}
			if before <= last {
				d.Newer = link(min(before+pageSize, last+1))
			}
		}
	}
	if !f.OK() {
		status = http.StatusUnprocessableEntity
	}
	p.Data = d
	h.render(w, status, "notifications", p)
}

// ---- account

type accountData struct {
	Form *form
}

func (h *handler) account(w http.ResponseWriter, r *http.Request, c *call) {
	p := h.newPage(c, "Account", "account")
	p.Data = accountData{Form: newForm("current", "password", "confirm")}
	h.render(w, http.StatusOK, "account", p)
}

// changePassword sets the user's password after checking the current one
// (a failure counts for sign-in throttling), then ends every session of the
// user and starts a new one for this browser.
func (h *handler) changePassword(w http.ResponseWriter, r *http.Request, c *call) {
	p := h.newPage(c, "Account", "account")
	f := newForm("current", "password", "confirm")
	cur, pw, confirm := r.PostForm.Get("current"), r.PostForm.Get("password"), r.PostForm.Get("confirm")
	p.Data = accountData{Form: f}
	name := c.actor.User.Name
	addr := addrKey(h.opts.ClientAddr(r))
	if cur == "" {
		f.Fail("current", "Give your current password.")
	} else if wait := h.thr.attempt(addr, name); wait > 0 {
		f.Fail("current", "Too many wrong passwords; try again in "+humanDuration(wait)+".")
	} else if _, err := h.st.Login(r.Context(), name, cur); err != nil {
		if npac.ErrorCode(err) != npac.EUNAUTHORIZED {
			h.internal(w, r, err)
			return
		}
		f.Fail("current", "The current password is wrong.")
	} else {
		h.thr.succeed(addr, name)
	}
	if pw == "" {
		f.Fail("password", "Give the new password.")
	} else if pw != confirm {
		f.Fail("confirm", "The two new passwords differ.")
	}
	if f.OK() {
		err := h.st.SetPassword(c.ctx, c.actor.User.ID, pw)
		if err == nil {
			_, stamp, err := h.st.PasswordActor(r.Context(), c.actor.User.ID)
			if err != nil {
				h.internal(w, r, err)
				return
			}
			h.sess.endUser(c.ctx, c.actor.User.ID, "")
			sid, err := h.sess.create(c.ctx, &c.actor.User, stamp)
			if err != nil {
				h.internal(w, r, err)
				return
			}
			h.setCookie(w, r, sessionCookie, sid, 0)
			h.sess.setFlash(c.ctx, sid, "Your password is changed. Your other sessions are signed out.")
			h.log.Info("lti: password changed", "user", name)
			http.Redirect(w, r, h.base+"/account", http.StatusSeeOther)
			return
		}
		if npac.ErrorCode(err) == npac.EINTERNAL {
			h.internal(w, r, err)
			return
		}
		f.Fail("password", npac.ErrorMessage(err))
	}
	h.render(w, http.StatusUnprocessableEntity, "account", p)
}
