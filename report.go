package npac

import (
	"context"
	"encoding/json"
	"time"
)

// Report kinds.
const (
	ReportPortsPerDay     = "ports-per-day"    // activations per day and provider, in and out
	ReportPortsPerMonth   = "ports-per-month"  // the same per month
	ReportOpenSVs         = "open-svs"         // SVs not yet settled: pending, conflict, cancel-pending, sending, disconnect-pending
	ReportFailedSVs       = "failed-svs"       // failed and partially failed SVs with their failed SP lists
	ReportLSMSLag         = "lsms-lag"         // how far each LSMS is behind the broadcast log
	ReportOrderRejections = "order-rejections" // rejection codes of port orders by losing SP
)

// ReportKinds lists the reports.
var ReportKinds = []string{ReportPortsPerDay, ReportPortsPerMonth, ReportOpenSVs, ReportFailedSVs, ReportLSMSLag, ReportOrderRejections}

// Report is a table of columns and rows, written as CSV or JSON.
type Report struct {
	Kind    string
	Columns []string
	Rows    [][]string
}

// MarshalJSON writes a report's rows as objects keyed by column.
func (r *Report) MarshalJSON() ([]byte, error) {
	rows := make([]map[string]string, len(r.Rows))
	for i, row := range r.Rows {
		m := make(map[string]string, len(row))
		for j, c := range r.Columns {
			m[c] = row[j]
		}
		rows[i] = m
	}
	return json.Marshal(struct {
		Kind    string              `json:"kind"`
		Columns []string            `json:"columns"`
		Rows    []map[string]string `json:"rows"`
	}{r.Kind, r.Columns, rows})
}

// ReportFilter bounds a report: the period From to To (the ports and
// rejection reports; default the last 31 days) and one provider.
type ReportFilter struct {
	From, To time.Time
	SPID     SPID
}

// ReportService builds reports: NPAC personnel on everyone, a provider's
// SOA on its own SPIDs.
type ReportService interface {
	// Report builds one. Errors: invalid (unknown kind, bad period),
	// forbidden.
	Report(ctx context.Context, kind string, f ReportFilter) (*Report, error)
}
