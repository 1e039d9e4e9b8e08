package main

import (
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
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/portorder"
)

const orderUsage = `Usage: npac order <command> [arguments] [flags]

Port orders (LSRs) through the NPAC's API. The gaining SP checks numbers,
creates, changes, submits, activates and cancels its orders; the losing SP
answers them (or lets the NPAC validate them against its CSRs, see npac csr)
and records a wireless end user's approval.

An order goes draft → submitted → foc | rejected → activating → completed.
On submission an order is validated against the losing SP's CSR when it
keeps one: a match gets its FOC and its SVs at once, a mismatch is rejected
with codes, each with its fix; correct it with npac order update.

Commands:
  check                  can numbers be ported? (--spid, --tns)
  create                 create a draft (--file order.json and/or flags)
  show <id>              one order: status, FOC, rejection fixes, SVs
  list                   orders, filtered by --spid, --side, --status
  update <id>            edit a draft, or send a supp (the order with flags applied, or --file)
  submit <id>            send a draft to the losing SP
  answer <id>            the losing SP's answer: --foc DATE, or --reject CODES
  approve <id>           a wireless approval: --sent, --yes or --no
  activate <id>          activate on or after the FOC date
  cancel <id>            withdraw an order
  reject-codes           the rejection codes and what to do about each

Every command takes --url, --token and --json; run npac order <command> -h
for its flags.
`

// runOrder runs "npac order <command>".
func runOrder(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch(ctx, "npac order", orderUsage, map[string]command{
		"check":        orderCheck,
		"create":       orderCreate,
		"show":         orderShow,
		"list":         orderList,
		"update":       orderUpdate,
		"supp":         orderUpdate,
		"submit":       orderSimple("submit"),
		"activate":     orderSimple("activate"),
		"answer":       orderAnswer,
		"approve":      orderApprove,
		"cancel":       orderCancel,
		"reject-codes": orderRejectCodes,
	}, args, stdout, stderr)
}

var orderIDKind = idKind{short: "order", what: "port order", arg: "<order-id>"}

// orderView is an order as the API answers it: with its SVs, validation
// and unmet requirements when read whole, and its rejection's reasons.
type orderView struct {
	portorder.Order
	SVs        []portorder.SVState     `json:"svs"`
	Validation []portorder.Finding     `json:"validation"`
	Unmet      []portorder.Requirement `json:"unmet"`
	Rejection  *struct {
		portorder.Rejection
		Reasons []portorder.RejectCode `json:"reasons"`
	} `json:"rejection"`
}

// orderPath is the API path of an order, with an action suffix.
func orderPath(id int64, suffix string) string {
	return "/api/v1/orders/" + strconv.FormatInt(id, 10) + suffix
}

// splitTNs parses a comma-separated list of TNs; flag names the flag in
// errors.
func splitTNs(flag, list string) ([]npac.TN, error) {
	var out []npac.TN
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		tn, err := npac.ParseTN(s)
		if err != nil {
			return nil, flagErr(flag, err)
		}
		out = append(out, tn)
	}
	return out, nil
}

// orderCheck runs "npac order check".
func orderCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("order check", "order check --spid SPID --tns TN,TN... [TN...] [flags]", `
Check whether numbers can be ported to the gaining SP --spid, and why not:
POST /api/v1/portability. Changes nothing.`, stderr)
	var spid, list string
	fs.StringVar(&spid, "spid", "", "the gaining SP's `SPID`")
	fs.StringVar(&list, "tns", "", "a comma-separated `list` of numbers (they may also follow as arguments)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if spid == "" {
		return errors.New("order check needs --spid, the gaining SP")
	}
	gaining, err := npac.ParseSPID(spid)
	if err != nil {
		return flagErr("spid", err)
	}
	tns, err := splitTNs("tns", strings.Join(append([]string{list}, pos...), ","))
	if err != nil {
		return err
	}
	if len(tns) == 0 {
		return errors.New("order check needs the numbers: --tns TN,TN or TNs as arguments")
	}
	c, err := newClient(g, stdout, stderr)
	if err != nil {
		return err
	}
	var res struct {
		Results []portorder.Portability `json:"results"`
	}
	if human, err := c.call(ctx, http.MethodPost, "/api/v1/portability", nil, map[string]any{"spid": gaining, "tns": tns}, nil, &res); err != nil || !human {
		return err
	}
	tw := table(stdout)
	fmt.Fprintln(tw, "TN\tPORTABLE\tLOSING\tPIN\tSIMPLE\tREASONS")
	for _, p := range res.Results {
		var why []string
		for _, r := range p.Reasons {
			why = append(why, r.Code)
		}
		pin := "-"
		if p.PINRequired {
			pin = "required"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.TN, yesNo(p.Portable), dash(string(p.LosingSPID)), pin, yesNo(p.Simple), dash(strings.Join(why, ", ")))
	}
	tw.Flush()
	for _, p := range res.Results {
		for _, r := range p.Reasons {
			fmt.Fprintf(stdout, "%s %s: %s\n", p.TN, r.Code, r.Message)
		}
	}
	return nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// listFlag is a flag that may be given several times.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, " ") }

