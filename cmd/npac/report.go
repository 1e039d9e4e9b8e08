package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	npac "github.com/opennpac/npac"
)

// runReport runs "npac report KIND": a report as a table, or as CSV.
func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("report", "report KIND [flags]", `
Reports, for NPAC personnel on every provider and for a provider's SOA on
its own: `+strings.Join(npac.ReportKinds, ", ")+`. The ports and
order-rejections reports cover --from to --to (default the last 31 days).`, stderr)
	spid := fs.String("spid", "", "the provider to report on (`SPID`)")
	from := fs.String("from", "", "start of the period (`date` or RFC 3339)")
	to := fs.String("to", "", "end of the period, exclusive (`date` or RFC 3339)")
	asCSV := fs.Bool("csv", false, "write CSV")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return fmt.Errorf("%w: name one report: %s", flag.ErrHelp, strings.Join(npac.ReportKinds, ", "))
	}
	q := url.Values{}
	for k, v := range map[string]string{"spid": *spid, "from": *from, "to": *to} {
		if v != "" {
			q.Set(k, v)
		}
	}
	for _, f := range []struct{ name, v string }{{"from", *from}, {"to", *to}} {
		if f.v != "" {
			if err := checkDate(f.name, f.v); err != nil {
				return err
			}
		}
	}
	c, err := newClient(g, stdout, stderr)
	if err != nil {
		return err
	}
	if *asCSV {
		q.Set("format", "csv")
		raw, err := c.do(ctx, http.MethodGet, "/api/v1/reports/"+url.PathEscape(pos[0]), q, nil, nil, nil)
		if err != nil {
			return err
		}
		_, err = stdout.Write(raw)
		return err
	}
	var rep struct {
		Columns []string            `json:"columns"`
		Rows    []map[string]string `json:"rows"`
	}
	raw, err := c.do(ctx, http.MethodGet, "/api/v1/reports/"+url.PathEscape(pos[0]), q, nil, nil, &rep)
	if err != nil {
		return err
	}
	if c.json {
		c.printJSON(raw)
		return nil
	}
	if len(rep.Rows) == 0 {
		fmt.Fprintln(stderr, "nothing to report")
		return nil
	}
	tw := table(stdout)
	fmt.Fprintln(tw, strings.ToUpper(strings.Join(rep.Columns, "\t")))
	for _, r := range rep.Rows {
		cells := make([]string, len(rep.Columns))
		for i, col := range rep.Columns {
			cells[i] = r[col]
			if cells[i] == "" {
				cells[i] = "-"
			}
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}
