package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	npac "github.com/opennpac/npac"
)

const svUsage = `Usage: npac sv <command> [arguments] [flags]

Create subscription versions (SVs) and move them through the port lifecycle
through the NPAC's API.

Commands:
  create                 a port's create, by the new SP (or the old with --as old)
  concur                 the old SP's create: concur with a port
  show <id>              one SV
  list                   SVs, filtered by --tn, --status, --spid
  activate <id>          activate a concurred port on or after its due date
  modify <id>            change routing data or dates
  conflict <id>          put a pending SV in conflict (--cause-code)
  resolve-conflict <id>  take an SV out of conflict
  cancel <id>            cancel a port
  cancel-ack <id>        acknowledge the other side's cancel
  cancel-undo <id>       take back a cancel
  disconnect <id>        disconnect an active number
  notifications          read (or --follow) a provider's notifications

create, concur and the actions take --tns or --range instead of --tn or an
id to work on many TNs at once. Every command takes --url, --token and
--json; run npac sv <command> -h for its flags.
`

// runSV runs "npac sv <command>".
func runSV(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch(ctx, "npac sv", svUsage, map[string]command{
		"create":           svCreate(false),
		"concur":           svCreate(true),
		"show":             svShow,
		"list":             svList,
		"activate":         svAct("activate"),
		"cancel":           svAct("cancel"),
		"cancel-ack":       svAct("cancel-ack"),
		"cancel-undo":      svAct("cancel-undo"),
		"resolve-conflict": svAct("resolve-conflict"),
		"conflict":         svAct("conflict"),
		"disconnect":       svAct("disconnect"),
		"modify":           svAct("modify"),
		"notifications":    svNotifications,
	}, args, stdout, stderr)
}

// tnFlags are --tn, --tns and --range: the TNs a command works on.
type tnFlags struct {
	tn, tns, span string
}

func (f *tnFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.tn, "tn", "", "the telephone `number`, NPA-NXX-XXXX")
	fs.StringVar(&f.tns, "tns", "", "a comma-separated `list` of TNs, for a range request")
	fs.StringVar(&f.span, "range", "", "the `first-last` TNs of a span within one NPA-NXX (6135550100-6135550199 or 6135550100-0199), for a range request")
}

// given reports how many of the three flags are set.
func (f *tnFlags) given() int {
	n := 0
	for _, s := range []string{f.tn, f.tns, f.span} {
		if s != "" {
			n++
		}
	}
	return n
}

// rangeBody validates --tns or --range (or --tn, as a range of one) and
// puts the TN set into a range request's body.
func (f *tnFlags) rangeBody(body map[string]any) error {
	switch {
	case f.given() > 1:
		return errors.New("give one of --tn, --tns and --range")
	case f.tn != "":
		tn, err := npac.ParseTN(f.tn)
		if err != nil {
			return flagErr("tn", err)
		}
		body["tns"] = []npac.TN{tn}
	case f.tns != "":
		tns, err := npac.ParseTNList(f.tns)
		if err != nil {
			return flagErr("tns", err)
		}
		body["tns"] = tns
	case f.span != "":
		start, end, err := npac.ParseTNSpan(f.span)
		if err != nil {
			return flagErr("range", err)
		}
		body["start_tn"], body["end_tn"] = start, end
	}
	return nil
}

// spNames are the signaling point pairs of routing data.
var spNames = []string{"class", "lidb", "cnam", "isvm", "wsmsc"}

// routingFlags are the routing data of a create or a modify.
type routingFlags struct {
	lrn, billingID, svType, altSPID string
	voiceURI, mmsURI, smsURI        string
	eulValue, eulType               string
	dpc                             map[string]*string
	ssn                             map[string]*int
	// allowRemove is set for a modify, which sends empty values to
	// clear fields and takes "none" for a DPC to remove a pair.
	allowRemove bool
}

