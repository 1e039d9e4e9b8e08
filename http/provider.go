package http

import (
	"math"
	"net/http"
	"strconv"
	"time"

	npac "github.com/opennpac/npac"
)

// meResponse is the caller as the NPAC sees it.
type meResponse struct {
	User npac.User `json:"user"`
	// BureauFor maps each client SPID the caller may act for as a service
	// bureau to the bureau SPID the client authorized.
	BureauFor map[npac.SPID]npac.SPID `json:"bureau_for"`
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	a := npac.ActorFrom(r.Context())
	b := a.Bureau
	if b == nil {
		b = map[npac.SPID]npac.SPID{}
	}
	return writeJSON(w, http.StatusOK, meResponse{User: a.User, BureauFor: b})
}

func (s *Server) regions(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, pageOf(npac.Regions, 0, nil))
}

// timerSetJSON is a npac.TimerSet with durations in whole seconds.
type timerSetJSON struct {
	T1                      int64 `json:"t1_seconds"`
	T2                      int64 `json:"t2_seconds"`
	CancelInitial           int64 `json:"cancel_initial_seconds"`
	CancelFinal             int64 `json:"cancel_final_seconds"`
	ConflictRestriction     int64 `json:"conflict_restriction_seconds"`
	ConflictResolutionNewSP int64 `json:"conflict_resolution_new_sp_seconds"`
}

// timerSetsJSON holds one timer set per timer type. A struct rather than a
// map, so that a PATCH body decoded onto the current sets changes only the
// fields it names.
type timerSetsJSON struct {
	Short  timerSetJSON `json:"short"`
	Medium timerSetJSON `json:"medium"`
	Long   timerSetJSON `json:"long"`
}

// tunablesJSON is npac.Tunables with durations in whole seconds.
type tunablesJSON struct {
	Timers             timerSetsJSON `json:"timers"`
	BusinessStart      int64         `json:"business_start_seconds"`
	BusinessEnd        int64         `json:"business_end_seconds"`
	Weekends           bool          `json:"weekends"`
	ConflictExpiration int64         `json:"conflict_expiration_seconds"`
	PendingPurge       int64         `json:"pending_purge_seconds"`
	BroadcastRetries   int           `json:"broadcast_retries"`
	BroadcastInterval  int64         `json:"broadcast_interval_seconds"`
	LogRetention       int64         `json:"log_retention_seconds"`
}

// sets pairs each timer type with its place in j.
func (j *tunablesJSON) sets() map[npac.TimerType]*timerSetJSON {
	return map[npac.TimerType]*timerSetJSON{npac.TimerShort: &j.Timers.Short, npac.TimerMedium: &j.Timers.Medium, npac.TimerLong: &j.Timers.Long}
}

func seconds(d time.Duration) int64 { return int64(d / time.Second) }

func secs(n int64) time.Duration { return time.Duration(n) * time.Second }

func tunablesOut(t npac.Tunables) tunablesJSON {
	out := tunablesJSON{
		BusinessStart:      seconds(t.BusinessStart),
		BusinessEnd:        seconds(t.BusinessEnd),
		Weekends:           t.Weekends,
		ConflictExpiration: seconds(t.ConflictExpiration),
		PendingPurge:       seconds(t.PendingPurge),
		BroadcastRetries:   t.BroadcastRetries,
		BroadcastInterval:  seconds(t.BroadcastInterval),
		LogRetention:       seconds(t.LogRetention),
	}
	for tt, dst := range out.sets() {
		ts := t.Timers[tt]
		*dst = timerSetJSON{
			T1: seconds(ts.T1), T2: seconds(ts.T2),
			CancelInitial: seconds(ts.CancelInitial), CancelFinal: seconds(ts.CancelFinal),
			ConflictRestriction:     seconds(ts.ConflictRestriction),
			ConflictResolutionNewSP: seconds(ts.ConflictResolutionNewSP),
		}
	}
	return out
}

func (j *tunablesJSON) tunables() npac.Tunables {
	t := npac.Tunables{
		Timers:             map[npac.TimerType]npac.TimerSet{},
		BusinessStart:      secs(j.BusinessStart),
		BusinessEnd:        secs(j.BusinessEnd),
		Weekends:           j.Weekends,
		ConflictExpiration: secs(j.ConflictExpiration),
		PendingPurge:       secs(j.PendingPurge),
		BroadcastRetries:   j.BroadcastRetries,
		BroadcastInterval:  secs(j.BroadcastInterval),
		LogRetention:       secs(j.LogRetention),
	}
	for tt, ts := range j.sets() {
		t.Timers[tt] = npac.TimerSet{
			T1: secs(ts.T1), T2: secs(ts.T2),
			CancelInitial: secs(ts.CancelInitial), CancelFinal: secs(ts.CancelFinal),
			ConflictRestriction:     secs(ts.ConflictRestriction),
			ConflictResolutionNewSP: secs(ts.ConflictResolutionNewSP),
		}
	}
	return t
}

func (s *Server) tunables(w http.ResponseWriter, r *http.Request) error {
	t, err := s.Tunables.Tunables(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, tunablesOut(t))
}

