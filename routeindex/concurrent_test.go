package routeindex_test

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/opennpac/npac"
	"github.com/opennpac/npac/routeindex"
)

// TestConcurrentReadersSeeOldOrNew runs readers while a writer rewrites
// every TN of two codes generation after generation. Generation g routes
// every TN to LRN 9999NNNNNN with NNNNNN = g, except that odd generations
// delete every third TN (which then resolves to its block or its code
// holder). A reader must always get one of those routes, and, for each TN,
// never an older generation than one it has already seen.
func TestConcurrentReadersSeeOldOrNew(t *testing.T) {
	const gens = 301 // odd: the last generation deletes every third TN
	codes := []string{"212555", "646200"}
	var tns []npac.TN
	for _, c := range codes {
		for line := 0; line < 10000; line += 7 {
			tns = append(tns, npac.TN(fmt.Sprintf("%s%04d", c, line)))
		}
	}
	ix := routeindex.New()
	for _, c := range codes {
		ix.SetCode(npac.NPANXX(c), "HOLD")
		ix.SetBlock(npac.NPANXXX(c+"3"), ported("POOL", "2125553000"))
	}
	genRoute := func(g int) npac.Route { return ported("GENS", npac.LRN(fmt.Sprintf("9999%06d", g))) }
	apply := func(g int) {
		changes := make([]routeindex.Change, len(tns))
		r := genRoute(g)
		for i, tn := range tns {
			changes[i] = routeindex.Change{TN: tn, Route: &r}
			if g%2 == 1 && i%3 == 0 {
				changes[i].Route = nil
			}
		}
		ix.Apply(changes)
	}
	apply(0)

	var done atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			seen := make([]int, len(tns))
			for n := 0; !done.Load() || n < 1000; n++ {
				i := (n*7919 + w*104729) % len(tns)
				tn := tns[i]
				r, ok := ix.Resolve(tn)
				if !ok {
					errs <- fmt.Errorf("Resolve(%s): ok=false", tn)
					return
				}
				switch {
				case r.SPID == "GENS" && r.Ported && len(r.LRN) == 10 && r.LRN[:4] == "9999":
					g, err := strconv.Atoi(string(r.LRN[4:]))
					if err != nil || g < seen[i] || g > gens {
						errs <- fmt.Errorf("Resolve(%s) = generation %s after %d", tn, r.LRN[4:], seen[i])
						return
					}
					seen[i] = g
				case i%3 == 0 && tn[6] == '3' && *r == ported("POOL", "2125553000"):
				case i%3 == 0 && tn[6] != '3' && *r == holder("HOLD"):
				default:
					errs <- fmt.Errorf("Resolve(%s) = %+v, which no generation set", tn, *r)
					return
				}
			}
		}()
	}
	for g := 1; g <= gens; g++ {
		apply(g)
		// Single-TN updates interleave with the batches.
		ix.Set(tns[g], genRoute(g))
	}
	done.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	check(t, ix, tns[1], ptr(genRoute(gens)))
	check(t, ix, tns[3], ptr(holder("HOLD")))                 // 212-555-0021
	check(t, ix, tns[429], ptr(ported("POOL", "2125553000"))) // 212-555-3003
	check(t, ix, tns[300], ptr(holder("HOLD")))               // Set in generation 300, deleted in 301
	check(t, ix, tns[len(tns)-1], ptr(genRoute(gens)))
}
