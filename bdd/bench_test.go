package bdd_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/opennpac/npac/bdd"
)

// The benchmarks report records/s; the target is 1M/s or more each way
// (100M SVs in under 3 minutes).

const benchPool = 1 << 16

func svShapes() []struct {
	name string
	dpc  bool
} {
	return []struct {
		name string
		dpc  bool
	}{{"noDPC", false}, {"DPC", true}}
}

func BenchmarkWriteSV(b *testing.B) {
	for _, s := range svShapes() {
		b.Run(s.name, func(b *testing.B) {
			recs := synthSVs(benchPool, s.dpc, false)
			var sized bytes.Buffer
			w := bdd.NewWriter(&sized)
			for i := range recs {
				w.WriteSV(&recs[i])
			}
			w.Flush()
			b.SetBytes(int64(sized.Len() / len(recs)))
			w = bdd.NewWriter(io.Discard)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := w.WriteSV(&recs[i&(benchPool-1)]); err != nil {
					b.Fatal(err)
				}
			}
			w.Flush()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

func BenchmarkReadSV(b *testing.B) {
	for _, s := range svShapes() {
		b.Run(s.name, func(b *testing.B) {
			benchReadSVs(b, synthSVs(benchPool, s.dpc, false), bdd.KindSV)
		})
	}
}

// BenchmarkReadSVAny reads SVs with every optional field set through a
// reader that tells kinds apart.
func BenchmarkReadSVAny(b *testing.B) {
	benchReadSVs(b, synthSVs(benchPool, true, true), bdd.Any)
}

// benchReadSVs writes recs to a file once, then reads SVs from it with a
// reader for kind k, starting over at its end.
func benchReadSVs(b *testing.B, recs []bdd.SVRecord, k bdd.Kind) {
	var buf bytes.Buffer
	w := bdd.NewWriter(&buf)
	for i := range recs {
		w.WriteSV(&recs[i])
	}
	w.Flush()
	data := buf.Bytes()
	b.SetBytes(int64(len(data) / len(recs)))
	src := bytes.NewReader(data)
	rd := bdd.NewReader(src, k)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec, err := rd.Next()
		if err == io.EOF {
			src.Reset(data)
			rd.Reset(src)
			rec, err = rd.Next()
		}
		if err != nil || rec.SV.TN == "" {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
