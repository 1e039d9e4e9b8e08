package store

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	npac "github.com/opennpac/npac"
)

// Lookups for the data roles: the port query, porting history, the TCPA
// batch check and limited (IVR-style) sessions. Each role sees only the
// fields its permitted use allows, in its regions, within its limits, and
// every call is audited.

// LookupLimit bounds a data role: the numbers one query may hold (0: any)
// and the numbers a user may look up per minute.
type LookupLimit struct {
	PerQuery  int `json:"per_query"`
	PerMinute int `json:"per_minute"`
}

// DefaultLookupLimits are the roles' limits. Law enforcement's 100 per
// query is ELEP's (npac-spec.md §6); the others are our choice.
func DefaultLookupLimits() map[npac.Role]LookupLimit {
	return map[npac.Role]LookupLimit{
		npac.RolePTRS:           {PerQuery: 1000, PerMinute: 60000},
		npac.RoleTCPA:           {PerQuery: 0, PerMinute: 100_000_000},
		npac.RoleFraud:          {PerQuery: 100, PerMinute: 6000},
		npac.RoleLawEnforcement: {PerQuery: 100, PerMinute: 3000},
	}
}

// Session limits: the IVR's 20 numbers (npac-spec.md §6), a quarter of an
// hour, and five wrong PINs before a PIN is locked.
const (
	SessionLookups = 20
	sessionTTL     = 15 * time.Minute
	maxPINFailures = 5
)

// roleFields are the fields each role sees in a port query.
var roleFields = map[npac.Role][]string{
	npac.RolePTRS:           {"ported", "pooled", "spid", "provider_name", "lrn", "sv_type", "line_type", "code_holder", "region"},
	npac.RoleTCPA:           {"ported", "line_type", "last_ported_at", "region"},
	npac.RoleFraud:          {"ported", "spid", "provider_name", "sv_type", "line_type", "last_ported_at", "code_holder", "region"},
	npac.RoleLawEnforcement: {"ported", "spid", "provider_name", "contacts", "line_type", "last_ported_at", "code_holder", "region"},
}

// RoleFields returns the port query fields a role sees (every field for
// npac-admin).
func RoleFields(r npac.Role) []string {
	if r == npac.RoleAdmin {
		return []string{"ported", "pooled", "spid", "provider_name", "contacts", "lrn", "sv_type", "line_type", "last_ported_at", "code_holder", "region"}
	}
	return roleFields[r]
}

// limiter counts each user's lookups in the current minute.
type limiter struct {
	mu     sync.Mutex
	minute int64
	used   map[int64]int
}

// take counts n lookups for a user, refusing them past max a minute.
func (l *limiter) take(user int64, n, max int, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if m := now.Unix() / 60; m != l.minute || l.used == nil {
		l.minute, l.used = m, map[int64]int{}
	}
	if l.used[user]+n > max {
		return npac.Errorf(npac.ERateLimited, "You may look up %d numbers a minute and have %d left this minute; try again in %d seconds.",
			max, max-l.used[user], 60-now.Unix()%60)
	}
	l.used[user] += n
	return nil
}

// lookupRoles returns the data roles the actor looks up with and its
// limit: the largest of its roles'. NPAC personnel have every field and no
// limit.
func (s *Store) lookupRoles(a *npac.Actor, allowed ...npac.Role) ([]npac.Role, LookupLimit, error) {
	if a.IsAdmin() {
		return []npac.Role{npac.RoleAdmin}, LookupLimit{}, nil
	}
	var (
		roles     []npac.Role
		lim       LookupLimit
		unlimited bool
	)
	for _, r := range allowed {
		if len(a.DataRegions(r)) == 0 {
			continue
		}
		roles = append(roles, r)
		l := s.LookupLimits[r]
		lim.PerQuery = max(lim.PerQuery, l.PerQuery)
		unlimited = unlimited || l.PerQuery == 0
		lim.PerMinute = max(lim.PerMinute, l.PerMinute)
	}
	if unlimited {
		lim.PerQuery = 0
	}
	if len(roles) == 0 {
		names := make([]string, len(allowed))
		for i, r := range allowed {
			names[i] = string(r)
		}
		return nil, lim, npac.Errorf(npac.EFORBIDDEN, "This lookup is for the %s data roles; ask NPAC personnel for the role your permitted use needs.", strings.Join(names, ", "))
	}
	return roles, lim, nil
}

