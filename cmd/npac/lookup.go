package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	npac "github.com/opennpac/npac"
)

const lookupUsage = `Usage: npac lookup <TN>... [flags]
       npac lookup history <TN> [flags]
       npac lookup session --user NAME --pin PIN <TN>... [flags]

Look numbers up as a data user (ptrs, tcpa, fraud, law-enforcement) or NPAC
personnel. Each answer has the fields your roles may see, in the regions
they cover; every lookup is audited.

Commands:
  <TN>...             port query: who serves each number, and how
  history <TN>        a number's ports and disconnects (fraud, law-enforcement)
  session <TN>...     look numbers up in a PIN session (at most 20), with no token

For TCPA checks of a list of numbers, see npac tcpa -h. Every command takes
--url and --json; the port query and history take --token.
`

// runLookup runs "npac lookup ...".
func runLookup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, lookupUsage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "history":
		return lookupHistory(ctx, args[1:], stdout, stderr)
	case "session":
		return lookupSession(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, lookupUsage)
		return nil
	}
	return lookupQuery(ctx, args, stdout, stderr)
}

// lookupResult is one number of a port query's answer: its fields, or
// the problem it met.
type lookupResult struct {
	npac.PortInfo
	Error *apiError `json:"error"`
}

// parseTNArgs validates the numbers given as arguments.
func parseTNArgs(fs *flag.FlagSet, pos []string) ([]npac.TN, error) {
	if len(pos) == 0 {
		name := cmdName(fs)
		return nil, fmt.Errorf("%s needs at least one number: npac %s 212-555-0100", name, name)
	}
	out := make([]npac.TN, len(pos))
	for i, s := range pos {
		tn, err := npac.ParseTN(s)
		if err != nil {
			return nil, errors.New(strings.TrimSuffix(npac.ErrorMessage(err), "."))
		}
		out[i] = tn
	}
	return out, nil
}

// lookupQuery runs "npac lookup TN...".
func lookupQuery(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("lookup", "lookup <TN>... [flags]", `
Port query: POST /api/v1/lookup. Prints one row per number with the fields
your data roles see (columns no answer has are left out), and the serving
providers' contacts for law enforcement. A number outside your regions or
in no NPA-NXX the NPAC knows gets its error in its row, and the command
fails. For example:
  npac lookup 212-555-0100 212-555-0101`, stderr)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	tns, err := parseTNArgs(fs, pos)
	if err != nil {
		return err
	}
	c, err := newClient(g, stdout, stderr)
	if err != nil {
		return err
	}
	var res struct {
		Results []lookupResult `json:"results"`
	}
	human, err := c.call(ctx, http.MethodPost, "/api/v1/lookup", nil, map[string]any{"tns": tns}, nil, &res)
	if err != nil {
		return err
	}
	if human {
		printLookups(stdout, res.Results)
	}
	return lookupFailed(res.Results)
}

// lookupFailed reports the numbers that got an error instead of an
// answer, so that the exit status tells.
func lookupFailed(rs []lookupResult) error {
	failed := 0
	for _, r := range rs {
		if r.Error != nil {
			failed++
		}
	}
	if failed > 0 {
		return &rangeFailedError{failed: failed, total: len(rs)}
	}
	return nil
}

// optYesNo formats an optional flag of a port query answer: empty when
// the role does not see it.
func optYesNo(b *bool) string {
	if b == nil {
		return ""
	}
	return yesNo(*b)
}

// infoColumns are the columns of a port query table; a column is shown
// when any row has a value in it, since a role sees only its fields.
var infoColumns = []struct {
	head  string
	value func(*npac.PortInfo) string
}{
	{"PORTED", func(p *npac.PortInfo) string { return optYesNo(p.Ported) }},
	{"POOLED", func(p *npac.PortInfo) string { return optYesNo(p.Pooled) }},
	{"SPID", func(p *npac.PortInfo) string { return string(p.SPID) }},
	{"PROVIDER", func(p *npac.PortInfo) string { return p.ProviderName }},
	{"LRN", func(p *npac.PortInfo) string {
		if p.LRN == "" {
			return ""
		}
		return npac.TN(p.LRN).String()
	}},
	{"SV TYPE", func(p *npac.PortInfo) string { return string(p.SVType) }},
	{"LINE", func(p *npac.PortInfo) string { return p.LineType }},
	{"LAST PORTED", func(p *npac.PortInfo) string {
		if p.LastPortedAt == nil {
			return ""
		}
		return p.LastPortedAt.UTC().Format(time.RFC3339)
	}},
	{"CODE HOLDER", func(p *npac.PortInfo) string { return string(p.CodeHolder) }},
	{"REGION", func(p *npac.PortInfo) string { return string(p.Region) }},
}

