package store

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/portorder"
)

// Reports for NPAC personnel and providers: tables of columns and rows,
// which the API writes as CSV or JSON. A provider's SOA sees only the rows
// of the SPIDs it acts for.

// Report implements npac.ReportService.
func (s *Store) Report(ctx context.Context, kind string, f npac.ReportFilter) (*npac.Report, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if f.SPID != "" && !a.CanRead(f.SPID) {
		return nil, npac.Errorf(npac.EFORBIDDEN, "You may report only on your own providers, not %s.", f.SPID)
	}
	if f.SPID == "" && !a.IsAdmin() {
		spids := a.SOASPIDs()
		if len(spids) != 1 {
			return nil, npac.Errorf(npac.EINVALID, "Name the provider (spid) to report on.")
		}
		f.SPID = spids[0]
	}
	if f.To.IsZero() {
		f.To = s.Now()
	}
	if f.From.IsZero() {
		f.From = f.To.Add(-31 * 24 * time.Hour)
	}
	if !f.From.Before(f.To) {
		return nil, npac.Errorf(npac.EINVALID, "The report's period must start (from) before it ends (to).")
	}
	t := &npac.Report{Kind: kind, Rows: [][]string{}}
	switch kind {
	case npac.ReportPortsPerDay, npac.ReportPortsPerMonth:
		err = s.reportPorts(ctx, t, f, kind == npac.ReportPortsPerMonth)
	case npac.ReportOpenSVs, npac.ReportFailedSVs:
		err = s.reportSVs(ctx, t, f, kind == npac.ReportFailedSVs)
	case npac.ReportLSMSLag:
		if !a.IsAdmin() && f.SPID == "" {
			return nil, npac.Errorf(npac.EFORBIDDEN, "The LSMS lag of every provider is for NPAC personnel.")
		}
		err = s.reportLag(ctx, t, f)
	case npac.ReportOrderRejections:
		err = s.reportRejections(ctx, t, f)
	default:
		return nil, npac.Errorf(npac.EINVALID, "Report %q is unknown: use one of %s.", kind, strings.Join(npac.ReportKinds, ", "))
	}
	return t, err
}

// reportPorts counts activations per period and provider: ports in (as
// the new SP) and out (as the old SP).
func (s *Store) reportPorts(ctx context.Context, t *npac.Report, f npac.ReportFilter, monthly bool) error {
	t.Columns = []string{"period", "spid", "ports_in", "ports_out"}
	layout := "2006-01-02"
	if monthly {
		layout = "2006-01"
	}
	// An activation is never after the SV's last update.
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+svCols+` FROM svs WHERE updated_at >= ? AND status IN ('active', 'partial-failure', 'disconnect-pending', 'old')`), micros(f.From))
	svs, err := collect(rows, err, scanSV)
	if err != nil {
		return fmt.Errorf("ports report: %w", err)
	}
	type key struct {
		period string
		spid   npac.SPID
	}
	in, out := map[key]int{}, map[key]int{}
	for _, sv := range svs {
		at := sv.ActivationTimestamp
		if at == nil || at.Before(f.From) || !at.Before(f.To) || sv.OldSPID == sv.NewSPID {
			continue
		}
		p := at.UTC().Format(layout)
		if f.SPID == "" || f.SPID == sv.NewSPID {
			in[key{p, sv.NewSPID}]++
		}
		if f.SPID == "" || f.SPID == sv.OldSPID {
			out[key{p, sv.OldSPID}]++
		}
	}
	keys := map[key]bool{}
	for k := range in {
		keys[k] = true
	}
	for k := range out {
		keys[k] = true
	}
	list := make([]key, 0, len(keys))
	for k := range keys {
		list = append(list, k)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].period != list[j].period {
			return list[i].period < list[j].period
		}
		return list[i].spid < list[j].spid
	})
	for _, k := range list {
		t.Rows = append(t.Rows, []string{k.period, string(k.spid), strconv.Itoa(in[k]), strconv.Itoa(out[k])})
	}
	return nil
}

