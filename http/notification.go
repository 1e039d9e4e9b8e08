package http

import (
	"net/http"
	"strconv"
	"time"

	npac "github.com/opennpac/npac"
)

// maxWait is the longest a notification read waits for news.
const maxWait = 60 * time.Second

// pollInterval is how often a waiting notification read looks again.
const pollInterval = 200 * time.Millisecond

// notificationsResponse is one read of a provider's stream.
type notificationsResponse struct {
	Items []*npac.Notification `json:"items"`
	// LastSeq is the newest Seq of the stream when the read finished.
	LastSeq int64 `json:"last_seq"`
}

// readSPIDs returns the SPIDs the actor reads notifications for by its
// grants: as an SOA, an LSMS or a service bureau's client.
func readSPIDs(a *npac.Actor) []npac.SPID {
	seen := map[npac.SPID]bool{}
	var out []npac.SPID
	add := func(s npac.SPID) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, g := range a.User.Grants {
		if g.Role == npac.RoleSOA || g.Role == npac.RoleLSMS {
			add(g.SPID)
		}
	}
	for c := range a.Bureau {
		add(c)
	}
	return out
}

// listNotifications reads a provider's notification stream after a
// sequence number. With wait, it long-polls: when nothing is there yet it
// looks again every pollInterval until something arrives, the wait is
// over, or the client goes away.
func (s *Server) listNotifications(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	spid, err := querySPID(r, "spid")
	if err != nil {
		return err
	}
	if spid == "" {
		mine := readSPIDs(npac.ActorFrom(ctx))
		if len(mine) != 1 {
			return npac.Errorf(npac.EINVALID, "Name the provider whose notifications to read: spid=….")
		}
		spid = mine[0]
	}
	after, err := queryAfterID(r)
	if err != nil {
		return err
	}
	limit, err := queryLimit(r)
	if err != nil {
		return err
	}
	var wait time.Duration
	if ws := q.Get("wait"); ws != "" {
		n, err := strconv.Atoi(ws)
		if err != nil || n < 0 || time.Duration(n)*time.Second > maxWait {
			return npac.Errorf(npac.EINVALID, "wait %q is not a number of seconds from 0 to %d.", ws, int(maxWait/time.Second))
		}
		wait = time.Duration(n) * time.Second
	}
	items, err := s.Notifications.Notifications(ctx, spid, after, limit)
	if err != nil {
		return err
	}
	if len(items) == 0 && wait > 0 {
		deadline := time.NewTimer(wait)
		defer deadline.Stop()
		tick := time.NewTicker(pollInterval)
		defer tick.Stop()
	poll:
		for {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-deadline.C:
				break poll
			case <-tick.C:
				if items, err = s.Notifications.Notifications(ctx, spid, after, limit); err != nil {
					return err
				}
				if len(items) > 0 {
					break poll
				}
			}
		}
	}
	last, err := s.Notifications.LastSeq(ctx, spid)
	if err != nil {
		return err
	}
	if items == nil {
		items = []*npac.Notification{}
	}
	return writeJSON(w, http.StatusOK, notificationsResponse{Items: items, LastSeq: last})
}

// listAudit reads the audit trail, oldest first or, with order=newest,
// newest first; after pages in the listing's order either way.
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := npac.AuditFilter{Entity: q.Get("entity"), EntityID: q.Get("entity_id"), Action: q.Get("action")}
	var (
		after int64
		err   error
	)
	if f.SPID, after, f.Limit, err = queryIDPage(r); err != nil {
		return err
	}
	switch o := q.Get("order"); o {
	case "", "oldest":
		f.AfterID = after
	case "newest":
		f.Newest, f.BeforeID = true, after
	default:
		return npac.Errorf(npac.EINVALID, "order %q is unknown: use oldest or newest.", o)
	}
	recs, err := s.Audit.Audit(r.Context(), f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pageOf(recs, f.Limit, func(a *npac.AuditRecord) string { return strconv.FormatInt(a.ID, 10) }))
}
