package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	npac "github.com/opennpac/npac"
)

// defaultURL is the server the client commands talk to when neither
// NPAC_URL nor --url names one.
const defaultURL = "http://127.0.0.1:8080"

// httpClient sends every request of the client commands. Its timeout is
// longer than the longest notification wait the client asks for.
var httpClient = &http.Client{Timeout: 2 * time.Minute}

// globals are the flags every client subcommand takes.
type globals struct {
	url   string
	token string
	json  bool
}

// newFlagSet returns the flag set of a client subcommand, such as "sv
// create", with the global flags registered. synopsis is the usage line
// after "npac"; about, if not empty, is printed under it.
func newFlagSet(name, synopsis, about string, stderr io.Writer) (*flag.FlagSet, *globals) {
	fs := flag.NewFlagSet("npac "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	g := &globals{}
	fs.StringVar(&g.url, "url", "", "NPAC server `URL` (default $NPAC_URL, else "+defaultURL+")")
	fs.StringVar(&g.token, "token", "", "API `token` (default $NPAC_TOKEN)")
	fs.BoolVar(&g.json, "json", false, "print the JSON response instead of the human form")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: npac %s\n", synopsis)
		if about != "" {
			fmt.Fprintf(stderr, "\n%s\n", strings.TrimSpace(about))
		}
		fmt.Fprintln(stderr, "\nFlags:")
		fs.PrintDefaults()
	}
	return fs, g
}

// parseFlags parses args with fs, allowing flags after positional
// arguments ("npac sv activate 42 --as old"), and returns the positional
// arguments. Everything after "--" is positional. A parse error has been
// printed, with the usage, by the flag package; the error returned wraps
// flag.ErrHelp so that main exits with status 2 and prints nothing more.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, flag.ErrHelp
			}
			return nil, fmt.Errorf("%w: %v", flag.ErrHelp, err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// cmdName returns the name of the command fs is for, such as "sv show".
func cmdName(fs *flag.FlagSet) string { return strings.TrimPrefix(fs.Name(), "npac ") }

// noArgCommand parses args with fs for a command that takes no arguments
// and only the global flags, and returns a client configured by g.
func noArgCommand(fs *flag.FlagSet, g *globals, args []string, stdout, stderr io.Writer) (*client, error) {
	pos, err := parseFlags(fs, args)
	if err != nil {
		return nil, err
	}
	if len(pos) > 0 {
		return nil, fmt.Errorf("%s takes no arguments; got %q", cmdName(fs), pos)
	}
	return newClient(g, stdout, stderr)
}

// idKind is the kind of ID a command such as "npac sv show <id>" takes as
// its one argument.
type idKind struct {
	short string // in the error when the ID is missing: "needs one SV id"
	what  string // for parseID: "subscription version"
	arg   string // in the synopsis: "<id>"
}

var (
	svIDKind   = idKind{short: "SV", what: "subscription version", arg: "<id>"}
	userIDKind = idKind{short: "user", what: "user", arg: "<user-id>"}
)

// idCommand parses args with fs for a command that takes exactly one
// argument, an ID of kind; runs checks, which validate the command's own
// flags; and returns the ID and a client configured by g.
func idCommand(fs *flag.FlagSet, g *globals, args []string, kind idKind, stdout, stderr io.Writer, checks ...func() error) (int64, *client, error) {
	pos, err := parseFlags(fs, args)
	if err != nil {
		return 0, nil, err
	}
	if len(pos) != 1 {
		name := cmdName(fs)
		return 0, nil, fmt.Errorf("%s needs one %s id: npac %s %s", name, kind.short, name, kind.arg)
	}
	id, err := parseID(pos[0], kind.what)
	if err != nil {
		return 0, nil, err
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return 0, nil, err
		}
	}
	c, err := newClient(g, stdout, stderr)
	if err != nil {
		return 0, nil, err
	}
	return id, c, nil
}

// setFlags returns the names of the flags given on the command line.
func setFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// client talks to the NPAC's REST API.
type client struct {
	base   string // server URL without a trailing slash
	token  string
	json   bool // print JSON responses as they come
	stdout io.Writer
	stderr io.Writer
}

