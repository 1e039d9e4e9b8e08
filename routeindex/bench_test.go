package routeindex_test

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opennpac/npac"
	"github.com/opennpac/npac/routeindex"
)

// The benchmarks resolve the same probes against the index and against a
// plain Go map holding the same data, in the same run:
//
//	go test -run '^$' -bench . -benchtime 2s ./routeindex
//	NPAC_BENCH_100M=1 go test -run '^$' -bench . -benchtime 2s -timeout 60m ./routeindex
//
// The synthetic data is NANP-shaped: N ported TNs spread over NPA-NXX codes
// (10M over 20,000 codes, 100M over 100,000), each code holding a uniformly
// random 1 to 2×average TNs at random line numbers, 10% of codes with one
// to three pooled 1,000-blocks, every code with a code holder, and every
// ported TN routed to one of 4,000 distinct routes (500 SPIDs, LRNs, SV
// types, and DPC/SSN pairs on a third of them). Half the probes are ported
// TNs; the other half are random lines of known codes, which mostly resolve
// to a block or the code holder.
//
// Each benchmark reports lookups/s and the heap bytes per ported TN that
// building its structure added (runtime.MemStats.HeapAlloc after GC, before
// and after); the index's also reports its own Bytes() per TN.

// sizes are the data set sizes benchmarked.
func sizes() []shapeSpec {
	s := []shapeSpec{{name: "TNs=10M", tns: 10_000_000, codes: 20_000}}
	if os.Getenv("NPAC_BENCH_100M") == "1" {
		s = append(s, shapeSpec{name: "TNs=100M", tns: 100_000_000, codes: 100_000})
	}
	return s
}

type shapeSpec struct {
	name       string
	tns, codes int
	nProbes    int // probes, a power of two; 0 = numProbes
}

const (
	numRoutes = 4000
	numSPIDs  = 500
	numProbes = 1 << 22 // probes per benchmark data set: 4M, 40 MB
	seed      = 20261121
)

// codeSpec is one NPA-NXX of a synthetic data set.
type codeSpec struct {
	npa, nxx int
	tns      int     // ported TNs in the code
	holder   int     // SPID index
	blocks   [10]int // route index + 1 of each pooled block, 0 = none
}

// dataSet is a synthetic data set and its probes. The TN-level routes are
// not stored: eachTN regenerates them, the same every time.
type dataSet struct {
	shapeSpec
	codes  []codeSpec
	routes []*npac.Route
	spids  []npac.SPID
	probes string // TNs to look up, 10 digits each

	indexOnce  sync.Once
	index      *routeindex.Index
	indexBytes uint64 // heap added by building index
	indexBuild time.Duration

	updateOnce sync.Once
	update     *routeindex.Index // changed by the update benchmarks

	mapOnce  sync.Once
	goMap    *goMap
	mapBytes uint64
	mapBuild time.Duration
}

var (
	dataSetsMu sync.Mutex
	dataSets   = map[string]*dataSet{}
)

// getDataSet returns the data set of spec, generating it on first use.
func getDataSet(b *testing.B, spec shapeSpec) *dataSet {
	dataSetsMu.Lock()
	defer dataSetsMu.Unlock()
	if d := dataSets[spec.name]; d != nil {
		return d
	}
	start := time.Now()
	d := newDataSet(spec)
	b.Logf("%s: generated %d codes, %d routes and %d probes in %v", spec.name, len(d.codes), len(d.routes), d.nProbes, time.Since(start).Round(time.Millisecond))
	dataSets[spec.name] = d
	return d
}

