package routeindex_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/opennpac/npac"
	"github.com/opennpac/npac/routeindex"
)

// model is the obvious implementation the index must agree with.
type model struct {
	tns    map[npac.TN]npac.Route
	blocks map[npac.NPANXXX]npac.Route
	codes  map[npac.NPANXX]npac.SPID
}

func (m *model) resolve(tn npac.TN) (npac.Route, bool) {
	if r, ok := m.tns[tn]; ok {
		return r, true
	}
	if r, ok := m.blocks[tn.NPANXXX()]; ok {
		return r, true
	}
	if h, ok := m.codes[tn.NPANXX()]; ok {
		return holder(h), true
	}
	return npac.Route{}, false
}

// TestAgainstMap applies 200,000 random operations to an index and to a
// plain map model and compares them as it goes. One code takes TNs over
// its whole line range so that it grows to thousands of entries and its
// layout changes; the others stay small.
func TestAgainstMap(t *testing.T) {
	ops := 200_000
	if testing.Short() || raceEnabled {
		ops = 40_000 // the race detector makes each copy ~10× slower
	}
	rng := rand.New(rand.NewPCG(1, 2))
	codes := []string{"212555", "212556", "646200", "999999", "200200"}
	routes := make([]npac.Route, 40)
	for i := range routes {
		routes[i] = ported(npac.SPID(fmt.Sprintf("S%03d", i%13)), npac.LRN(fmt.Sprintf("212555%04d", i)))
		if i%4 == 0 {
			routes[i].CLASS = sp(fmt.Sprintf("%03d-000-001", 1+i%5), i%2)
		}
	}
	randTN := func() npac.TN {
		c := rng.IntN(len(codes))
		if c == 0 {
			return npac.TN(fmt.Sprintf("%s%04d", codes[0], rng.IntN(10000)))
		}
		return npac.TN(fmt.Sprintf("%s%04d", codes[c], rng.IntN(40)*rng.IntN(250)))
	}
	randRoute := func() npac.Route {
		r := routes[rng.IntN(len(routes))]
		if r.CLASS != nil { // a fresh copy each time: interning compares contents
			r.CLASS = sp(r.CLASS.DPC, *r.CLASS.SSN)
		}
		return r
	}

	ix := routeindex.New()
	m := &model{tns: map[npac.TN]npac.Route{}, blocks: map[npac.NPANXXX]npac.Route{}, codes: map[npac.NPANXX]npac.SPID{}}
	compare := func(tn npac.TN, op int) {
		t.Helper()
		want, wok := m.resolve(tn)
		got, ok := ix.Resolve(tn)
		if ok != wok || ok && !routesEqual(*got, want) {
			t.Fatalf("after %d operations: Resolve(%s) = %v, %v; want %v, %v", op, tn, got, ok, want, wok)
		}
	}
	for op := range ops {
		switch k := rng.IntN(100); {
		case k < 55:
			tn, r := randTN(), randRoute()
			ix.Set(tn, r)
			m.tns[tn] = r
			compare(tn, op)
		case k < 75:
			tn := randTN()
			ix.Delete(tn)
			delete(m.tns, tn)
			compare(tn, op)
		case k < 80:
			changes := make([]routeindex.Change, rng.IntN(300))
			for i := range changes {
				changes[i].TN = randTN()
				if rng.IntN(4) != 0 {
					r := randRoute()
					changes[i].Route = &r
				}
			}
			ix.Apply(changes)
			for _, ch := range changes {
				if ch.Route == nil {
					delete(m.tns, ch.TN)
				} else {
					m.tns[ch.TN] = *ch.Route
				}
			}
			for _, ch := range changes {
				compare(ch.TN, op)
			}
		case k < 88:
			b := randTN().NPANXXX()
			if rng.IntN(2) == 0 {
				r := randRoute()
				ix.SetBlock(b, r)
				m.blocks[b] = r
			} else {
				ix.DeleteBlock(b)
				delete(m.blocks, b)
			}
		case k < 96:
			c := randTN().NPANXX()
			if rng.IntN(3) != 0 {
				h := npac.SPID(fmt.Sprintf("H%03d", rng.IntN(5)))
				ix.SetCode(c, h)
				m.codes[c] = h
			} else {
				ix.DeleteCode(c)
				delete(m.codes, c)
			}
		default:
			for range 50 {
				compare(randTN(), op)
			}
		}
		if ix.Len() != len(m.tns) {
			t.Fatalf("after %d operations: Len() = %d, want %d", op, ix.Len(), len(m.tns))
		}
	}
	// Finally every TN of every code, and a neighbouring unknown code.
	for _, c := range append(codes, "212557") {
		for line := range 10000 {
			compare(npac.TN(fmt.Sprintf("%s%04d", c, line)), ops)
		}
	}
	// 40 routes (each used many times) and 5 code-holder routes.
	if got, want := ix.Values(), len(routes)+5; got != want {
		t.Errorf("Values() = %d, want %d", got, want)
	}
	t.Logf("%d TNs, %d values, %d bytes", ix.Len(), ix.Values(), ix.Bytes())
}

func routesEqual(a, b npac.Route) bool {
	spEq := func(x, y *npac.SignalingPoint) bool {
		if x == nil || y == nil {
			return x == y
		}
		if x.DPC != y.DPC || (x.SSN == nil) != (y.SSN == nil) {
			return false
		}
		return x.SSN == nil || *x.SSN == *y.SSN
	}
	return a.Ported == b.Ported && a.SPID == b.SPID && a.LRN == b.LRN && a.SVType == b.SVType &&
		spEq(a.CLASS, b.CLASS) && spEq(a.LIDB, b.LIDB) && spEq(a.CNAM, b.CNAM) && spEq(a.ISVM, b.ISVM) && spEq(a.WSMSC, b.WSMSC)
}
