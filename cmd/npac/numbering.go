package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/numbering"
)

// runImport runs "npac import FILE...": each file goes to the NPAC's
// import route, in order, and its report is printed.
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("import", "import [flags] FILE...", `
Load numbering administrators' files into the NPAC (NPAC personnel only):
CNAC's COCodeStatus_ALL.csv, NANPA's All5XXNXXCodesReport.txt and its
npa_report.csv. Each file's kind is detected from its first lines. Only the
codes that differ from the last import of the same source are applied, in
one transaction per file; a bad row stops the file with its line number and
nothing of it is imported. Files are imported in the order given.`, stderr)
	dry := fs.Bool("dry-run", false, "report what would change and change nothing")
	kind := fs.String("kind", "", "the files' `kind` (cnac, nanpa-5xx or nanpa-npa); detected when absent")
	region := fs.String("region", "", "the NPAC `region` of a 5XX report's codes (required for one)")
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		fs.Usage()
		return fmt.Errorf("%w: name at least one file to import", flag.ErrHelp)
	}
	if *region != "" {
		if _, err := npac.ParseRegion(*region); err != nil {
			return flagErr("region", err)
		}
	}
	c, err := newClient(g, stdout, stderr)
	if err != nil {
		return err
	}
	q := url.Values{}
	for k, v := range map[string]string{"kind": *kind, "region": *region} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if *dry {
		q.Set("dry_run", "true")
	}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		start := time.Now()
		var rep numbering.Report
		human, err := c.call(ctx, http.MethodPost, "/api/v1/imports", q, rawBody{f, "text/csv"}, nil, &rep)
		f.Close()
		if err != nil && len(files) > 1 {
			return fmt.Errorf("%s: %w", name, err)
		} else if err != nil {
			return err
		}
		if human {
			printReport(stdout, filepath.Base(name), &rep, time.Since(start))
		}
	}
	return nil
}

// printReport prints an import's report in a few lines.
func printReport(w io.Writer, name string, r *numbering.Report, took time.Duration) {
	what := "imported"
	if r.DryRun {
		what = "would import (dry run)"
	}
	fmt.Fprintf(w, "%s: %s %s of %s, %d rows in %s\n", name, what, r.Source, r.FileDate.Format("2006-01-02"), r.Rows, took.Round(time.Millisecond))
	var counts []string
	for _, k := range slices.Sorted(maps.Keys(r.Counts)) {
		counts = append(counts, fmt.Sprintf("%s %d", k, r.Counts[k]))
	}
	changed := strconv.Itoa(r.Changed) + " changed"
	if len(counts) > 0 {
		changed += " (" + strings.Join(counts, ", ") + ")"
	}
	fmt.Fprintf(w, "  %d added, %s, %d removed, %d unchanged\n", r.Added, changed, r.Removed, r.Unchanged)
	if n := r.Network; r.Source != "nanpa-npa" {
		fmt.Fprintf(w, "  network data: %d codes created, %d deleted, %d changed holder, %d opened, %d closed, %d kept, %d skipped; %d providers created\n",
			n.CodesCreated, n.CodesDeleted, n.HolderChanged, n.CodesOpened, n.CodesClosed, len(n.Kept), n.Skipped, len(n.ProvidersCreated))
	}
	if r.ID != 0 {
		fmt.Fprintf(w, "  import %d by %s\n", r.ID, r.User)
	}
}

const splitUsage = `Usage: npac split <command> [flags]

Schedule and list NPA splits (NPAC personnel schedule them).

Commands:
  create   schedule a split (--old-npa, --new-npa, --nxx, --pdp-end)
  list     every split and its status

Every command takes --url, --token and --json.
`

// runSplit runs "npac split <command>".
func runSplit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch(ctx, "npac split", splitUsage, map[string]command{
		"create": splitCreate,
		"list":   splitList,
	}, args, stdout, stderr)
}

// splitList runs "npac split list".
func splitList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("split list", "split list [flags]", "", stderr)
	c, err := noArgCommand(fs, g, args, stdout, stderr)
	if err != nil {
		return err
	}
	var out struct {
		Items []npac.Split `json:"items"`
	}
	human, err := c.call(ctx, http.MethodGet, "/api/v1/splits", nil, nil, nil, &out)
	if err != nil || !human {
		return err
	}
	tw := table(stdout)
	fmt.Fprintln(tw, "ID\tOLD\tNEW\tNXXS\tPDP START\tPDP END\tSTATUS")
	for _, sp := range out.Items {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", sp.ID, sp.OldNPA, sp.NewNPA, strings.Join(sp.NXXs, ","),
			fmtTime(sp.PDPStart), fmtTime(sp.PDPEnd), sp.Status)
	}
	return tw.Flush()
}

func splitCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("split create", "split create --old-npa NPA --new-npa NPA --nxx NXX[,NXX...] --pdp-end TIME [flags]", `
At the start of the permissive dialing period the codes, their SVs and
pool blocks move to the new NPA; both NPAs are answered until its end, when
the old NPA-NXXs are removed.`, stderr)
	oldNPA := fs.String("old-npa", "", "the `NPA` the codes leave")
	newNPA := fs.String("new-npa", "", "the `NPA` the codes join")
	nxxs := fs.String("nxx", "", "the moving central office codes, comma-separated `NXXs`")
	start := fs.String("pdp-start", "", "when the permissive dialing period starts (RFC 3339 `time` or date; default now)")
	end := fs.String("pdp-end", "", "when the permissive dialing period ends (RFC 3339 `time` or date)")
	c, err := noArgCommand(fs, g, args, stdout, stderr)
	if err != nil {
		return err
	}
	var missing []string
	for _, f := range []struct{ name, v string }{{"old-npa", *oldNPA}, {"new-npa", *newNPA}, {"nxx", *nxxs}, {"pdp-end", *end}} {
		if f.v == "" {
			missing = append(missing, "--"+f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: split create needs %s", flag.ErrHelp, strings.Join(missing, ", "))
	}
	for _, f := range []struct{ name, v string }{{"pdp-start", *start}, {"pdp-end", *end}} {
		if f.v != "" {
			if err := checkDate(f.name, f.v); err != nil {
				return err
			}
		}
	}
	body := map[string]any{"old_npa": *oldNPA, "new_npa": *newNPA, "nxxs": strings.Split(*nxxs, ","), "pdp_end": *end}
	if *start != "" {
		body["pdp_start"] = *start
	}
	var sp npac.Split
	human, err := c.call(ctx, http.MethodPost, "/api/v1/splits", nil, body, nil, &sp)
	if err != nil || !human {
		return err
	}
	fmt.Fprintf(stdout, "split %d: %s-%s to %s-%s, %s (PDP %s to %s)\n", sp.ID, sp.OldNPA, strings.Join(sp.NXXs, ","), sp.NewNPA,
		strings.Join(sp.NXXs, ","), sp.Status, fmtTime(sp.PDPStart), fmtTime(sp.PDPEnd))
	if sp.Moved != nil {
		fmt.Fprintf(stdout, "moved %d codes, %d SVs, %d blocks\n", sp.Moved.Codes, sp.Moved.SVs, sp.Moved.Blocks)
	}
	return nil
}
