package lsms

import (
	"io"
	"strconv"
	"testing"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/bdd"
	"github.com/opennpac/npac/internal/synth"
)

// bddGen makes deterministic NANP-shaped BDD records. SV i has a TN in
// order, 400 per NPA-NXX, ported to one of 300 providers. As in a real
// network, where the TNs ported to a switch share its LRN and its
// provider's signalling, the route follows from the provider and the
// area (1,000 consecutive NPA-NXXs): each provider has one LRN per area,
// one SV type, and (with dpc) one set of CLASS, LIDB, CNAM and ISVM
// pairs, plus a WSMSC pair when wireless. That makes 300 distinct routes
// per area: 900 for 1M SVs, 7,500 for 10M, 75,000 for 100M.
//
// With perSV, the SPID, the LRN (one of three in the TN's code), the SV
// type and the DPCs are drawn for each SV on its own, so nearly every SV
// has a route of its own. No network looks like that, but it is the
// worst case for a store that keeps each distinct route once.
type bddGen struct{ dpc, perSV bool }

func genCode(c int) string {
	return synth.Codes[c/len(synth.Codes)%len(synth.Codes)] + synth.Codes[c%len(synth.Codes)]
}

func genDPC(h uint64) string {
	return strconv.Itoa(1001 + int(h%255))[1:] + "-" + strconv.Itoa(1000 + int(h>>8%256))[1:] + "-" + strconv.Itoa(1000 + int(h>>16%256))[1:]
}

var genSVTypes = []npac.SVType{npac.SVWireline, npac.SVWireless, npac.SVVoIP}

func (g bddGen) sv(i int) bdd.SVRecord {
	h := synth.Mix(uint64(i) + 1)
	code := genCode(i / 400)
	r := bdd.SVRecord{
		VersionID:           int64(i + 1),
		TN:                  npac.TN(code + strconv.Itoa(10000 + i%400*25 + int(h%25))[1:]),
		ActivationTimestamp: time.Unix(1100000000+int64(h>>20%600000000), 0).UTC(),
		LNPType:             npac.LNPInterProvider,
	}
	// n seeds the DPCs.
	var n uint64
	if g.perSV {
		r.LRN = npac.LRN(code + "000" + strconv.Itoa(int(h>>12%3)))
		r.NewSPID = npac.SPID("S" + strconv.Itoa(100+int(h>>16%300)))
		r.SVType = genSVTypes[h>>40%3]
		n = synth.Mix(h % 500)
	} else {
		p := int(h >> 16 % 300)
		r.LRN = npac.LRN(genCode(i/400/1000*1000+p) + "0000")
		r.NewSPID = npac.SPID("S" + strconv.Itoa(100+p))
		r.SVType = genSVTypes[p%3]
		n = synth.Mix(uint64(p) + 1)
	}
	if g.dpc {
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