func (f *routingFlags) register(fs *flag.FlagSet, modify bool) {
	f.allowRemove = modify
	fs.StringVar(&f.lrn, "lrn", "", "the location routing `number` of the new SP's switch")
	fs.StringVar(&f.billingID, "billing-id", "", "billing `ID` (up to 4 letters or digits)")
	fs.StringVar(&f.svType, "sv-type", "", "SV `type`: wireline (default), wireless, voip, vowifi or prepaid-wireless")
	fs.StringVar(&f.altSPID, "alt-spid", "", "alternative `SPID`")
	fs.StringVar(&f.voiceURI, "voice-uri", "", "voice `URI`, such as sip:+16135550100@example.net")
	fs.StringVar(&f.mmsURI, "mms-uri", "", "MMS `URI`")
	fs.StringVar(&f.smsURI, "sms-uri", "", "SMS `URI`")
	fs.StringVar(&f.eulValue, "end-user-location-value", "", "end-user location `value` (up to 12 digits)")
	fs.StringVar(&f.eulType, "end-user-location-type", "", "end-user location `type` (up to 2 digits)")
	f.dpc, f.ssn = map[string]*string{}, map[string]*int{}
	for _, n := range spNames {
		u := strings.ToUpper(n)
		usage := u + " point `code`, NNN-NNN-NNN (with --" + n + "-ssn)"
		if modify {
			usage += "; none removes the " + u + " pair"
		}
		f.dpc[n] = fs.String(n+"-dpc", "", usage)
		f.ssn[n] = fs.Int(n+"-ssn", 0, u+" subsystem `number`, 0-255 (with --"+n+"-dpc)")
	}
}

// apply validates the routing flags given and puts them into body. A
// create sends only non-empty values; a modify sends every flag given.
func (f *routingFlags) apply(set map[string]bool, body map[string]any) error {
	str := func(name, key, v string) {
		if set[name] && (v != "" || f.allowRemove) {
			body[key] = v
		}
	}
	if set["lrn"] {
		lrn, err := npac.ParseLRN(f.lrn)
		if err != nil {
			return flagErr("lrn", err)
		}
		body["lrn"] = lrn
	}
	if set["sv-type"] {
		if !npac.SVType(f.svType).Valid() {
			return fmt.Errorf("--sv-type %q is unknown: use wireline, wireless, voip, vowifi or prepaid-wireless", f.svType)
		}
		body["sv_type"] = f.svType
	}
	str("alt-spid", "alternative_spid", f.altSPID)
	if f.altSPID != "" && set["alt-spid"] {
		spid, err := npac.ParseSPID(f.altSPID)
		if err != nil {
			return flagErr("alt-spid", err)
		}
		body["alternative_spid"] = spid
	}
	str("billing-id", "billing_id", f.billingID)
	str("voice-uri", "voice_uri", f.voiceURI)
	str("mms-uri", "mms_uri", f.mmsURI)
	str("sms-uri", "sms_uri", f.smsURI)
	str("end-user-location-value", "end_user_location_value", f.eulValue)
	str("end-user-location-type", "end_user_location_type", f.eulType)
	for _, n := range spNames {
		dpcSet, ssnSet := set[n+"-dpc"], set[n+"-ssn"]
		switch {
		case !dpcSet && !ssnSet:
			continue
		case f.allowRemove && dpcSet && strings.EqualFold(*f.dpc[n], "none"):
			if ssnSet {
				return fmt.Errorf("--%s-dpc none removes the %s pair; leave out --%s-ssn", n, strings.ToUpper(n), n)
			}
			body[n] = struct{}{}
			continue
		case !dpcSet || !ssnSet:
			return fmt.Errorf("--%s-dpc and --%s-ssn come in a pair: give both", n, n)
		}
		ssn := *f.ssn[n]
		sp := npac.SignalingPoint{DPC: *f.dpc[n], SSN: &ssn}
		if err := sp.Validate(strings.ToUpper(n)); err != nil {
			return fmt.Errorf("--%s-dpc/--%s-ssn: %s", n, n, strings.TrimSuffix(npac.ErrorMessage(err), "."))
		}
		body[n] = sp
	}
	return nil
}