func (l *listFlag) Set(s string) error {
	*l = append(*l, s)
	return nil
}

// orderFlags are the fields of an order a create or update sets.
type orderFlags struct {
	file                                                 string
	spid, tns, typ, lrn, name, business, reseller, notes string
	account, btns, pin, imei                             string
	number, street, unit, city, state, zip, country      string
	due, loaSigner, loaDate, loaMethod                   string
	partial, simple                                      bool
	docs                                                 listFlag
}

func (f *orderFlags) register(fs *flag.FlagSet, create bool) {
	fs.StringVar(&f.file, "file", "", "a JSON `file` with the order's fields (see /api/v1/openapi.yaml, OrderInput); flags override it")
	if create {
		fs.StringVar(&f.spid, "spid", "", "the gaining SP's `SPID`")
		fs.StringVar(&f.tns, "tns", "", "a comma-separated `list` of the numbers to port")
		fs.StringVar(&f.typ, "type", "", "the numbers' service `type` (wireline, wireless or voip); the losing SP's when absent")
	}
	fs.StringVar(&f.lrn, "lrn", "", "the gaining SP's `LRN` the numbers will route to")
	fs.StringVar(&f.name, "name", "", "the authorized `name` on the account (a person)")
	fs.StringVar(&f.business, "business", "", "the business `name`, for a business end user")
	fs.StringVar(&f.account, "account", "", "the account `number` at the losing SP")
	fs.StringVar(&f.btns, "btn", "", "the billing telephone `numbers`, comma-separated")
	fs.StringVar(&f.pin, "pin", "", "the port-out `PIN` or passcode (US wireless)")
	fs.StringVar(&f.imei, "imei", "", "the phone's `IMEI` (Canadian prepaid wireless)")
	fs.StringVar(&f.number, "number", "", "the service address's civic `number`")
	fs.StringVar(&f.street, "street", "", "the service address's `street`, as the losing SP's CSR has it")
	fs.StringVar(&f.unit, "unit", "", "the service address's `unit`")
	fs.StringVar(&f.city, "city", "", "the service address's `city`")
	fs.StringVar(&f.state, "state", "", "the service address's `state` or province, two letters")
	fs.StringVar(&f.zip, "zip", "", "the service address's ZIP or postal `code`")
	fs.StringVar(&f.country, "country", "", "the service address's `country`, US or CA (default US when an address flag is given)")
	fs.StringVar(&f.reseller, "reseller", "", "the reseller's `name`, when the end user buys from one")
	fs.BoolVar(&f.partial, "partial", false, "numbers or services stay on the account (list them with --file)")
	fs.BoolVar(&f.simple, "simple", false, "an FCC simple port (1 business day)")
	fs.StringVar(&f.due, "due", "", "the desired due `date`, YYYY-MM-DD (a business day)")
	fs.StringVar(&f.loaSigner, "loa-signer", "", "who signed the letter of authorization (`name`)")
	fs.StringVar(&f.loaDate, "loa-date", "", "when the LOA was signed, YYYY-MM-DD (`date`)")
	fs.StringVar(&f.loaMethod, "loa-method", "", "how the LOA was signed: wet or electronic (default wet when --loa-signer is given)")
	fs.StringVar(&f.notes, "notes", "", "free `text` for the losing SP")
	fs.Var(&f.docs, "document", "an attached document, `kind:name:sha256:size` (kind bill, csr, loa or other); repeat for more")
}

// sub returns body's object under key, making it.
func sub(body map[string]any, key string) map[string]any {
	m, ok := body[key].(map[string]any)
	if !ok {
		m = map[string]any{}
		body[key] = m
	}
	return m
}

