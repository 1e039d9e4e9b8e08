package http

import (
	"net/http"
	"time"

	npac "github.com/opennpac/npac"
)

// DemoClock is the clock of a demo server, which NPAC personnel may move
// forward to try what takes days: T1 and T2, due dates, FOC dates.
type DemoClock interface {
	Now() time.Time
	// Advance moves the clock forward by d and returns the new time.
	Advance(d time.Duration) time.Time
}

// advanceClock moves a demo server's clock: POST {"advance": "96h"}. It is
// not found on a server that is not a demo.
func (s *Server) advanceClock(w http.ResponseWriter, r *http.Request) error {
	if s.Clock == nil {
		return npac.Errorf(npac.ENOTFOUND, "Only a demo server (npac serve --demo) has a clock to move.")
	}
	if a := npac.ActorFrom(r.Context()); !a.IsAdmin() {
		return npac.Errorf(npac.EFORBIDDEN, "Only NPAC personnel (npac-admin) move the demo clock.")
	}
	var b struct {
		Advance string `json:"advance"`
	}
	if err := decodeBody(w, r, &b, true); err != nil {
		return err
	}
	d, err := time.ParseDuration(b.Advance)
	if err != nil || d <= 0 || d > 90*24*time.Hour {
		return npac.Errorf(npac.EINVALID, "advance %q is not a duration from 1ns to 2160h, such as \"96h\".", b.Advance)
	}
	return writeJSON(w, http.StatusOK, map[string]time.Time{"now": s.Clock.Advance(d)})
}
