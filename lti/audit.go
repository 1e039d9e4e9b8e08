package lti

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	npac "github.com/opennpac/npac"
)

// ---- Audit log (NPAC personnel)

// auditEntities are the entities the store audits, for the filter.
var auditEntities = []string{"block", "bdd", "csr", "endpoint", "import", "lrn", "lsms", "npa-nxx", "order", "provider", "split", "sv", "tn", "user"}

type auditRow struct {
	*npac.AuditRecord
	// Before and After are the record's JSON, indented.
	BeforeJSON, AfterJSON string
}

type auditData struct {
	Form          *form
	Rows          []auditRow
	Older, Newest string
	EntityChoices []string
}

// auditPage lists audit records newest first, 50 a page, filtered by
// SPID, entity, entity ID and action.
func (h *handler) auditPage(w http.ResponseWriter, r *http.Request, c *call) {
	if !c.actor.IsAdmin() {
		http.Error(w, "The audit log is for NPAC personnel.", http.StatusForbidden)
		return
	}
	p := h.newPage(c, "Audit log", "audit")
	q := r.URL.Query()
	f := formFrom(q, "spid", "entity", "entity_id", "action")
	d := auditData{Form: f, EntityChoices: []string{"", "any entity"}}
	for _, e := range auditEntities {
		d.EntityChoices = append(d.EntityChoices, e, e)
	}
	filter := npac.AuditFilter{Entity: f.Get("entity"), EntityID: f.Get("entity_id")}
	filter.SPID = f.parseSPID("spid", false)
	var before int64
	if b := q.Get("before"); b != "" {
		before, _ = strconv.ParseInt(b, 10, 64)
	}
	status := http.StatusOK
	if f.OK() {
		recs, more, err := h.auditBefore(c, filter, f.Get("action"), before, pageSize)
		switch {
		case npac.ErrorCode(err) == npac.EINTERNAL:
			h.internal(w, r, err)
			return
		case err != nil:
			f.FailErr(err)
		default:
			for _, rec := range recs {
				d.Rows = append(d.Rows, auditRow{AuditRecord: rec, BeforeJSON: indentJSON(rec.Before), AfterJSON: indentJSON(rec.After)})
			}
			nq := url.Values{}
			for _, k := range []string{"spid", "entity", "entity_id", "action"} {
				if v := f.Get(k); v != "" {
					nq.Set(k, v)
				}
			}
			if before > 0 {
				d.Newest = h.base + "/audit"
				if len(nq) > 0 {
					d.Newest += "?" + nq.Encode()
				}
			}
			if more && len(recs) > 0 {
				nq.Set("before", strconv.FormatInt(recs[len(recs)-1].ID, 10))
				d.Older = h.base + "/audit?" + nq.Encode()
			}
		}
	}
	if !f.OK() {
		status = http.StatusUnprocessableEntity
	}
	p.Data = d
	h.render(w, status, "audit", p)
}

// auditBefore returns up to n records matching f (and action, when not
// empty) with IDs below before (0: none), newest first, and whether older
// ones match. AuditService lists oldest first after an ID, so it finds the
// newest matching ID by bisection, then scans windows that grow fourfold
// backwards from before until they hold n+1 records or reach the start.
func (h *handler) auditBefore(c *call, f npac.AuditFilter, action string, before int64, n int) ([]*npac.AuditRecord, bool, error) {
	if before <= 0 {
		top, err := h.lastAuditID(c, f)
		if err != nil || top == 0 {
			return nil, false, err
		}
		before = top + 1
	}
	span := int64(max(4*n, 256))
	for {
		after := max(before-1-span, 0)
		var win []*npac.AuditRecord
		g := f
		g.AfterID, g.Limit = after, 1000
	scan:
		for {
			recs, err := h.st.Audit(c.ctx, g)
			if err != nil {
				return nil, false, err
			}
			for _, rec := range recs {
				if rec.ID >= before {
					break scan
				}
				if action == "" || rec.Action == action {
					win = append(win, rec)
					if len(win) > n+1 {
						win = win[1:]
					}
				}
			}
			if len(recs) < g.Limit {
				break
			}
			g.AfterID = recs[len(recs)-1].ID
		}
		if len(win) > n || after == 0 {
			more := len(win) > n
			if more {
				win = win[1:]
			}
			out := make([]*npac.AuditRecord, 0, len(win))
			for i := len(win) - 1; i >= 0; i-- {
				out = append(out, win[i])
			}
			return out, more, nil
		}
		span *= 4
	}
}

// lastAuditID returns the highest ID of a record matching f, 0 if none:
// the first record after x exists for every x below it.
func (h *handler) lastAuditID(c *call, f npac.AuditFilter) (int64, error) {
	exists := func(x int64) (int64, error) {
		g := f
		g.AfterID, g.Limit = x, 1
		recs, err := h.st.Audit(c.ctx, g)
		if err != nil || len(recs) == 0 {
			return 0, err
		}
		return recs[0].ID, nil
	}
	first, err := exists(0)
	if err != nil || first == 0 {
		return 0, err
	}
	// lo is a matching ID, and the highest is below hi.
	lo, hi := first, first+1
	for {
		id, err := exists(hi - 1)
		if err != nil {
			return 0, err
		}
		if id == 0 {
			break
		}
		lo, hi = id, id+(id-first+1)*2
	}
	for hi-lo > 1 {
		mid := lo + (hi-1-lo)/2
		id, err := exists(mid)
		if err != nil {
			return 0, err
		}
		if id == 0 {
			hi = mid + 1
		} else {
			lo = id
		}
	}
	return lo, nil
}

// indentJSON formats a record's JSON for reading; "" for none.
func indentJSON(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return string(raw)
	}
	return b.String()
}