// newClient returns a client configured by the global flags, falling back
// to NPAC_URL and NPAC_TOKEN.
func newClient(g *globals, stdout, stderr io.Writer) (*client, error) {
	base := g.url
	if base == "" {
		base = os.Getenv("NPAC_URL")
	}
	if base == "" {
		base = defaultURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("server URL %q is not an http:// or https:// URL: set NPAC_URL or --url, such as %s", base, defaultURL)
	}
	token := g.token
	if token == "" {
		token = os.Getenv("NPAC_TOKEN")
	}
	return &client{base: strings.TrimRight(base, "/"), token: strings.TrimSpace(token), json: g.json, stdout: stdout, stderr: stderr}, nil
}

// apiError is a problem document (RFC 9457) the API answered with.
type apiError struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

// Error returns the sentence the server wrote and the code in brackets.
func (e *apiError) Error() string { return e.Detail + " (" + e.Code + ")" }

// rawBody is a request body sent as it is rather than as JSON.
type rawBody struct {
	r           io.Reader
	contentType string
}

// do sends a request to the API and returns the response body. body, if
// not nil, is sent as JSON (a rawBody as it is); out, if not nil, receives the decoded answer.
// An answer with an error status is returned as an *apiError.
func (c *client) do(ctx context.Context, method, path string, query url.Values, body any, hdr http.Header, out any) ([]byte, error) {
	if c.token == "" {
		return nil, errors.New("no API token: set NPAC_TOKEN to your token or pass --token")
	}
	var (
		rd          io.Reader
		contentType = "application/json"
	)
	switch b := body.(type) {
	case nil:
	case rawBody:
		rd, contentType = b.r, b.contentType
	default:
		j, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encode request: %w", err)
		}
		rd = bytes.NewReader(j)
	}
	h := http.Header{}
	for k, v := range hdr {
		h[k] = v
	}
	h.Set("Authorization", "Bearer "+c.token)
	resp, err := c.send(ctx, httpClient, method, path, query, rd, contentType, h)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("read the NPAC's answer: %w", err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return nil, fmt.Errorf("the NPAC's answer to %s %s is not what the client expects: %v", method, path, err)
		}
	}
	return raw, nil
}

// call sends a request and, with --json, prints the answer as it came.
// It reports whether the caller should print the human form.
func (c *client) call(ctx context.Context, method, path string, query url.Values, body any, hdr http.Header, out any) (bool, error) {
	raw, err := c.do(ctx, method, path, query, body, hdr, out)
	if err != nil {
		return false, err
	}
	if c.json {
		c.printJSON(raw)
		return false, nil
	}
	return true, nil
}

// printJSON prints a JSON document indented; an empty one prints nothing.
func (c *client) printJSON(raw []byte) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return
	}
	var b bytes.Buffer
	if json.Indent(&b, raw, "", "  ") != nil {
		c.stdout.Write(append(raw, '\n'))
		return
	}
	b.WriteByte('\n')
	c.stdout.Write(b.Bytes())
}

// printJSONLine prints v as one line of JSON, for streams.
func (c *client) printJSONLine(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		fmt.Fprintf(c.stderr, "npac: encode: %v\n", err)
		return
	}
	c.stdout.Write(append(b, '\n'))
}

// pageFlags registers the --limit and --after flags of a list of what
// ("SVs", "orders").
func pageFlags(fs *flag.FlagSet, what string) (limit *int, after *string) {
	limit = fs.Int("limit", 0, "at most `n` "+what+" (default 100, at most 1000)")
	after = fs.String("after", "", what+" after this `id` (the next page)")
	return limit, after
}

// spidQuery adds a --spid flag's value, when given, to q as spid.
func spidQuery(q url.Values, spid string) error {
	if spid == "" {
		return nil
	}
	s, err := npac.ParseSPID(spid)
	if err != nil {
		return flagErr("spid", err)
	}
	q.Set("spid", string(s))
	return nil
}

