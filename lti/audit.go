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
	filter := npac.AuditFilter{Entity: f.Get("entity"), EntityID: f.Get("entity_id"), Action: f.Get("action"),
		Newest: true, Limit: pageSize + 1}
	filter.SPID = f.parseSPID("spid", false)
	if b := q.Get("before"); b != "" {
		filter.BeforeID, _ = strconv.ParseInt(b, 10, 64)
	}
	status := http.StatusOK
	if f.OK() {
		recs, err := h.st.Audit(c.ctx, filter)
		switch {
		case npac.ErrorCode(err) == npac.EINTERNAL:
			h.internal(w, r, err)
			return
		case err != nil:
			f.FailErr(err)
		default:
			more := len(recs) > pageSize
			if more {
				recs = recs[:pageSize]
			}
			for _, rec := range recs {
				d.Rows = append(d.Rows, auditRow{AuditRecord: rec, BeforeJSON: indentJSON(rec.Before), AfterJSON: indentJSON(rec.After)})
			}
			nq := url.Values{}
			for _, k := range []string{"spid", "entity", "entity_id", "action"} {
				if v := f.Get(k); v != "" {
					nq.Set(k, v)
				}
			}
			if filter.BeforeID > 0 {
				d.Newest = h.base + "/audit"
				if len(nq) > 0 {
					d.Newest += "?" + nq.Encode()
				}
			}
			if more {
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
