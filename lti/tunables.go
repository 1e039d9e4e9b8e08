package lti

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	npac "github.com/opennpac/npac"
)

// ---- Tunables and timer sets (NPAC personnel)

// timerWindows are the duration windows of a timer set, by form field
// suffix (also the name npac.Tunables.Validate gives them).
var timerWindows = []struct{ Key, Label string }{
	{"t1", "T1 (initial concurrence)"},
	{"t2", "T2 (final concurrence)"},
	{"cancel_initial", "Cancel: initial concurrence"},
	{"cancel_final", "Cancel: final concurrence"},
	{"conflict_resolution_new_sp", "Conflict: new SP may resolve after"},
}

// timerTypes are the timer sets in the order the page shows them.
var timerTypes = []npac.TimerType{npac.TimerLong, npac.TimerMedium, npac.TimerShort}

// generalDurations are the tunables that are durations, outside the timer
// sets.
var generalDurations = []struct{ Key, Label, Hint string }{
	{"conflict_expiration", "Conflict expiration", "Calendar time an SV may stay in conflict before it is canceled, such as 720h."},
	{"pending_purge", "Pending purge", "Calendar time after its due date a never-activated pending SV is canceled, such as 720h."},
	{"broadcast_interval", "Broadcast resend interval", "How long the NPAC waits for an LSMS's acknowledgement before it sends again, such as 2m."},
	{"log_retention", "Broadcast log retention", "How long the log keeps a message some LSMS has not acknowledged, such as 168h."},
}

// tunablesFields are every field of the form.
func tunablesFields() []string {
	fs := []string{"business_start", "business_end", "weekends", "broadcast_retries"}
	for _, g := range generalDurations {
		fs = append(fs, g.Key)
	}
	for _, tt := range timerTypes {
		for _, w := range timerWindows {
			fs = append(fs, windowField(tt, w.Key))
		}
		fs = append(fs, windowField(tt, "conflict_restriction"))
	}
	return fs
}

// windowField is a timer set window's form field, such as "long_t1".
func windowField(tt npac.TimerType, key string) string { return string(tt) + "_" + key }

type tunablesData struct {
	Form    *form
	Windows []struct{ Key, Label string }
	Types   []npac.TimerType
	General []struct{ Key, Label, Hint string }
	// Changes are the latest changes of the tunables, newest first.
	Changes []*npac.AuditRecord
}

// tunablesPage shows the tunables in force as a form.
func (h *handler) tunablesPage(w http.ResponseWriter, r *http.Request, c *call) {
	if !h.mayTunables(w, c) {
		return
	}
	t, err := h.st.Tunables(c.ctx)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	h.renderTunables(w, r, c, http.StatusOK, tunablesForm(t))
}

// mayTunables refuses anyone but NPAC personnel.
func (h *handler) mayTunables(w http.ResponseWriter, c *call) bool {
	if !c.actor.IsAdmin() {
		http.Error(w, "The tunables are changed by NPAC personnel.", http.StatusForbidden)
		return false
	}
	return true
}

func (h *handler) renderTunables(w http.ResponseWriter, r *http.Request, c *call, status int, f *form) {
	recs, err := h.st.Audit(c.ctx, npac.AuditFilter{Entity: "tunables", Limit: 1000})
	if err != nil {
		h.internal(w, r, err)
		return
	}
	slices.Reverse(recs)
	if len(recs) > 10 {
		recs = recs[:10]
	}
	p := h.newPage(c, "Tunables and timer sets", "tunables")
	p.Data = &tunablesData{Form: f, Windows: timerWindows, Types: timerTypes, General: generalDurations, Changes: recs}
	h.render(w, status, "tunables", p)
}

