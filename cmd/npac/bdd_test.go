package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	npac "github.com/opennpac/npac"
)

// TestBDDExportLoad exports the demo NPAC's BDD files with the CLI and
// starts an LSMS from them alone, which answers the port and the block.
func TestBDDExportLoad(t *testing.T) {
	srv, tokens := startDemo(t)
	as := func(user string, args ...string) string {
		t.Helper()
		return cli(t, append(args, "--url", srv.url, "--token", tokens[user])...)
	}
	due := time.Now().UTC().Format("2006-01-02")
	var sv npac.SV
	if err := json.Unmarshal([]byte(as("rogers-soa", "sv", "create", "--json", "--tn", "6132210100", "--old-spid", "8051", "--new-spid", "8821",
		"--lrn", "6132180000", "--due", due)), &sv); err != nil {
		t.Fatal(err)
	}
	as("bell-soa", "sv", "concur", "--tn", "6132210100", "--old-spid", "8051", "--new-spid", "8821", "--due", due)
	as("rogers-soa", "sv", "activate", strconv.FormatInt(sv.ID, 10))
	as("admin", "block", "create", "--block", "613-224-5", "--spid", "8821", "--lrn", "6132180000")

	dir := t.TempDir()
	out := as("bell-lsms", "bdd", "export", "--out", dir, "--region", "CA")
	files := strings.Fields(out)
	if len(files) != 6 {
		t.Fatalf("export wrote %d files, want 6:\n%s", len(files), out)
	}
	lsmsSrv := startServer(t, "lsms", "--npac", "", "--load", strings.Join(files, ","), "--data", filepath.Join(t.TempDir(), "lsms"), "--http", "127.0.0.1:0")
	for _, c := range []struct {
		tn     string
		lrn    npac.LRN
		ported bool
	}{{"6132210100", "6132180000", true}, {"6132245001", "6132180000", true}, {"6132210101", "", false}} {
		var ans struct {
			Ported bool     `json:"ported"`
			LRN    npac.LRN `json:"lrn"`
		}
		resp, err := http.Get(lsmsSrv.url + "/lnp/v1/" + c.tn)
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(resp.Body).Decode(&ans)
		resp.Body.Close()
		if ans.Ported != c.ported || ans.LRN != c.lrn {
			t.Errorf("%s from the BDD-loaded LSMS: %+v, want ported %t LRN %q", c.tn, ans, c.ported, c.lrn)
		}
	}
}
