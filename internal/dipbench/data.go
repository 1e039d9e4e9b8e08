package main

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/opennpac/npac"
	"github.com/opennpac/npac/routeindex"
)

// dataSpec says what synthetic data to generate. The same spec and seed
// always give the same data, which lets the server process rebuild what
// the load generator probes.
type dataSpec struct {
	tns    int    // ported TNs
	codes  int    // NPA-NXX codes they are spread over
	routes int    // distinct routes of the ported TNs
	seed   uint64 // PCG seed
}

// dataSet is N ported TNs over NANP-shaped NPA-NXX codes. Every code has
// a code holder, so a TN of a known code that is not ported resolves to
// Ported false and the holder's SPID. There are no pooled blocks.
type dataSet struct {
	dataSpec
	routes  []*npac.Route // the distinct routes of ported TNs
	codes   []uint32      // NPA*1000+NXX of each code
	holders []*npac.Route // each code's not-ported route: {SPID: holder}
	tns     []uint64      // ported TNs as numbers, in generation order
	tnRoute []uint16      // index into routes of each TN
	tnCode  []uint32      // index into codes of each TN
	ported  []uint64      // bitset of ported lines: 157 words per code
}

const wordsPerCode = (10000 + 63) / 64

// validCode reports whether x (an NPA or NXX) is usable: 200-999, not N11.
func validCode(x int) bool { return x >= 200 && x <= 999 && x%100 != 11 }

func (s dataSpec) check() error {
	switch {
	case s.tns < 1:
		return fmt.Errorf("-tns %d: need at least 1", s.tns)
	case s.codes < 1 || s.codes > 400_000:
		return fmt.Errorf("-codes %d: need 1 to 400,000", s.codes)
	case s.tns > s.codes*5000:
		return fmt.Errorf("-tns %d over -codes %d is more than 5,000 ported TNs per code; give more codes", s.tns, s.codes)
	case s.routes < 1 || s.routes > 65535:
		return fmt.Errorf("-routes %d: need 1 to 65,535", s.routes)
	}
	return nil
}

// generate builds the data set of s.
func generate(s dataSpec) *dataSet {
	d := &dataSet{dataSpec: s}
	rng := rand.New(rand.NewPCG(s.seed, 0))

	nSPIDs := max(10, s.routes/8)
	spids := make([]npac.SPID, nSPIDs)
	for i := range spids {
		spids[i] = npac.SPID(fmt.Sprintf("%04d", 1000+i*7%9000))
	}
	svTypes := []npac.SVType{npac.SVWireline, npac.SVWireless, npac.SVVoIP, npac.SVVoWiFi, npac.SVPrepaidWireless}
	for i := range s.routes {
		r := &npac.Route{
			Ported: true,
			SPID:   spids[rng.IntN(nSPIDs)],
			LRN:    npac.LRN(fmt.Sprintf("%d%02d%d%06d", 2+rng.IntN(8), rng.IntN(100), 2+rng.IntN(8), rng.IntN(1_000_000))),
			SVType: svTypes[rng.IntN(len(svTypes))],
		}
		if i%3 == 0 { // a third carry DPC/SSN pairs, as wireline SVs do
			dpc := fmt.Sprintf("%03d-%03d-%03d", 1+rng.IntN(255), rng.IntN(256), rng.IntN(256))
			r.CLASS, r.LIDB, r.CNAM, r.ISVM = sp(dpc, 0), sp(dpc, 0), sp(dpc, 0), sp(dpc, 0)
		}
		d.routes = append(d.routes, r)
	}

	// Codes: distinct NPA-NXXs, about 100 per NPA.
	var npas []int
	seenNPA := map[int]bool{}
	for len(npas) < max(1, min(s.codes/100, 700)) {
		if npa := 200 + rng.IntN(800); validCode(npa) && npa/10%10 != 9 && !seenNPA[npa] {
			seenNPA[npa] = true
			npas = append(npas, npa)
		}
	}
	if s.codes > len(npas)*780 {
		panic("dipbench: too many codes for the NPAs chosen")
	}
	seen := map[uint32]bool{}
	for len(d.codes) < s.codes {
		npa, nxx := npas[rng.IntN(len(npas))], 200+rng.IntN(800)
		c := uint32(npa*1000 + nxx)
		if !validCode(nxx) || seen[c] {
			continue
		}
		seen[c] = true
		d.codes = append(d.codes, c)
		d.holders = append(d.holders, &npac.Route{SPID: spids[rng.IntN(nSPIDs)]})
	}

	// Ported TNs: a uniformly random code and line each, no repeats.
	d.ported = make([]uint64, s.codes*wordsPerCode)
	d.tns = make([]uint64, 0, s.tns)
	d.tnRoute = make([]uint16, 0, s.tns)
	d.tnCode = make([]uint32, 0, s.tns)
	for len(d.tns) < s.tns {
		ci, line := rng.IntN(s.codes), rng.IntN(10000)
		if d.isPorted(ci, line) {
			continue
		}
		d.ported[ci*wordsPerCode+line/64] |= 1 << (line % 64)
		d.tns = append(d.tns, uint64(d.codes[ci])*10000+uint64(line))
		d.tnRoute = append(d.tnRoute, uint16(rng.IntN(s.routes)))
		d.tnCode = append(d.tnCode, uint32(ci))
	}
	return d
}