// printLookups prints port query answers as a table, then the contacts
// of the providers that serve them.
func printLookups(w io.Writer, rs []lookupResult) {
	shown := make([]bool, len(infoColumns))
	errs := false
	for i := range rs {
		for j, col := range infoColumns {
			shown[j] = shown[j] || col.value(&rs[i].PortInfo) != ""
		}
		errs = errs || rs[i].Error != nil
	}
	tw := table(w)
	head := []string{"TN"}
	for j, col := range infoColumns {
		if shown[j] {
			head = append(head, col.head)
		}
	}
	if errs {
		head = append(head, "ERROR")
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for i := range rs {
		r := &rs[i]
		row := []string{r.TN.String()}
		for j, col := range infoColumns {
			if shown[j] {
				row = append(row, dash(col.value(&r.PortInfo)))
			}
		}
		if errs {
			e := ""
			if r.Error != nil {
				e = r.Error.Code + ": " + r.Error.Detail
			}
			row = append(row, dash(e))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
	for i := range rs {
		if len(rs[i].Contacts) > 0 {
			fmt.Fprintf(w, "contacts of %s for %s: %s\n", rs[i].SPID, rs[i].TN, contactsString(rs[i].Contacts))
		}
	}
}

// contactsString formats contacts as "kind name email phone; …".
func contactsString(cs []npac.Contact) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		f := []string{c.Kind + ":", c.Name}
		for _, v := range []string{c.Email, c.Phone} {
			if v != "" {
				f = append(f, v)
			}
		}
		parts[i] = strings.Join(f, " ")
	}
	return strings.Join(parts, "; ")
}

// lookupHistory runs "npac lookup history TN".
func lookupHistory(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("lookup history", "lookup history <TN> [flags]", `
A number's porting history, oldest first: GET /api/v1/lookup/{tn}/history.
For the fraud and law-enforcement roles (law enforcement also gets the
providers' contacts) and NPAC personnel.`, stderr)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("lookup history needs one number: npac lookup history 212-555-0100")
	}
	tns, err := parseTNArgs(fs, pos)
	if err != nil {
		return err
	}
	c, err := newClient(g, stdout, stderr)
	if err != nil {
		return err
	}
	var h struct {
		Items []*npac.PortEvent `json:"items"`
	}
	if human, err := c.call(ctx, http.MethodGet, "/api/v1/lookup/"+string(tns[0])+"/history", nil, nil, nil, &h); err != nil || !human {
		return err
	}
	if len(h.Items) == 0 {
		fmt.Fprintf(stderr, "%s was never ported\n", tns[0])
		return nil
	}
	tw := table(stdout)
	fmt.Fprintln(tw, "AT\tTYPE\tFROM\tTO\tSV TYPE\tSV ID")
	for _, ev := range h.Items {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\n", ev.At.UTC().Format(time.RFC3339), ev.Type, dash(string(ev.From)), dash(string(ev.To)), dash(string(ev.SVType)), ev.SVID)
	}
	tw.Flush()
	seen := map[npac.SPID]bool{}
	for _, ev := range h.Items {
		for _, x := range []struct {
			spid npac.SPID
			cs   []npac.Contact
		}{{ev.From, ev.FromContacts}, {ev.To, ev.ToContacts}} {
			if len(x.cs) > 0 && !seen[x.spid] {
				seen[x.spid] = true
				fmt.Fprintf(stdout, "contacts of %s: %s\n", x.spid, contactsString(x.cs))
			}
		}
	}
	return nil
}

