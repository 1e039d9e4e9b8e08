package lsms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/bdd"
)

// bddGen makes deterministic NANP-shaped BDD records: SV i has a TN in
// order (400 per NPA-NXX), one of 300 SPIDs, an LRN in its code, and
// (with dpc) CLASS, LIDB, CNAM and ISVM pairs.
type bddGen struct{ dpc bool }

var genCodes = func() []string {
	var out []string
	for n := 200; n <= 999; n++ {
		if n%100 != 11 {
			out = append(out, strconv.Itoa(n))
		}
	}
	return out
}()

func genMix(i uint64) uint64 {
	i ^= i >> 33
	i *= 0xff51afd7ed558ccd
	i ^= i >> 33
	i *= 0xc4ceb9fe1a85ec53
	return i ^ i>>33
}

func genCode(c int) string {
	return genCodes[c/len(genCodes)%len(genCodes)] + genCodes[c%len(genCodes)]
}

func genDPC(h uint64) string {
	return strconv.Itoa(1001 + int(h%255))[1:] + "-" + strconv.Itoa(1000 + int(h>>8%256))[1:] + "-" + strconv.Itoa(1000 + int(h>>16%256))[1:]
}

func (g bddGen) sv(i int) bdd.SVRecord {
	h := genMix(uint64(i) + 1)
	code := genCode(i / 400)
	tn := npac.TN(code + strconv.Itoa(10000 + i%400*25 + int(h%25))[1:])
	r := bdd.SVRecord{
		VersionID: int64(i + 1), TN: tn, LRN: npac.LRN(code + "000" + strconv.Itoa(int(h>>12%3))),
		NewSPID:             npac.SPID("S" + strconv.Itoa(100+int(h>>16%300))),
		ActivationTimestamp: time.Unix(1100000000+int64(h>>20%600000000), 0).UTC(),
		LNPType:             npac.LNPInterProvider,
		SVType:              []npac.SVType{npac.SVWireline, npac.SVWireless, npac.SVVoIP}[h>>40%3],
	}
	if g.dpc {
		n := genMix(h % 500)
		r.CLASS = bdd.SignalingPoint{DPC: genDPC(n)}
		r.LIDB = bdd.SignalingPoint{DPC: genDPC(n >> 24)}
		r.CNAM = bdd.SignalingPoint{DPC: genDPC(n >> 24)}
		r.ISVM = bdd.SignalingPoint{DPC: genDPC(n >> 32)}
		if r.SVType == npac.SVWireless {
			r.WSMSC = bdd.SignalingPoint{DPC: genDPC(n >> 40), SSN: 8}
		}
	}
	return r
}

// write writes n SVs, one NPA-NXX record per code and one pool block
// every 10 codes.
func (g bddGen) write(t testing.TB, w io.Writer, n int) {
	t.Helper()
	bw := bdd.NewWriter(w)
	for i := 0; i < n; i++ {
		if i%400 == 0 {
			c := i / 400
			code := genCode(c)
			at := time.Unix(1000000000, 0).UTC()
			if err := bw.WriteCode(&bdd.CodeRecord{SPID: npac.SPID("H" + strconv.Itoa(100+c%900)), ID: int64(c + 1), NPANXX: npac.NPANXX(code), CreatedAt: at, EffectiveDate: at}); err != nil {
				t.Fatal(err)
			}
			if c%10 == 0 {
				b := bdd.BlockRecord{BlockID: int64(c + 1), NPANXXX: npac.NPANXXX(code + "9"), LRN: npac.LRN(code + "0000"), NewSPID: "P123",
					ActivationTimestamp: at, SVType: npac.SVWireline, CLASS: bdd.SignalingPoint{DPC: "001-002-003"}}
				if err := bw.WriteBlock(&b); err != nil {
					t.Fatal(err)
				}
			}
		}
		r := g.sv(i)
		if err := bw.WriteSV(&r); err != nil {
			t.Fatal(err)
		}
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
}

// checkDB checks that the database is back in WAL mode and intact.
func checkDB(t *testing.T, s *Store) {
	t.Helper()
	var mode string
	if err := s.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal mode %q, %v", mode, err)
	}
	rows, err := s.db.Query(`PRAGMA integrity_check`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var ok string
		if rows.Scan(&ok); ok != "ok" {
			t.Errorf("integrity check: %s", ok)
		}
	}
	if err := rows.Err(); err != nil {
		t.Error(err)
	}
}

