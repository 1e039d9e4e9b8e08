package lsms

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// The benchmarks of the store, at fixed sizes (see docs/performance.md):
//
//	go test -run '^$' -bench 'LoadBDD|IndexBuild' -benchtime 1000000x ./lsms
//
// Each sub-benchmark is a shape of bddGen data:
//   - dpc=false: shared routes without DPC pairs;
//   - dpc=true: shared routes with 4 or 5 DPC pairs;
//   - dpc=true,routes=per-sv: nearly every SV with a route of its own,
//     the worst case.
var benchShapes = []struct {
	name string
	gen  bddGen
}{
	{"dpc=false", bddGen{}},
	{"dpc=true", bddGen{dpc: true}},
	{"dpc=true,routes=per-sv", bddGen{dpc: true, perSV: true}},
}

// benchFile writes b.N SVs of g (plus an NPA-NXX per 400 and a block per
// 4,000) to a file and returns a fresh store and the file, opened.
func benchFile(b *testing.B, g bddGen) (*Store, *os.File) {
	path := filepath.Join(b.TempDir(), "in.bdd")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	g.write(b, f, b.N)
	if _, err := f.Seek(0, 0); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	return openTestStore(b), f
}

// BenchmarkLoadBDD loads b.N SVs from a file into a fresh store and
// reports rows/s.
func BenchmarkLoadBDD(b *testing.B) {
	for _, sh := range benchShapes {
		b.Run(sh.name, func(b *testing.B) {
			s, f := benchFile(b, sh.gen)
			st, err := f.Stat()
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(st.Size() / int64(b.N))
			b.ResetTimer()
			n, err := s.LoadBDD(context.Background(), f, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkIndexBuild loads b.N SVs (not timed), then times building an
// agent's index from the store, as at startup; ns/op is per TN.
func BenchmarkIndexBuild(b *testing.B) {
	for _, sh := range benchShapes[1:] {
		b.Run(sh.name, func(b *testing.B) {
			ctx := context.Background()
			s, f := benchFile(b, sh.gen)
			if _, err := s.LoadBDD(ctx, f, nil); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			a := &Agent{Store: s}
			if err := a.Load(ctx); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			last := sh.gen.sv(b.N - 1)
			if r, ok := a.Resolve(last.TN); !ok || r.LRN != last.LRN {
				b.Fatalf("%s resolves to %+v, %v; want LRN %s", last.TN, r, ok, last.LRN)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