// lookupSession runs "npac lookup session".
func lookupSession(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("lookup session", "lookup session --user NAME --pin PIN <TN>... [flags]", `
Open a limited lookup session with a data user's name and PIN (issued by
NPAC personnel with npac user pin), as an IVR does, and look each number up
in it: POST /api/v1/lookup-sessions, then GET /api/v1/lookup-session/{tn}
with Authorization: Session <id>. No API token is needed. A session answers
at most 20 numbers; the command stops at the 21st.`, stderr)
	var user, pin string
	fs.StringVar(&user, "user", "", "the data user's `name`")
	fs.StringVar(&pin, "pin", "", "the user's lookup `PIN` (default $NPAC_LOOKUP_PIN)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if user == "" {
		return errors.New("lookup session needs --user, the data user's name")
	}
	if pin == "" {
		pin = os.Getenv("NPAC_LOOKUP_PIN")
	}
	if pin == "" {
		return errors.New("lookup session needs --pin (or NPAC_LOOKUP_PIN), the PIN NPAC personnel issued with npac user pin")
	}
	tns, err := parseTNArgs(fs, pos)
	if err != nil {
		return err
	}
	c, err := newClient(g, stdout, stderr)
	if err != nil {
		return err
	}
	var sess npac.LookupSession
	if _, err := c.public(ctx, http.MethodPost, "/api/v1/lookup-sessions", map[string]string{"user": user, "pin": pin}, "", &sess); err != nil {
		return err
	}
	var (
		results []lookupResult
		last    = &sess
		stop    error
	)
	for _, tn := range tns {
		var ans struct {
			Result  lookupResult        `json:"result"`
			Session *npac.LookupSession `json:"session"`
		}
		raw, err := c.public(ctx, http.MethodGet, "/api/v1/lookup-session/"+string(tn), nil, "Session "+sess.ID, &ans)
		if err != nil {
			stop = err
			break
		}
		if c.json {
			c.stdout.Write(append(bytes.TrimSpace(raw), '\n'))
		}
		results, last = append(results, ans.Result), ans.Session
	}
	if !c.json && len(results) > 0 {
		printLookups(stdout, results)
		fmt.Fprintf(stdout, "session: %d of %d numbers used, expires %s\n", last.Used, last.MaxLookups, last.ExpiresAt.UTC().Format(time.RFC3339))
	}
	if stop != nil {
		return stop
	}
	return lookupFailed(results)
}

// public sends a request to a public route of the API, with auth (such
// as "Session <id>") as its Authorization header if not empty, and no API
// token. It answers as do.
func (c *client) public(ctx context.Context, method, path string, body any, auth string, out any) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encode request: %w", err)
		}
		rd = bytes.NewReader(j)
	}
	hdr := http.Header{}
	if auth != "" {
		hdr.Set("Authorization", auth)
	}
	resp, err := c.send(ctx, httpClient, method, path, nil, rd, "application/json", hdr)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read the NPAC's answer: %w", err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return nil, fmt.Errorf("the NPAC's answer to %s %s is not what the client expects: %v", method, path, err)
		}
	}
	return raw, nil
}

// send sends a request with hc and returns the response to read, or the
// problem of an error status as an *apiError. The Authorization header is
// hdr's, if it has one; it is not filled in from the token.
func (c *client) send(ctx context.Context, hc *http.Client, method, path string, query url.Values, body io.Reader, contentType string, hdr http.Header) (*http.Response, error) {
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	req.Header.Set("User-Agent", "npac/"+version)
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("cannot reach the NPAC at %s: %v; is `npac serve` running?", c.base, err)
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		var p apiError
		if json.Unmarshal(raw, &p) != nil || p.Code == "" {
			return nil, fmt.Errorf("the NPAC at %s answered %s: %s", c.base, resp.Status, clip(strings.TrimSpace(string(raw)), 200))
		}
		return nil, &p
	}
	return resp, nil
}

// streamClient sends requests whose answers stream for as long as they
// take, such as a TCPA check of millions of numbers; the command's
// context (Ctrl-C) ends them.
var streamClient = &http.Client{}