// setTunables changes the fields the body names and keeps the others.
func (s *Server) setTunables(w http.ResponseWriter, r *http.Request) error {
	cur, err := s.Tunables.Tunables(r.Context())
	if err != nil {
		return err
	}
	j := tunablesOut(cur)
	if err := decodeBody(w, r, &j, true); err != nil {
		return err
	}
	t, err := s.Tunables.SetTunables(r.Context(), j.tunables())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, tunablesOut(t))
}

func (s *Server) listProviders(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.Providers.Providers(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pageOf(ps, 0, nil))
}

// providerBody is the body of a provider registration.
type providerBody struct {
	SPID     npac.SPID         `json:"spid"`
	Name     string            `json:"name"`
	Type     npac.ProviderType `json:"type"`
	Regions  []npac.Region     `json:"regions"`
	Contacts []npac.Contact    `json:"contacts"`
	Bureaus  []npac.SPID       `json:"bureaus"`
	// SOABlocks lets the provider's SOA manage the pool blocks it holds.
	SOABlocks bool `json:"soa_blocks"`
	// AutoActivate has the NPAC activate the provider's port-in orders on
	// their FOC date.
	AutoActivate bool `json:"auto_activate"`
}

func (s *Server) createProvider(w http.ResponseWriter, r *http.Request) error {
	var b providerBody
	if err := decodeBody(w, r, &b, true); err != nil {
		return err
	}
	p := &npac.Provider{SPID: b.SPID, Name: b.Name, Type: b.Type, Regions: b.Regions, Contacts: b.Contacts, Bureaus: b.Bureaus,
		SOABlocks: b.SOABlocks, AutoActivate: b.AutoActivate}
	if err := s.Providers.CreateProvider(r.Context(), p); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/providers/"+string(p.SPID))
	return writeJSON(w, http.StatusCreated, p)
}

func (s *Server) getProvider(w http.ResponseWriter, r *http.Request) error {
	spid, err := npac.ParseSPID(r.PathValue("spid"))
	if err != nil {
		return err
	}
	p, err := s.Providers.Provider(r.Context(), spid)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

func (s *Server) updateProvider(w http.ResponseWriter, r *http.Request) error {
	spid, err := npac.ParseSPID(r.PathValue("spid"))
	if err != nil {
		return err
	}
	var upd npac.ProviderUpdate
	if err := decodeBody(w, r, &upd, true); err != nil {
		return err
	}
	p, err := s.Providers.UpdateProvider(r.Context(), spid, upd)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	us, err := s.Users.Users(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pageOf(us, 0, nil))
}

// userBody is the body of a user creation.
type userBody struct {
	Name   string       `json:"name"`
	Grants []npac.Grant `json:"grants"`
}

// userCreated answers a user creation: the user and its first token,
// whose secret is shown only here.
type userCreated struct {
	User  *npac.User  `json:"user"`
	Token *npac.Token `json:"token"`
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	var b userBody
	if err := decodeBody(w, r, &b, true); err != nil {
		return err
	}
	u := &npac.User{Name: b.Name, Grants: b.Grants}
	tok, err := s.Users.CreateUser(r.Context(), u)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/users/"+strconv.FormatInt(u.ID, 10))
	return writeJSON(w, http.StatusCreated, userCreated{User: u, Token: tok})
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "user")
	if err != nil {
		return err
	}
	u, err := s.Users.User(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, u)
}

// tokenBody is the body of a token creation.
type tokenBody struct {
	Name string `json:"name"`
	// TTLSeconds is the token's lifetime; 0 or absent means it does not
	// expire.
	TTLSeconds int64 `json:"ttl_seconds"`
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "user")
	if err != nil {
		return err
	}
	toks, err := s.Users.Tokens(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pageOf(toks, 0, nil))
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "user")
	if err != nil {
		return err
	}
	var b tokenBody
	if err := decodeBody(w, r, &b, true); err != nil {
		return err
	}
	if b.TTLSeconds > math.MaxInt64/int64(time.Second) {
		return npac.Errorf(npac.EINVALID, "ttl_seconds %d is too long a lifetime; leave it out for a token that does not expire.", b.TTLSeconds)
	}
	tok, err := s.Users.CreateToken(r.Context(), id, b.Name, time.Duration(b.TTLSeconds)*time.Second)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, tok)
}

func (s *Server) setPassword(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "user")
	if err != nil {
		return err
	}
	var b struct {
		Password string `json:"password"`
	}
	if err := decodeBody(w, r, &b, true); err != nil {
		return err
	}
	if err := s.Users.SetPassword(r.Context(), id, b.Password); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "user")
	if err != nil {
		return err
	}
	tokID, err := pathID(r, "token", "token")
	if err != nil {
		return err
	}
	if err := s.Users.RevokeToken(r.Context(), id, tokID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// setDisabled returns the handler that disables or re-enables a user.
func setDisabled(disabled bool) handlerFunc {
	return func(s *Server, w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "user")
		if err != nil {
			return err
		}
		u, err := s.Users.SetDisabled(r.Context(), id, disabled)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, u)
	}
}