// apply reads --file into body (replacing it) and sets the flags given.
func (f *orderFlags) apply(set map[string]bool, body map[string]any) error {
	if f.file != "" {
		b, err := os.ReadFile(f.file)
		if err != nil {
			return err
		}
		clear(body)
		if err := json.Unmarshal(b, &body); err != nil {
			return fmt.Errorf("--file %s is not a JSON object: %v", f.file, err)
		}
	}
	if set["spid"] {
		spid, err := npac.ParseSPID(f.spid)
		if err != nil {
			return flagErr("spid", err)
		}
		body["gaining_spid"] = spid
	}
	if set["tns"] {
		tns, err := splitTNs("tns", f.tns)
		if err != nil {
			return err
		}
		var list []map[string]any
		for _, tn := range tns {
			t := map[string]any{"tn": tn}
			if f.typ != "" {
				t["type"] = f.typ
			}
			list = append(list, t)
		}
		body["tns"] = list
	}
	if set["type"] && !set["tns"] {
		return errors.New("--type applies to the numbers of --tns")
	}
	if set["type"] {
		switch portorder.TNType(f.typ) {
		case portorder.TypeWireline, portorder.TypeWireless, portorder.TypeVoIP:
		default:
			return fmt.Errorf("--type %q is unknown: use wireline, wireless or voip", f.typ)
		}
	}
	if set["lrn"] {
		lrn, err := npac.ParseLRN(f.lrn)
		if err != nil {
			return flagErr("lrn", err)
		}
		body["lrn"] = lrn
	}
	if set["name"] || set["business"] {
		eu := sub(body, "end_user")
		if set["name"] {
			eu["name"] = f.name
		}
		if set["business"] {
			eu["business_name"], eu["kind"] = f.business, "business"
		} else if _, ok := eu["kind"]; !ok {
			eu["kind"] = "person"
		}
	}
	for _, a := range []struct{ flag, key, v string }{{"account", "number", f.account}, {"pin", "pin", f.pin}, {"imei", "imei", f.imei}} {
		if set[a.flag] {
			sub(body, "account")[a.key] = a.v
		}
	}
	if set["btn"] {
		btns, err := splitTNs("btn", f.btns)
		if err != nil {
			return err
		}
		sub(body, "account")["btns"] = btns
	}
	addr := []struct{ flag, key, v string }{
		{"number", "number", f.number}, {"street", "street", f.street}, {"unit", "unit", f.unit}, {"city", "city", f.city},
		{"state", "state", f.state}, {"zip", "postal_code", f.zip}, {"country", "country", f.country},
	}
	for _, a := range addr {
		if set[a.flag] {
			sa := sub(body, "service_address")
			sa[a.key] = a.v
			if _, ok := sa["country"]; !ok {
				sa["country"] = "US"
			}
		}
	}
	for _, s := range []struct{ flag, key, v string }{{"reseller", "reseller", f.reseller}, {"notes", "notes", f.notes}} {
		if set[s.flag] {
			body[s.key] = s.v
		}
	}
	if set["partial"] {
		body["partial"] = f.partial
	}
	if set["simple"] {
		body["simple"] = f.simple
	}
	if set["due"] {
		if err := checkDate("due", f.due); err != nil {
			return err
		}
		body["desired_due"] = f.due
	}
	if set["loa-signer"] || set["loa-date"] || set["loa-method"] {
		loa := sub(body, "loa")
		if set["loa-signer"] {
			loa["signed_by"] = f.loaSigner
		}
		if set["loa-date"] {
			if err := checkDate("loa-date", f.loaDate); err != nil {
				return err
			}
			loa["signed_at"] = f.loaDate
		}
		switch {
		case set["loa-method"] && f.loaMethod != "wet" && f.loaMethod != "electronic":
			return fmt.Errorf("--loa-method %q is unknown: use wet or electronic", f.loaMethod)
		case set["loa-method"]:
			loa["method"] = f.loaMethod
		default:
			if _, ok := loa["method"]; !ok {
				loa["method"] = "wet"
			}
		}
	}
	for _, d := range f.docs {
		parts := strings.Split(d, ":")
		size, err := strconv.ParseInt(strings.TrimSpace(parts[len(parts)-1]), 10, 64)
		if len(parts) != 4 || err != nil || size <= 0 {
			return fmt.Errorf("--document %q is not kind:name:sha256:size (such as bill:march.pdf:<64 hex digits>:48213)", d)
		}
		docs, _ := body["documents"].([]any)
		body["documents"] = append(docs, map[string]any{"kind": parts[0], "name": parts[1], "sha256": strings.ToLower(parts[2]), "size": size})
	}
	return nil
}

