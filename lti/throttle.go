package lti

import (
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// throttle slows password guessing. It counts failed sign-ins per client
// address and per user name; after free failures on either, each further
// failure locks that key for base, then twice as long, and so on up to max.
// A sign-in while a key is locked is refused without checking the password.
// Each attempt counts as a failure from its start (attempt), so that a
// burst of parallel guesses cannot all slip in before the first is judged;
// a successful sign-in (succeed) then clears the user name's count and
// takes back its own count on the address (the rest of the address's
// failures stay, so that an attacker cannot clear them with an account of
// its own). A key forgets its failures forget after its last one.
type throttle struct {
	mu     sync.Mutex
	byAddr map[string]*failures
	byName map[string]*failures
	free   int
	base   time.Duration
	max    time.Duration
	forget time.Duration
	// limit bounds each table; at the limit the stalest key is dropped.
	limit int
	now   func() time.Time
}

type failures struct {
	n     int
	last  time.Time
	until time.Time
}

func newThrottle(now func() time.Time) *throttle {
	return &throttle{byAddr: map[string]*failures{}, byName: map[string]*failures{},
		free: 5, base: time.Second, max: 15 * time.Minute, forget: time.Hour, limit: 100_000, now: now}
}

// addrKey is the throttling key of a client address: the IP, or for IPv6
// its /64, which one subscriber usually holds whole.
func addrKey(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

func nameKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// wait returns how long the address or the name is still locked for, or 0.
func (t *throttle) wait(addr, name string) time.Duration {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.waitLocked(addr, name, now)
}

func (t *throttle) waitLocked(addr, name string, now time.Time) time.Duration {
	var d time.Duration
	for _, f := range []*failures{t.byAddr[addr], t.byName[nameKey(name)]} {
		if f != nil && f.until.After(now) {
			d = max(d, f.until.Sub(now))
		}
	}
	return d
}

// attempt starts a sign-in: if the address or the name is locked it
// returns how long for, and the attempt must be refused; otherwise it
// counts the attempt as a failure and returns 0.
func (t *throttle) attempt(addr, name string) time.Duration {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if d := t.waitLocked(addr, name, now); d > 0 {
		return d
	}
	t.failLocked(t.byAddr, addr, now)
	t.failLocked(t.byName, nameKey(name), now)
	return 0
}

// fail records a failed sign-in (attempt already does).
func (t *throttle) fail(addr, name string) {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failLocked(t.byAddr, addr, now)
	t.failLocked(t.byName, nameKey(name), now)
}

func (t *throttle) failLocked(m map[string]*failures, k string, now time.Time) {
	f := m[k]
	if f == nil {
		if len(m) >= t.limit {
			t.pruneLocked(m, now)
		}
		f = &failures{}
		m[k] = f
	}
	if now.Sub(f.last) >= t.forget {
		f.n = 0
	}
	f.n++
	f.last = now
	t.lockLocked(f)
}

// lockLocked sets a key's lock from its count of failures.
func (t *throttle) lockLocked(f *failures) {
	f.until = time.Time{}
	if f.n >= t.free {
		d := t.max
		if shift := f.n - t.free; shift < 30 {
			d = min(t.base<<shift, t.max)
		}
		f.until = f.last.Add(d)
	}
}

// succeed ends an attempt that signed in: it clears the user name's
// failures and takes back the attempt's count on the address.
func (t *throttle) succeed(addr, name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.byName, nameKey(name))
	if f := t.byAddr[addr]; f != nil && f.n > 0 {
		f.n--
		t.lockLocked(f)
	}
}

// pruneLocked drops forgotten keys, or the stalest one if none is.
func (t *throttle) pruneLocked(m map[string]*failures, now time.Time) {
	var (
		stalest string
		at      time.Time
	)
	for k, f := range m {
		if now.Sub(f.last) >= t.forget && !f.until.After(now) {
			delete(m, k)
			continue
		}
		if stalest == "" || f.last.Before(at) {
			stalest, at = k, f.last
		}
	}
	if len(m) >= t.limit && stalest != "" {
		delete(m, stalest)
	}
}
