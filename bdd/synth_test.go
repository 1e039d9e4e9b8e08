package bdd_test

import (
	"strconv"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/bdd"
	"github.com/opennpac/npac/internal/synth"
)

// Synthetic NANP-shaped data, deterministic: record i is always the same,
// and records come in TN order (400 ported TNs per NPA-NXX, NPA-NXXs in
// order, NPAs and NXXs valid NANP codes).

const perCode = 400

// synthTN returns the i-th TN.
func synthTN(i int) npac.TN {
	c, k := i/perCode, i%perCode
	npa, nxx := synth.Codes[c/len(synth.Codes)%len(synth.Codes)], synth.Codes[c%len(synth.Codes)]
	line := k*25 + int(synth.Mix(uint64(i))%25)
	return npac.TN(npa + nxx + strconv.Itoa(10000 + line)[1:])
}

var spids = func() []npac.SPID {
	out := make([]npac.SPID, 300)
	for i := range out {
		out[i] = npac.SPID(string(rune('A'+i%26)) + strconv.Itoa(100+i%900))
	}
	return out
}()

func synthDPC(h uint64) string {
	return strconv.Itoa(1000 + 1 + int(h%255))[1:] + "-" + strconv.Itoa(1000 + int(h>>8%256))[1:] + "-" + strconv.Itoa(1000 + int(h>>16%256))[1:]
}

var epoch = time.Date(2005, 1, 1, 0, 0, 0, 0, time.UTC).Unix()

// synthSV returns the i-th synthetic SV. With dpc, it carries CLASS,
// LIDB, CNAM and ISVM pairs (and WSMSC for wireless). full sets every
// optional field and a random download reason, to exercise the format.
func synthSV(i int, dpc, full bool) bdd.SVRecord {
	h := synth.Mix(uint64(i) + 1)
	tn := synthTN(i)
	sp := spids[h%uint64(len(spids))]
	r := bdd.SVRecord{
		VersionID:           int64(1000000 + i),
		TN:                  tn,
		LRN:                 npac.LRN(tn[:6]) + npac.LRN(strconv.Itoa(10000 + int(h>>12%3))[1:]),
		NewSPID:             sp,
		ActivationTimestamp: time.Unix(epoch+int64(h>>20%(20*365*86400)), 0).UTC(),
		LNPType:             npac.LNPInterProvider,
		SVType:              []npac.SVType{npac.SVWireline, npac.SVWireless, npac.SVVoIP}[h>>40%3],
	}
	if dpc {
		g := synth.Mix(h % 500) // a few hundred networks
		r.CLASS = bdd.SignalingPoint{DPC: synthDPC(g), SSN: 0}
		r.LIDB = bdd.SignalingPoint{DPC: synthDPC(g >> 24), SSN: 0}
		r.CNAM = bdd.SignalingPoint{DPC: synthDPC(g >> 24), SSN: 0}
		r.ISVM = bdd.SignalingPoint{DPC: synthDPC(g >> 32), SSN: 0}
		if r.SVType == npac.SVWireless {
			r.WSMSC = bdd.SignalingPoint{DPC: synthDPC(g >> 40), SSN: 8}
		}
	}
	if full {
		r.DownloadReason = bdd.Reason(h >> 50 % 4)
		r.LNPType = []npac.LNPType{npac.LNPInterProvider, npac.LNPIntraProvider, bdd.LNPPool, ""}[h>>52%4]
		r.SVType = []npac.SVType{npac.SVWireline, npac.SVWireless, npac.SVVoIP, npac.SVVoWiFi, npac.SVPrepaidWireless, ""}[h>>54%6]
		if h&1 == 0 {
			r.EULValue, r.EULType, r.BillingID = strconv.Itoa(int(h%1e12)), strconv.Itoa(int(h>>7%100)), "B"+strconv.Itoa(int(h>>9%1000))
			r.AlternativeSPID = spids[h>>3%uint64(len(spids))]
			r.VoiceURI = "sip:+1" + string(tn) + "@voice.example.net"
			r.MMSURI = "mms:+1" + string(tn) + "@mms.example.net"
			r.SMSURI = "sip:+1" + string(tn) + "@sms.example.net;user=phone"
		}
		if h&2 == 0 {
			r.LRN = npac.PseudoLRN
		}
		if h&4 == 0 {
			r.ActivationTimestamp = time.Time{}
		}
		if r.DownloadReason == bdd.ReasonDelete && h&8 == 0 {
			r.LRN, r.NewSPID = "", ""
		}
	}
	return r
}

// synthSVs returns records 0 to n-1.
func synthSVs(n int, dpc, full bool) []bdd.SVRecord {
	out := make([]bdd.SVRecord, n)
	for i := range out {
		out[i] = synthSV(i, dpc, full)
	}
	return out
}

// synthBlock returns the i-th synthetic pool block.
func synthBlock(i int, full bool) bdd.BlockRecord {
	h := synth.Mix(uint64(i) + 7)
	tn := synthTN(i * perCode / 10) // blocks spread over the codes
	b := bdd.BlockRecord{
		BlockID:             int64(500 + i),
		NPANXXX:             npac.NPANXXX(tn[:6]) + npac.NPANXXX(strconv.Itoa(i%10)),
		LRN:                 npac.LRN(tn[:6]) + "0000",
		NewSPID:             spids[h%uint64(len(spids))],
		ActivationTimestamp: time.Unix(epoch+int64(h>>20%(20*365*86400)), 0).UTC(),
		CLASS:               bdd.SignalingPoint{DPC: synthDPC(h), SSN: 0},
		SVType:              npac.SVWireline,
	}
	if full {
		b.DownloadReason = bdd.Reason(h >> 50 % 4)
		b.WSMSC = bdd.SignalingPoint{DPC: synthDPC(h >> 8), SSN: 255}
		b.AlternativeSPID = spids[h>>3%uint64(len(spids))]
		b.SVType = []npac.SVType{npac.SVWireline, npac.SVWireless, ""}[h>>54%3]
	}
	return b
}
