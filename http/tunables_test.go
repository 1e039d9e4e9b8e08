package http_test

import (
	"net/http"
	"strings"
	"testing"

	npac "github.com/opennpac/npac"
)

// TestTunablesUpdate changes the tunables over the API: only NPAC
// personnel may, a partial body keeps what it does not name, and a
// refusal names its field and changes nothing.
func TestTunablesUpdate(t *testing.T) {
	e := newEnv(t)
	newTok, _ := e.fixture()
	type timerSet struct {
		T1 int64 `json:"t1_seconds"`
		T2 int64 `json:"t2_seconds"`
	}
	type tunables struct {
		Timers map[string]timerSet `json:"timers"`
		Start  int64               `json:"business_start_seconds"`
		End    int64               `json:"business_end_seconds"`
		Tries  int                 `json:"broadcast_retries"`
	}
	var before tunables
	e.do("GET", "/api/v1/tunables", newTok, nil).ok(t, http.StatusOK, &before)

	change := map[string]any{"timers": map[string]any{"short": map[string]any{"t1_seconds": 1800}}, "broadcast_retries": 4}
	e.do("PATCH", "/api/v1/tunables", newTok, change).wantProblem(t, http.StatusForbidden, npac.EFORBIDDEN)
	p := e.do("PATCH", "/api/v1/tunables", e.admin, map[string]any{"business_end_seconds": 7 * 3600}).wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	if !strings.HasPrefix(p.Detail, "business_end: ") {
		t.Errorf("refusal %q does not name business_end first", p.Detail)
	}
	e.do("PATCH", "/api/v1/tunables", e.admin, map[string]any{"timers": map[string]any{"hourly": map[string]any{}}}).wantProblem(t, http.StatusBadRequest, npac.EINVALID)

	var got tunables
	e.do("PATCH", "/api/v1/tunables", e.admin, change).ok(t, http.StatusOK, &got)
	want := before
	want.Timers = map[string]timerSet{"short": {T1: 1800, T2: before.Timers["short"].T2}, "medium": before.Timers["medium"], "long": before.Timers["long"]}
	want.Tries = 4
	var read tunables
	e.do("GET", "/api/v1/tunables", newTok, nil).ok(t, http.StatusOK, &read)
	for _, g := range []tunables{got, read} {
		if g.Start != want.Start || g.End != want.End || g.Tries != want.Tries || len(g.Timers) != 3 ||
			g.Timers["short"] != want.Timers["short"] || g.Timers["long"] != want.Timers["long"] {
			t.Errorf("after the change: got %+v, want %+v", g, want)
		}
	}
}
