package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/portorder"
	"github.com/opennpac/npac/store"
)

// demoCodes holds six real Ottawa central office codes, copied verbatim
// from CNAC's COCodeStatus_ALL.csv of 2024-10-10 (../shared/data/cnac-co-codes,
// see its SOURCE.md). Their holders' OCNs serve as the demo SPIDs.
//
//go:embed demo_codes.csv
var demoCodes []byte

// demoProvider is a provider of the demo world, keyed by OCN.
type demoProvider struct {
	spid npac.SPID
	name string
	typ  npac.ProviderType
	user string
	lrn  npac.LRN
}

var demoProviders = []demoProvider{
	{"8051", "Bell Canada", npac.ProviderWireline, "bell-soa", "6132210000"},
	{"8821", "Rogers Communications Canada Inc. (Wireless)", npac.ProviderWireless, "rogers-soa", "6132180000"},
	{"8303", "TELUS Mobility", npac.ProviderWireless, "telus-soa", "6132230000"},
}

// seedDemo registers the demo world through the services, as an
// administrator would, and prints how to use it.
func seedDemo(ctx context.Context, s *store.Store, url string, admin *npac.Token, out io.Writer) error {
	if admin == nil {
		return fmt.Errorf("the database already has users; run the demo on a fresh database (leave out --data)")
	}
	a, err := s.Authenticate(ctx, admin.Secret)
	if err != nil {
		return err
	}
	actx := npac.NewContext(ctx, a)
	for _, p := range demoProviders {
		if err := s.CreateProvider(actx, &npac.Provider{SPID: p.spid, Name: p.name, Type: p.typ, Regions: []npac.Region{npac.Canada},
			Contacts: []npac.Contact{{Kind: "porting", Name: p.name + " porting desk"}}}); err != nil {
			return err
		}
	}
	rows, err := csv.NewReader(bytes.NewReader(demoCodes)).ReadAll()
	if err != nil {
		return fmt.Errorf("demo codes: %w", err)
	}
	codes := map[npac.SPID][]string{}
	for _, r := range rows[1:] {
		c := npac.CodeRecord{NPANXX: npac.NPANXX(r[0] + r[1]), SPID: npac.SPID(r[6]), Region: npac.Canada, Portable: true,
			EffectiveDate: time.Date(2024, 10, 10, 0, 0, 0, 0, time.UTC)}
		if err := s.CreateCode(actx, &c); err != nil {
			return err
		}
		codes[c.SPID] = append(codes[c.SPID], r[0]+"-"+r[1])
	}
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintf(out, "OpenNPAC demo at %s (a fresh database, discarded at exit)\n\n", url)
	fmt.Fprintln(tw, "SPID\tPROVIDER\tCODES\tLRN\tUSER\tTOKEN (shown once)")
	tokens := map[string]string{}
	for _, p := range demoProviders {
		if err := s.CreateLRN(actx, &npac.LRNRecord{LRN: p.lrn, SPID: p.spid, Region: npac.Canada}); err != nil {
			return err
		}
		tok, err := s.CreateUser(actx, &npac.User{Name: p.user, Grants: []npac.Grant{{Role: npac.RoleSOA, SPID: p.spid}}})
		if err != nil {
			return err
		}
		tokens[p.user] = tok.Secret
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.spid, p.name, strings.Join(codes[p.spid], " "), p.lrn, p.user, tok.Secret)
	}
	// Bell and Rogers run LSMSs: users with the lsms role, which register
	// their LSMS when it first starts.
	for _, p := range demoProviders[:2] {
		name := strings.TrimSuffix(p.user, "-soa") + "-lsms"
		tok, err := s.CreateUser(actx, &npac.User{Name: name, Grants: []npac.Grant{{Role: npac.RoleLSMS, SPID: p.spid}}})
		if err != nil {
			return err
		}
		tokens[name] = tok.Secret
		fmt.Fprintf(tw, "%s\t\t\t\t%s\t%s\n", p.spid, name, tok.Secret)
	}
	fmt.Fprintf(tw, "\t\t\t\tadmin\t%s\n", admin.Secret)
	tw.Flush()
	// Bell keeps the CSR of a customer, so that an order for her numbers
	// is validated at once.
	if err := s.PutCSR(actx, "8051", demoCSR()); err != nil {
		return fmt.Errorf("demo CSR: %w", err)
	}
	today := time.Now().UTC().Format("2006-01-02")
	fmt.Fprintf(out, `
Port 613-221-0100 from Bell (8051) to Rogers (8821), in another terminal:

  export NPAC_URL=%s
  NPAC_TOKEN=%s go run ./cmd/npac sv create --tn 6132210100 --old-spid 8051 --new-spid 8821 --lrn 6132180000 --due %s
  NPAC_TOKEN=%s go run ./cmd/npac sv concur --tn 6132210100 --old-spid 8051 --new-spid 8821 --due %s
  NPAC_TOKEN=%s go run ./cmd/npac sv activate <id printed by create>

Run the LSMSs of Bell and Rogers (each in its own terminal), then dip the ported number:

  NPAC_TOKEN=%s go run ./cmd/npac lsms --npac %s --data /tmp/npac-lsms-bell --http 127.0.0.1:8081 --enum 127.0.0.1:5301 --sip 127.0.0.1:5061
  NPAC_TOKEN=%s go run ./cmd/npac lsms --npac %s --data /tmp/npac-lsms-rogers --http 127.0.0.1:8082 --enum 127.0.0.1:5302 --sip 127.0.0.1:5062
  curl http://127.0.0.1:8081/lnp/v1/6132210100
  dig @127.0.0.1 -p 5301 +short NAPTR 0.0.1.0.1.2.2.3.1.6.1.e164.arpa

Port orders: Bell keeps the CSR of Marie Tremblay's account B-1001 (613-221-0300 and -0301,
45 Street First Avenue, Ottawa). Rogers orders her numbers; Bell's CSR answers at once with an FOC:

  NPAC_TOKEN=%s go run ./cmd/npac order check --spid 8821 --tns 6132210300,6132210301
  NPAC_TOKEN=%s go run ./cmd/npac order create --spid 8821 --tns 6132210300,6132210301 --lrn 6132180000 \
      --name "Marie Tremblay" --account B-1001 --btn 6132210300 --number 45 --street "St 1St Av" \
      --city Ottawa --state ON --zip "K1A 0B1" --country CA --due %s --loa-signer "Marie Tremblay" --loa-date %s \
      --document bill:bill.pdf:%s:52100
  NPAC_TOKEN=%s go run ./cmd/npac order submit <id printed by create>

Move the demo clock to the FOC date, then activate and see the order complete:

  NPAC_TOKEN=%s go run ./cmd/npac clock advance %s
  NPAC_TOKEN=%s go run ./cmd/npac order activate <id>
  NPAC_TOKEN=%s go run ./cmd/npac order show <id>

`, url, tokens["rogers-soa"], today, tokens["bell-soa"], today, tokens["rogers-soa"],
		tokens["bell-lsms"], url, tokens["rogers-lsms"], url,
		tokens["rogers-soa"], tokens["rogers-soa"], demoDue(s).Format("2006-01-02"), today, demoBillSHA, tokens["rogers-soa"],
		admin.Secret, demoAdvance(s), tokens["rogers-soa"], tokens["rogers-soa"])
	return seedDemoPasswords(ctx, s, url, out)
}

