package http

import (
	"encoding/csv"
	"net/http"
	"strings"
	"time"

	npac "github.com/opennpac/npac"
)

// report answers GET /api/v1/reports/{kind}: JSON, or CSV when asked for
// with format=csv or Accept: text/csv.
func (s *Server) report(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var (
		f   npac.ReportFilter
		err error
	)
	if f.SPID, err = querySPID(r, "spid"); err != nil {
		return err
	}
	if f.From, err = queryTime(r, "from"); err != nil {
		return err
	}
	if f.To, err = queryTime(r, "to"); err != nil {
		return err
	}
	rep, err := s.Reports.Report(r.Context(), r.PathValue("kind"), f)
	if err != nil {
		return err
	}
	format := q.Get("format")
	if format == "" && strings.Contains(r.Header.Get("Accept"), "text/csv") {
		format = "csv"
	}
	switch format {
	case "", "json":
		return writeJSON(w, http.StatusOK, rep)
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+rep.Kind+`.csv"`)
		cw := csv.NewWriter(w)
		cw.Write(rep.Columns)
		cw.WriteAll(rep.Rows)
		return nil
	}
	return npac.Errorf(npac.EINVALID, "format %q is unknown: use json or csv.", format)
}

// queryTime reads an optional time parameter: a date (2025-03-05, 00:00
// UTC) or an RFC 3339 time; zero when absent.
func queryTime(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	if d, err := time.Parse(time.DateOnly, v); err == nil {
		return d, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, npac.Errorf(npac.EINVALID, "%s %q is not a date (2025-03-05) or an RFC 3339 time.", name, v)
	}
	return t, nil
}