// svCreate runs "npac sv create" and, with concur, "npac sv concur".
func svCreate(concur bool) command {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		name, synopsis, about := "sv create", "sv create --tn TN --old-spid SPID --new-spid SPID --lrn LRN --due DATE [flags]", `
Send a port's create: POST /api/v1/svs, or with --tns or --range
POST /api/v1/sv-ranges/create. The new SP sends the routing data; with
--as old the old SP concurs instead (see npac sv concur).`
		if concur {
			name, synopsis, about = "sv concur", "sv concur --tn TN --old-spid SPID --new-spid SPID --due DATE [flags]", `
Send the old SP's create, concurring with a port (or, with
--authorization=false and a --cause-code, denying it): npac sv create
--as old.`
		}
		fs, g := newFlagSet(name, synopsis, about, stderr)
		var (
			tns            tnFlags
			rt             routingFlags
			oldSPID, newSP string
			due, as        string
			timerType, key string
			portToOriginal bool
			authorization  bool
			causeCode      int
		)
		tns.register(fs)
		fs.StringVar(&oldSPID, "old-spid", "", "the old (losing) provider's `SPID`")
		fs.StringVar(&newSP, "new-spid", "", "the new (gaining) provider's `SPID`")
		fs.StringVar(&due, "due", "", "the due `date`, YYYY-MM-DD or RFC 3339")
		fs.StringVar(&timerType, "timer-type", "", "concurrence timer `type`: short, medium or long (default long)")
		fs.BoolVar(&authorization, "authorization", true, "the old SP's authorization; false denies the port (with --cause-code)")
		fs.IntVar(&causeCode, "cause-code", 0, "the `code` of a denial (50-54)")
		fs.StringVar(&key, "idempotency-key", "", "a `key` that makes a retried create return the first result")
		if !concur {
			fs.StringVar(&as, "as", "", "the `side` you speak for when you may act for both: new or old")
			fs.BoolVar(&portToOriginal, "port-to-original", false, "port the number back to its code holder (no LRN)")
			rt.register(fs, false)
		}
		pos, err := parseFlags(fs, args)
		if err != nil {
			return err
		}
		if len(pos) > 0 {
			return fmt.Errorf("%s takes no arguments, only flags; got %q", name, pos)
		}
		set := setFlags(fs)
		if concur {
			as = string(npac.SideOld)
		}
		body := map[string]any{}
		if tns.given() == 0 {
			return fmt.Errorf("%s needs the TN: --tn, or --tns or --range for many", name)
		}
		isRange := tns.tn == "" || tns.given() > 1
		if isRange {
			if err := tns.rangeBody(body); err != nil {
				return err
			}
		} else {
			tn, err := npac.ParseTN(tns.tn)
			if err != nil {
				return flagErr("tn", err)
			}
			body["tn"] = tn
		}
		for _, s := range []struct{ flag, key, v string }{{"old-spid", "old_spid", oldSPID}, {"new-spid", "new_spid", newSP}} {
			if s.v == "" {
				return fmt.Errorf("%s needs --%s", name, s.flag)
			}
			spid, err := npac.ParseSPID(s.v)
			if err != nil {
				return flagErr(s.flag, err)
			}
			body[s.key] = spid
		}
		if due == "" {
			return fmt.Errorf("%s needs --due, the due date", name)
		}
		if err := checkDate("due", due); err != nil {
			return err
		}
		body["due_date"] = due
		if err := checkSide(as); err != nil {
			return err
		}
		if as != "" {
			body["as"] = as
		}
		if timerType != "" {
			if !npac.TimerType(timerType).Valid() {
				return fmt.Errorf("--timer-type %q is unknown: use short, medium or long", timerType)
			}
			body["timer_type"] = timerType
		}
		if portToOriginal {
			body["port_to_original"] = true
		}
		if set["authorization"] {
			body["authorization"] = authorization
		}
		if set["cause-code"] {
			body["cause_code"] = causeCode
		}
		if err := rt.apply(set, body); err != nil {
			return err
		}
		c, err := newClient(g, stdout, stderr)
		if err != nil {
			return err
		}
		var hdr http.Header
		if key != "" {
			hdr = http.Header{"Idempotency-Key": {key}}
		}
		if isRange {
			return c.rangeCall(ctx, "/api/v1/sv-ranges/create", body, hdr)
		}
		var sv npac.SV
		if human, err := c.call(ctx, http.MethodPost, "/api/v1/svs", nil, body, hdr, &sv); err != nil || !human {
			return err
		}
		printSV(stdout, &sv)
		return nil
	}
}