func newDataSet(spec shapeSpec) *dataSet {
	d := &dataSet{shapeSpec: spec}
	if d.nProbes == 0 {
		d.nProbes = numProbes
	}
	nProbes := d.nProbes
	rng := rand.New(rand.NewPCG(seed, 0))
	for i := range numSPIDs {
		d.spids = append(d.spids, npac.SPID(fmt.Sprintf("%04d", 1000+i*7)))
	}
	svTypes := []npac.SVType{npac.SVWireline, npac.SVWireless, npac.SVVoIP, npac.SVVoWiFi, npac.SVPrepaidWireless}
	for i := range numRoutes {
		r := &npac.Route{
			Ported: true,
			SPID:   d.spids[rng.IntN(numSPIDs)],
			LRN:    npac.LRN(fmt.Sprintf("%d%02d%d%06d", 2+rng.IntN(8), rng.IntN(100), 2+rng.IntN(8), rng.IntN(1_000_000))),
			SVType: svTypes[rng.IntN(len(svTypes))],
		}
		if i%3 == 0 {
			dpc := fmt.Sprintf("%03d-%03d-%03d", 1+rng.IntN(255), rng.IntN(256), rng.IntN(256))
			r.CLASS, r.LIDB, r.CNAM, r.ISVM = sp(dpc, 0), sp(dpc, 0), sp(dpc, 0), sp(dpc, 0)
		}
		d.routes = append(d.routes, r)
	}

	// Codes: distinct NPA-NXXs over about one NPA per 400 codes.
	valid := func(x int) bool { return x >= 200 && x%100 != 11 }
	var npas []int
	for len(npas) < max(1, spec.codes/400) {
		if npa := 200 + rng.IntN(800); valid(npa) && npa/10%10 != 9 {
			npas = append(npas, npa)
		}
	}
	seen := map[int]bool{}
	for len(d.codes) < spec.codes {
		npa, nxx := npas[rng.IntN(len(npas))], 200+rng.IntN(800)
		if !valid(nxx) || seen[npa*1000+nxx] {
			continue
		}
		seen[npa*1000+nxx] = true
		c := codeSpec{npa: npa, nxx: nxx, holder: rng.IntN(numSPIDs)}
		if rng.IntN(10) == 0 {
			for range 1 + rng.IntN(3) {
				c.blocks[rng.IntN(10)] = 1 + rng.IntN(numRoutes)
			}
		}
		d.codes = append(d.codes, c)
	}
	// TNs per code: uniform in [1, 2×average-1], then nudged to sum to N.
	avg := spec.tns / spec.codes
	sum := 0
	for i := range d.codes {
		d.codes[i].tns = 1 + rng.IntN(2*avg-1)
		sum += d.codes[i].tns
	}
	for sum != spec.tns {
		c := &d.codes[rng.IntN(len(d.codes))]
		switch {
		case sum < spec.tns && c.tns < 2*avg-1:
			c.tns++
			sum++
		case sum > spec.tns && c.tns > 1:
			c.tns--
			sum--
		}
	}

	// Probes: half ported TNs sampled from the data set, half random lines
	// of random codes; then shuffled.
	probes := make([]byte, 0, nProbes*10)
	p := float64(nProbes/2) / float64(spec.tns)
	hits := 0
	d.eachTN(func(c *codeSpec, line int, _ int) {
		if hits < nProbes/2 && rng.Float64() < p {
			probes = appendTN(probes, c.npa, c.nxx, line)
			hits++
		}
	})
	for len(probes) < nProbes*10 {
		c := &d.codes[rng.IntN(len(d.codes))]
		probes = appendTN(probes, c.npa, c.nxx, rng.IntN(10000))
	}
	for i := nProbes - 1; i > 0; i-- {
		j := rng.IntN(i + 1)
		var t [10]byte
		copy(t[:], probes[i*10:])
		copy(probes[i*10:i*10+10], probes[j*10:j*10+10])
		copy(probes[j*10:], t[:])
	}
	d.probes = string(probes)
	return d
}

// eachTN calls f for every ported TN of d, code by code and by ascending
// line within a code, with the index of its route. It generates the same
// TNs and routes every time.
func (d *dataSet) eachTN(f func(c *codeSpec, line, route int)) {
	for ci := range d.codes {
		c := &d.codes[ci]
		rng := rand.New(rand.NewPCG(seed, uint64(ci)+1))
		var set [157]uint64 // lines chosen so far
		k := c.tns
		invert := k > 5000 // choose the lines left out instead
		if invert {
			k = 10000 - k
		}
		for n := 0; n < k; {
			l := rng.IntN(10000)
			if set[l/64]&(1<<(l%64)) == 0 {
				set[l/64] |= 1 << (l % 64)
				n++
			}
		}
		for w := range set {
			word := set[w]
			if invert {
				word = ^word
				if w == len(set)-1 {
					word &= 1<<(10000%64) - 1
				}
			}
			for word != 0 {
				b := bits.TrailingZeros64(word)
				word &= word - 1
				f(c, w*64+b, rng.IntN(numRoutes))
			}
		}
	}
}