// saveTunables checks the form, field by field, then has the store check
// the whole; a refusal is shown next to its field and changes nothing.
func (h *handler) saveTunables(w http.ResponseWriter, r *http.Request, c *call) {
	if !h.mayTunables(w, c) {
		return
	}
	f := formFrom(r.PostForm, tunablesFields()...)
	t := npac.Tunables{Timers: map[npac.TimerType]npac.TimerSet{}, Weekends: f.Get("weekends") != ""}
	t.BusinessStart = f.parseClock("business_start")
	t.BusinessEnd = f.parseClock("business_end")
	t.ConflictExpiration = f.parseDuration("conflict_expiration")
	t.PendingPurge = f.parseDuration("pending_purge")
	t.BroadcastInterval = f.parseDuration("broadcast_interval")
	t.LogRetention = f.parseDuration("log_retention")
	t.BroadcastRetries = f.parseCount("broadcast_retries")
	for _, tt := range timerTypes {
		d := func(key string) time.Duration { return f.parseDuration(windowField(tt, key)) }
		t.Timers[tt] = npac.TimerSet{T1: d("t1"), T2: d("t2"), CancelInitial: d("cancel_initial"), CancelFinal: d("cancel_final"),
			ConflictResolutionNewSP: d("conflict_resolution_new_sp"), ConflictRestriction: f.parseClock(windowField(tt, "conflict_restriction"))}
	}
	if f.OK() {
		_, err := h.st.SetTunables(c.ctx, t)
		if err == nil {
			h.sess.setFlash(c.ctx, c.sid, "Tunables saved; they apply to timers started from now on.")
			http.Redirect(w, r, h.base+"/tunables", http.StatusSeeOther)
			return
		}
		if npac.ErrorCode(err) == npac.EINTERNAL {
			h.internal(w, r, err)
			return
		}
		failTunables(f, err)
	}
	h.renderTunables(w, r, c, http.StatusUnprocessableEntity, f)
}

// failTunables puts a refusal of npac.Tunables.Validate ("long.t1: …")
// next to its field, or in the banner.
func failTunables(f *form, err error) {
	msg := npac.ErrorMessage(err)
	name, rest, ok := strings.Cut(msg, ": ")
	name = strings.ReplaceAll(name, ".", "_")
	if !ok || !f.has(name) {
		f.failBanner(msg)
		return
	}
	r, n := utf8.DecodeRuneInString(rest)
	f.Fail(name, string(unicode.ToUpper(r))+rest[n:])
}

// tunablesForm fills the form with t.
func tunablesForm(t npac.Tunables) *form {
	f := newForm(tunablesFields()...)
	f.Set("business_start", clockOf(t.BusinessStart))
	f.Set("business_end", clockOf(t.BusinessEnd))
	if t.Weekends {
		f.Set("weekends", "1")
	}
	f.Set("broadcast_retries", strconv.Itoa(t.BroadcastRetries))
	for k, d := range map[string]time.Duration{"conflict_expiration": t.ConflictExpiration, "pending_purge": t.PendingPurge,
		"broadcast_interval": t.BroadcastInterval, "log_retention": t.LogRetention} {
		f.Set(k, durationOf(d))
	}
	for _, tt := range timerTypes {
		ts := t.Timers[tt]
		for k, d := range map[string]time.Duration{"t1": ts.T1, "t2": ts.T2, "cancel_initial": ts.CancelInitial,
			"cancel_final": ts.CancelFinal, "conflict_resolution_new_sp": ts.ConflictResolutionNewSP} {
			f.Set(windowField(tt, k), durationOf(d))
		}
		f.Set(windowField(tt, "conflict_restriction"), clockOf(ts.ConflictRestriction))
	}
	return f
}

// durationOf writes d the way a person types it: "9h", "1h30m", "45s".
func durationOf(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// clockOf writes an offset from midnight as HH:MM.
func clockOf(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// parseDuration checks a duration field such as "9h" or "1h30m".
func (f *form) parseDuration(name string) time.Duration {
	v := strings.ReplaceAll(strings.TrimSpace(f.Get(name)), " ", "")
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		f.Fail(name, "Give a duration such as 9h, 90m or 1h30m.")
		return 0
	}
	return d
}

// parseClock checks a time-of-day field, HH:MM from 00:00 to 24:00.
func (f *form) parseClock(name string) time.Duration {
	v := strings.TrimSpace(f.Get(name))
	if v == "24:00" {
		return 24 * time.Hour
	}
	at, err := time.Parse("15:04", v)
	if err != nil {
		f.Fail(name, "Give a time of day as HH:MM, such as 08:00.")
		return 0
	}
	return time.Duration(at.Hour())*time.Hour + time.Duration(at.Minute())*time.Minute
}

// parseCount checks a whole-number field.
func (f *form) parseCount(name string) int {
	n, err := strconv.Atoi(strings.TrimSpace(f.Get(name)))
	if err != nil {
		f.Fail(name, "Give a whole number, such as 3.")
	}
	return n
}