// reportSVs lists the open SVs (pending, conflict, cancel-pending,
// sending, disconnect-pending) or the failed ones with their failed lists.
func (s *Store) reportSVs(ctx context.Context, t *npac.Report, f npac.ReportFilter, failed bool) error {
	statuses := []npac.Status{npac.StatusPending, npac.StatusConflict, npac.StatusCancelPending, npac.StatusSending, npac.StatusDisconnectPending}
	t.Columns = []string{"sv_id", "tn", "status", "old_spid", "new_spid", "due_date", "status_changed_at"}
	if failed {
		statuses = []npac.Status{npac.StatusFailed, npac.StatusPartialFailure}
		t.Columns = append(t.Columns, "failed_spids")
	}
	marks := make([]string, len(statuses))
	args := make([]any, len(statuses))
	for i, st := range statuses {
		marks[i], args[i] = "?", string(st)
	}
	q := `SELECT ` + svCols + ` FROM svs WHERE status IN (` + strings.Join(marks, ", ") + `)`
	if f.SPID != "" {
		q += ` AND (old_spid = ? OR new_spid = ?)`
		args = append(args, string(f.SPID), string(f.SPID))
	}
	rows, err := s.db.QueryContext(ctx, s.q(q+` ORDER BY id LIMIT 100000`), args...)
	svs, err := collect(rows, err, scanSV)
	if err != nil {
		return fmt.Errorf("sv report: %w", err)
	}
	for _, sv := range svs {
		row := []string{strconv.FormatInt(sv.ID, 10), string(sv.TN), string(sv.Status), string(sv.OldSPID), string(sv.NewSPID),
			sv.DueDate.UTC().Format(time.RFC3339), sv.StatusChangedAt.UTC().Format(time.RFC3339)}
		if failed {
			var fs []string
			for _, sp := range sv.FailedSPs {
				fs = append(fs, string(sp))
			}
			row = append(row, strings.Join(fs, ";"))
		}
		t.Rows = append(t.Rows, row)
	}
	return nil
}

// reportLag shows how far each LSMS is behind the broadcast log.
func (s *Store) reportLag(ctx context.Context, t *npac.Report, f npac.ReportFilter) error {
	t.Columns = []string{"spid", "acked_seq", "log_head", "behind", "pending_deliveries", "oldest_delivery_age_seconds"}
	head, err := s.LogHead(ctx)
	if err != nil {
		return err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+lsmsCols+` FROM lsms ORDER BY spid`)
	regs, err := collect(rows, err, scanLSMS)
	if err != nil {
		return err
	}
	now := s.Now()
	for _, l := range regs {
		if f.SPID != "" && l.SPID != f.SPID {
			continue
		}
		var (
			n      int
			oldest sql64
		)
		if err := s.db.QueryRowContext(ctx, s.q(`SELECT COUNT(*), MIN(l.created_at) FROM deliveries d JOIN lsms_log l ON l.seq = d.seq WHERE d.spid = ?`), string(l.SPID)).Scan(&n, &oldest); err != nil {
			return fmt.Errorf("lag report: %w", err)
		}
		age := ""
		if oldest.valid {
			age = strconv.FormatInt(int64(now.Sub(fromMicros(oldest.v)).Seconds()), 10)
		}
		t.Rows = append(t.Rows, []string{string(l.SPID), strconv.FormatInt(l.AckedSeq, 10), strconv.FormatInt(head, 10),
			strconv.FormatInt(head-l.AckedSeq, 10), strconv.Itoa(n), age})
	}
	return nil
}

// sql64 scans a nullable integer.
type sql64 struct {
	v     int64
	valid bool
}

func (n *sql64) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		n.valid = false
	case int64:
		n.v, n.valid = v, true
	default:
		return fmt.Errorf("sql64: %T", src)
	}
	return nil
}

// reportRejections counts the rejection codes of orders by losing SP:
// every order whose latest answer was a rejection, in the period it was
// rejected.
func (s *Store) reportRejections(ctx context.Context, t *npac.Report, f npac.ReportFilter) error {
	t.Columns = []string{"losing_spid", "code", "title", "rejections"}
	q, args := `SELECT id, data FROM orders WHERE updated_at >= ?`, []any{micros(f.From)}
	if f.SPID != "" {
		q += ` AND losing_spid = ?`
		args = append(args, string(f.SPID))
	}
	rows, err := s.db.QueryContext(ctx, s.q(q), args...)
	orders, err := collect(rows, err, scanOrder)
	if err != nil {
		return fmt.Errorf("rejection report: %w", err)
	}
	type key struct {
		spid npac.SPID
		code string
	}
	count := map[key]int{}
	for _, o := range orders {
		r := o.Rejection
		if r == nil || r.At.Before(f.From) || !r.At.Before(f.To) {
			continue
		}
		for _, c := range r.Codes {
			count[key{o.LosingSPID, c}]++
		}
	}
	keys := make([]key, 0, len(count))
	for k := range count {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int {
		if a.spid != b.spid {
			return strings.Compare(string(a.spid), string(b.spid))
		}
		return count[b] - count[a]
	})
	for _, k := range keys {
		title := ""
		if rc, ok := portorder.Lookup(k.code); ok {
			title = rc.Title
		}
		t.Rows = append(t.Rows, []string{string(k.spid), k.code, title, strconv.Itoa(count[k])})
	}
	return nil
}