// demoBillSHA stands for the SHA-256 of the bill the demo order attaches.
const demoBillSHA = "9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c0b2d4f6e8a1c3e5b7d9f0a2c4e6b8d0f"

// demoCSR is Marie Tremblay's account at Bell, as Bell's CSR lists it.
func demoCSR() *portorder.CSR {
	return &portorder.CSR{Account: "B-1001", BTN: "6132210300", AuthorizedNames: []string{"Marie Tremblay"},
		ServiceAddress: portorder.Address{Number: "45", Street: "Street First Avenue", City: "Ottawa", State: "ON", PostalCode: "K1A 0B1", Country: "CA"},
		TNs:            []portorder.CSRLine{{TN: "6132210300", Active: true}, {TN: "6132210301", Active: true}}}
}

// demoDue is the earliest due date of a (non-simple) order submitted now
// in Canada: the date the demo's order asks for.
func demoDue(s *store.Store) time.Time {
	d := s.OrderRules.EarliestDueDate(s.Now(), false, npac.Canada)
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC)
}

// demoAdvance is how far to move the demo clock for that due date to
// come: to 10:00 on it in Ottawa.
func demoAdvance(s *store.Store) string {
	d := demoDue(s)
	loc, _ := portorder.Location(npac.Canada)
	at := time.Date(d.Year(), d.Month(), d.Day(), 10, 0, 0, 0, loc)
	return at.Sub(s.Now()).Round(time.Hour).String()
}

// demoClock is the demo server's clock: real time plus an offset that NPAC
// personnel move forward (POST /api/v1/demo/clock).
type demoClock struct{ off atomic.Int64 }

func (c *demoClock) Now() time.Time { return time.Now().Add(time.Duration(c.off.Load())) }

func (c *demoClock) Advance(d time.Duration) time.Time {
	c.off.Add(int64(d))
	return c.Now()
}