func appendTN(b []byte, npa, nxx, line int) []byte {
	return append(b, byte('0'+npa/100), byte('0'+npa/10%10), byte('0'+npa%10),
		byte('0'+nxx/100), byte('0'+nxx/10%10), byte('0'+nxx%10),
		byte('0'+line/1000), byte('0'+line/100%10), byte('0'+line/10%10), byte('0'+line%10))
}

func (d *dataSet) probe(i int) npac.TN {
	i = (i & (d.nProbes - 1)) * 10
	return npac.TN(d.probes[i : i+10])
}

// heapAlloc returns the live heap after a full collection.
func heapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// buildIndex loads d into a new Index: code holders and blocks one by
// one, TN-level routes through Apply in batches of 1M, as a bulk load from
// the local store would.
func (d *dataSet) buildIndex() *routeindex.Index {
	ix := routeindex.New()
	for i := range d.codes {
		c := &d.codes[i]
		code := appendTN(nil, c.npa, c.nxx, 0)[:6]
		ix.SetCode(npac.NPANXX(code), d.spids[c.holder])
		for x, r := range c.blocks {
			if r != 0 {
				ix.SetBlock(npac.NPANXXX(append(code, byte('0'+x))), *d.routes[r-1])
			}
		}
	}
	const batch = 1 << 20
	buf := make([]byte, 0, batch*10)
	routes := make([]int32, 0, batch)
	changes := make([]routeindex.Change, 0, batch)
	flush := func() {
		s := string(buf)
		changes = changes[:0]
		for i, r := range routes {
			changes = append(changes, routeindex.Change{TN: npac.TN(s[i*10 : i*10+10]), Route: d.routes[r]})
		}
		ix.Apply(changes)
		buf, routes = buf[:0], routes[:0]
	}
	d.eachTN(func(c *codeSpec, line, route int) {
		buf = appendTN(buf, c.npa, c.nxx, line)
		routes = append(routes, int32(route))
		if len(routes) == batch {
			flush()
		}
	})
	flush()
	return ix
}

// getIndex returns the index of d, building it on first use.
func (d *dataSet) getIndex(b *testing.B) *routeindex.Index {
	d.indexOnce.Do(func() {
		before := heapAlloc()
		start := time.Now()
		ix := d.buildIndex()
		d.indexBuild = time.Since(start)
		d.indexBytes = heapAlloc() - before
		d.index = ix
		if ix.Len() != d.tns {
			b.Fatalf("index holds %d TNs, want %d", ix.Len(), d.tns)
		}
	})
	if d.index == nil {
		b.Fatal("index build failed")
	}
	b.Logf("%s: index built in %v: %d TNs, %d codes, %d values; Bytes() %.1f MB = %.2f B/TN; heap %.1f MB = %.2f B/TN",
		d.name, d.indexBuild.Round(time.Millisecond), d.index.Len(), len(d.codes), d.index.Values(),
		float64(d.index.Bytes())/1e6, float64(d.index.Bytes())/float64(d.tns),
		float64(d.indexBytes)/1e6, float64(d.indexBytes)/float64(d.tns))
	return d.index
}

// goMap is the baseline: the same data in plain Go maps, resolved in the
// same order (TN, block, code holder).
type goMap struct {
	tns    map[uint64]uint32 // TN as a number → index in values
	blocks map[uint32]uint32 // NPA-NXX-X as a number → index in values
	codes  map[uint32]uint32 // NPA-NXX as a number → index in values
	values []*npac.Route
}