// fullInfo is everything the NPAC answers of a number.
func (t *tx) fullInfo(tn npac.TN) (*npac.PortInfo, error) {
	code, err := t.code(tn.NPANXX())
	if err != nil {
		return nil, err
	}
	yes, no := true, false
	info := &npac.PortInfo{TN: tn, Ported: &no, Pooled: &no, CodeHolder: code.SPID, Region: code.Region}
	active, err := t.svInSlot(tn, npac.SlotActive)
	if err != nil {
		return nil, err
	}
	if active != nil && active.Status != npac.StatusSending {
		info.Ported, info.SPID, info.LRN, info.SVType = &yes, active.NewSPID, active.LRN, active.SVType
		info.LineType = lineType(active.SVType, "")
	} else {
		b, err := scanBlock(t.row(`SELECT `+blockCols+` FROM blocks WHERE npanxxx = ? AND status <> 'old'`, string(tn.NPANXXX())))
		switch {
		case err == nil && b.InEffect():
			info.Pooled, info.SPID, info.LRN, info.SVType = &yes, b.SPID, b.LRN, b.SVType
		case err != nil && npac.ErrorCode(err) != npac.ENOTFOUND:
			return nil, err
		default:
			info.SPID = code.SPID
		}
	}
	p, err := t.provider(info.SPID)
	if err != nil {
		return nil, err
	}
	info.ProviderName, info.Contacts = p.Name, p.Contacts
	if info.LineType == "" {
		info.LineType = lineType(info.SVType, p.Type)
	}
	events, err := t.history(tn)
	if err != nil {
		return nil, err
	}
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Type != "disconnect" {
			at := events[i].At
			info.LastPortedAt = &at
			break
		}
	}
	return info, nil
}

// lineType is wireless, wireline or voip: an SV type's category, else the
// provider type's.
func lineType(sv npac.SVType, p npac.ProviderType) string {
	switch sv {
	case npac.SVWireless, npac.SVPrepaidWireless, npac.SVVoWiFi:
		return "wireless"
	case npac.SVVoIP:
		return "voip"
	case npac.SVWireline:
		return "wireline"
	}
	switch p {
	case npac.ProviderWireless:
		return "wireless"
	case npac.ProviderVoIP:
		return "voip"
	}
	return "wireline"
}

// visibleTo returns the part of info that roles may see: the union of their
// fields.
func visibleTo(info *npac.PortInfo, roles []npac.Role) *npac.PortInfo {
	show := map[string]bool{}
	for _, r := range roles {
		for _, f := range RoleFields(r) {
			show[f] = true
		}
	}
	out := &npac.PortInfo{TN: info.TN}
	if show["ported"] {
		out.Ported = info.Ported
	}
	if show["pooled"] {
		out.Pooled = info.Pooled
	}
	if show["spid"] {
		out.SPID = info.SPID
	}
	if show["provider_name"] {
		out.ProviderName = info.ProviderName
	}
	if show["contacts"] {
		out.Contacts = info.Contacts
	}
	if show["lrn"] {
		out.LRN = info.LRN
	}
	if show["sv_type"] {
		out.SVType = info.SVType
	}
	if show["line_type"] {
		out.LineType = info.LineType
	}
	if show["last_ported_at"] {
		out.LastPortedAt = info.LastPortedAt
	}
	if show["code_holder"] {
		out.CodeHolder = info.CodeHolder
	}
	if show["region"] {
		out.Region = info.Region
	}
	return out
}