// orderCreate runs "npac order create".
func orderCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("order create", "order create [--file order.json] [--spid SPID --tns TN,TN ...] [flags]", `
Create a draft port order: POST /api/v1/orders. Give the order as a JSON
file (the fields of OrderInput in /api/v1/openapi.yaml), flags, or both:
flags override the file. An order over 100 numbers, or over several losing
SPs, is split into a project and every part is shown. Submit it with npac
order submit; npac order show lists what it still needs.`, stderr)
	var (
		f   orderFlags
		key string
	)
	f.register(fs, true)
	fs.StringVar(&key, "idempotency-key", "", "a `key` that makes a retried create return the first result")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("order create takes no arguments, only flags; got %q", pos)
	}
	body := map[string]any{}
	if err := f.apply(setFlags(fs), body); err != nil {
		return err
	}
	if body["gaining_spid"] == nil {
		return errors.New("order create needs --spid, the gaining SP (or gaining_spid in --file)")
	}
	if body["tns"] == nil {
		return errors.New("order create needs --tns, the numbers to port (or tns in --file)")
	}
	c, err := newClient(g, stdout, stderr)
	if err != nil {
		return err
	}
	var hdr http.Header
	if key != "" {
		hdr = http.Header{"Idempotency-Key": {key}}
	}
	var page struct {
		Items []orderView `json:"items"`
	}
	if human, err := c.call(ctx, http.MethodPost, "/api/v1/orders", nil, body, hdr, &page); err != nil || !human {
		return err
	}
	for i := range page.Items {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		printOrder(stdout, &page.Items[i])
	}
	return nil
}

// orderShow runs "npac order show <id>".
func orderShow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("order show", "order show <order-id> [flags]", `
Show a port order: GET /api/v1/orders/{id}. With its status and FOC, each
rejection code with its fix, each number's SV, what a draft still needs and,
for the losing SP, the mismatches with its CSR.`, stderr)
	id, c, err := idCommand(fs, g, args, orderIDKind, stdout, stderr)
	if err != nil {
		return err
	}
	var v orderView
	if human, err := c.call(ctx, http.MethodGet, orderPath(id, ""), nil, nil, nil, &v); err != nil || !human {
		return err
	}
	printOrder(stdout, &v)
	return nil
}

// orderList runs "npac order list".
func orderList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("order list", "order list [--spid SPID] [--side gaining|losing] [--status STATUS] [flags]", `
List port orders in ID order: GET /api/v1/orders. A provider's port-ins
(--side gaining) and port-outs (--side losing), or both.`, stderr)
	var (
		spid, side, status string
	)
	fs.StringVar(&spid, "spid", "", "the provider whose orders to list (`SPID`)")
	fs.StringVar(&side, "side", "", "only port-ins (gaining) or port-outs (losing)")
	fs.StringVar(&status, "status", "", "only orders in this `status` (draft, submitted, foc, rejected, activating, completed, canceled)")
	limitFlag, afterFlag := pageFlags(fs, "orders")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("order list takes no arguments, only flags; got %q", pos)
	}
	q := url.Values{}
	if err := spidQuery(q, spid); err != nil {
		return err
	}
	switch side {
	case "":
	case "gaining", "losing":
		q.Set("side", side)
	default:
		return fmt.Errorf("--side %q is unknown: use gaining or losing", side)
	}
	if status != "" {
		if !portorder.Status(status).Valid() {
			return fmt.Errorf("--status %q is not an order status: use draft, submitted, foc, rejected, activating, completed or canceled", status)
		}
		q.Set("status", status)
	}
	if err := pageQuery(q, *limitFlag, *afterFlag, "an order id"); err != nil {
		return err
	}
	return listPage(ctx, g, stdout, stderr, "order list", "/api/v1/orders", q, "no port orders",
		"ID\tSTATUS\tLOSING\tGAINING\tNUMBERS\tFOC", func(o orderView) string {
			foc := "-"
			if o.FOC != nil {
				foc = orderDay(&o.Order, *o.FOC)
			}
			return fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s", o.ID, o.Status, o.LosingSPID, o.GainingSPID, tnSummary(o.TNs), foc)
		})
}

// tnSummary shows an order's numbers: the first and how many more.
func tnSummary(tns []portorder.OrderTN) string {
	switch len(tns) {
	case 0:
		return "-"
	case 1:
		return tns[0].TN.String()
	}
	return fmt.Sprintf("%s +%d", tns[0].TN, len(tns)-1)
}

// inputKeys are the fields of an order a PATCH takes.
var inputKeys = []string{"end_user", "service_address", "account", "reseller", "lrn", "partial", "remaining",
	"desired_due", "loa", "documents", "notes", "simple"}