// pageQuery adds the --limit and --after flags of a list paged by integer
// ID to q; what names an ID in the error ("an SV id").
func pageQuery(q url.Values, limit int, after, what string) error {
	if limit < 0 {
		return fmt.Errorf("--limit %d is not a positive number", limit)
	} else if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if after != "" {
		if _, err := strconv.ParseUint(after, 10, 63); err != nil {
			return fmt.Errorf("--after %q is not %s", after, what)
		}
		q.Set("after", after)
	}
	return nil
}

// listPage gets one page of a list (GET path?q) and prints it as a table
// with header and one row per item, or none when it is empty; it names the
// command that reads the next page.
func listPage[T any](ctx context.Context, g *globals, stdout, stderr io.Writer, cmd, path string, q url.Values, none, header string, row func(T) string) error {
	c, err := newClient(g, stdout, stderr)
	if err != nil {
		return err
	}
	var page struct {
		Items     []T    `json:"items"`
		NextAfter string `json:"next_after"`
	}
	if human, err := c.call(ctx, http.MethodGet, path, q, nil, nil, &page); err != nil || !human {
		return err
	}
	if len(page.Items) == 0 {
		fmt.Fprintln(stderr, none)
		return nil
	}
	tw := table(stdout)
	fmt.Fprintln(tw, header)
	for _, it := range page.Items {
		fmt.Fprintln(tw, row(it))
	}
	tw.Flush()
	if page.NextAfter != "" {
		fmt.Fprintf(stderr, "more: npac %s --after %s\n", cmd, page.NextAfter)
	}
	return nil
}

// clip shortens s to at most n bytes.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// table returns a tabwriter for aligned columns.
func table(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0) }

// parseID parses a positive integer ID named by what.
func parseID(s, what string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%q is not a %s ID: give a positive integer", s, what)
	}
	return id, nil
}

// checkDate accepts a date (2026-11-23) or an RFC 3339 time; flag names
// the flag in the error.
func checkDate(flag, s string) error {
	if _, err := time.Parse(time.DateOnly, s); err == nil {
		return nil
	}
	if _, err := time.Parse(time.RFC3339, s); err == nil {
		return nil
	}
	return fmt.Errorf("--%s %q is not a date: give YYYY-MM-DD (2026-11-23) or RFC 3339 (2026-11-23T14:00:00Z)", flag, s)
}

// checkSide validates --as.
func checkSide(s string) error {
	switch npac.Side(s) {
	case "", npac.SideNew, npac.SideOld:
		return nil
	}
	return fmt.Errorf("--as %q is unknown: use new or old", s)
}

// fmtTime formats a time for people: a date alone at midnight UTC, else
// RFC 3339 in UTC.
func fmtTime(t time.Time) string {
	t = t.UTC()
	if t.Equal(t.Truncate(24 * time.Hour)) {
		return t.Format(time.DateOnly)
	}
	return t.Format(time.RFC3339)
}

// flagErr turns a domain validation error into one naming the flag.
func flagErr(flag string, err error) error {
	return fmt.Errorf("--%s: %s", flag, strings.TrimSuffix(npac.ErrorMessage(err), "."))
}

// rangeResponse is the answer to a range request.
type rangeResponse struct {
	Results []struct {
		TN    npac.TN   `json:"tn"`
		SV    *npac.SV  `json:"sv"`
		Error *apiError `json:"error"`
	} `json:"results"`
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
}

// rangeFailedError reports that some TNs of a range request failed; their
// errors are in the output.
type rangeFailedError struct{ failed, total int }

func (e *rangeFailedError) Error() string {
	return fmt.Sprintf("%d of %d TNs failed (see the results above)", e.failed, e.total)
}