// lookupOne answers one number for roles, in their regions.
func (t *tx) lookupOne(tn npac.TN, roles []npac.Role) *npac.PortInfo {
	info, err := t.fullInfo(tn)
	if err != nil {
		var e *npac.Error
		if !errors.As(err, &e) || e.Code != npac.ENOTFOUND {
			e = npac.Errorf(npac.EINTERNAL, "The number could not be looked up.")
		} else {
			e = npac.Errorf(npac.ENOTFOUND, "%s is in no NPA-NXX the NPAC knows.", tn)
		}
		return &npac.PortInfo{TN: tn, Error: e}
	}
	var mine []npac.Role
	for _, r := range roles {
		if r == npac.RoleAdmin || slices.Contains(t.actor.DataRegions(r), info.Region) {
			mine = append(mine, r)
		}
	}
	if len(mine) == 0 {
		return &npac.PortInfo{TN: tn, Error: npac.Errorf(npac.EFORBIDDEN, "%s is in region %s, which your data roles do not cover.", tn, info.Region)}
	}
	return visibleTo(info, mine)
}

// Lookup implements npac.LookupService.
func (s *Store) Lookup(ctx context.Context, tns []npac.TN) ([]*npac.PortInfo, error) {
	var out []*npac.PortInfo
	err := s.inTx(ctx, func(t *tx) error {
		out = nil
		roles, lim, err := s.lookupRoles(t.actor, npac.RolePTRS, npac.RoleTCPA, npac.RoleFraud, npac.RoleLawEnforcement)
		if err != nil {
			return err
		}
		if len(tns) == 0 {
			return npac.Errorf(npac.EINVALID, "Name at least one number to look up.")
		}
		if lim.PerQuery > 0 && len(tns) > lim.PerQuery {
			return npac.Errorf(npac.EINVALID, "Look up at most %d numbers per query; %d were given.", lim.PerQuery, len(tns))
		}
		parsed := make([]npac.TN, len(tns))
		for i, raw := range tns {
			if parsed[i], err = npac.ParseTN(string(raw)); err != nil {
				return err
			}
		}
		if lim.PerMinute > 0 {
			if err := s.limits.take(t.actor.User.ID, len(parsed), lim.PerMinute, t.now); err != nil {
				return err
			}
		}
		for _, tn := range parsed {
			out = append(out, t.lookupOne(tn, roles))
		}
		return t.audit("", "lookup", "tn", string(parsed[0]), nil, map[string]any{"tns": parsed, "roles": roles})
	})
	return out, err
}

// history builds a number's port events from its SVs, oldest first.
func (t *tx) history(tn npac.TN) ([]*npac.PortEvent, error) {
	rows, err := t.query(`SELECT `+svCols+` FROM svs WHERE tn = ? ORDER BY id`, string(tn))
	svs, err := collect(rows, err, scanSV)
	if err != nil {
		return nil, err
	}
	var out []*npac.PortEvent
	for i, sv := range svs {
		if sv.ActivationTimestamp == nil {
			continue
		}
		switch sv.Status {
		case npac.StatusActive, npac.StatusPartialFailure, npac.StatusDisconnectPending, npac.StatusOld:
		default:
			continue
		}
		typ := "port"
		switch {
		case sv.PortToOriginal:
			typ = "port-to-original"
		case sv.OldSPID == sv.NewSPID:
			typ = "intra-provider"
		}
		out = append(out, &npac.PortEvent{At: *sv.ActivationTimestamp, Type: typ, From: sv.OldSPID, To: sv.NewSPID, SVType: sv.SVType, SVID: sv.ID})
		// An old SV that no later port retired was disconnected: the
		// number went back to its block or code holder.
		if sv.Status == npac.StatusOld && !sv.PortToOriginal && !laterPort(svs[i+1:]) {
			out = append(out, &npac.PortEvent{At: sv.StatusChangedAt, Type: "disconnect", From: sv.NewSPID, SVID: sv.ID})
		}
	}
	return out, nil
}

// laterPort reports whether any of svs activated.
func laterPort(svs []*npac.SV) bool {
	for _, sv := range svs {
		if sv.ActivationTimestamp != nil && sv.Status != npac.StatusFailed && sv.Status != npac.StatusCanceled {
			return true
		}
	}
	return false
}