// svShow runs "npac sv show <id>".
func svShow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("sv show", "sv show <id> [flags]", "Show one subscription version: GET /api/v1/svs/{id}.", stderr)
	id, c, err := idCommand(fs, g, args, svIDKind, stdout, stderr)
	if err != nil {
		return err
	}
	var sv npac.SV
	if human, err := c.call(ctx, http.MethodGet, "/api/v1/svs/"+strconv.FormatInt(id, 10), nil, nil, nil, &sv); err != nil || !human {
		return err
	}
	printSV(stdout, &sv)
	return nil
}

// svList runs "npac sv list".
func svList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("sv list", "sv list [flags]", "List subscription versions in ID order: GET /api/v1/svs.", stderr)
	var (
		tn, status, spid string
	)
	fs.StringVar(&tn, "tn", "", "only this telephone `number`")
	fs.StringVar(&status, "status", "", "only SVs in this `status` (pending, conflict, active, old, …)")
	fs.StringVar(&spid, "spid", "", "only SVs where this `SPID` is the old or new SP")
	limitFlag, afterFlag := pageFlags(fs, "SVs")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("sv list takes no arguments, only flags; got %q", pos)
	}
	q := url.Values{}
	if tn != "" {
		t, err := npac.ParseTN(tn)
		if err != nil {
			return flagErr("tn", err)
		}
		q.Set("tn", string(t))
	}
	if status != "" {
		known := false
		for _, s := range npac.Statuses {
			known = known || string(s) == status
		}
		if !known {
			return fmt.Errorf("--status %q is unknown: use one of %v", status, npac.Statuses)
		}
		q.Set("status", status)
	}
	if err := spidQuery(q, spid); err != nil {
		return err
	}
	if err := pageQuery(q, *limitFlag, *afterFlag, "an SV id"); err != nil {
		return err
	}
	return listPage(ctx, g, stdout, stderr, "sv list", "/api/v1/svs", q, "no subscription versions",
		"ID\tTN\tSTATUS\tOLD\tNEW\tLRN\tDUE", func(sv *npac.SV) string {
			lrn := "-"
			if sv.LRN != "" {
				lrn = npac.TN(sv.LRN).String()
			}
			return fmt.Sprintf("%d\t%s\t%s\t%s\t%s\t%s\t%s", sv.ID, sv.TN, sv.Status, sv.OldSPID, sv.NewSPID, lrn, fmtTime(sv.DueDate))
		})
}