// orderUpdate runs "npac order update <id>".
func orderUpdate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("order update", "order update <order-id> [--file order.json] [flags]", `
Change an order: PATCH /api/v1/orders/{id}. A draft is edited; a submitted,
FOC or rejected order gets a supp (supplement), which is validated again
and answered at once when the losing SP keeps a CSR. Without --file the
order as it is now is sent with the flags applied, so the flags alone
correct what a rejection named (npac order update 7 --street "Main St").
The numbers of an order do not change.`, stderr)
	var f orderFlags
	f.register(fs, false)
	var set map[string]bool
	id, c, err := idCommand(fs, g, args, orderIDKind, stdout, stderr, func() error {
		set = setFlags(fs)
		if onlyGlobals(set) {
			return errors.New("order update needs --file or a field to change (see -h)")
		}
		return nil
	})
	if err != nil {
		return err
	}
	body := map[string]any{}
	if f.file == "" {
		var cur orderView
		if _, err := c.do(ctx, http.MethodGet, orderPath(id, ""), nil, nil, nil, &cur); err != nil {
			return err
		}
		raw, err := json.Marshal(cur.Order)
		if err != nil {
			return err
		}
		var all map[string]any
		if err := json.Unmarshal(raw, &all); err != nil {
			return err
		}
		for _, k := range inputKeys {
			if v, ok := all[k]; ok {
				body[k] = v
			}
		}
		var tns []map[string]any
		for _, t := range cur.TNs {
			tns = append(tns, map[string]any{"tn": t.TN})
		}
		body["tns"] = tns
	}
	if err := f.apply(set, body); err != nil {
		return err
	}
	var v orderView
	if human, err := c.call(ctx, http.MethodPatch, orderPath(id, ""), nil, body, nil, &v); err != nil || !human {
		return err
	}
	printOrder(stdout, &v)
	return nil
}

// onlyGlobals reports whether the flags given are only the global ones.
func onlyGlobals(set map[string]bool) bool {
	for k := range set {
		if k != "url" && k != "token" && k != "json" {
			return false
		}
	}
	return true
}

// orderSimple runs "npac order submit" and "npac order activate".
func orderSimple(name string) command {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		about := `Send a draft to the losing SP: POST /api/v1/orders/{id}/submit. Refused,
listing each fix, while the order lacks something a port needs. When the
losing SP keeps a CSR for the account the answer (FOC or rejection) is
immediate.`
		if name == "activate" {
			about = `Activate an order on or after its FOC date: POST /api/v1/orders/{id}/activate.
Its SVs are activated and broadcast; the order completes when they are
active.`
		}
		fs, g := newFlagSet("order "+name, "order "+name+" <order-id> [flags]", about, stderr)
		id, c, err := idCommand(fs, g, args, orderIDKind, stdout, stderr)
		if err != nil {
			return err
		}
		var v orderView
		if human, err := c.call(ctx, http.MethodPost, orderPath(id, "/"+name), nil, nil, nil, &v); err != nil || !human {
			return err
		}
		printOrder(stdout, &v)
		return nil
	}
}

// orderAnswer runs "npac order answer <id>".
func orderAnswer(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("order answer", "order answer <order-id> (--foc DATE | --reject CODE,CODE) [--note TEXT] [flags]", `
The losing SP's answer to a submitted order: POST /api/v1/orders/{id}/answer.
An FOC date (a date alone is 00:00 of that day in the order's region)
creates both SPs' SVs; a rejection takes permitted codes only (npac order
reject-codes).`, stderr)
	var foc, codes, note string
	fs.StringVar(&foc, "foc", "", "the FOC `date`, YYYY-MM-DD or RFC 3339")
	fs.StringVar(&codes, "reject", "", "reject with these comma-separated `codes`")
	fs.StringVar(&note, "note", "", "a `note` to the gaining SP")
	body := map[string]any{}
	id, c, err := idCommand(fs, g, args, orderIDKind, stdout, stderr, func() error {
		switch {
		case (foc == "") == (codes == ""):
			return errors.New("order answer needs --foc or --reject, not both")
		case foc != "":
			if err := checkDate("foc", foc); err != nil {
				return err
			}
			body["foc"] = foc
		default:
			var list []string
			for _, s := range strings.Split(codes, ",") {
				if s = strings.TrimSpace(s); s != "" {
					list = append(list, s)
				}
			}
			body["codes"] = list
		}
		if note != "" {
			body["note"] = note
		}
		return nil
	})
	if err != nil {
		return err
	}
	var v orderView
	if human, err := c.call(ctx, http.MethodPost, orderPath(id, "/answer"), nil, body, nil, &v); err != nil || !human {
		return err
	}
	printOrder(stdout, &v)
	return nil
}

