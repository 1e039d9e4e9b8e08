package lti

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/storetest"
)

// failedBroadcast registers LSMSs for AAA1 and BBB2, ports a number from
// AAA1 to BBB2, lets BBB2's LSMS acknowledge and AAA1's miss the
// broadcast deadline: the SV ends partial-failure with AAA1 failed.
func failedBroadcast(t *testing.T, e *env) *npac.SV {
	t.Helper()
	w := e.w
	for _, sp := range []npac.SPID{storetest.SPA, storetest.SPB} {
		if err := w.S.RegisterLSMS(w.Admin, &npac.LSMSRegistration{SPID: sp, Regions: []npac.Region{npac.Northeast}}); err != nil {
			t.Fatal(err)
		}
	}
	sv := w.Port(t, storetest.TN(300))
	if sv.Status != npac.StatusSending || sv.Broadcast == nil {
		t.Fatalf("ported SV is %s, want sending", sv.Status)
	}
	if err := w.S.Ack(w.Admin, storetest.SPB, sv.Broadcast.Seq); err != nil {
		t.Fatal(err)
	}
	if dl := npac.DefaultTunables().BroadcastDeadline(); sv.Broadcast.Deadline.Sub(w.Clock.Now()) > dl {
		t.Fatalf("broadcast deadline %s is beyond the tunable %s", sv.Broadcast.Deadline, dl)
	}
	w.Clock.Set(sv.Broadcast.Deadline.Add(time.Second))
	if n, err := w.S.SweepDeliveries(context.Background(), w.Clock.Now(), 100); err != nil || n != 1 {
		t.Fatalf("sweep failed %d deliveries (%v), want 1", n, err)
	}
	got, err := w.S.SV(w.Admin, sv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != npac.StatusPartialFailure || len(got.FailedSPs) != 1 || got.FailedSPs[0] != storetest.SPA {
		t.Fatalf("after the sweep the SV is %s failed %v, want partial-failure [AAA1]", got.Status, got.FailedSPs)
	}
	return got
}

// TestBrowserResendJourney is journey 3: an administrator resending to a
// failed LSMS. AAA1's LSMS missed a broadcast; the admin sees it on the
// LSMS page, not connected and named in the failed list, clicks Resend;
// once AAA1's LSMS acknowledges, a reload shows the SV active, the failed
// list empty and both LSMSs connected.
func TestBrowserResendJourney(t *testing.T) {
	browser := newBrowser(t)
	e := newEnv(t)
	base := e.base
	sv := failedBroadcast(t, e)
	id := strconv.FormatInt(sv.ID, 10)
	admin := newTab(t, browser, "admin")

	admin.login(base, "admin", adminPassword)
	if !admin.eval(`!!document.querySelector('nav a[href="/lti/lsms"]')`) {
		t.Fatal("no LSMS entry in the admin's navigation")
	}
	if _, err := chromedp.RunResponse(admin.ctx, chromedp.Click(chromedp.CSS(`nav a[href="/lti/lsms"]`))); err != nil {
		t.Fatalf("open the LSMS page: %v", err)
	}
	admin.do(chromedp.WaitVisible(chromedp.ID("failed-list")))
	if got := admin.attr(`#lsms-list tr[data-spid="AAA1"]`, "data-connected"); got != "false" {
		t.Fatalf("AAA1's LSMS connected = %s", got)
	}
	if got := admin.attr(`#lsms-list tr[data-spid="BBB2"]`, "data-connected"); got != "true" {
		t.Fatalf("BBB2's LSMS connected = %s", got)
	}
	row := `#failed-list tr[data-sv="` + id + `"]`
	if st := admin.attr(row, "data-status"); st != "partial-failure" {
		t.Fatalf("failed list shows SV %s as %s", id, st)
	}
	if got := admin.text(row + " .failed-spids"); !strings.Contains(got, "AAA1") || strings.Contains(got, "BBB2") {
		t.Fatalf("failed LSMSs: %q", got)
	}
	admin.shot("lsms", true)

	if st := admin.submit("resend-" + id); st != 200 {
		t.Fatalf("resend: status %d", st)
	}
	if got := admin.text("#flash"); !strings.Contains(got, "SV "+id) || !strings.Contains(got, "sending") {
		t.Fatalf("resend confirmation: %q", got)
	}
	re, err := e.w.S.SV(e.w.Admin, sv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if re.Status != npac.StatusSending {
		t.Fatalf("after the resend the SV is %s", re.Status)
	}

	// AAA1's LSMS catches up.
	head, err := e.w.S.LogHead(e.w.Admin)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.w.S.Ack(e.w.Admin, storetest.SPA, head); err != nil {
		t.Fatal(err)
	}
	admin.do(chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("failed-list")))
	if admin.eval(`!!document.querySelector('#failed-list tr[data-sv]')`) || admin.text("#failed-empty") != "No failed broadcast." {
		t.Fatalf("failed list not empty: %q", admin.text("#failed-list"))
	}
	for _, sp := range []string{"AAA1", "BBB2"} {
		if got := admin.attr(`#lsms-list tr[data-spid="`+sp+`"]`, "data-connected"); got != "true" {
			t.Fatalf("%s's LSMS connected = %s after catching up", sp, got)
		}
	}
	admin.do(chromedp.Navigate(base+"/svs/"+id), chromedp.WaitVisible(chromedp.ID("sv-status")))
	if st := admin.attr("#sv-status", "data-status"); st != "active" {
		t.Fatalf("after the resend and acknowledgement the SV is %s", st)
	}
}
