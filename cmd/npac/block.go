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

const blockUsage = `Usage: npac block <command> [arguments] [flags]

Manage number pool blocks, the 1,000 numbers of an NPA-NXX-X assigned to a
block holder, through the NPAC's API. The pooling administrator (NPAC
personnel) manages every block; a block holder's SOA manages its own when
its provider profile allows it (soa_blocks).

Commands:
  create                 pool a block (--block, --spid, --lrn)
  show <NPA-NXX-X>       one block
  list                   blocks, filtered by --spid, --npa-nxx, --status
  modify <NPA-NXX-X>     change a block's routing, or a pending block's date
  delete <NPA-NXX-X>     de-pool a block
  resend <NPA-NXX-X>     broadcast a failed block again (NPAC personnel)

Every command takes --url, --token and --json; run npac block <command> -h
for its flags.
`

// runBlock runs "npac block <command>".
func runBlock(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch(ctx, "npac block", blockUsage, map[string]command{
		"create": blockCreate,
		"show":   blockShow,
		"list":   blockList,
		"modify": blockModify,
		"delete": blockSimple("delete", http.MethodDelete, ""),
		"resend": blockSimple("resend", http.MethodPost, "/resend"),
	}, args, stdout, stderr)
}

// blockRoutingFlags are the routing data of a block create or modify.
type blockRoutingFlags struct {
	lrn, svType, altSPID string
	sp                   map[string]*string
	// modify is set for a modify, which sends an empty --alt-spid to
	// clear it and takes "none" for a signaling point to remove it.
	modify bool
}

func (f *blockRoutingFlags) register(fs *flag.FlagSet, modify bool) {
	f.modify = modify
	fs.StringVar(&f.lrn, "lrn", "", "the location routing `number` the block's numbers route to")
	fs.StringVar(&f.svType, "sv-type", "", "SV `type`: wireline (default), wireless, voip, vowifi or prepaid-wireless")
	fs.StringVar(&f.altSPID, "alt-spid", "", "alternative `SPID`")
	f.sp = map[string]*string{}
	for _, n := range spNames {
		u := strings.ToUpper(n)
		usage := u + " signaling point: `DPC/SSN`, such as 001-002-003/7"
		if modify {
			usage += "; none removes it"
		}
		f.sp[n] = fs.String(n, "", usage)
	}
}

// parseSignalingPoint parses a --class style flag: DPC/SSN.
func parseSignalingPoint(name, s string) (npac.SignalingPoint, error) {
	dpc, ssnText, ok := strings.Cut(strings.TrimSpace(s), "/")
	ssn, err := strconv.Atoi(strings.TrimSpace(ssnText))
	if !ok || err != nil {
		return npac.SignalingPoint{}, fmt.Errorf("--%s %q is not a signaling point: give DPC/SSN, such as 001-002-003/7", name, s)
	}
	sp := npac.SignalingPoint{DPC: strings.TrimSpace(dpc), SSN: &ssn}
	if err := sp.Validate(strings.ToUpper(name)); err != nil {
		return npac.SignalingPoint{}, flagErr(name, err)
	}
	return sp, nil
}

// apply validates the routing flags given and puts them into body.
func (f *blockRoutingFlags) apply(set map[string]bool, body map[string]any) error {
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
	switch {
	case !set["alt-spid"]:
	case f.altSPID == "" && f.modify:
		body["alternative_spid"] = ""
	case f.altSPID != "":
		spid, err := npac.ParseSPID(f.altSPID)
		if err != nil {
			return flagErr("alt-spid", err)
		}
		body["alternative_spid"] = spid
	}
	for _, n := range spNames {
		if !set[n] {
			continue
		}
		v := *f.sp[n]
		if f.modify && strings.EqualFold(strings.TrimSpace(v), "none") {
			body[n] = struct{}{}
			continue
		}
		sp, err := parseSignalingPoint(n, v)
		if err != nil {
			return err
		}
		body[n] = sp
	}
	return nil
}

// blockArg validates the positional arguments of a command that takes one
// pool block, NPA-NXX-X.
func blockArg(fs *flag.FlagSet, pos []string) (npac.NPANXXX, error) {
	if len(pos) != 1 {
		name := cmdName(fs)
		return "", fmt.Errorf("%s needs one pool block: npac %s NPA-NXX-X (such as 613-555-1)", name, name)
	}
	x, err := npac.ParseNPANXXX(pos[0])
	if err != nil {
		return "", errors.New(strings.TrimSuffix(npac.ErrorMessage(err), "."))
	}
	return x, nil
}

// blockArgCommand parses args with fs for a command that takes exactly
// one argument, a pool block, and only the global flags, and returns the
// block and a client configured by g.
func blockArgCommand(fs *flag.FlagSet, g *globals, args []string, stdout, stderr io.Writer) (npac.NPANXXX, *client, error) {
	pos, err := parseFlags(fs, args)
	if err != nil {
		return "", nil, err
	}
	x, err := blockArg(fs, pos)
	if err != nil {
		return "", nil, err
	}
	c, err := newClient(g, stdout, stderr)
	if err != nil {
		return "", nil, err
	}
	return x, c, nil
}

