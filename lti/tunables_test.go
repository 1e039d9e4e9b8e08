package lti

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	npac "github.com/opennpac/npac"
)

// tunablesValues is the tunables form as the page fills it for t.
func tunablesValues(t npac.Tunables) url.Values {
	v := url.Values{}
	for k, x := range tunablesForm(t).Values {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v
}

// TestTunablesPage: NPAC personnel see the tunables in force and change
// them; a refusal, by the form or by the store's check of the whole,
// shows next to its field and changes nothing; providers get 403.
func TestTunablesPage(t *testing.T) {
	e := newEnv(t, frozen)
	alpha := e.client(t)
	alpha.login("alpha-soa", alphaPassword)
	if _, _, body := alpha.get("/lti/"); strings.Contains(body, `href="/lti/tunables"`) {
		t.Error("a provider's navigation offers the tunables page")
	}
	if st, _, _ := alpha.get("/lti/tunables"); st != http.StatusForbidden {
		t.Errorf("provider GET /lti/tunables: %d, want 403", st)
	}
	if st, _, _ := alpha.post("/lti/tunables", tunablesValues(npac.DefaultTunables())); st != http.StatusForbidden {
		t.Errorf("provider POST /lti/tunables: %d, want 403", st)
	}

	admin := e.client(t)
	admin.login("admin", adminPassword)
	st, _, body := admin.get("/lti/tunables")
	if st != http.StatusOK || !strings.Contains(body, `id="long_t1" name="long_t1" type="text" value="9h"`) ||
		!strings.Contains(body, `id="business_start" name="business_start" type="time" value="08:00"`) ||
		!strings.Contains(body, "Never changed") {
		t.Fatalf("tunables page: %d\n%s", st, body)
	}

	audits := e.w.Count(t, "audit")
	for _, bad := range []struct{ field, value, want string }{
		{"short_t2", "soon", "Give a duration such as 9h"},
		{"business_end", "07:00", "The business day must end after it starts (08:00)"},
		{"long_t1", "800h", "Out of range"},
		{"log_retention", "1m", "must be longer than a broadcast may wait"},
		{"broadcast_retries", "many", "Give a whole number"},
	} {
		form := tunablesValues(npac.DefaultTunables())
		form.Set(bad.field, bad.value)
		st, _, body := admin.post("/lti/tunables", form)
		if got := fieldError(body, bad.field); st != http.StatusUnprocessableEntity || !strings.Contains(strings.ToLower(got), strings.ToLower(bad.want)) {
			t.Errorf("%s=%q: %d, error next to the field %q, want one containing %q", bad.field, bad.value, st, got, bad.want)
		}
		if got, _ := e.w.S.Tunables(e.w.Admin); !reflect.DeepEqual(got, npac.DefaultTunables()) {
			t.Fatalf("%s=%q was refused but the tunables changed", bad.field, bad.value)
		}
	}
	if n := e.w.Count(t, "audit"); n != audits {
		t.Fatalf("refused changes left %d audit records", n-audits)
	}

	form := tunablesValues(npac.DefaultTunables())
	form.Set("short_t1", "30m")
	form.Set("business_start", "07:30")
	form.Set("weekends", "1")
	if st, loc, body := admin.post("/lti/tunables", form); st != http.StatusSeeOther || loc != "/lti/tunables" {
		t.Fatalf("save: %d %q\n%s", st, loc, body)
	}
	got, err := e.w.S.Tunables(e.w.Admin)
	if err != nil {
		t.Fatal(err)
	}
	if got.Timers[npac.TimerShort].T1 != 30*time.Minute || got.BusinessStart != 7*time.Hour+30*time.Minute || !got.Weekends ||
		got.Timers[npac.TimerLong].T1 != 9*time.Hour {
		t.Errorf("after the save: %+v", got)
	}
	st, _, body = admin.get("/lti/tunables")
	if st != http.StatusOK || !strings.Contains(body, `value="30m"`) || !strings.Contains(body, "Tunables saved") ||
		!strings.Contains(body, `name="weekends" id="weekends" value="1" checked`) || strings.Contains(body, "Never changed") {
		t.Errorf("page after the save: %d\n%s", st, body)
	}
}

func TestDurationOf(t *testing.T) {
	for d, want := range map[time.Duration]string{
		9 * time.Hour: "9h", 720 * time.Hour: "720h", 90 * time.Minute: "1h30m", 2 * time.Minute: "2m",
		30 * time.Second: "30s", time.Hour + 30*time.Second: "1h0m30s",
	} {
		if got := durationOf(d); got != want {
			t.Errorf("durationOf(%v) = %q, want %q", d, got, want)
		}
		if back, err := time.ParseDuration(durationOf(d)); err != nil || back != d {
			t.Errorf("%q parses back as %v (%v), want %v", durationOf(d), back, err, d)
		}
	}
}
