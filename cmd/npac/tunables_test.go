package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	npac "github.com/opennpac/npac"
)

// TestTunablesFile applies a --tunables file when the store opens: the
// change is saved and audited once, kept by a later start without the
// file, and a file the lifecycle cannot run with is refused.
func TestTunablesFile(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.json", `{"business_start": "07:30", "timers": {"short": {"t1": "30m"}}}`)
	open := func(args ...string) (npac.Tunables, int) {
		t.Helper()
		f := storeFlags{data: data}
		for i := 0; i+1 < len(args); i += 2 {
			if args[i] == "--tunables" {
				f.tunables = args[i+1]
			}
		}
		s, err := f.open(context.Background(), f.logger(&bytes.Buffer{}))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		admin := npac.NewContext(context.Background(), npac.SystemActor)
		recs, err := s.Audit(admin, npac.AuditFilter{Entity: "tunables"})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if r.UserName != "npac --tunables "+good {
				t.Errorf("audit record by %q, want the file named", r.UserName)
			}
		}
		return s.Machine().Tunables, len(recs)
	}
	for i, args := range [][]string{{"--tunables", good}, {"--tunables", good}, {}} {
		got, n := open(args...)
		if got.BusinessStart != 7*time.Hour+30*time.Minute || got.Timers[npac.TimerShort].T1 != 30*time.Minute {
			t.Errorf("start %d: business start %v, short T1 %v; want 07:30 and 30m", i+1, got.BusinessStart, got.Timers[npac.TimerShort].T1)
		}
		if got.Timers[npac.TimerLong].T1 != 9*time.Hour {
			t.Errorf("start %d: long T1 %v, want the default 9h kept", i+1, got.Timers[npac.TimerLong].T1)
		}
		if n != 1 {
			t.Errorf("start %d: %d audit records of the tunables, want 1", i+1, n)
		}
	}

	bad := write("bad.json", `{"business_end": "06:00"}`)
	f := storeFlags{data: data, tunables: bad}
	_, err := f.open(context.Background(), f.logger(&bytes.Buffer{}))
	if err == nil || !strings.Contains(err.Error(), "business_end: the business day must end after it starts (07:30)") {
		t.Fatalf("a business day ending before it starts: got %v", err)
	}
}
