package lti

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	npac "github.com/opennpac/npac"
)

// ---- LSMS connections (NPAC personnel)

// lsmsRow is one LSMS registration with its lag.
type lsmsRow struct {
	SPID    npac.SPID
	Regions []npac.Region
	// AckedSeq is the last log message it acknowledged; Behind is the log
	// head less AckedSeq (messages for other LSMSs count too).
	AckedSeq, Behind int64
	// Pending counts the deliveries waiting for its acknowledgement;
	// OldestAge is the age in seconds of the oldest, when Pending > 0.
	Pending   int
	OldestAge int64
	// FailedSVs counts the failed SVs whose failed list names it.
	FailedSVs int
	// Connected: no delivery has waited longer than Options.LSMSStale,
	// and no failed SV names it.
	Connected bool
}

// failedSV is a failed or partially failed SV with its failed SP list.
type failedSV struct {
	ID               int64
	TN               npac.TN
	Status           npac.Status
	OldSPID, NewSPID npac.SPID
	Changed          time.Time
	Failed           []npac.SPID
}

type lsmsData struct {
	Head   int64
	LSMSs  []lsmsRow
	Failed []failedSV
	// Stale is Options.LSMSStale in words.
	Stale string
	// ResendID and ResendError report a refused resend.
	ResendID    int64
	ResendError string
}

// lsmsPage lists the LSMS registrations with their lag and the failed SVs
// with a Resend button each.
func (h *handler) lsmsPage(w http.ResponseWriter, r *http.Request, c *call) {
	h.renderLSMS(w, r, c, http.StatusOK, 0, "")
}

func (h *handler) renderLSMS(w http.ResponseWriter, r *http.Request, c *call, status int, resendID int64, resendErr string) {
	if !c.actor.IsAdmin() {
		http.Error(w, "The LSMS page is for NPAC personnel.", http.StatusForbidden)
		return
	}
	d, err := h.lsmsData(c)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	d.ResendID, d.ResendError = resendID, resendErr
	p := h.newPage(c, "LSMS connections", "lsms")
	p.Data = d
	h.render(w, status, "lsms", p)
}

// col returns the index of each column of a report by name.
func col(rep *npac.Report) func(row []string, name string) string {
	idx := make(map[string]int, len(rep.Columns))
	for i, c := range rep.Columns {
		idx[c] = i
	}
	return func(row []string, name string) string {
		if i, ok := idx[name]; ok && i < len(row) {
			return row[i]
		}
		return ""
	}
}

func (h *handler) lsmsData(c *call) (*lsmsData, error) {
	regs, err := h.st.LSMSs(c.ctx)
	if err != nil {
		return nil, err
	}
	head, err := h.st.LogHead(c.ctx)
	if err != nil {
		return nil, err
	}
	lag, err := h.st.Report(c.ctx, npac.ReportLSMSLag, npac.ReportFilter{})
	if err != nil {
		return nil, err
	}
	failed, err := h.st.Report(c.ctx, npac.ReportFailedSVs, npac.ReportFilter{})
	if err != nil {
		return nil, err
	}
	d := &lsmsData{Head: head, Stale: humanDuration(h.opts.LSMSStale)}
	failing := map[npac.SPID]int{}
	get := col(failed)
	for _, row := range failed.Rows {
		id, err := strconv.ParseInt(get(row, "sv_id"), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("failed-svs report: sv_id %q", get(row, "sv_id"))
		}
		f := failedSV{ID: id, TN: npac.TN(get(row, "tn")), Status: npac.Status(get(row, "status")),
			OldSPID: npac.SPID(get(row, "old_spid")), NewSPID: npac.SPID(get(row, "new_spid"))}
		f.Changed, _ = time.Parse(time.RFC3339, get(row, "status_changed_at"))
		for _, s := range strings.Split(get(row, "failed_spids"), ";") {
			if s != "" {
				f.Failed = append(f.Failed, npac.SPID(s))
				failing[npac.SPID(s)]++
			}
		}
		d.Failed = append(d.Failed, f)
	}
	byID := map[npac.SPID][]string{}
	get = col(lag)
	for _, row := range lag.Rows {
		byID[npac.SPID(get(row, "spid"))] = row
	}
	for _, l := range regs {
		x := lsmsRow{SPID: l.SPID, Regions: l.Regions, AckedSeq: l.AckedSeq, Behind: head - l.AckedSeq, FailedSVs: failing[l.SPID]}
		if row, ok := byID[l.SPID]; ok {
			x.Pending, _ = strconv.Atoi(get(row, "pending_deliveries"))
			x.OldestAge, _ = strconv.ParseInt(get(row, "oldest_delivery_age_seconds"), 10, 64)
		}
		x.Connected = x.FailedSVs == 0 && (x.Pending == 0 || time.Duration(x.OldestAge)*time.Second <= h.opts.LSMSStale)
		d.LSMSs = append(d.LSMSs, x)
	}
	return d, nil
}

// resend broadcasts a failed or partially failed SV again to the LSMSs
// that did not apply it.
func (h *handler) resend(w http.ResponseWriter, r *http.Request, c *call) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.notFound(w, r, c)
		return
	}
	if !c.actor.IsAdmin() {
		http.Error(w, "Only NPAC personnel resend a broadcast.", http.StatusForbidden)
		return
	}
	sv, err := h.st.Act(c.ctx, id, npac.Action{Kind: npac.ActResend})
	switch code := npac.ErrorCode(err); {
	case err == nil:
		h.log.Info("lti: resent", "user", c.actor.User.Name, "sv", id)
		h.sess.setFlash(c.ctx, c.sid, fmt.Sprintf("SV %d (%s) was sent again to the LSMSs that had failed: its status is %s.", sv.ID, fmtTN(sv.TN), sv.Status))
		http.Redirect(w, r, h.base+"/lsms", http.StatusSeeOther)
	case code == npac.EINTERNAL:
		h.internal(w, r, err)
	default:
		h.renderLSMS(w, r, c, http.StatusUnprocessableEntity, id, npac.ErrorMessage(err))
	}
}