// blockCreate runs "npac block create".
func blockCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("block create", "block create --block NPA-NXX-X --spid SPID --lrn LRN [--effective DATE] [flags]", `
Pool a block: POST /api/v1/blocks. Without --effective, or with a time
that has come, the block is activated and broadcast at once; otherwise it
stays pending until then.`, stderr)
	var (
		rt               blockRoutingFlags
		block, spid, eff string
	)
	fs.StringVar(&block, "block", "", "the pool block, `NPA-NXX-X` (613-555-1)")
	fs.StringVar(&spid, "spid", "", "the block holder's `SPID`")
	fs.StringVar(&eff, "effective", "", "the effective `date`, YYYY-MM-DD or RFC 3339 (default now)")
	rt.register(fs, false)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("block create takes no arguments, only flags; got %q", pos)
	}
	set := setFlags(fs)
	body := map[string]any{}
	if block == "" {
		return fmt.Errorf("block create needs --block, the NPA-NXX-X (such as 613-555-1)")
	}
	x, err := npac.ParseNPANXXX(block)
	if err != nil {
		return flagErr("block", err)
	}
	body["npa_nxx_x"] = x
	if spid == "" {
		return fmt.Errorf("block create needs --spid, the block holder")
	}
	holder, err := npac.ParseSPID(spid)
	if err != nil {
		return flagErr("spid", err)
	}
	body["spid"] = holder
	if !set["lrn"] {
		return fmt.Errorf("block create needs --lrn, the LRN the block's numbers route to")
	}
	if eff != "" {
		if err := checkDate("effective", eff); err != nil {
			return err
		}
		body["effective_date"] = eff
	}
	if err := rt.apply(set, body); err != nil {
		return err
	}
	c, err := newClient(g, stdout, stderr)
	if err != nil {
		return err
	}
	var b npac.Block
	if human, err := c.call(ctx, http.MethodPost, "/api/v1/blocks", nil, body, nil, &b); err != nil || !human {
		return err
	}
	printBlock(stdout, &b)
	return nil
}

// blockShow runs "npac block show NPA-NXX-X".
func blockShow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("block show", "block show NPA-NXX-X [flags]", "Show the live pool block of an NPA-NXX-X: GET /api/v1/blocks/{npanxxx}.", stderr)
	x, c, err := blockArgCommand(fs, g, args, stdout, stderr)
	if err != nil {
		return err
	}
	var b npac.Block
	if human, err := c.call(ctx, http.MethodGet, "/api/v1/blocks/"+string(x), nil, nil, nil, &b); err != nil || !human {
		return err
	}
	printBlock(stdout, &b)
	return nil
}

// blockList runs "npac block list".
func blockList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("block list", "block list [flags]", "List pool blocks in ID order: GET /api/v1/blocks.", stderr)
	var (
		spid, code, status string
		old                bool
	)
	fs.StringVar(&spid, "spid", "", "only blocks this `SPID` holds")
	fs.StringVar(&code, "npa-nxx", "", "only blocks of this `NPA-NXX`")
	fs.StringVar(&status, "status", "", "only blocks in this `status` (pending, sending, active, partial-failure, failed, old)")
	fs.BoolVar(&old, "old", false, "include de-pooled blocks")
	limitFlag, afterFlag := pageFlags(fs, "blocks")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("block list takes no arguments, only flags; got %q", pos)
	}
	q := url.Values{}
	if err := spidQuery(q, spid); err != nil {
		return err
	}
	if code != "" {
		c, err := npac.ParseNPANXX(code)
		if err != nil {
			return flagErr("npa-nxx", err)
		}
		q.Set("npa_nxx", string(c))
	}
	switch npac.Status(status) {
	case "":
	case npac.StatusPending, npac.StatusSending, npac.StatusActive, npac.StatusPartialFailure, npac.StatusFailed, npac.StatusOld:
		q.Set("status", status)
	default:
		return fmt.Errorf("--status %q is not a block status: use pending, sending, active, partial-failure, failed or old", status)
	}
	if old {
		q.Set("old", "true")
	}
	if err := pageQuery(q, *limitFlag, *afterFlag, "a block id"); err != nil {
		return err
	}
	return listPage(ctx, g, stdout, stderr, "block list", "/api/v1/blocks", q, "no pool blocks",
		"ID\tBLOCK\tSTATUS\tHOLDER\tLRN\tEFFECTIVE", func(b *npac.Block) string {
			return fmt.Sprintf("%d\t%s\t%s\t%s\t%s\t%s", b.ID, b.NPANXXX, blockStatus(b), b.SPID, npac.TN(b.LRN), fmtTime(b.EffectiveDate))
		})
}

