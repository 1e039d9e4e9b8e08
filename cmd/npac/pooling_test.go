package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	npac "github.com/opennpac/npac"
)

// dipper asks one LSMS process for routes over HTTP, ENUM (dig) and SIP
// (sipp).
type dipper struct {
	t                *testing.T
	http             string
	enum, sip        int
	scenario, sipLog string
}

// answer is what the three protocols said of a number: the LRN or "" for
// not ported, and the SPID HTTP named.
type answer struct {
	http, enum, sip npac.LRN
	spid            npac.SPID
}

var (
	rnRE      = regexp.MustCompile(`;rn=\+1([0-9]{10})`)
	contactRE = regexp.MustCompile(`<sip:\+1([0-9]{10})(;[^@>]*)?@`)
)

func (d *dipper) dip(tn string) answer {
	t := d.t
	t.Helper()
	var a answer
	var ans struct {
		Ported bool      `json:"ported"`
		LRN    npac.LRN  `json:"lrn"`
		SPID   npac.SPID `json:"spid"`
	}
	resp, err := http.Get(d.http + "/lnp/v1/" + tn)
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&ans)
	resp.Body.Close()
	a.http, a.spid = ans.LRN, ans.SPID

	rev := make([]byte, 0, 2*11)
	e164 := "1" + tn
	for i := len(e164) - 1; i >= 0; i-- {
		rev = append(rev, e164[i], '.')
	}
	out, err := exec.Command("dig", "@127.0.0.1", "-p", strconv.Itoa(d.enum), "+short", "+time=2", "+tries=1", "NAPTR", string(rev)+"e164.arpa").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "tel:+"+e164+";npdi") {
		t.Fatalf("dig for %s: %q (%v), want a tel URI with npdi", tn, out, err)
	}
	if m := rnRE.FindStringSubmatch(string(out)); m != nil {
		a.enum = npac.LRN(m[1])
	}

	os.Remove(d.sipLog)
	var so bytes.Buffer
	sipp := exec.Command("sipp", "127.0.0.1:"+strconv.Itoa(d.sip), "-sf", d.scenario, "-s", tn, "-m", "1",
		"-p", strconv.Itoa(freePort(t)), "-timeout", "10s", "-timeout_error", "-trace_logs", "-log_file", d.sipLog)
	sipp.Stdout, sipp.Stderr = &so, &so
	if err := sipp.Run(); err != nil {
		t.Fatalf("sipp for %s: %v\n%s", tn, err, so.String())
	}
	logged, _ := os.ReadFile(d.sipLog)
	m := contactRE.FindStringSubmatch(string(logged))
	if m == nil || m[1] != tn {
		t.Fatalf("sipp for %s logged %q, want a Contact naming +1%s", tn, logged, tn)
	}
	if r := rnRE.FindStringSubmatch(m[2]); r != nil {
		a.sip = npac.LRN(r[1])
	}
	return a
}

// want waits up to 5 seconds for all three protocols to answer lrn (""
// for not ported) and HTTP to name spid.
func (d *dipper) want(what, tn string, lrn npac.LRN, spid npac.SPID) {
	d.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		a := d.dip(tn)
		if a.http == lrn && a.enum == lrn && a.sip == lrn && a.spid == spid {
			return
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("%s: %s answered %+v, want LRN %q from %s over HTTP, ENUM and SIP", what, tn, a, lrn, spid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestPoolingOnCNAC runs the demo with CNAC's whole CO code file imported
// and a pooled block: HTTP, ENUM and SIP dips on a real LSMS process
// resolve a number TN-level first, then by its block, then by its code
// holder.
func TestPoolingOnCNAC(t *testing.T) {
	for _, bin := range []string{"dig", "sipp"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s is needed (CI installs dnsutils and sip-tester): %v", bin, err)
		}
	}
	srv, tokens := startDemo(t)
	as := func(user string, args ...string) string {
		t.Helper()
		return cli(t, append(args, "--url", srv.url, "--token", tokens[user])...)
	}
	out := as("admin", "import", filepath.Join("..", "..", "..", "shared", "data", "cnac-co-codes", "COCodeStatus_ALL_2024-10-10.csv"))
	t.Logf("%s", out)

	d := &dipper{t: t, enum: freePort(t), sip: freePort(t), scenario: "testdata/dip_log.xml", sipLog: filepath.Join(t.TempDir(), "sipp.log")}
	lsms := startServer(t, "lsms", "--npac", srv.url, "--token", tokens["bell-lsms"], "--data", filepath.Join(t.TempDir(), "bell"),
		"--http", "127.0.0.1:0", "--enum", fmt.Sprintf("127.0.0.1:%d", d.enum), "--sip", fmt.Sprintf("127.0.0.1:%d", d.sip))
	d.http = lsms.url
	waitReady(t, "the LSMS", d.http, 30*time.Second)

	// Real CNAC codes that nobody ported answer their code holder.
	d.want("not ported, Winnipeg", "2042001234", "", "4727")
	d.want("not ported, Ottawa", "6132241234", "", "8051")

	// Rogers (8821) holds the pool block 613-224-5 in Bell's code.
	as("admin", "block", "create", "--block", "613-224-5", "--spid", "8821", "--lrn", "6132180000")
	d.want("pooled", "6132245050", "6132180000", "8821")
	d.want("outside the block", "6132246050", "", "8051")
	var tns []string
	for i := 0; i < 1000; i++ {
		tns = append(tns, fmt.Sprintf("6132245%03d", i))
	}
	body, _ := json.Marshal(map[string]any{"tns": tns})
	resp, err := http.Post(d.http+"/lnp/v1", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var batch struct {
		Results []struct {
			TN     string    `json:"tn"`
			Ported bool      `json:"ported"`
			LRN    npac.LRN  `json:"lrn"`
			SPID   npac.SPID `json:"spid"`
		} `json:"results"`
	}
	json.NewDecoder(resp.Body).Decode(&batch)
	resp.Body.Close()
	if len(batch.Results) != 1000 {
		t.Fatalf("batch dip of the block: %d answers, want 1000", len(batch.Results))
	}
	for _, r := range batch.Results {
		if !r.Ported || r.LRN != "6132180000" || r.SPID != "8821" {
			t.Fatalf("batch dip: %s answered %+v, want the block holder's LRN", r.TN, r)
		}
	}

	// A number ported out of the block answers its own LRN; disconnected,
	// it snaps back to the block.
	due := time.Now().UTC().Format("2006-01-02")
	created := as("telus-soa", "sv", "create", "--json", "--tn", "6132245050", "--old-spid", "8821", "--new-spid", "8303", "--lrn", "6132230000", "--due", due)
	var sv npac.SV
	if err := json.Unmarshal([]byte(created), &sv); err != nil {
		t.Fatalf("create output: %v\n%s", err, created)
	}
	as("rogers-soa", "sv", "concur", "--tn", "6132245050", "--old-spid", "8821", "--new-spid", "8303", "--due", due)
	as("telus-soa", "sv", "activate", strconv.FormatInt(sv.ID, 10))
	d.want("ported out of the block", "6132245050", "6132230000", "8303")
	d.want("its neighbour", "6132245051", "6132180000", "8821")
	for deadline := time.Now().Add(10 * time.Second); ; {
		var got npac.SV
		json.Unmarshal([]byte(as("telus-soa", "sv", "show", "--json", strconv.FormatInt(sv.ID, 10))), &got)
		if got.Status == npac.StatusActive {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the port stayed %s", got.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	as("telus-soa", "sv", "disconnect", strconv.FormatInt(sv.ID, 10))
	d.want("disconnected", "6132245050", "6132180000", "8821")
}
