package storetest

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	npac "github.com/opennpac/npac"
)

// benchCodes is how many NPA-NXXs (212-555 up) the benchmarks port in:
// 450,000 numbers, so no number ports twice in any run of realistic length.
const benchCodes = 45

// BenchWorld seeds a world with the benchmark's codes and sets the clock
// on the due date.
func BenchWorld(b *testing.B, be Backend) *World {
	w := NewWorld(b, be.Open)
	for i := 2; i < benchCodes; i++ {
		c := npac.CodeRecord{NPANXX: npac.NPANXX(fmt.Sprintf("2125%02d", 55+i)), SPID: SPA, Region: npac.Northeast, Portable: true,
			EffectiveDate: Start.Add(-24 * time.Hour)}
		if err := w.S.CreateCode(w.Admin, &c); err != nil {
			b.Fatal(err)
		}
	}
	w.Clock.Set(DueDay.Add(14 * time.Hour))
	return w
}

// BenchPort names the i-th port of a benchmark: the TN and who ports it
// where. Numbers past the benchmark's range port back the other way, so
// any b.N works.
func BenchPort(i int) (tn npac.TN, old, new npac.SPID, lrn npac.LRN) {
	n := i % (benchCodes * 10000)
	tn = npac.TN(fmt.Sprintf("2125%02d%04d", 55+n/10000, n%10000))
	if (i/(benchCodes*10000))%2 == 1 {
		return tn, SPB, SPA, LRNA
	}
	return tn, SPA, SPB, LRNB
}

// cycle runs the i-th port cycle: the new SP's create, the old SP's
// concurring create and the activation, each its own service call with
// its audit records, timers and notifications.
func (w *World) cycle(b *testing.B, i int) {
	tn, old, newSP, lrn := BenchPort(i)
	ctxNew, ctxOld := w.B, w.A
	if newSP == SPA {
		ctxNew, ctxOld = w.A, w.B
	}
	sv, err := w.S.CreateSV(ctxNew, NewCreate(tn, old, newSP, lrn))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := w.S.CreateSV(ctxOld, OldCreate(tn, old, newSP)); err != nil {
		b.Fatal(err)
	}
	if _, err := w.S.Act(ctxNew, sv.ID, npac.Action{Kind: npac.ActActivate}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPortCycle measures full port cycles through the service layer,
// one after another from a single client, and reports cycles/s.
func BenchmarkPortCycle(b *testing.B, be Backend) {
	w := BenchWorld(b, be)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.cycle(b, i)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cycles/s")
}

// BenchmarkPortCycleParallel measures port cycles from many clients at
// once (16 per CPU), as a server sees them, and reports cycles/s.
func BenchmarkPortCycleParallel(b *testing.B, be Backend) {
	w := BenchWorld(b, be)
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w.cycle(b, int(next.Add(1)-1))
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cycles/s")
}

// BenchmarkRangeCreate measures range creates of 1,000 TNs (the new SP's
// side), reporting TNs/s.
func BenchmarkRangeCreate(b *testing.B, be Backend) {
	w := BenchWorld(b, be)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tns := make([]npac.TN, 1000)
		for j := range tns {
			tns[j], _, _, _ = BenchPort(i*1000 + j)
		}
		res, err := w.S.CreateRange(w.B, NewCreate("", SPA, SPB, LRNB), tns)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res {
			if r.Error != nil {
				b.Fatalf("%s: %v", r.TN, r.Error)
			}
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "TNs/s")
}