// History implements npac.LookupService.
func (s *Store) History(ctx context.Context, tn npac.TN) ([]*npac.PortEvent, error) {
	var out []*npac.PortEvent
	err := s.inTx(ctx, func(t *tx) error {
		roles, lim, err := s.lookupRoles(t.actor, npac.RoleFraud, npac.RoleLawEnforcement)
		if err != nil {
			return err
		}
		if tn, err = npac.ParseTN(string(tn)); err != nil {
			return err
		}
		code, err := t.code(tn.NPANXX())
		if err != nil {
			return err
		}
		contacts := false
		covered := false
		for _, r := range roles {
			if r == npac.RoleAdmin || slices.Contains(t.actor.DataRegions(r), code.Region) {
				covered = true
				contacts = contacts || r == npac.RoleAdmin || r == npac.RoleLawEnforcement
			}
		}
		if !covered {
			return npac.Errorf(npac.EFORBIDDEN, "%s is in region %s, which your data roles do not cover.", tn, code.Region)
		}
		if lim.PerMinute > 0 {
			if err := s.limits.take(t.actor.User.ID, 1, lim.PerMinute, t.now); err != nil {
				return err
			}
		}
		if out, err = t.history(tn); err != nil {
			return err
		}
		for _, ev := range out {
			if ev.Type == "disconnect" {
				if ev.To, err = t.servingHolder(tn, code); err != nil {
					return err
				}
			}
			if contacts {
				for _, x := range []struct {
					spid npac.SPID
					dst  *[]npac.Contact
				}{{ev.From, &ev.FromContacts}, {ev.To, &ev.ToContacts}} {
					if p, err := t.provider(x.spid); err == nil {
						*x.dst = p.Contacts
					}
				}
			}
		}
		if out == nil {
			out = []*npac.PortEvent{}
		}
		return t.audit("", "lookup.history", "tn", string(tn), nil, map[string]any{"roles": roles})
	})
	return out, err
}

// IssuePIN implements npac.LookupService.
func (s *Store) IssuePIN(ctx context.Context, userID int64) (string, error) {
	var pin string
	err := s.inTx(ctx, func(t *tx) error {
		if err := requireAdmin(t.actor, "issue lookup PINs"); err != nil {
			return err
		}
		u, err := scanUser(t.row(`SELECT `+userCols+` FROM users WHERE id = ?`, userID))
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(u.Grants, func(g npac.Grant) bool { return g.Role.IsData() }) {
			return npac.Errorf(npac.EINVALID, "User %s has no data role; lookup PINs are for ptrs, tcpa, fraud and law-enforcement users.", u.Name)
		}
		n, err := rand.Int(rand.Reader, big.NewInt(100_000_000))
		if err != nil {
			return err
		}
		pin = fmt.Sprintf("%08d", n.Int64())
		if _, err := t.exec(`DELETE FROM lookup_pins WHERE user_id = ?`, userID); err != nil {
			return fmt.Errorf("pin: %w", err)
		}
		if _, err := t.exec(`INSERT INTO lookup_pins (user_id, hash, failures, created_at) VALUES (?, ?, 0, ?)`, userID, hashSecret(pin), micros(t.now)); err != nil {
			return fmt.Errorf("pin: %w", err)
		}
		return t.audit("", "pin.issue", "user", strconv.FormatInt(userID, 10), nil, nil)
	})
	return pin, err
}