// blockModify runs "npac block modify NPA-NXX-X".
func blockModify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("block modify", "block modify NPA-NXX-X [flags]", `
Change a pool block: PATCH /api/v1/blocks/{npanxxx}. A pending block
changes its routing and --effective date; a block in effect changes its
routing, which is broadcast again.`, stderr)
	var (
		rt  blockRoutingFlags
		eff string
	)
	rt.register(fs, true)
	fs.StringVar(&eff, "effective", "", "the new effective `date` of a pending block, YYYY-MM-DD or RFC 3339")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	x, err := blockArg(fs, pos)
	if err != nil {
		return err
	}
	set := setFlags(fs)
	body := map[string]any{}
	if set["effective"] {
		if err := checkDate("effective", eff); err != nil {
			return err
		}
		body["effective_date"] = eff
	}
	if err := rt.apply(set, body); err != nil {
		return err
	}
	if len(body) == 0 {
		return fmt.Errorf("block modify needs something to change: --lrn, --effective, --class, … (see -h)")
	}
	c, err := newClient(g, stdout, stderr)
	if err != nil {
		return err
	}
	var b npac.Block
	if human, err := c.call(ctx, http.MethodPatch, "/api/v1/blocks/"+string(x), nil, body, nil, &b); err != nil || !human {
		return err
	}
	printBlock(stdout, &b)
	return nil
}

// blockSimple runs "npac block delete" and "npac block resend", which take
// the block and no parameters.
func blockSimple(name, method, suffix string) command {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		about := "De-pool a block: DELETE /api/v1/blocks/{npanxxx}. A block in effect is broadcast as\ndeleted and ends old; its numbers fall back to the code holder."
		if name == "resend" {
			about = "Broadcast a failed or partially failed block again to the LSMSs that did not\napply it: POST /api/v1/blocks/{npanxxx}/resend. NPAC personnel only."
		}
		fs, g := newFlagSet("block "+name, "block "+name+" NPA-NXX-X [flags]", about, stderr)
		x, c, err := blockArgCommand(fs, g, args, stdout, stderr)
		if err != nil {
			return err
		}
		var b npac.Block
		if human, err := c.call(ctx, method, "/api/v1/blocks/"+string(x)+suffix, nil, nil, nil, &b); err != nil || !human {
			return err
		}
		printBlock(stdout, &b)
		return nil
	}
}

// blockStatus is a block's status with what it is broadcasting, if
// anything: "sending (activate)".
func blockStatus(b *npac.Block) string {
	if b.Pending != "" {
		return string(b.Status) + " (" + b.Pending + ")"
	}
	return string(b.Status)
}

// printBlock prints the essentials of a pool block as aligned "key:
// value" lines.
func printBlock(w io.Writer, b *npac.Block) {
	tw := table(w)
	row := func(k, format string, args ...any) {
		fmt.Fprintf(tw, "%s:\t"+format+"\n", append([]any{k}, args...)...)
	}
	row("id", "%d", b.ID)
	row("block", "%s", b.NPANXXX)
	row("status", "%s", blockStatus(b))
	row("holder", "%s", b.SPID)
	row("region", "%s", b.Region)
	if b.LRN.IsPseudo() {
		row("lrn", "%s (pseudo-LRN)", npac.TN(b.LRN))
	} else {
		row("lrn", "%s", npac.TN(b.LRN))
	}
	if b.SVType != "" && b.SVType != npac.SVWireline {
		row("sv type", "%s", b.SVType)
	}
	if b.AlternativeSPID != "" {
		row("alt spid", "%s", b.AlternativeSPID)
	}
	for _, sp := range []struct {
		name string
		p    *npac.SignalingPoint
	}{{"class", b.CLASS}, {"lidb", b.LIDB}, {"cnam", b.CNAM}, {"isvm", b.ISVM}, {"wsmsc", b.WSMSC}} {
		if sp.p != nil && sp.p.SSN != nil {
			row(sp.name, "%s/%d", sp.p.DPC, *sp.p.SSN)
		}
	}
	row("effective", "%s", fmtTime(b.EffectiveDate))
	if b.ActivationTimestamp != nil {
		row("activated", "%s", b.ActivationTimestamp.UTC().Format(time.RFC3339))
	}
	if b.Broadcast != nil && len(b.Broadcast.Pending) > 0 {
		row("waiting for", "%s", joinSPIDs(b.Broadcast.Pending))
	}
	if len(b.FailedSPs) > 0 {
		row("failed spids", "%s", joinSPIDs(b.FailedSPs))
	}
	tw.Flush()
}

// joinSPIDs lists SPIDs separated by commas.
func joinSPIDs(spids []npac.SPID) string {
	s := make([]string, len(spids))
	for i, sp := range spids {
		s[i] = string(sp)
	}
	return strings.Join(s, ", ")
}
