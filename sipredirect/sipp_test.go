package sipredirect_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sipp returns the path of the sipp binary (Debian package sip-tester). The
// tests fail without it: CI installs it, and skipping would hide that the
// server was never driven by a real SIP client.
func sipp(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("sipp")
	if err != nil {
		t.Fatalf("sipp is not installed (apt-get install sip-tester): %v", err)
	}
	return path
}

// sippRun is the outcome of one sipp run.
type sippRun struct {
	code     int    // exit status: 0 all calls passed, 1 some call failed
	errors   string // sipp's error log: why calls failed
	messages string // every message sent and received
	report   string // all of the above and the screen output, for a test log
}

// runSipp runs a testdata scenario against target ("host:port") as client
// for calls calls, with service as the Request-URI user part. transport is
// sipp's -t value: u1 or t1.
func runSipp(t *testing.T, scenario, transport, target, service string, calls int) sippRun {
	t.Helper()
	bin := sipp(t)
	dir := t.TempDir()
	errLog := filepath.Join(dir, "errors.log")
	msgLog := filepath.Join(dir, "messages.log")
	// sipp runs in dir, where it may write files; the scenario path must
	// not depend on the working directory.
	sf, err := filepath.Abs(filepath.Join("testdata", scenario))
	if err != nil {
		t.Fatal(err)
	}
	args := []string{
		"-sf", sf,
		"-t", transport,
		"-i", "127.0.0.1",
		// sipp's default local port is 5060 when free: a fresh port keeps
		// runs (and other tests) from seeing each other's packets.
		"-p", freePort(t),
		"-s", service,
		"-m", strconv.Itoa(calls),
		"-timeout", "20s", "-timeout_error",
		"-recv_timeout", "5000",
		"-nostdin",
		"-trace_err", "-error_file", errLog,
		"-trace_msg", "-message_file", msgLog,
		target,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	var run sippRun
	if err := cmd.Run(); err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("running sipp: %v", err)
		}
		run.code = ee.ExitCode()
	}
	errs, _ := os.ReadFile(errLog)
	msgs, _ := os.ReadFile(msgLog)
	run.errors, run.messages = string(errs), string(msgs)
	run.report = fmt.Sprintf("sipp %v exited %d\n--- output ---\n%s\n--- errors ---\n%s\n--- messages ---\n%s",
		args, run.code, tail(out.Bytes()), errs, msgs)
	return run
}

// contactRE finds the first response in a sipp message log, up to its
// Contact header.
var contactRE = regexp.MustCompile(`(?m)^SIP/2.0 .*\r?\n(?:.*\r?\n)*?Contact: .*$`)

// tail returns the end of sipp's screen output, which can be long.
func tail(b []byte) []byte {
	const n = 4000
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

func TestSipp(t *testing.T) {
	srv := startServer(t)
	tests := []struct {
		name      string
		scenario  string
		transport string
		service   string
		calls     int
	}{
		{"ported over UDP, E.164", "dip_ported.xml", "u1", "+16135550100", 3},
		{"ported over UDP, 10 digits", "dip_ported.xml", "u1", portedTN, 1},
		{"ported over TCP, 11 digits", "dip_ported.xml", "t1", "1" + portedTN, 3},
		{"not ported over UDP", "dip_not_ported.xml", "u1", notPortedTN, 1},
		{"not ported over TCP", "dip_not_ported.xml", "t1", "+1" + notPortedTN, 1},
		{"unknown NPA-NXX over UDP", "dip_unknown.xml", "u1", unknownTN, 1},
		{"unknown NPA-NXX over TCP", "dip_unknown.xml", "t1", unknownTN, 1},
		{"OPTIONS over UDP", "options.xml", "u1", "", 1},
		{"OPTIONS over TCP", "options.xml", "t1", "", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			target := srv.udp
			if tc.transport == "t1" {
				target = srv.tcp
			}
			service := tc.service
			if service == "" {
				service = "service"
			}
			run := runSipp(t, tc.scenario, tc.transport, target, service, tc.calls)
			if run.code != 0 {
				t.Fatalf("sipp exited %d, want 0\n%s", run.code, run.report)
			}
			if m := contactRE.FindString(run.messages); m != "" {
				t.Logf("sipp saw %s", m)
			}
		})
	}
}

// TestSippDetectsWrongAnswers proves the scenarios' checks can fail: each
// is run against a number whose answer differs from what it expects, and
// sipp must exit non-zero.
func TestSippDetectsWrongAnswers(t *testing.T) {
	srv := startServer(t)
	tests := []struct {
		name     string
		scenario string
		service  string
		why      string // in sipp's error log
	}{
		{"ported scenario, number not ported", "dip_ported.xml", notPortedTN, "Failed regexp match"},
		{"not-ported scenario, number ported", "dip_not_ported.xml", portedTN, "Failed regexp match"},
		{"unknown scenario, number known", "dip_unknown.xml", notPortedTN, "unexpected message"},
		{"ported scenario, unknown number", "dip_ported.xml", unknownTN, "unexpected message"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run := runSipp(t, tc.scenario, "u1", srv.udp, tc.service, 1)
			if run.code != 1 || !strings.Contains(run.errors, tc.why) {
				t.Errorf("sipp exited %d, want 1 (a failed call) with %q in its error log\n%s", run.code, tc.why, run.report)
			}
		})
	}
}