// orderApprove runs "npac order approve <id>".
func orderApprove(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("order approve", "order approve <order-id> (--sent | --yes | --no) [--at TIME] [flags]", `
Record a wireless end user's approval: POST /api/v1/orders/{id}/approval.
--sent when the losing carrier texted the number (the 90-minute window
starts), then --yes or --no with the end user's answer.`, stderr)
	var (
		sent, yes, no bool
		at            string
	)
	fs.BoolVar(&sent, "sent", false, "the end user was texted")
	fs.BoolVar(&yes, "yes", false, "the end user approved")
	fs.BoolVar(&no, "no", false, "the end user declined")
	fs.StringVar(&at, "at", "", "when, RFC 3339 (default now)")
	body := map[string]any{}
	id, c, err := idCommand(fs, g, args, orderIDKind, stdout, stderr, func() error {
		n := 0
		for _, b := range []bool{sent, yes, no} {
			if b {
				n++
			}
		}
		if n != 1 {
			return errors.New("order approve needs one of --sent, --yes and --no")
		}
		switch {
		case sent:
			body["sent"] = true
		default:
			body["approved"] = yes
		}
		if at != "" {
			if err := checkDate("at", at); err != nil {
				return err
			}
			body["at"] = at
		}
		return nil
	})
	if err != nil {
		return err
	}
	var v orderView
	if human, err := c.call(ctx, http.MethodPost, orderPath(id, "/approval"), nil, body, nil, &v); err != nil || !human {
		return err
	}
	printOrder(stdout, &v)
	return nil
}

// orderCancel runs "npac order cancel <id>".
func orderCancel(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("order cancel", "order cancel <order-id> [--note TEXT] [flags]", `
Withdraw an order and cancel its pending SVs: POST /api/v1/orders/{id}/cancel.
After an FOC, only until 24 hours before it, and a fee tier applies.`, stderr)
	var note string
	fs.StringVar(&note, "note", "", "why (`text`)")
	id, c, err := idCommand(fs, g, args, orderIDKind, stdout, stderr)
	if err != nil {
		return err
	}
	var body any
	if note != "" {
		body = map[string]string{"note": note}
	}
	var v orderView
	if human, err := c.call(ctx, http.MethodPost, orderPath(id, "/cancel"), nil, body, nil, &v); err != nil || !human {
		return err
	}
	printOrder(stdout, &v)
	return nil
}

// orderRejectCodes runs "npac order reject-codes".
func orderRejectCodes(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("order reject-codes", "order reject-codes [--fix] [flags]", `
List the rejection codes: GET /api/v1/reject-codes. A losing SP may reject
only for the permitted ones.`, stderr)
	fix := fs.Bool("fix", false, "show each code's fix")
	c, err := noArgCommand(fs, g, args, stdout, stderr)
	if err != nil {
		return err
	}
	var page struct {
		Items []portorder.RejectCode `json:"items"`
	}
	if human, err := c.call(ctx, http.MethodGet, "/api/v1/reject-codes", nil, nil, nil, &page); err != nil || !human {
		return err
	}
	tw := table(stdout)
	fmt.Fprintln(tw, "CODE\tPERMITTED\tFIELD\tTITLE")
	for _, rc := range page.Items {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", rc.Code, yesNo(rc.Permitted), dash(rc.Field), rc.Title)
		if *fix {
			fmt.Fprintf(tw, "\t\t\tfix: %s\n", rc.Fix)
		}
	}
	tw.Flush()
	return nil
}

// orderLocation is the time zone of an order's region (UTC when unknown).
func orderLocation(o *portorder.Order) *time.Location {
	if loc, err := portorder.Location(o.Region); err == nil {
		return loc
	}
	return time.UTC
}

// orderDay shows a date of an order in its region: the day, and the time
// when it is not midnight there.
func orderDay(o *portorder.Order, t time.Time) string {
	l := t.In(orderLocation(o))
	if l.Hour() == 0 && l.Minute() == 0 && l.Second() == 0 {
		return l.Format(time.DateOnly)
	}
	return l.Format("2006-01-02 15:04 MST")
}