// OpenLookupSession implements npac.LookupService.
func (s *Store) OpenLookupSession(ctx context.Context, user, pin string) (*npac.LookupSession, error) {
	deny := npac.Errorf(npac.EUNAUTHORIZED, "The user name or PIN is wrong, or the PIN is locked after too many wrong tries; ask NPAC personnel for a new PIN.")
	var out *npac.LookupSession
	failed := false
	err := s.inTx(npac.NewContext(ctx, npac.SystemActor), func(t *tx) error {
		failed = false
		u, err := scanUser(t.row(`SELECT `+userCols+` FROM users WHERE name = ?`, user))
		if npac.ErrorCode(err) == npac.ENOTFOUND {
			hashSecret(pin) // as long as a wrong PIN takes
			return deny
		} else if err != nil {
			return err
		}
		var (
			hash     string
			failures int
		)
		if err := t.row(`SELECT hash, failures FROM lookup_pins WHERE user_id = ?`+t.s.d.ForUpdate, u.ID).Scan(&hash, &failures); err != nil {
			return deny
		}
		if u.Disabled || failures >= maxPINFailures {
			return deny
		}
		if subtle.ConstantTimeCompare([]byte(hash), []byte(hashSecret(pin))) != 1 {
			failed = true
			return deny
		}
		if _, err := t.exec(`UPDATE lookup_pins SET failures = 0 WHERE user_id = ?`, u.ID); err != nil {
			return err
		}
		id := make([]byte, 16)
		if _, err := rand.Read(id); err != nil {
			return err
		}
		out = &npac.LookupSession{ID: "ls_" + hex.EncodeToString(id), User: u.Name, MaxLookups: SessionLookups, ExpiresAt: t.now.Add(sessionTTL)}
		if _, err := t.exec(`INSERT INTO lookup_sessions (id, user_id, used, max, expires_at) VALUES (?, ?, 0, ?, ?)`,
			hashSecret(out.ID), u.ID, out.MaxLookups, micros(out.ExpiresAt)); err != nil {
			return fmt.Errorf("session: %w", err)
		}
		return t.audit("", "lookup.session", "user", strconv.FormatInt(u.ID, 10), nil, map[string]any{"expires_at": out.ExpiresAt})
	})
	if failed {
		// The failure is counted in its own transaction: the refused one
		// rolled back.
		if _, uerr := s.db.ExecContext(ctx, s.q(`UPDATE lookup_pins SET failures = failures + 1 WHERE user_id = (SELECT id FROM users WHERE name = ?)`), user); uerr != nil {
			return nil, uerr
		}
	}
	return out, err
}

// SessionLookup implements npac.LookupService.
func (s *Store) SessionLookup(ctx context.Context, session string, tn npac.TN) (*npac.PortInfo, *npac.LookupSession, error) {
	var (
		info *npac.PortInfo
		out  *npac.LookupSession
	)
	err := s.inTx(npac.NewContext(ctx, npac.SystemActor), func(t *tx) error {
		var (
			userID, exp int64
			used, maxN  int
		)
		err := t.row(`SELECT user_id, used, max, expires_at FROM lookup_sessions WHERE id = ?`+t.s.d.ForUpdate, hashSecret(session)).Scan(&userID, &used, &maxN, &exp)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && t.now.After(fromMicros(exp))) {
			return npac.Errorf(npac.EUNAUTHORIZED, "The lookup session is unknown or expired; open a new one with your PIN.")
		} else if err != nil {
			return fmt.Errorf("session: %w", err)
		}
		if used >= maxN {
			return npac.Errorf(npac.ELookupLimit, "This session has answered its %d numbers; open a new session with your PIN to look up more.", maxN)
		}
		if tn, err = npac.ParseTN(string(tn)); err != nil {
			return err
		}
		u, err := scanUser(t.row(`SELECT `+userCols+` FROM users WHERE id = ?`, userID))
		if err != nil {
			return err
		}
		if u.Disabled {
			return npac.Errorf(npac.EUNAUTHORIZED, "The lookup session's user is disabled.")
		}
		if _, err := t.exec(`UPDATE lookup_sessions SET used = used + 1 WHERE id = ?`, hashSecret(session)); err != nil {
			return fmt.Errorf("session: %w", err)
		}
		a := t.actor
		t.actor = &npac.Actor{User: *u}
		defer func() { t.actor = a }()
		roles, lim, err := s.lookupRoles(t.actor, npac.RolePTRS, npac.RoleTCPA, npac.RoleFraud, npac.RoleLawEnforcement)
		if err != nil {
			return err
		}
		if lim.PerMinute > 0 {
			if err := s.limits.take(u.ID, 1, lim.PerMinute, t.now); err != nil {
				return err
			}
		}
		info = t.lookupOne(tn, roles)
		out = &npac.LookupSession{User: u.Name, MaxLookups: maxN, Used: used + 1, ExpiresAt: fromMicros(exp)}
		return t.audit("", "lookup.session", "tn", string(tn), nil, map[string]any{"user": u.Name, "used": used + 1})
	})
	return info, out, err
}