// runTCPA runs "npac tcpa --since DATE FILE".
func runTCPA(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("tcpa", "tcpa --since DATE FILE [flags]", `
TCPA check (the tcpa role or NPAC personnel): POST /api/v1/tcpa. FILE (- for
standard input) holds one number a line; blank lines and lines starting
with # are skipped. For each number, in the file's order, the NPAC answers
whether it was ported between wireless and wireline service (VoIP counts
as wireline) at or after --since, and its line type now. The answer streams
to standard output as CSV with the header tn,ported,line_type,error (with
--json: NDJSON, one object a line); a summary goes to standard error.
For example:
  npac tcpa --since 2025-01-01 numbers.txt > checked.csv`, stderr)
	since := fs.String("since", "", "ports at or after this `date` count: YYYY-MM-DD or RFC 3339 (required)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *since == "" {
		return errors.New("tcpa needs --since, the date from which a port counts (YYYY-MM-DD)")
	}
	if err := checkDate("since", *since); err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("tcpa needs one file of numbers, one a line (- for standard input): npac tcpa --since DATE FILE")
	}
	c, err := newClient(g, stdout, stderr)
	if err != nil {
		return err
	}
	if c.token == "" {
		return errors.New("no API token: set NPAC_TOKEN to your token or pass --token")
	}
	var in io.Reader = os.Stdin
	if pos[0] != "-" {
		f, err := os.Open(pos[0])
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	hdr := http.Header{}
	hdr.Set("Authorization", "Bearer "+c.token)
	hdr.Set("Accept", "text/csv")
	if c.json {
		hdr.Set("Accept", "application/x-ndjson")
	}
	resp, err := c.send(ctx, streamClient, http.MethodPost, "/api/v1/tcpa", url.Values{"since": {*since}}, in, "text/plain", hdr)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var sum tcpaSummary
	if c.json {
		err = copyTCPANDJSON(stdout, resp.Body, &sum)
	} else {
		err = copyTCPACSV(stdout, resp.Body, &sum)
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("the NPAC's answer ended early, after %d numbers: %v", sum.checked, err)
	}
	fmt.Fprintf(stderr, "%d numbers checked: %d ported between wireless and wireline since %s, %d not checked (see their error)\n",
		sum.checked, sum.ported, *since, sum.errors)
	return nil
}

// tcpaSummary counts a TCPA answer's lines.
type tcpaSummary struct{ checked, ported, errors int }

func (s *tcpaSummary) add(ported bool, errMsg string) {
	s.checked++
	switch {
	case errMsg != "":
		s.errors++
	case ported:
		s.ported++
	}
}

// copyTCPACSV copies a CSV answer to w as it comes, flushing every
// thousand lines, and counts it.
func copyTCPACSV(w io.Writer, body io.Reader, sum *tcpaSummary) error {
	rd := csv.NewReader(body)
	rd.FieldsPerRecord = 4
	rd.ReuseRecord = true
	out := csv.NewWriter(w)
	defer out.Flush()
	head, err := rd.Read()
	if err != nil {
		return err
	}
	if err := out.Write(head); err != nil {
		return err
	}
	for {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return err
		}
		sum.add(rec[1] == "true", rec[3])
		if err := out.Write(rec); err != nil {
			return err
		}
		if sum.checked%1000 == 0 {
			out.Flush()
		}
	}
	out.Flush()
	return out.Error()
}

// copyTCPANDJSON copies an NDJSON answer to w line by line and counts it.
func copyTCPANDJSON(w io.Writer, body io.Reader, sum *tcpaSummary) error {
	br := bufio.NewReaderSize(body, 64<<10)
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			if line[len(line)-1] != '\n' {
				return io.ErrUnexpectedEOF
			}
			var r npac.TCPAResult
			if jerr := json.Unmarshal(line, &r); jerr != nil {
				return fmt.Errorf("a line of the answer is not a result: %v", jerr)
			}
			sum.add(r.Ported, r.Error)
			if _, werr := bw.Write(line); werr != nil {
				return werr
			}
			if sum.checked%1000 == 0 {
				bw.Flush()
			}
		}
		if errors.Is(err, io.EOF) {
			return bw.Flush()
		} else if err != nil {
			return err
		}
	}
}