// printOrder prints an order for people: its essentials as aligned "key:
// value" lines, the rejection with each code's fix, one line per number
// with its SV, and what a draft still needs.
func printOrder(w io.Writer, v *orderView) {
	o := &v.Order
	tw := table(w)
	row := func(k, format string, args ...any) {
		fmt.Fprintf(tw, "%s:\t"+format+"\n", append([]any{k}, args...)...)
	}
	id := o.ID
	if o.ParentID != "" {
		id += " (project part, first order " + o.ParentID + ")"
	} else if o.Project {
		id += " (project)"
	}
	row("order", "%s", id)
	row("status", "%s", o.Status)
	row("losing → gaining", "%s → %s", dash(string(o.LosingSPID)), o.GainingSPID)
	if o.Region != "" {
		row("region", "%s", o.Region)
	}
	eu := o.EndUser.Name
	if o.EndUser.BusinessName != "" {
		eu += ", " + o.EndUser.BusinessName
	}
	if eu != "" {
		row("end user", "%s", eu)
	}
	if o.Account.Number != "" || len(o.Account.BTNs) > 0 {
		var btns []string
		for _, b := range o.Account.BTNs {
			btns = append(btns, b.String())
		}
		acct := dash(o.Account.Number)
		if len(btns) > 0 {
			acct += " (BTN " + strings.Join(btns, ", ") + ")"
		}
		row("account", "%s", acct)
	}
	if a := o.ServiceAddress; a.Street != "" || a.City != "" {
		line := strings.TrimSpace(a.Number + " " + a.Street)
		if a.Unit != "" {
			line += " " + a.Unit
		}
		row("address", "%s, %s %s %s %s", line, a.City, a.State, a.PostalCode, a.Country)
	}
	if o.LRN != "" {
		row("lrn", "%s", npac.TN(o.LRN))
	}
	if !o.DesiredDue.IsZero() {
		row("desired due", "%s", o.DesiredDue.In(orderLocation(o)).Format(time.DateOnly))
	}
	if o.FOC != nil {
		row("foc", "%s", orderDay(o, *o.FOC))
	}
	if o.Simple {
		row("simple port", "yes")
	}
	if o.Approval.State != "" {
		ap := string(o.Approval.State)
		if o.Approval.State == portorder.ApprovalPending {
			ap += ", answer due by " + o.Approval.Deadline.UTC().Format(time.RFC3339)
		}
		row("approval", "%s", ap)
	}
	if o.Supps > 0 {
		row("supps", "%d", o.Supps)
	}
	for _, f := range o.Fees {
		row("fee", "%s, tier %s", f.Action, f.Tier)
	}
	if v.Rejection != nil {
		r := v.Rejection
		row("rejected", "%s by %s; correct and update by %s", r.At.UTC().Format(time.RFC3339), dash(r.By), r.ExpiresAt.UTC().Format(time.RFC3339))
		if r.Note != "" {
			row("note", "%s", r.Note)
		}
	}
	tw.Flush()
	if v.Rejection != nil {
		reasons := map[string]portorder.RejectCode{}
		for _, rc := range v.Rejection.Reasons {
			reasons[rc.Code] = rc
		}
		for _, code := range v.Rejection.Codes {
			rc, ok := reasons[code]
			if !ok {
				fmt.Fprintf(w, "  %s\n", code)
				continue
			}
			fmt.Fprintf(w, "  %s: %s\n    fix: %s\n", code, rc.Title, rc.Fix)
		}
	}
	svs := map[npac.TN]portorder.SVState{}
	for _, s := range v.SVs {
		svs[s.TN] = s
	}
	tw = table(w)
	fmt.Fprintln(tw, "TN\tTYPE\tSTATUS\tSV\tSV STATUS")
	for _, t := range o.TNs {
		sv, st := "-", "-"
		if t.SVID != 0 {
			sv = strconv.FormatInt(t.SVID, 10)
		}
		if s, ok := svs[t.TN]; ok {
			st = string(s.Status)
			if len(s.FailedSPs) > 0 {
				st += " (failed: " + joinSPIDs(s.FailedSPs) + ")"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.TN, dash(string(t.Type)), t.Status, sv, st)
	}
	tw.Flush()
	if len(v.Validation) > 0 {
		fmt.Fprintln(w, "mismatches with the CSR:")
		for _, f := range v.Validation {
			fmt.Fprintf(w, "  %s: %s\n", f.Code, f.Detail)
		}
	}
	if len(v.Unmet) > 0 {
		fmt.Fprintln(w, "needed before submitting:")
		for _, q := range v.Unmet {
			fmt.Fprintf(w, "  %s: %s\n", q.Name, q.Fix)
		}
	}
}

const csrUsage = `Usage: npac csr <command> [arguments] [flags]

A losing SP's customer service records (CSRs), which the NPAC validates
port orders against, through the NPAC's API.

Commands:
  load FILE.csv          store the CSRs of a CSV file (--spid)
  list                   the provider's CSRs (--spid)
  delete ACCOUNT         delete an account's CSR (--spid)

The CSV file has a header row naming its columns, in any order, and one
row per number; an account's rows are merged into one CSR, which replaces
the stored one. Columns of the number (account and tn required):
  account, tn, active (true, the default, or false), line_btn, hunt_group,
  open_order
Columns of the account, on one of its rows or the same on several:
  btn, authorized_names, business_name, number, street, unit, city, state,
  postal_code, country, pin, reseller, services, complex_services,
  inactive, frozen, pending_order, une, last_authorization
Lists (authorized_names, services, complex_services) are separated by
semicolons. A bad row fails the load, naming its line, and stores nothing.

Every command takes --url, --token and --json; run npac csr <command> -h
for its flags.
`

// runCSR runs "npac csr <command>".
func runCSR(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch(ctx, "npac csr", csrUsage, map[string]command{
		"load":   csrLoad,
		"list":   csrList,
		"delete": csrDelete,
	}, args, stdout, stderr)
}

// csrCommand parses a csr command's flags: --spid, required, and n
// arguments named arg; it returns the SPID, the arguments and a client.
func csrCommand(fs *flag.FlagSet, g *globals, spid *string, args []string, n int, arg string, stdout, stderr io.Writer) (npac.SPID, []string, *client, error) {
	pos, err := parseFlags(fs, args)
	if err != nil {
		return "", nil, nil, err
	}
	name := cmdName(fs)
	if len(pos) != n {
		if n == 0 {
			return "", nil, nil, fmt.Errorf("%s takes no arguments, only flags; got %q", name, pos)
		}
		return "", nil, nil, fmt.Errorf("%s needs one %s: npac %s --spid SPID %s", name, arg, name, arg)
	}
	if *spid == "" {
		return "", nil, nil, fmt.Errorf("%s needs --spid, the provider whose CSRs these are", name)
	}
	sp, err := npac.ParseSPID(*spid)
	if err != nil {
		return "", nil, nil, flagErr("spid", err)
	}
	c, err := newClient(g, stdout, stderr)
	if err != nil {
		return "", nil, nil, err
	}
	return sp, pos, c, nil
}

// printCSRs prints CSRs as a table.
func printCSRs(w io.Writer, csrs []portorder.CSR) {
	tw := table(w)
	fmt.Fprintln(tw, "ACCOUNT\tBTN\tNUMBERS\tNAMES\tADDRESS")
	for _, c := range csrs {
		a := c.ServiceAddress
		addr := strings.TrimSpace(strings.Join(strings.Fields(a.Number+" "+a.Street+" "+a.Unit), " ") + ", " + a.City + " " + a.State + " " + a.PostalCode)
		if strings.Trim(addr, ", ") == "" {
			addr = "-"
		}
		names := strings.Join(c.AuthorizedNames, "; ")
		if c.BusinessName != "" {
			names = strings.TrimPrefix(names+"; "+c.BusinessName, "; ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", c.Account, dash(c.BTN.String()), len(c.TNs), dash(names), addr)
	}
	tw.Flush()
}

// csrLoad runs "npac csr load".
func csrLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("csr load", "csr load --spid SPID FILE.csv [flags]", `
Store the CSRs of a CSV file (- for standard input): POST
/api/v1/providers/{spid}/csrs. See npac csr -h for the columns.`, stderr)
	spid := fs.String("spid", "", "the provider whose CSRs these are (`SPID`)")
	sp, pos, c, err := csrCommand(fs, g, spid, args, 1, "FILE.csv", stdout, stderr)
	if err != nil {
		return err
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
	var page struct {
		Items []portorder.CSR `json:"items"`
	}
	if human, err := c.call(ctx, http.MethodPost, "/api/v1/providers/"+string(sp)+"/csrs", nil, rawBody{in, "text/csv"}, nil, &page); err != nil || !human {
		return err
	}
	n := 0
	for _, c := range page.Items {
		n += len(c.TNs)
	}
	fmt.Fprintf(stdout, "stored %d CSR(s) of %s, %d number(s)\n", len(page.Items), sp, n)
	printCSRs(stdout, page.Items)
	return nil
}

// csrList runs "npac csr list".
func csrList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("csr list", "csr list --spid SPID [flags]", "List a provider's CSRs: GET /api/v1/providers/{spid}/csrs.", stderr)
	spid := fs.String("spid", "", "the provider (`SPID`)")
	sp, _, c, err := csrCommand(fs, g, spid, args, 0, "", stdout, stderr)
	if err != nil {
		return err
	}
	var page struct {
		Items []portorder.CSR `json:"items"`
	}
	if human, err := c.call(ctx, http.MethodGet, "/api/v1/providers/"+string(sp)+"/csrs", nil, nil, nil, &page); err != nil || !human {
		return err
	}
	if len(page.Items) == 0 {
		fmt.Fprintln(stderr, "no CSRs")
		return nil
	}
	printCSRs(stdout, page.Items)
	return nil
}

// csrDelete runs "npac csr delete".
func csrDelete(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("csr delete", "csr delete --spid SPID ACCOUNT [flags]", "Delete an account's CSR: DELETE /api/v1/providers/{spid}/csrs/{account}.", stderr)
	spid := fs.String("spid", "", "the provider (`SPID`)")
	sp, pos, c, err := csrCommand(fs, g, spid, args, 1, "ACCOUNT", stdout, stderr)
	if err != nil {
		return err
	}
	if _, err := c.do(ctx, http.MethodDelete, "/api/v1/providers/"+string(sp)+"/csrs/"+url.PathEscape(pos[0]), nil, nil, nil, nil); err != nil {
		return err
	}
	if !c.json {
		fmt.Fprintf(stdout, "deleted the CSR of account %s of %s\n", pos[0], sp)
	}
	return nil
}