func (m *goMap) resolve(tn npac.TN) (*npac.Route, bool) {
	if len(tn) != 10 {
		return nil, false
	}
	var k uint64
	for i := range 10 {
		d := tn[i] - '0'
		if d > 9 {
			return nil, false
		}
		k = k*10 + uint64(d)
	}
	if v, ok := m.tns[k]; ok {
		return m.values[v], true
	}
	if v, ok := m.blocks[uint32(k/1000)]; ok {
		return m.values[v], true
	}
	if v, ok := m.codes[uint32(k/10000)]; ok {
		return m.values[v], true
	}
	return nil, false
}

// buildGoMap loads d into maps sized up front (the map's best case).
func (d *dataSet) buildGoMap() *goMap {
	m := &goMap{
		tns:    make(map[uint64]uint32, d.tns),
		blocks: make(map[uint32]uint32),
		codes:  make(map[uint32]uint32, len(d.codes)),
		values: append([]*npac.Route(nil), d.routes...),
	}
	holders := map[int]uint32{}
	for i := range d.codes {
		c := &d.codes[i]
		code := uint32(c.npa*1000 + c.nxx)
		v, ok := holders[c.holder]
		if !ok {
			v = uint32(len(m.values))
			m.values = append(m.values, &npac.Route{SPID: d.spids[c.holder]})
			holders[c.holder] = v
		}
		m.codes[code] = v
		for x, r := range c.blocks {
			if r != 0 {
				m.blocks[code*10+uint32(x)] = uint32(r - 1)
			}
		}
	}
	d.eachTN(func(c *codeSpec, line, route int) {
		m.tns[uint64(c.npa*1000+c.nxx)*10000+uint64(line)] = uint32(route)
	})
	return m
}

// getGoMap returns the baseline of d, building it on first use and
// checking that it answers every probe as the index does.
func (d *dataSet) getGoMap(b *testing.B) *goMap {
	d.mapOnce.Do(func() {
		before := heapAlloc()
		start := time.Now()
		m := d.buildGoMap()
		d.mapBuild = time.Since(start)
		d.mapBytes = heapAlloc() - before
		d.goMap = m
	})
	if d.goMap == nil {
		b.Fatal("map build failed")
	}
	b.Logf("%s: Go map built in %v: heap %.1f MB = %.2f B/TN",
		d.name, d.mapBuild.Round(time.Millisecond), float64(d.mapBytes)/1e6, float64(d.mapBytes)/float64(d.tns))
	return d.goMap
}

// BenchmarkResolve measures single-goroutine lookups on the index.
func BenchmarkResolve(b *testing.B) {
	for _, spec := range sizes() {
		b.Run(spec.name, func(b *testing.B) {
			d := getDataSet(b, spec)
			ix := d.getIndex(b)
			ported := 0
			b.ResetTimer()
			for i := range b.N {
				if r, ok := ix.Resolve(d.probe(i)); ok && r.Ported {
					ported++
				}
			}
			reportIndex(b, d, ported)
		})
	}
}

// BenchmarkResolveParallel measures lookups on the index from GOMAXPROCS
// goroutines, as a dip server serves them.
func BenchmarkResolveParallel(b *testing.B) {
	for _, spec := range sizes() {
		b.Run(spec.name, func(b *testing.B) {
			d := getDataSet(b, spec)
			ix := d.getIndex(b)
			var next, ported atomic.Int64
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i, n := int(next.Add(1))*1_000_003, 0
				for pb.Next() {
					if r, ok := ix.Resolve(d.probe(i)); ok && r.Ported {
						n++
					}
					i++
				}
				ported.Add(int64(n))
			})
			reportIndex(b, d, int(ported.Load()))
		})
	}
}

// BenchmarkResolveGoMap is the baseline: the same probes against the same
// data in plain Go maps.
func BenchmarkResolveGoMap(b *testing.B) {
	for _, spec := range sizes() {
		b.Run(spec.name, func(b *testing.B) {
			d := getDataSet(b, spec)
			m := d.getGoMap(b)
			ported := 0
			b.ResetTimer()
			for i := range b.N {
				if r, ok := m.resolve(d.probe(i)); ok && r.Ported {
					ported++
				}
			}
			reportMap(b, d, ported)
		})
	}
}

