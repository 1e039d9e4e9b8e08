package storetest

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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

// BenchmarkExportBDDBulk writes the SV file of a million active SVs
// (NPAC_BENCH_EXPORT_SVS sets another number) and reports records per
// second. Porting that many through the service would take hours, so the
// table is built in two steps:
//   - 1,000 SVs are ported through the service, as in production: 44 LRNs
//     of the new SP, half with four DPC/SSN pairs (20 signaling transfer
//     points), a tenth with a WSMSC pair, three SV types, some billing IDs
//     and alternative SPIDs, a few end-user locations and voice URIs. That
//     is about 1,000 distinct routes.
//   - The rest are copies of their rows made with one INSERT … SELECT: every
//     column is copied as is, except the TN, which is new (numbers of
//     NPA-NXXs that are not registered; an export does not look at codes),
//     and the TN inside the JSON document, which is replaced. The copies
//     are inserted in an order unrelated to their TNs, as SVs accumulate
//     over years.
//
// The copy step names no column but tn and data, so the same benchmark
// runs on any schema version. The database is then analyzed (on
// PostgreSQL, vacuumed and analyzed, as autovacuum would do after such a
// load).
func BenchmarkExportBDDBulk(b *testing.B, be Backend) {
	total := 1_000_000
	if v := os.Getenv("NPAC_BENCH_EXPORT_SVS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < bulkTemplates {
			b.Fatalf("NPAC_BENCH_EXPORT_SVS=%q: give a number of SVs, at least %d", v, bulkTemplates)
		}
		total = n
	}
	w := BenchWorld(b, be)
	ids := bulkTemplatePorts(b, w)
	copySVs(b, w, ids, total-len(ids))
	b.ResetTimer()
	for b.Loop() {
		got, err := w.S.ExportBDD(w.Admin, bdd.KindSV, "", bdd.NewWriter(io.Discard), func(string) {})
		if err != nil || got != int64(total) {
			b.Fatalf("exported %d SVs (%v), want %d", got, err, total)
		}
	}
	b.ReportMetric(float64(total)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// bulkTemplates is how many SVs BenchmarkExportBDDBulk ports through the
// service.
const bulkTemplates = 1000

// bulkTemplatePorts ports the bulk benchmark's template SVs from SPA to
// SPB and returns their IDs.
func bulkTemplatePorts(b *testing.B, w *World) []int64 {
	lrns := []npac.LRN{LRNB}
	for i := 2; i < benchCodes; i++ {
		l := npac.LRNRecord{LRN: npac.LRN(fmt.Sprintf("2125%02d9999", 55+i)), SPID: SPB, Region: npac.Northeast}
		if err := w.S.CreateLRN(w.Admin, &l); err != nil {
			b.Fatal(err)
		}
		lrns = append(lrns, l.LRN)
	}
	pair := func(stp, ssn int) *npac.SignalingPoint {
		return &npac.SignalingPoint{DPC: fmt.Sprintf("%03d-%03d-%03d", 10+stp, 20+stp, 30+stp), SSN: &ssn}
	}
	ids := make([]int64, bulkTemplates)
	for i := range ids {
		tn, old, nw, _ := BenchPort(i)
		in := NewCreate(tn, old, nw, lrns[i%len(lrns)])
		if i%2 == 0 {
			stp := i / 2 % 20
			in.CLASS, in.LIDB, in.CNAM, in.ISVM = pair(stp, 11), pair(stp, 12), pair(stp, 13), pair(stp, 14)
		}
		if i%10 == 0 {
			in.WSMSC = pair(i/10%20, 15)
		}
		in.SVType = []npac.SVType{npac.SVWireline, npac.SVWireless, npac.SVVoIP}[i%3]
		if i%5 == 0 {
			in.BillingID = fmt.Sprintf("B%03d", i%7)
		}
		if i%8 == 0 {
			in.AlternativeSPID = SPC
		}
		if i%16 == 0 {
			in.EndUserLocationValue, in.EndUserLocationType = fmt.Sprintf("%012d", i), "01"
		}
		if i%20 == 0 {
			in.VoiceURI = "sip:+1" + string(tn) + "@bravo.example"
		}
		sv := w.MustCreate(b, w.B, in)
		w.MustCreate(b, w.A, OldCreate(tn, old, nw))
		w.MustAct(b, w.B, sv.ID, npac.Action{Kind: npac.ActActivate})
		ids[i] = sv.ID
	}
	return ids
}

// copySVs adds n copies of the rows of the SVs ids to svs, each with a TN
// of its own, and analyzes the database (see BenchmarkExportBDDBulk).
func copySVs(t testing.TB, w *World, ids []int64, n int) {
	db, dollar := w.S.DB(), w.S.Dialect().Dollar
	mark := func(i int) string {
		if dollar {
			return "$" + strconv.Itoa(i)
		}
		return "?"
	}
	if _, err := db.Exec(`CREATE TABLE bench_copies (seq BIGINT PRIMARY KEY, tn TEXT NOT NULL, sv_id BIGINT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	// The i-th copy gets the TN at position (i·step) mod n of the
	// numbers counted up through the NPA-NXXs 220-220, 220-221, …; step
	// is a prime that does not divide n, so each position comes once.
	step := 7919
	for n%step == 0 {
		step = 7927
	}
	const batch = 1000
	for lo := 0; lo < n; lo += batch {
		var (
			sql  strings.Builder
			args []any
		)
		sql.WriteString(`INSERT INTO bench_copies (seq, tn, sv_id) VALUES `)
		for i := lo; i < min(lo+batch, n); i++ {
			if i > lo {
				sql.WriteString(", ")
			}
			k := len(args)
			fmt.Fprintf(&sql, "(%s, %s, %s)", mark(k+1), mark(k+2), mark(k+3))
			args = append(args, i, bulkTN(int(int64(i)*int64(step)%int64(n))), ids[i%len(ids)])
		}
		if _, err := db.Exec(sql.String(), args...); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := db.Query(`SELECT * FROM svs WHERE 1 = 0`)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := rows.Columns()
	rows.Close()
	if err != nil {
		t.Fatal(err)
	}
	var into, from []string
	for _, c := range cols {
		switch c {
		case "id":
			continue
		case "tn":
			from = append(from, "c.tn")
		case "data":
			from = append(from, `replace(t.data, '"tn":"' || t.tn || '"', '"tn":"' || c.tn || '"')`)
		default:
			from = append(from, "t."+c)
		}
		into = append(into, c)
	}
	// A statement that reads the table it inserts into holds what it
	// read until it is done, in memory: copy 100,000 rows at a time.
	copies := `INSERT INTO svs (` + strings.Join(into, ", ") + `) SELECT ` + strings.Join(from, ", ") +
		` FROM bench_copies c JOIN svs t ON t.id = c.sv_id WHERE c.seq >= ` + mark(1) + ` AND c.seq < ` + mark(2) + ` ORDER BY c.seq`
	for lo := 0; lo < n; lo += 100_000 {
		if _, err := db.Exec(copies, lo, lo+100_000); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`DROP TABLE bench_copies`); err != nil {
		t.Fatal(err)
	}
	// Statistics, as an operator's ANALYZE (or PostgreSQL's autovacuum)
	// would gather them: the export's plan must not depend on their
	// absence. VACUUM also marks PostgreSQL's pages all-visible, which
	// index-only scans need.
	analyze := `ANALYZE`
	if w.S.Dialect().Name == "postgres" {
		analyze = `VACUUM ANALYZE svs`
	}
	if _, err := db.Exec(analyze); err != nil {
		t.Fatal(err)
	}
}

// bulkTN returns the i-th number of NPA-NXXs whose NPA and NXX both have
// 2-9 first and 20-99 last: 220-220-0000 up, never an N11 and never in
// 212, the benchmark world's own NPA.
func bulkTN(i int) npac.TN {
	code, line := i/10000, i%10000
	part := func(k int) int { return (2+k/80)*100 + 20 + k%80 }
	return npac.TN(fmt.Sprintf("%03d%03d%04d", part(code/640), part(code%640), line))
}