// tcpaSVs is what the TCPA check needs of an SV.
type tcpaSV struct {
	at   time.Time
	typ  npac.SVType
	live bool // the number's current route
}

// packTN reads a plain ten-digit number with the rules of npac.ParseTN
// (NPA and NXX start with 2-9 and are not N11) into an integer, without
// allocating; ok is false for anything else, which then takes ParseTN.
func packTN(b []byte) (uint64, bool) {
	if len(b) != 10 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	for _, at := range []int{0, 3} {
		if b[at] < '2' || (b[at+1] == '1' && b[at+2] == '1') {
			return 0, false
		}
	}
	return n, true
}

// TCPA implements npac.LookupService. It reads every number first, packed
// into integers, then reads the SVs of the numbers' codes in one query per
// code, so a file of millions of numbers costs a sort and a scan of the
// ported numbers, not a query per number.
func (s *Store) TCPA(ctx context.Context, since time.Time, in io.Reader, out func(*npac.TCPAResult) error) (int, error) {
	a, err := actor(ctx)
	if err != nil {
		return 0, err
	}
	if _, _, err := s.lookupRoles(a, npac.RoleTCPA); err != nil {
		return 0, err
	}
	regions := a.DataRegions(npac.RoleTCPA)
	// Read the numbers: 0 marks a line that is not one, answered with the
	// error kept for it.
	var (
		nums   []uint64
		errs   = map[int]string{}
		raws   = map[int]string{}
		sorted []uint64
	)
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	for sc.Scan() {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 || b[0] == '#' {
			continue
		}
		if n, ok := packTN(b); ok {
			nums = append(nums, n)
			continue
		}
		tn, err := npac.ParseTN(string(b))
		if err != nil {
			errs[len(nums)], raws[len(nums)] = npac.ErrorMessage(err), string(b)
			nums = append(nums, 0)
			continue
		}
		n, _ := strconv.ParseUint(string(tn), 10, 64)
		nums = append(nums, n)
	}
	if err := sc.Err(); err != nil {
		return 0, npac.Errorf(npac.EINVALID, "The list of numbers could not be read: %v.", err)
	}
	lim := s.LookupLimits[npac.RoleTCPA]
	if !a.IsAdmin() && lim.PerMinute > 0 {
		if err := s.limits.take(a.User.ID, len(nums), lim.PerMinute, s.Now()); err != nil {
			return 0, err
		}
	}
	// The codes, their holders' types, and the blocks in effect.
	codes := map[uint64]*npac.CodeRecord{}
	types := map[npac.SPID]npac.ProviderType{}
	rows, err := s.db.QueryContext(ctx, `SELECT `+codeCols+` FROM npanxx`)
	cs, err := collect(rows, err, scanCode)
	if err != nil {
		return 0, err
	}
	for _, c := range cs {
		n, _ := strconv.ParseUint(string(c.NPANXX), 10, 64)
		codes[n] = c
	}
	rows, err = s.db.QueryContext(ctx, `SELECT spid, type FROM providers`)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var (
			sp npac.SPID
			ty npac.ProviderType
		)
		if err := rows.Scan(&sp, &ty); err != nil {
			rows.Close()
			return 0, err
		}
		types[sp] = ty
	}
	rows.Close()
	rows, err = s.db.QueryContext(ctx, `SELECT `+blockCols+` FROM blocks WHERE status <> 'old'`)
	bs, err := collect(rows, err, scanBlock)
	if err != nil {
		return 0, err
	}
	blockType := map[uint64]npac.SVType{}
	for _, b := range bs {
		if b.InEffect() {
			n, _ := strconv.ParseUint(string(b.NPANXXX), 10, 64)
			blockType[n] = b.SVType
		}
	}
	// The ports of the numbers asked about, code by code.
	sorted = make([]uint64, 0, len(nums))
	for _, n := range nums {
		if n != 0 {
			sorted = append(sorted, n)
		}
	}
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	history := map[uint64][]tcpaSV{}
	for lo := 0; lo < len(sorted); {
		code := sorted[lo] / 10000
		hi := lo + sort.Search(len(sorted)-lo, func(i int) bool { return sorted[lo+i]/10000 != code })
		want := sorted[lo:hi]
		lo = hi
		if codes[code] == nil {
			continue
		}
		first := strconv.FormatUint(code*10000, 10)
		last := strconv.FormatUint(code*10000+9999, 10)
		rows, err := s.db.QueryContext(ctx, s.q(`SELECT tn, status, slot, data FROM svs WHERE tn >= ? AND tn <= ? AND status IN ('active', 'partial-failure', 'disconnect-pending', 'old') ORDER BY tn, id`), first, last)
		if err != nil {
			return 0, fmt.Errorf("tcpa svs: %w", err)
		}
		for rows.Next() {
			var (
				tn   string
				st   string
				slot *string
				data []byte
			)
			if err := rows.Scan(&tn, &st, &slot, &data); err != nil {
				rows.Close()
				return 0, err
			}
			n, _ := strconv.ParseUint(tn, 10, 64)
			if _, found := slices.BinarySearch(want, n); !found {
				continue
			}
			var sv struct {
				SVType              npac.SVType `json:"sv_type"`
				ActivationTimestamp *time.Time  `json:"activation_timestamp"`
			}
			if err := json.Unmarshal(data, &sv); err != nil {
				rows.Close()
				return 0, err
			}
			if sv.ActivationTimestamp == nil {
				continue
			}
			history[n] = append(history[n], tcpaSV{at: *sv.ActivationTimestamp, typ: sv.SVType, live: slot != nil && *slot == string(npac.SlotActive)})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
	}
	// The check is audited before anything is disclosed.
	if err := s.inTx(ctx, func(t *tx) error {
		return t.audit("", "lookup.tcpa", "tn", "batch", nil, map[string]any{"numbers": len(nums), "since": since, "roles": []npac.Role{npac.RoleTCPA}})
	}); err != nil {
		return 0, err
	}
	// Answer in input order, reusing one result.
	var r npac.TCPAResult
	for i, n := range nums {
		r = npac.TCPAResult{}
		switch c := codes[n/10000]; {
		case n == 0:
			r.TN, r.Error = npac.TN(raws[i]), errs[i]
		case c == nil:
			r.TN, r.Error = packedTN(n), "The NPAC knows no NPA-NXX "+strconv.FormatUint(n/10000, 10)+"."
		case !a.IsAdmin() && !slices.Contains(regions, c.Region):
			r.TN, r.Error = packedTN(n), "The number is in region "+string(c.Region)+", which your tcpa role does not cover."
		default:
			r.TN = packedTN(n)
			r.Ported, r.LineType = tcpaCheck(history[n], lineType(blockType[n/1000], types[c.SPID]), since)
		}
		if err := out(&r); err != nil {
			return i, err
		}
	}
	return len(nums), nil
}

// packedTN is the TN of a packed number.
func packedTN(n uint64) npac.TN { return npac.TN(strconv.FormatUint(n, 10)) }

// tcpaCheck walks a number's ports in activation order from its original
// line type and reports whether any port at or after since moved it
// between wireless and wireline (VoIP counts as wireline), and its line
// type now.
func tcpaCheck(ports []tcpaSV, original string, since time.Time) (bool, string) {
	sort.Slice(ports, func(i, j int) bool { return ports[i].at.Before(ports[j].at) })
	cur, ported := original, false
	wireless := func(t string) bool { return t == "wireless" }
	for _, p := range ports {
		next := lineType(p.typ, "")
		if !p.at.Before(since) && wireless(cur) != wireless(next) {
			ported = true
		}
		cur = next
	}
	live := false
	for _, p := range ports {
		live = live || p.live
	}
	if !live {
		// Disconnected or never ported: the original holder's line.
		return ported, original
	}
	return ported, cur
}