// rangeCall sends a range request and prints one line per TN and a
// summary. It fails when any TN failed, so the exit status tells.
func (c *client) rangeCall(ctx context.Context, path string, body map[string]any, hdr http.Header) error {
	var res rangeResponse
	human, err := c.call(ctx, http.MethodPost, path, nil, body, hdr, &res)
	if err != nil {
		return err
	}
	if human {
		for _, r := range res.Results {
			switch {
			case r.Error != nil:
				fmt.Fprintf(c.stdout, "%s  error %s: %s\n", r.TN, r.Error.Code, r.Error.Detail)
			case r.SV != nil:
				fmt.Fprintf(c.stdout, "%s  ok %d %s\n", r.TN, r.SV.ID, r.SV.Status)
			}
		}
		fmt.Fprintf(c.stdout, "%d succeeded, %d failed\n", res.Succeeded, res.Failed)
	}
	if res.Failed > 0 {
		return &rangeFailedError{failed: res.Failed, total: res.Succeeded + res.Failed}
	}
	return nil
}

// printSV prints the essentials of an SV as aligned "key: value" lines.
func printSV(w io.Writer, sv *npac.SV) {
	tw := table(w)
	row := func(k, format string, args ...any) {
		fmt.Fprintf(tw, "%s:\t"+format+"\n", append([]any{k}, args...)...)
	}
	row("id", "%d", sv.ID)
	row("tn", "%s", sv.TN)
	status := string(sv.Status)
	switch {
	case sv.Pending != "":
		status += " (" + sv.Pending + ")"
	case sv.Status == npac.StatusCancelPending && sv.PriorStatus != "":
		status += " (was " + string(sv.PriorStatus) + ")"
	}
	row("status", "%s", status)
	port := fmt.Sprintf("%s → %s", sv.OldSPID, sv.NewSPID)
	if sv.PortToOriginal {
		port += " (port to original)"
	}
	row("old → new", "%s", port)
	if sv.LRN != "" {
		row("lrn", "%s", npac.TN(sv.LRN))
	}
	if sv.SVType != "" && sv.SVType != npac.SVWireline {
		row("sv type", "%s", sv.SVType)
	}
	row("due", "%s", fmtTime(sv.DueDate))
	if sv.TimerType != "" {
		row("timer", "%s", sv.TimerType)
	}
	if !sv.Concurred() && sv.Status == npac.StatusPending {
		switch {
		case sv.NewSPCreatedAt == nil:
			row("waiting for", "the new SP's create (%s)", sv.NewSPID)
		case sv.OldSPCreatedAt == nil:
			row("waiting for", "the old SP's concurrence (%s)", sv.OldSPID)
		}
	}
	switch {
	case sv.Status == npac.StatusConflict && sv.CauseCode != 0:
		row("cause code", "%d", sv.CauseCode)
	case sv.Authorization != nil && !*sv.Authorization:
		row("authorization", "denied (cause code %d)", sv.CauseCode)
	}
	t1, t2 := sv.T1ExpiresAt, sv.T2ExpiresAt
	if sv.Concurred() {
		// The concurrence timers no longer matter.
		t1, t2 = nil, nil
	}
	for _, t := range []struct {
		k string
		t *time.Time
	}{
		{"t1 expires", t1}, {"t2 expires", t2}, {"activated", sv.ActivationTimestamp},
		{"disconnect", sv.CustomerDisconnectDate}, {"release", sv.EffectiveReleaseDate},
	} {
		if t.t != nil {
			row(t.k, "%s", t.t.UTC().Format(time.RFC3339))
		}
	}
	if sv.CancelBy != "" {
		row("canceled by", "%s SP", sv.CancelBy)
	}
	if len(sv.FailedSPs) > 0 {
		spids := make([]string, len(sv.FailedSPs))
		for i, s := range sv.FailedSPs {
			spids[i] = string(s)
		}
		row("failed spids", "%s", strings.Join(spids, ", "))
	}
	tw.Flush()
}

// printNotification prints one notification on one line.
func printNotification(w io.Writer, n *npac.Notification) {
	tn := "-"
	if n.TN != "" {
		tn = n.TN.String()
	}
	fmt.Fprintf(w, "%-5d %s  %-21s  %-12s  %s\n", n.Seq, n.CreatedAt.UTC().Format(time.RFC3339), n.Kind, tn, n.Message)
}