// svAct runs the actions on an SV, one by id or many by TN.
func svAct(kind npac.ActionKind) command {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		name := "sv " + string(kind)
		path, method := "/"+string(kind), http.MethodPost
		if kind == npac.ActModify {
			path, method = "", http.MethodPatch
		}
		fs, g := newFlagSet(name, name+" <id> [flags]   or   npac "+name+" --tns TN,TN… | --range FIRST-LAST [flags]",
			fmt.Sprintf("%s an SV: %s /api/v1/svs/{id}%s, or with --tn, --tns or --range\nPOST /api/v1/sv-ranges/%s on the live SV of each TN.", actionVerb(kind), method, path, kind), stderr)
		var (
			tns                                 tnFlags
			rt                                  routingFlags
			as, due, releaseDate, disconnectDat string
			causeCode                           int
		)
		tns.register(fs)
		fs.StringVar(&as, "as", "", "the `side` you speak for when you may act for both: new or old")
		switch kind {
		case npac.ActConflict:
			fs.IntVar(&causeCode, "cause-code", 0, "why the old SP puts the port in conflict: `code` 50-54 (required)")
		case npac.ActDisconnect:
			fs.StringVar(&disconnectDat, "disconnect-date", "", "the customer disconnect `date` (default now)")
			fs.StringVar(&releaseDate, "release-date", "", "the effective release `date` (default now)")
		case npac.ActModify:
			rt.register(fs, true)
			fs.StringVar(&due, "due", "", "the new due `date`, YYYY-MM-DD or RFC 3339")
			fs.StringVar(&disconnectDat, "disconnect-date", "", "the customer disconnect `date` of a disconnect-pending SV")
			fs.StringVar(&releaseDate, "release-date", "", "the effective release `date` of a disconnect-pending SV")
		}
		pos, err := parseFlags(fs, args)
		if err != nil {
			return err
		}
		set := setFlags(fs)
		var id int64
		switch {
		case len(pos) > 1:
			return fmt.Errorf("%s takes one SV id; got %q", name, pos)
		case len(pos) == 1 && tns.given() > 0:
			return fmt.Errorf("%s takes an SV id or --tn, --tns or --range, not both", name)
		case len(pos) == 1:
			if id, err = parseID(pos[0], "subscription version"); err != nil {
				return err
			}
		case tns.given() == 0:
			return fmt.Errorf("%s needs an SV id, or --tn, --tns or --range", name)
		}
		body := map[string]any{}
		if id == 0 {
			if err := tns.rangeBody(body); err != nil {
				return err
			}
		}
		if err := checkSide(as); err != nil {
			return err
		}
		if as != "" {
			body["as"] = as
		}
		for _, d := range []struct{ flag, key, v string }{
			{"due", "due_date", due}, {"disconnect-date", "customer_disconnect_date", disconnectDat}, {"release-date", "effective_release_date", releaseDate},
		} {
			if set[d.flag] {
				if err := checkDate(d.flag, d.v); err != nil {
					return err
				}
				body[d.key] = d.v
			}
		}
		switch kind {
		case npac.ActConflict:
			if !set["cause-code"] {
				return fmt.Errorf("%s needs --cause-code, such as 50 (LSR not received)", name)
			}
			body["cause_code"] = causeCode
		case npac.ActModify:
			if err := rt.apply(set, body); err != nil {
				return err
			}
			changes := len(body)
			for _, k := range []string{"as", "tns", "start_tn", "end_tn"} {
				if _, ok := body[k]; ok {
					changes--
				}
			}
			if changes == 0 {
				return fmt.Errorf("%s needs something to change: --lrn, --due, --billing-id, … (see -h)", name)
			}
		}
		c, err := newClient(g, stdout, stderr)
		if err != nil {
			return err
		}
		if id == 0 {
			return c.rangeCall(ctx, "/api/v1/sv-ranges/"+string(kind), body, nil)
		}
		var reqBody any
		if len(body) > 0 || kind == npac.ActModify || kind == npac.ActConflict {
			reqBody = body
		}
		var sv npac.SV
		if human, err := c.call(ctx, method, "/api/v1/svs/"+strconv.FormatInt(id, 10)+path, nil, reqBody, nil, &sv); err != nil || !human {
			return err
		}
		printSV(stdout, &sv)
		return nil
	}
}

