package outbound_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/opennpac/npac"
	"github.com/opennpac/npac/outbound"
)

// MemStore is an in-memory outbound.Store for tests.
type MemStore struct {
	mu     sync.Mutex
	nextID int64
	eps    map[int64]*outbound.Endpoint
	notes  map[npac.SPID][]*npac.Notification
}

var _ outbound.Store = (*MemStore)(nil)

func NewMemStore() *MemStore {
	return &MemStore{eps: map[int64]*outbound.Endpoint{}, notes: map[npac.SPID][]*npac.Notification{}}
}

// AddEndpoint validates ep, stores a copy and returns its ID.
func (s *MemStore) AddEndpoint(t testing.TB, ep outbound.Endpoint) int64 {
	t.Helper()
	if err := ep.Validate(); err != nil {
		t.Fatalf("endpoint: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	ep.ID = s.nextID
	s.eps[ep.ID] = &ep
	return ep.ID
}

// Append adds a notification to n.SPID's stream, numbering it.
func (s *MemStore) Append(n npac.Notification) *npac.Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	n.Seq = int64(len(s.notes[n.SPID]) + 1)
	if n.CreatedAt.IsZero() {
		n.CreatedAt = time.Date(2026, 3, 2, 15, 4, 5, 0, time.UTC).Add(time.Duration(n.Seq) * time.Second)
	}
	s.notes[n.SPID] = append(s.notes[n.SPID], &n)
	c := n
	return &c
}

// Endpoint returns a copy of endpoint id.
func (s *MemStore) Endpoint(id int64) outbound.Endpoint {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.eps[id]
}

// Replay makes endpoint id deliver again from seq on.
func (s *MemStore) Replay(id, seq int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.eps[id].Cursor = seq - 1
}

// Update changes endpoint id as an operator's update would, which clears
// its failure state.
func (s *MemStore) Update(id int64, f func(*outbound.Endpoint)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ep := s.eps[id]
	f(ep)
	ep.Failing, ep.LastError, ep.Attempts, ep.NextAttempt = false, "", 0, time.Time{}
}

func (s *MemStore) Endpoints(ctx context.Context) ([]*outbound.Endpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*outbound.Endpoint, 0, len(s.eps))
	for _, ep := range s.eps {
		c := *ep
		c.To = slices.Clone(ep.To)
		c.Kinds = slices.Clone(ep.Kinds)
		out = append(out, &c)
	}
	slices.SortFunc(out, func(a, b *outbound.Endpoint) int { return int(a.ID - b.ID) })
	return out, nil
}

func (s *MemStore) Notifications(ctx context.Context, spid npac.SPID, after int64, limit int) ([]*npac.Notification, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*npac.Notification
	for _, n := range s.notes[spid] {
		if n.Seq > after && len(out) < limit {
			c := *n
			out = append(out, &c)
		}
	}
	return out, nil
}

func (s *MemStore) Delivered(ctx context.Context, id int64, seq int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ep := s.eps[id]
	ep.Cursor = seq
	ep.Failing, ep.LastError, ep.Attempts, ep.NextAttempt = false, "", 0, time.Time{}
	return nil
}

func (s *MemStore) Failed(ctx context.Context, id int64, attempts int, next time.Time, errText string, permanent bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ep := s.eps[id]
	ep.Failing, ep.LastError, ep.Attempts, ep.NextAttempt = true, errText, attempts, next
	if permanent {
		ep.NextAttempt = time.Time{}
	}
	return nil
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
