package storetest

import (
	"fmt"
	"testing"
	"time"

	npac "github.com/opennpac/npac"
)

// BenchmarkPortCycle measures full port cycles through the service layer:
// the new SP's create, the old SP's concurring create, and the activation,
// each its own transaction with audit records, timers and notifications.
// It reports cycles/s.
func BenchmarkPortCycle(b *testing.B, be Backend) {
	w := NewWorld(b, be.Open)
	w.Clock.Set(DueDay.Add(14 * time.Hour))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Spread the numbers over 212-555 and 212-556 so no TN repeats
		// within 20,000 cycles; beyond that, numbers port onward, which
		// costs one more update per cycle.
		tn := npac.TN(fmt.Sprintf("21255%d%04d", 5+(i/10000)%2, i%10000))
		old, newSP, lrn := SPA, SPB, LRNB
		if (i/20000)%2 == 1 {
			old, newSP, lrn = SPB, SPA, LRNA
		}
		in := NewCreate(tn, old, newSP, lrn)
		in.DueDate = DueDay
		ctxNew, ctxOld := w.B, w.A
		if newSP == SPA {
			ctxNew, ctxOld = w.A, w.B
		}
		sv, err := w.S.CreateSV(ctxNew, in)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := w.S.CreateSV(ctxOld, npac.SVCreate{TN: tn, OldSPID: old, NewSPID: newSP, DueDate: DueDay}); err != nil {
			b.Fatal(err)
		}
		if _, err := w.S.Act(ctxNew, sv.ID, npac.Action{Kind: npac.ActActivate}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cycles/s")
}