// actionVerb describes an action for its usage text.
func actionVerb(k npac.ActionKind) string {
	switch k {
	case npac.ActActivate:
		return "Activate"
	case npac.ActModify:
		return "Modify"
	case npac.ActConflict:
		return "Put in conflict"
	case npac.ActResolveConflict:
		return "Resolve the conflict of"
	case npac.ActCancel:
		return "Cancel"
	case npac.ActCancelAck:
		return "Acknowledge the cancel of"
	case npac.ActCancelUndo:
		return "Undo the cancel of"
	case npac.ActDisconnect:
		return "Disconnect"
	}
	return string(k)
}

// svNotifications runs "npac sv notifications".
func svNotifications(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("sv notifications", "sv notifications [--spid SPID] [--after SEQ] [--follow] [flags]", `
Read a provider's notification stream: GET /api/v1/notifications. With
--follow, wait for new notifications and print each as it arrives, until
interrupted; with --json too, it prints each notification as one line of
JSON. --spid is needed only when you read for more than one provider.`, stderr)
	var (
		spid   string
		after  int64
		limit  int
		follow bool
		wait   int
	)
	fs.StringVar(&spid, "spid", "", "the provider whose notifications to read (`SPID`)")
	fs.Int64Var(&after, "after", 0, "only notifications after this sequence `number`")
	fs.IntVar(&limit, "limit", 0, "at most `n` notifications per request (default 100, at most 1000)")
	fs.BoolVar(&follow, "follow", false, "keep waiting for new notifications, printing each as it arrives")
	fs.IntVar(&wait, "wait", 30, "with --follow, how long each request waits for news (`seconds`, at most 60)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("sv notifications takes no arguments, only flags; got %q", pos)
	}
	q := url.Values{}
	if spid != "" {
		s, err := npac.ParseSPID(spid)
		if err != nil {
			return flagErr("spid", err)
		}
		q.Set("spid", string(s))
	}
	if after < 0 {
		return fmt.Errorf("--after %d is not a sequence number", after)
	}
	if limit < 0 {
		return fmt.Errorf("--limit %d is not a positive number", limit)
	} else if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if wait < 1 || wait > 60 {
		return fmt.Errorf("--wait %d is out of range: give 1 to 60 seconds", wait)
	}
	c, err := newClient(g, stdout, stderr)
	if err != nil {
		return err
	}
	type page struct {
		Items   []*npac.Notification `json:"items"`
		LastSeq int64                `json:"last_seq"`
	}
	if !follow {
		q.Set("after", strconv.FormatInt(after, 10))
		var p page
		if human, err := c.call(ctx, http.MethodGet, "/api/v1/notifications", q, nil, nil, &p); err != nil || !human {
			return err
		}
		if len(p.Items) == 0 {
			fmt.Fprintf(stderr, "no notifications after %d\n", after)
			return nil
		}
		for _, n := range p.Items {
			printNotification(stdout, n)
		}
		if last := p.Items[len(p.Items)-1].Seq; p.LastSeq > last {
			fmt.Fprintf(stderr, "more: npac sv notifications --after %d\n", last)
		}
		return nil
	}

	q.Set("wait", strconv.Itoa(wait))
	backoff, first := time.Second, true
	for {
		q.Set("after", strconv.FormatInt(after, 10))
		var p page
		_, err := c.do(ctx, http.MethodGet, "/api/v1/notifications", q, nil, nil, &p)
		if err == nil {
			for _, n := range p.Items {
				if c.json {
					c.printJSONLine(n)
				} else {
					printNotification(stdout, n)
				}
				after = max(after, n.Seq)
			}
			first, backoff = false, time.Second
			continue
		}
		if ctx.Err() != nil {
			return nil // interrupted: following ends here
		}
		var ae *apiError
		if first || errors.As(err, &ae) && ae.Status < 500 {
			return err
		}
		// The server went away or had a fault: keep following.
		fmt.Fprintf(stderr, "npac: %v; retrying in %s\n", err, backoff)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}