// BenchmarkResolveGoMapParallel is the baseline of BenchmarkResolveParallel.
func BenchmarkResolveGoMapParallel(b *testing.B) {
	for _, spec := range sizes() {
		b.Run(spec.name, func(b *testing.B) {
			d := getDataSet(b, spec)
			m := d.getGoMap(b)
			var next, ported atomic.Int64
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i, n := int(next.Add(1))*1_000_003, 0
				for pb.Next() {
					if r, ok := m.resolve(d.probe(i)); ok && r.Ported {
						n++
					}
					i++
				}
				ported.Add(int64(n))
			})
			reportMap(b, d, int(ported.Load()))
		})
	}
}

func reportIndex(b *testing.B, d *dataSet, ported int) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
	b.ReportMetric(float64(d.indexBytes)/float64(d.tns), "heapB/TN")
	b.ReportMetric(float64(d.index.Bytes())/float64(d.tns), "B/TN")
	b.ReportMetric(float64(ported)/float64(b.N), "ported/op")
}

func reportMap(b *testing.B, d *dataSet, ported int) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
	b.ReportMetric(float64(d.mapBytes)/float64(d.tns), "heapB/TN")
	b.ReportMetric(float64(ported)/float64(b.N), "ported/op")
}

// TestBenchmarkDataAgrees checks, on a small data set of the benchmarks'
// shape, that the index and the Go map baseline answer every probe alike,
// so the benchmarks compare the same work.
func TestBenchmarkDataAgrees(t *testing.T) {
	d := newDataSet(shapeSpec{name: "small", tns: 200_000, codes: 400, nProbes: 1 << 16})
	ix, m := d.buildIndex(), d.buildGoMap()
	if ix.Len() != d.tns || len(m.tns) != d.tns {
		t.Fatalf("index holds %d TNs and map %d, want %d", ix.Len(), len(m.tns), d.tns)
	}
	ported := 0
	for i := range d.nProbes {
		tn := d.probe(i)
		got, ok := ix.Resolve(tn)
		want, wok := m.resolve(tn)
		if ok != wok || ok && !routesEqual(*got, *want) {
			t.Fatalf("probe %s: index %v, %v; map %v, %v", tn, got, ok, want, wok)
		}
		if ok && got.Ported {
			ported++
		}
	}
	// Half the probes are ported TNs; a few random lines are ported or
	// pooled too.
	if frac := float64(ported) / float64(d.nProbes); frac < 0.5 || frac > 0.6 {
		t.Errorf("%.2f of probes resolve to a ported route, want 0.5 to 0.6", frac)
	}
}

// updateIndex returns a private index of d for the update benchmarks, so
// that they never change what the lookup benchmarks resolve.
func (d *dataSet) updateIndex(b *testing.B) *routeindex.Index {
	d.updateOnce.Do(func() { d.update = d.buildIndex() })
	return d.update
}

// BenchmarkSet measures single-TN updates, as the broadcast stream applies
// them one by one: each Set copies one code's entries. Half the TNs are
// already ported (a route change), half are not (a new port).
func BenchmarkSet(b *testing.B) {
	for _, spec := range sizes() {
		b.Run(spec.name, func(b *testing.B) {
			d := getDataSet(b, spec)
			ix := d.updateIndex(b)
			b.ResetTimer()
			for i := range b.N {
				ix.Set(d.probe(i*7919), *d.routes[i%numRoutes])
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
		})
	}
}

// BenchmarkApply measures batched updates: each op applies a batch of
// random TN changes (a sixth of them deletes) in one Apply call.
func BenchmarkApply(b *testing.B) {
	for _, spec := range sizes() {
		for _, batch := range []int{1_000, 100_000} {
			b.Run(fmt.Sprintf("%s/batch=%d", spec.name, batch), func(b *testing.B) {
				d := getDataSet(b, spec)
				ix := d.updateIndex(b)
				changes := make([]routeindex.Change, batch)
				b.ResetTimer()
				for i := range b.N {
					for j := range changes {
						k := (i*batch + j) * 7919
						changes[j] = routeindex.Change{TN: d.probe(k), Route: d.routes[k%numRoutes]}
						if k%6 == 0 {
							changes[j].Route = nil
						}
					}
					ix.Apply(changes)
				}
				b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "updates/s")
			})
		}
	}
}