func openTestStore(t testing.TB) *Store {
	t.Helper()
	s, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestAppendRouteMatchesEncodingJSON(t *testing.T) {
	for i := 0; i < 2000; i++ {
		r := bddGen{dpc: i%2 == 0}.sv(i)
		if i%7 == 0 {
			r.SVType, r.NewSPID = "", ""
		}
		if i%5 == 0 {
			r.CNAM.SSN = i % 256
		}
		got := appendRoute(nil, r.NewSPID, r.LRN, r.SVType, &r.CLASS, &r.LIDB, &r.CNAM, &r.ISVM, &r.WSMSC)
		want, _ := json.Marshal(r.Route())
		if !bytes.Equal(got, want) {
			t.Fatalf("record %d:\n got %s\nwant %s", i, got, want)
		}
		var back npac.Route
		if err := json.Unmarshal(got, &back); err != nil || !reflect.DeepEqual(&back, r.Route()) {
			t.Fatalf("record %d: %v %+v", i, err, back)
		}
	}
}

func TestLoadBDD(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	// Something to replace: a full image at seq 40 with a TN the file
	// does not have.
	im, err := s.BeginImage(ctx, 40)
	if err != nil {
		t.Fatal(err)
	}
	im.Add(&npac.Message{Seq: 1, Kind: npac.MsgSV, TN: "2022220000", Route: &npac.Route{Ported: true, SPID: "OLD1", LRN: "2022220001"}})
	if err := im.Finish(); err != nil {
		t.Fatal(err)
	}

	const n = 3000
	var buf bytes.Buffer
	g := bddGen{dpc: true}
	g.write(t, &buf, n)
	// A delta's delete of SV 5 and its block, a re-add of SV 6 with new
	// data, network data the LSMS skips, and an LRN.
	bw := bdd.NewWriter(&buf)
	del := g.sv(5)
	del.DownloadReason = bdd.ReasonDelete
	mod := g.sv(6)
	mod.LRN, mod.DownloadReason = npac.LRN(string(mod.TN[:6])+"0999"), bdd.ReasonModified
	at := time.Unix(1000000000, 0).UTC()
	for _, err := range []error{
		bw.WriteSV(&del), bw.WriteSV(&mod),
		bw.WriteBlock(&bdd.BlockRecord{BlockID: 1, NPANXXX: npac.NPANXXX(genCode(0) + "9"), DownloadReason: bdd.ReasonDelete}),
		bw.WriteSPID(&bdd.SPIDRecord{SPID: "S123", Name: "Example", Type: npac.ProviderWireless}),
		bw.WriteCodeX(&bdd.CodeXRecord{SPID: "P123", ID: 1, NPANXXX: "2022229", CreatedAt: at, EffectiveDate: at}),
		bw.WriteLRN(&bdd.LRNRecord{SPID: "S123", ID: 1, LRN: "2022220001", CreatedAt: at}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	bw.Flush()

	var calls []int64
	got, err := s.LoadBDD(ctx, bytes.NewReader(buf.Bytes()), func(n int64) { calls = append(calls, n) })
	codes, blocks := (n+399)/400, (n+3999)/4000
	if want := int64(n + codes + blocks + 4); err != nil || got != want {
		t.Fatalf("loaded %d, %v; want %d", got, err, want)
	}
	if len(calls) == 0 || calls[len(calls)-1] != got {
		t.Fatalf("progress calls %v", calls)
	}
	if seq, synced, err := s.LastSeq(ctx); seq != 0 || synced || err != nil {
		t.Fatalf("LastSeq %d %v %v", seq, synced, err)
	}
	if recs, when, err := s.BDDLoaded(ctx); recs != got || time.Since(when) > time.Minute || err != nil {
		t.Fatalf("BDDLoaded %d %v %v", recs, when, err)
	}

	want := map[npac.TN]*npac.Route{}
	for i := 0; i < n; i++ {
		r := g.sv(i)
		want[r.TN] = r.Route()
	}
	delete(want, del.TN)
	want[mod.TN] = mod.Route()
	seen := 0
	if err := s.Dump(ctx, func(tn npac.TN, r *npac.Route) error {
		seen++
		if !reflect.DeepEqual(r, want[tn]) {
			return fmt.Errorf("%s: %+v, want %+v", tn, r, want[tn])
		}
		return nil
	}); err != nil || seen != len(want) {
		t.Fatalf("dump: %d routes (want %d): %v", seen, len(want), err)
	}
	nb := 0
	s.DumpBlocks(ctx, func(b npac.NPANXXX, r *npac.Route) error {
		nb++
		if r.SPID != "P123" || r.CLASS == nil || r.CLASS.DPC != "001-002-003" {
			t.Errorf("block %s: %+v", b, r)
		}
		return nil
	})
	var nc int
	s.Each(ctx, func(c Change) {
		if c.Code != "" {
			nc++
		}
	})
	var nl int
	s.db.QueryRow(`SELECT count(*) FROM lrns`).Scan(&nl)
	if nb != blocks-1 || nc != codes || nl != 1 {
		t.Fatalf("%d blocks, %d codes, %d LRNs", nb, nc, nl)
	}

	checkDB(t, s)

	// An agent answers dips from the loaded copy, not yet synced.
	a := &Agent{Store: s}
	if err := a.Load(ctx); err != nil {
		t.Fatal(err)
	}
	r7 := g.sv(7)
	if r, ok := a.Resolve(r7.TN); !ok || !reflect.DeepEqual(r, r7.Route()) || a.Ready() {
		t.Fatalf("resolve %s: %+v %v ready=%v", r7.TN, r, ok, a.Ready())
	}
	if r, ok := a.Resolve(npac.TN(genCode(1) + "0001")); !ok || r.Ported || r.SPID != "H101" {
		t.Fatalf("code holder route: %+v %v", r, ok)
	}

	// MarkImage makes it an image at a head.
	if err := s.MarkImage(ctx, 99); err != nil {
		t.Fatal(err)
	}
	if seq, synced, _ := s.LastSeq(ctx); seq != 99 || !synced {
		t.Fatalf("LastSeq %d %v", seq, synced)
	}
}

func TestLoadBDDMalformed(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	var buf bytes.Buffer
	bddGen{}.write(t, &buf, 100)
	in := strings.Replace(buf.String(), "|S", "|s", 1) // a lower-case SPID
	n, err := s.LoadBDD(ctx, strings.NewReader(in), nil)
	var e *bdd.Error
	if !errors.As(err, &e) || !strings.Contains(err.Error(), "line 3: field 4 (new current SPID)") {
		t.Fatalf("after %d: %v", n, err)
	}
	if recs, _, _ := s.BDDLoaded(ctx); recs != 0 {
		t.Fatalf("a failed load is marked loaded (%d)", recs)
	}
	if _, synced, _ := s.LastSeq(ctx); synced {
		t.Fatal("a failed load is marked synced")
	}
	checkDB(t, s)
	// The load is restartable.
	if n, err := s.LoadBDD(ctx, bytes.NewReader(buf.Bytes()), nil); err != nil || n != 100+1+1 {
		t.Fatalf("reload: %d %v", n, err)
	}
}

func TestLoadBDDCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := openTestStore(t)
	var buf bytes.Buffer
	bddGen{}.write(t, &buf, 250_000)
	_, err := s.LoadBDD(ctx, &buf, func(int64) { cancel() })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	if recs, _, _ := s.BDDLoaded(context.Background()); recs != 0 {
		t.Fatal("a canceled load is marked loaded")
	}
	checkDB(t, s)
	var n int
	s.db.QueryRow(`SELECT count(*) FROM routes`).Scan(&n)
	t.Logf("%d routes kept from the canceled load", n)
}

// BenchmarkLoadBDD loads b.N synthetic SVs (with DPC pairs; plus an
// NPA-NXX per 400 SVs and a block per 4,000) from a file in a fresh
// store and reports rows/s. Run it at a fixed size:
//
//	go test -run X -bench LoadBDD -benchtime 1000000x ./lsms/
func BenchmarkLoadBDD(b *testing.B) {
	for _, dpc := range []bool{false, true} {
		b.Run("dpc="+strconv.FormatBool(dpc), func(b *testing.B) {
			ctx := context.Background()
			path := filepath.Join(b.TempDir(), "in.bdd")
			f, err := os.Create(path)
			if err != nil {
				b.Fatal(err)
			}
			bddGen{dpc: dpc}.write(b, f, b.N)
			st, _ := f.Stat()
			f.Close()
			s := openTestStore(b)
			in, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			defer in.Close()
			b.SetBytes(st.Size() / int64(b.N))
			b.ResetTimer()
			n, err := s.LoadBDD(ctx, in, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