func sp(dpc string, ssn int) *npac.SignalingPoint {
	return &npac.SignalingPoint{DPC: dpc, SSN: &ssn}
}

func (d *dataSet) isPorted(ci, line int) bool {
	return d.ported[ci*wordsPerCode+line/64]&(1<<(line%64)) != 0
}

// appendTN appends the ten digits of the TN numbered n.
func appendTN(b []byte, n uint64) []byte {
	var tmp [10]byte
	for i := 9; i >= 0; i-- {
		tmp[i] = byte('0' + n%10)
		n /= 10
	}
	return append(b, tmp[:]...)
}

func codeString(c uint32) npac.NPANXX { return npac.NPANXX(strconv.Itoa(int(c))) }

// probes are the TNs the load generators dip, with the answer each must
// get.
type probes struct {
	tns  []npac.TN
	want []*npac.Route
}

// makeProbes draws n probes: a share hit of ported TNs, the rest TNs of
// known codes that are not ported (they resolve to the code holder).
func (d *dataSet) makeProbes(n int, hit float64) probes {
	rng := rand.New(rand.NewPCG(d.seed, 1))
	buf := make([]byte, 0, n*10)
	p := probes{want: make([]*npac.Route, n)}
	for i := range n {
		if rng.Float64() < hit {
			k := rng.IntN(len(d.tns))
			buf = appendTN(buf, d.tns[k])
			p.want[i] = d.routes[d.tnRoute[k]]
			continue
		}
		ci := rng.IntN(len(d.codes))
		line := rng.IntN(10000)
		for d.isPorted(ci, line) {
			line = rng.IntN(10000)
		}
		buf = appendTN(buf, uint64(d.codes[ci])*10000+uint64(line))
		p.want[i] = d.holders[ci]
	}
	s := string(buf)
	p.tns = make([]npac.TN, n)
	for i := range n {
		p.tns[i] = npac.TN(s[i*10 : i*10+10])
	}
	return p
}

// buildIndex loads d into a routeindex the way the LSMS does: code holders
// one by one, TN-level routes through Apply in batches.
func (d *dataSet) buildIndex() *routeindex.Index {
	ix := routeindex.New()
	for i, c := range d.codes {
		ix.SetCode(codeString(c), d.holders[i].SPID)
	}
	const batch = 1 << 18
	buf := make([]byte, 0, batch*10)
	changes := make([]routeindex.Change, 0, batch)
	for start := 0; start < len(d.tns); start += batch {
		end := min(start+batch, len(d.tns))
		buf = buf[:0]
		for _, tn := range d.tns[start:end] {
			buf = appendTN(buf, tn)
		}
		s := string(buf)
		changes = changes[:0]
		for i := start; i < end; i++ {
			o := (i - start) * 10
			changes = append(changes, routeindex.Change{TN: npac.TN(s[o : o+10]), Route: d.routes[d.tnRoute[i]]})
		}
		ix.Apply(changes)
	}
	return ix
}

// mapResolver is the plain Go map baseline: TN → route, and NPA-NXX →
// code holder route for TNs that are not ported.
type mapResolver struct {
	tns   map[string]*npac.Route
	codes map[string]*npac.Route
}

func (m *mapResolver) Resolve(tn npac.TN) (*npac.Route, bool) {
	if r, ok := m.tns[string(tn)]; ok {
		return r, true
	}
	if len(tn) < 6 {
		return nil, false
	}
	r, ok := m.codes[string(tn[:6])]
	return r, ok
}

// buildMap loads d into a mapResolver. Every key is its own string, as a
// loader reading records would make them; routes are shared pointers.
func (d *dataSet) buildMap() *mapResolver {
	m := &mapResolver{
		tns:   make(map[string]*npac.Route, len(d.tns)),
		codes: make(map[string]*npac.Route, len(d.codes)),
	}
	for i, c := range d.codes {
		m.codes[string(codeString(c))] = d.holders[i]
	}
	var buf [10]byte
	for i, tn := range d.tns {
		m.tns[string(appendTN(buf[:0], tn))] = d.routes[d.tnRoute[i]]
	}
	return m
}
