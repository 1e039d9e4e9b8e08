package storetest

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/bdd"
	"github.com/opennpac/npac/numbering"
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

// BenchmarkImportCNAC imports CNAC's whole CO code file (44,000 codes,
// 2024-10-10) into a fresh store: every code recorded, about 27,800
// NPA-NXXs and their providers created and broadcast. Parsing is timed
// too, as npac import does it.
func BenchmarkImportCNAC(b *testing.B, be Backend) {
	path := filepath.Join(SharedData, "cnac-co-codes", "COCodeStatus_ALL_2024-10-10.csv")
	raw, err := os.ReadFile(path)
	if err != nil {
		b.Fatalf("the shared CNAC data is needed beside the repository: %v", err)
	}
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		b.StopTimer()
		w := NewWorld(b, be.Open)
		b.StartTimer()
		f, err := numbering.ReadCNAC(bytes.NewReader(raw))
		if err != nil {
			b.Fatal(err)
		}
		rep, err := w.S.ImportCodes(w.Admin, f, numbering.ImportOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Added != 44000 {
			b.Fatalf("imported %d codes, want 44,000", rep.Added)
		}
	}
}

// BenchmarkTCPA checks 10 million numbers, every number of 1,000 NPA-NXXs
// (212-200 up, then 646), of which 2,000 were ported (a third of them to wireless
// service), as a tcpa user sending a file of numbers would. Reported:
// numbers checked per second.
func BenchmarkTCPA(b *testing.B, be Backend) {
	w := NewWorld(b, be.Open)
	const codes = 1000
	var list []string
	for _, npa := range []string{"212", "646"} {
		for nxx := 200; nxx <= 999 && len(list) < codes; nxx++ {
			c := fmt.Sprintf("%s%03d", npa, nxx)
			if nxx%100 == 11 {
				continue // N11 service codes
			}
			list = append(list, c)
			if npac.NPANXX(c) == CodeA || npac.NPANXX(c) == CodeA2 {
				continue
			}
			rec := npac.CodeRecord{NPANXX: npac.NPANXX(c), SPID: SPA, Region: npac.Northeast, Portable: true, EffectiveDate: Start.Add(-24 * time.Hour)}
			if err := w.S.CreateCode(w.Admin, &rec); err != nil {
				b.Fatal(err)
			}
		}
	}
	w.Clock.Set(DueDay.Add(14 * time.Hour))
	for i := 0; i < 2000; i++ {
		tn := npac.TN(fmt.Sprintf("%s%04d", list[i%codes], i))
		in := NewCreate(tn, SPA, SPB, LRNB)
		if i%3 == 0 {
			in.SVType = npac.SVWireless
		}
		sv := w.MustCreate(b, w.B, in)
		w.MustCreate(b, w.A, OldCreate(tn, SPA, SPB))
		w.MustAct(b, w.B, sv.ID, npac.Action{Kind: npac.ActActivate})
	}
	var input bytes.Buffer
	for _, c := range list {
		for line := 0; line < 10000; line++ {
			fmt.Fprintf(&input, "%s%04d\n", c, line)
		}
	}
	tok, err := w.S.CreateUser(w.Admin, &npac.User{Name: "tcpa", Grants: []npac.Grant{{Role: npac.RoleTCPA, Regions: []npac.Region{npac.Northeast}}}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := w.login(b, tok.Secret)
	since := Start.Add(-24 * time.Hour)
	b.ResetTimer()
	for b.Loop() {
		ported := 0
		n, err := w.S.TCPA(ctx, since, bytes.NewReader(input.Bytes()), func(r *npac.TCPAResult) error {
			if r.Ported {
				ported++
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if n != codes*10000 || ported != 667 {
			b.Fatalf("checked %d numbers, %d ported between wireless and wireline; want 10,000,000 and 667", n, ported)
		}
	}
	b.ReportMetric(float64(codes*10000)*float64(b.N)/b.Elapsed().Seconds(), "numbers/s")
}

// BenchmarkExportBDD writes the SV file of 20,000 active SVs (ported
// through the service, with DPC pairs on half of them) and reports
// records per second.
func BenchmarkExportBDD(b *testing.B, be Backend) {
	w := BenchWorld(b, be)
	const n = 20000
	ssn := 0
	for i := 0; i < n; i++ {
		tn, old, nw, lrn := BenchPort(i)
		in := NewCreate(tn, old, nw, lrn)
		if i%2 == 0 {
			in.CLASS = &npac.SignalingPoint{DPC: "001-002-003", SSN: &ssn}
			in.CNAM = &npac.SignalingPoint{DPC: "004-005-006", SSN: &ssn}
		}
		sv := w.MustCreate(b, w.B, in)
		w.MustCreate(b, w.A, OldCreate(tn, old, nw))
		w.MustAct(b, w.B, sv.ID, npac.Action{Kind: npac.ActActivate})
	}
	b.ResetTimer()
	for b.Loop() {
		got, err := w.S.ExportBDD(w.Admin, bdd.KindSV, "", bdd.NewWriter(io.Discard), func(string) {})
		if err != nil || got != n {
			b.Fatalf("exported %d SVs (%v), want %d", got, err, n)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
