package bdd_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/bdd"
)

// readAll reads every record of kind k from data, failing on any error.
func readAll(t *testing.T, r io.Reader, k bdd.Kind) []bdd.Record {
	t.Helper()
	rd := bdd.NewReader(r, k)
	var out []bdd.Record
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		c := *rec
		copyRecord(&c)
		out = append(out, c)
	}
}

func TestRoundTripSV(t *testing.T) {
	for _, end := range []bdd.LineEnd{bdd.CRLF, bdd.CR, bdd.LF} {
		for _, dpc := range []bool{false, true} {
			t.Run(fmt.Sprintf("end%d/dpc=%v", end, dpc), func(t *testing.T) {
				want := synthSVs(5000, dpc, true)
				var buf bytes.Buffer
				w := bdd.NewWriter(&buf)
				w.LineEnd = end
				for i := range want {
					if err := w.WriteSV(&want[i]); err != nil {
						t.Fatalf("write %d: %v", i, err)
					}
				}
				if err := w.Flush(); err != nil {
					t.Fatal(err)
				}
				if w.Count() != int64(len(want)) {
					t.Fatalf("count %d, want %d", w.Count(), len(want))
				}
				term := map[bdd.LineEnd]string{bdd.CRLF: "\r\n", bdd.CR: "\r", bdd.LF: "\n"}[end]
				if got := strings.Count(buf.String(), term); got != len(want) {
					t.Fatalf("%d line ends %q, want %d", got, term, len(want))
				}
				// Through a reader that returns one byte at a time too, so
				// that CRLF straddles every read boundary.
				for _, src := range []io.Reader{bytes.NewReader(buf.Bytes()), iotest.OneByteReader(bytes.NewReader(buf.Bytes()))} {
					got := readAll(t, src, bdd.KindSV)
					if len(got) != len(want) {
						t.Fatalf("read %d records, want %d", len(got), len(want))
					}
					for i := range want {
						if got[i].Line != int64(i+1) || got[i].Kind != bdd.KindSV {
							t.Fatalf("record %d: line %d kind %v", i, got[i].Line, got[i].Kind)
						}
						if !reflect.DeepEqual(*got[i].SV, want[i]) {
							t.Fatalf("record %d:\n got %+v\nwant %+v", i, *got[i].SV, want[i])
						}
					}
				}
			})
		}
	}
}

func TestSVLine(t *testing.T) {
	r := bdd.SVRecord{
		VersionID: 42, TN: "6135550100", LRN: "6135559999", NewSPID: "X123",
		ActivationTimestamp: time.Date(2024, 3, 9, 17, 5, 1, 999, time.FixedZone("EST", -5*3600)),
		CLASS:               bdd.SignalingPoint{DPC: "001-002-003", SSN: 0},
		CNAM:                bdd.SignalingPoint{DPC: "255255255", SSN: 12},
		EULValue:            "123", EULType: "7", BillingID: "AB1",
		LNPType: npac.LNPIntraProvider, DownloadReason: bdd.ReasonModified, SVType: npac.SVVoIP,
		AlternativeSPID: "Y999", SMSURI: "sip:sms@example.net",
	}
	var buf bytes.Buffer
	w := bdd.NewWriter(&buf)
	if err := w.WriteSV(&r); err != nil {
		t.Fatal(err)
	}
	w.Classic = true
	if err := w.WriteSV(&r); err != nil {
		t.Fatal(err)
	}
	w.Full, w.LineEnd = true, bdd.CR
	if err := w.WriteSV(&r); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	want := "42|6135550100|6135559999|X123|20240309220501|001002003|000|||||255255255|012|123|7|AB1|1|2|||2|Y999|||sip:sms@example.net\r\n" +
		"42|6135550100|6135559999|X123|20240309220501|001002003|000|||||255255255|012|123|7|AB1|1|2||\r\n" +
		"42|6135550100|6135559999|X123|20240309220501|001002003|000|||||255255255|012|123|7|AB1|1|0||\r"
	if buf.String() != want {
		t.Fatalf("got\n%q\nwant\n%q", buf.String(), want)
	}
	recs := readAll(t, &buf, bdd.KindSV)
	if got := recs[0].SV; got.CNAM.DPC != "255-255-255" || got.CNAM.SSN != 12 || !got.ActivationTimestamp.Equal(r.ActivationTimestamp.Truncate(time.Second)) {
		t.Fatalf("read back %+v", got)
	}
	if recs[1].SV.SMSURI != "" || recs[1].SV.SVType != "" || recs[2].SV.DownloadReason != bdd.ReasonNew {
		t.Fatalf("classic/full read back %+v %+v", recs[1].SV, recs[2].SV)
	}
}

// networkRecords returns one record of each network kind and an NPB.
func mixedRecords() []bdd.Record {
	ts := time.Date(2020, 2, 29, 23, 59, 59, 0, time.UTC)
	return []bdd.Record{
		{Kind: bdd.KindSPID, SPID: &bdd.SPIDRecord{SPID: "X123", Name: "Example Telecom, Inc. (east)", Type: npac.ProviderWireless}},
		{Kind: bdd.KindSPID, SPID: &bdd.SPIDRecord{SPID: "0001", Name: "Bureau", Type: npac.ProviderServiceBureau}},
		{Kind: bdd.KindLRN, LRN: &bdd.LRNRecord{SPID: "X123", ID: 7, LRN: "6135559999", CreatedAt: ts}},
		{Kind: bdd.KindNPANXX, Code: &bdd.CodeRecord{SPID: "X123", ID: 8, NPANXX: "613555", CreatedAt: ts, EffectiveDate: ts.Add(24 * time.Hour)}},
		{Kind: bdd.KindNPANXXX, CodeX: &bdd.CodeXRecord{SPID: "X123", ID: 9, NPANXXX: "6135551", CreatedAt: ts, EffectiveDate: ts}},
		{Kind: bdd.KindNPANXXX, CodeX: &bdd.CodeXRecord{SPID: "X123", ID: 10, NPANXXX: "6135552", CreatedAt: ts, EffectiveDate: ts, ModifiedAt: ts.Add(time.Second)}},
		{Kind: bdd.KindNPB, Block: func() *bdd.BlockRecord { b := synthBlock(3, true); return &b }()},
		{Kind: bdd.KindSV, SV: func() *bdd.SVRecord { s := synthSV(3, true, true); return &s }()},
		{Kind: bdd.KindNPB, Block: func() *bdd.BlockRecord { b := synthBlock(4, false); return &b }()},
	}
}

func writeRecord(w *bdd.Writer, r *bdd.Record) error {
	switch r.Kind {
	case bdd.KindSV:
		return w.WriteSV(r.SV)
	case bdd.KindNPB:
		return w.WriteBlock(r.Block)
	case bdd.KindLRN:
		return w.WriteLRN(r.LRN)
	case bdd.KindNPANXX:
		return w.WriteCode(r.Code)
	case bdd.KindNPANXXX:
		return w.WriteCodeX(r.CodeX)
	case bdd.KindSPID:
		return w.WriteSPID(r.SPID)
	}
	return errors.New("no kind")
}

func TestRoundTripMixed(t *testing.T) {
	want := mixedRecords()
	var buf bytes.Buffer
	w := bdd.NewWriter(&buf)
	w.LineEnd = bdd.LF
	for i := range want {
		if err := writeRecord(w, &want[i]); err != nil {
			t.Fatal(err)
		}
		want[i].Line = int64(i + 1)
	}
	w.Flush()
	t.Logf("\n%s", buf.String())
	got := readAll(t, bytes.NewReader(buf.Bytes()), bdd.Any)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got\n%+v\nwant\n%+v", got, want)
	}
	// Each kind alone, through its own reader.
	for i := range want {
		var one bytes.Buffer
		w := bdd.NewWriter(&one)
		writeRecord(w, &want[i])
		w.Flush()
		got := readAll(t, &one, want[i].Kind)
		want[i].Line = 1
		if len(got) != 1 || !reflect.DeepEqual(got[0], want[i]) {
			t.Fatalf("%v: got %+v, want %+v", want[i].Kind, got, want[i])
		}
	}
}

func TestRoundTripBlocks(t *testing.T) {
	for _, classic := range []bool{false, true} {
		var buf bytes.Buffer
		w := bdd.NewWriter(&buf)
		w.Classic = classic
		var want []bdd.BlockRecord
		for i := range 2000 {
			b := synthBlock(i, true)
			if err := w.WriteBlock(&b); err != nil {
				t.Fatal(err)
			}
			if classic {
				b.SVType, b.AlternativeSPID = "", ""
			}
			want = append(want, b)
		}
		w.Flush()
		got := readAll(t, &buf, bdd.Subscriptions)
		for i := range want {
			if got[i].Kind != bdd.KindNPB || !reflect.DeepEqual(*got[i].Block, want[i]) {
				t.Fatalf("classic=%v block %d: got %+v, want %+v", classic, i, got[i].Block, want[i])
			}
		}
	}
}

func TestLineEnds(t *testing.T) {
	line := "1|6135550100|6135559999|X123|20240309220501" + strings.Repeat("|", 13) + "0" // 18 fields
	in := line + "\r" + line + "\n" + line + "\r\n" + "\r\n" + "\n" + line + "\r\r" + line
	recs := readAll(t, iotest.HalfReader(strings.NewReader(in)), bdd.KindSV)
	var lines []int64
	for _, r := range recs {
		lines = append(lines, r.Line)
	}
	if want := []int64{1, 2, 3, 6, 8}; !reflect.DeepEqual(lines, want) {
		t.Fatalf("lines %v, want %v", lines, want)
	}
}

func TestMalformed(t *testing.T) {
	good := "1|6135550100|6135559999|X123|20240309220501|001002003|000" + strings.Repeat("|", 10) + "0|0" + strings.Repeat("|", 7)
	if n := strings.Count(good, "|") + 1; n != 25 {
		t.Fatalf("good line has %d fields", n)
	}
	set := func(i int, v string) string {
		f := strings.Split(good, "|")
		f[i-1] = v
		return strings.Join(f, "|")
	}
	cases := []struct {
		kind bdd.Kind
		line string
		want string
	}{
		{bdd.KindSV, set(3, "12"), `field 3 (LRN) "12" is not 10 digits`},
		{bdd.KindSV, set(1, ""), `field 1 (version ID) is empty`},
		{bdd.KindSV, set(1, "-1"), `field 1 (version ID) "-1" is not a decimal number of at most 18 digits`},
		{bdd.KindSV, set(2, "1135550100"), `field 2 (TN) "1135550100" has an area code (NPA) starting with 0 or 1`},
		{bdd.KindSV, set(2, "6131550100"), `field 2 (TN) "6131550100" has an exchange code (NXX) starting with 0 or 1`},
		{bdd.KindSV, set(2, "4115550100"), `field 2 (TN) "4115550100" has an N11 area code (NPA)`},
		{bdd.KindSV, set(3, ""), `field 3 (LRN) is empty`},
		{bdd.KindSV, set(4, "x123"), `field 4 (new current SPID) "x123" is not 4 upper-case letters or digits`},
		{bdd.KindSV, set(5, "20240230000000"), `field 5 (activation timestamp) "20240230000000" is not a real date and time between 1900 and 9999`},
		{bdd.KindSV, set(5, "2024-03-09"), `field 5 (activation timestamp) "2024-03-09" is not a GMT timestamp yyyymmddhhmmss`},
		{bdd.KindSV, set(6, "001-002-003"), `field 6 (CLASS DPC) "001-002-003" is not 9 digits (three octets such as 001002003)`},
		{bdd.KindSV, set(6, "000002003"), `field 6 (CLASS DPC) "000002003" has first octet 000 (it is 001-255)`},
		{bdd.KindSV, set(6, "001256003"), `field 6 (CLASS DPC) "001256003" has an octet over 255`},
		{bdd.KindSV, set(7, "256"), `field 7 (CLASS SSN) "256" is not an SSN (0-255)`},
		{bdd.KindSV, set(7, ""), `field 7 (CLASS SSN) is empty while its DPC is set: a DPC and its SSN come in a pair`},
		{bdd.KindSV, set(9, "5"), `field 8 (LIDB DPC) is empty while its SSN is set: a DPC and its SSN come in a pair`},
		{bdd.KindSV, set(14, "1234567890123"), `field 14 (EUL value) "1234567890123" is not up to 12 digits`},
		{bdd.KindSV, set(15, "A"), `field 15 (EUL type) "A" is not up to 2 digits`},
		{bdd.KindSV, set(16, "AB-1"), `field 16 (billing ID) "AB-1" is not up to 4 letters or digits`},
		{bdd.KindSV, set(17, "3"), `field 17 (LNP type) "3" is not an LNP type (0 lspp, 1 lisp, 2 pool)`},
		{bdd.KindSV, set(18, "4"), `field 18 (download reason) "4" is not a download reason (0 new, 1 delete, 2 modified, 3 audit-discrepancy)`},
		{bdd.KindSV, set(18, ""), `field 18 (download reason) is empty`},
		{bdd.KindSV, set(19, "001002003"), `field 20 (WSMSC SSN) is empty while its DPC is set: a DPC and its SSN come in a pair`},
		{bdd.KindSV, set(21, "9"), `field 21 (SV type) "9" is not an SV type (0 wireline, 1 wireless, 2 voip, 3 vowifi, 4 prepaid-wireless)`},
		{bdd.KindSV, set(22, "ABCDE"), `field 22 (alternative SPID) "ABCDE" is not 4 upper-case letters or digits`},
		{bdd.KindSV, set(23, "no scheme"), `field 23 (voice URI) "no scheme" is not a URI (at most 255 printable ASCII bytes, no spaces, starting with a scheme such as sip:)`},
		{bdd.KindSV, set(3, "0000000000"), ""}, // the pseudo-LRN is fine in an SV
		{bdd.KindSV, strings.Repeat("1|", 18), `has 19 fields; an SV record has 18, or 20 to 25`},
		{bdd.KindSV, good + "|x", `has 26 fields; an SV record has 18, or 20 to 25`},
		{bdd.KindSV, good + strings.Repeat("|", 40), `has more than 32 fields; an SV record has 18, or 20 to 25`},
		{bdd.KindNPB, "5|613555|6135550000|X123|" + strings.Repeat("|", 10) + "0|0|", `field 2 (NPA-NXX-X) "613555" is not 7 digits`},
		{bdd.KindNPB, "5|6135551|6135550000|X123|" + strings.Repeat("|", 10), `has 15 fields; an NPB record has 16 to 18`},
		{bdd.KindLRN, "X123|1|0000000000|20200101000000", `field 3 (LRN) "0000000000" is the pseudo-LRN, which is not an LRN of its own`},
		{bdd.KindLRN, "X123|1|6135550000|", `field 4 (creation timestamp) is empty`},
		{bdd.KindLRN, "X123|1|6135550000", `has 3 fields; an LRN record has 4`},
		{bdd.KindNPANXX, "X123|x|613555|20200101000000|20200101000000", `field 2 (ID) "x" is not a decimal number of at most 18 digits`},
		{bdd.KindNPANXXX, "X123|1|6135551|20200101000000|20200101000000|2020", `field 6 (modified timestamp) "2020" is not a GMT timestamp yyyymmddhhmmss`},
		{bdd.KindSPID, "X123||0", `field 2 (name) is empty`},
		{bdd.KindSPID, "X123|Name|7", `field 3 (type) "7" is not a provider type (0 wireline, 1 wireless, 2 service-bureau, 3 voip)`},
		{bdd.Subscriptions, "5|6135551|6135550000|X123|" + strings.Repeat("|", 11) + "9", `field 16 (download reason) "9" is not a download reason (0 new, 1 delete, 2 modified, 3 audit-discrepancy) (read as an NPB record)`},
		{bdd.Any, set(3, "12"), `field 3 (LRN) "12" is not 10 digits (read as an SV record)`},
		{bdd.Any, "a|b|c|d|e|f|g", `has 7 fields: not a BDD record (SPID 3 fields, LRN 4, NPA-NXX 5, NPA-NXX-X 6, NPB 16-18, SV 18 or 20-25)`},
		{bdd.Any, "x123|1|6135550000|20200101000000", `field 1 (SPID) "x123" is not 4 upper-case letters or digits (read as an LRN record)`},
	}
	for _, c := range cases {
		// The bad line is line 12: ten good lines and a blank one first.
		in := strings.Repeat(good+"\r", 10) + "\r" + c.line + "\r" + good + "\r"
		if c.kind != bdd.KindSV && c.kind != bdd.Any && c.kind != bdd.Subscriptions {
			in = strings.Repeat("\r", 11) + c.line + "\r"
		}
		rd := bdd.NewReader(strings.NewReader(in), c.kind)
		var err error
		for err == nil {
			var rec *bdd.Record
			rec, err = rd.Next()
			if err == nil && rec.Line == 12 {
				break
			}
		}
		if c.want == "" {
			if err != nil {
				t.Errorf("%q: %v", c.line, err)
			}
			continue
		}
		var e *bdd.Error
		if !errors.As(err, &e) || e.Line != 12 {
			t.Errorf("%q: error %v, want one on line 12", c.line, err)
			continue
		}
		if want := "line 12: " + c.want; err.Error() != want {
			t.Errorf("got  %s\nwant %s", err, want)
		}
		// The reader goes on after a bad line.
		if c.kind == bdd.KindSV {
			if rec, err := rd.Next(); err != nil || rec.Line != 13 {
				t.Errorf("%q: after the error: %v, %v", c.line, rec, err)
			}
		}
	}
}

func TestIgnoreExtra(t *testing.T) {
	line := "1|6135550100|6135559999|X123|20240309220501|||||||||||||0|||0|||||x|y|z"
	if _, err := bdd.NewReader(strings.NewReader(line), bdd.KindSV).Next(); err == nil {
		t.Fatal("extra fields accepted")
	}
	rd := bdd.NewReader(strings.NewReader(line), bdd.KindSV)
	rd.IgnoreExtra = true
	rec, err := rd.Next()
	if err != nil || rec.SV.SVType != npac.SVWireline {
		t.Fatalf("%+v %v", rec, err)
	}
}

func TestLongLine(t *testing.T) {
	in := "1|2\r" + strings.Repeat("x", bdd.MaxLine+1) + "\r"
	rd := bdd.NewReader(strings.NewReader(in), bdd.KindSPID)
	rd.Next()
	_, err := rd.Next()
	if err == nil || err.Error() != "line 2: is longer than 65536 bytes: not a BDD file" {
		t.Fatalf("err %v", err)
	}
	if _, err2 := rd.Next(); err2 != err {
		t.Fatalf("error does not stick: %v", err2)
	}
}

func TestReadError(t *testing.T) {
	boom := errors.New("boom")
	rd := bdd.NewReader(io.MultiReader(strings.NewReader("X123|N|0\rX124|N|1"), iotest.ErrReader(boom)), bdd.KindSPID)
	var n int
	for {
		_, err := rd.Next()
		if err != nil {
			if err != boom || n != 2 {
				t.Fatalf("after %d records: %v", n, err)
			}
			break
		}
		n++
	}
}

func TestWriterRefuses(t *testing.T) {
	good := synthSV(1, true, false)
	cases := []struct {
		mod  func(r *bdd.SVRecord)
		want string
	}{
		{func(r *bdd.SVRecord) { r.LRN = "12" }, `field 3 (LRN) "12" is not 10 digits`},
		{func(r *bdd.SVRecord) { r.VersionID = -4 }, `field 1 (version ID) "-4" is negative`},
		{func(r *bdd.SVRecord) { r.TN = "" }, `field 2 (TN) is empty`},
		{func(r *bdd.SVRecord) { r.NewSPID = "" }, `field 4 (new current SPID) is empty`},
		{func(r *bdd.SVRecord) { r.CLASS.DPC = "1-2-3" }, `field 6 (CLASS DPC) "1-2-3" is not 9 digits (three octets such as 001002003)`},
		{func(r *bdd.SVRecord) { r.CNAM.SSN = 300 }, `field 13 (CNAM SSN) "300" is not an SSN (0-255)`},
		{func(r *bdd.SVRecord) { r.WSMSC = bdd.SignalingPoint{SSN: 3} }, `field 19 (WSMSC DPC) is empty while its SSN is set: a DPC and its SSN come in a pair`},
		{func(r *bdd.SVRecord) { r.BillingID = "a|b" }, `field 16 (billing ID) "a|b" is not up to 4 letters or digits`},
		{func(r *bdd.SVRecord) { r.VoiceURI = "sip:a\rb" }, `field 23 (voice URI) "sip:a\rb" is not a URI (at most 255 printable ASCII bytes, no spaces, starting with a scheme such as sip:)`},
		{func(r *bdd.SVRecord) { r.SVType = "landline" }, `field 21 (SV type) "landline" is not an SV type (0 wireline, 1 wireless, 2 voip, 3 vowifi, 4 prepaid-wireless)`},
		{func(r *bdd.SVRecord) { r.LNPType = "x" }, `field 17 (LNP type) "x" is not an LNP type (0 lspp, 1 lisp, 2 pool)`},
		{func(r *bdd.SVRecord) { r.DownloadReason = 9 }, `field 18 (download reason) "9" is not a download reason (0 new, 1 delete, 2 modified, 3 audit-discrepancy)`},
		{func(r *bdd.SVRecord) { r.ActivationTimestamp = time.Date(1899, 1, 1, 0, 0, 0, 0, time.UTC) },
			`field 5 (activation timestamp) "1899-01-01T00:00:00Z" is not a real date and time between 1900 and 9999`},
	}
	var buf bytes.Buffer
	w := bdd.NewWriter(&buf)
	w.LineEnd = bdd.LF
	for _, c := range cases {
		r := good
		c.mod(&r)
		err := w.WriteSV(&r)
		if err == nil || err.Error() != "bdd: SV record: "+c.want {
			t.Errorf("got  %v\nwant bdd: SV record: %s", err, c.want)
		}
		if err := w.WriteSV(&good); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	if n := strings.Count(buf.String(), "\n"); n != len(cases) || len(readAll(t, &buf, bdd.KindSV)) != len(cases) {
		t.Fatalf("%d lines; a refused record left something behind", n)
	}
	// Network records.
	for _, c := range []struct {
		err  error
		want string
	}{
		{w.WriteLRN(&bdd.LRNRecord{SPID: "X123", LRN: "6135550000"}), `bdd: LRN record: field 4 (creation timestamp) is empty`},
		{w.WriteCode(&bdd.CodeRecord{SPID: "X123", NPANXX: "613", CreatedAt: time.Now()}), `bdd: NPA-NXX record: field 3 (NPA-NXX) "613" is not 6 digits`},
		{w.WriteCodeX(&bdd.CodeXRecord{SPID: "X1", NPANXXX: "6135551"}), `bdd: NPA-NXX-X record: field 1 (SPID) "X1" is not 4 upper-case letters or digits`},
		{w.WriteSPID(&bdd.SPIDRecord{SPID: "X123", Name: "A\nB", Type: npac.ProviderVoIP}), `bdd: SPID record: field 2 (name) "A\nB" is not a name (1 to 200 bytes, no control characters)`},
		{w.WriteSPID(&bdd.SPIDRecord{SPID: "X123", Name: "A"}), `bdd: SPID record: field 3 (type) is empty`},
		{w.WriteBlock(&bdd.BlockRecord{BlockID: 1, NPANXXX: "6135551", LRN: "6135550000"}), `bdd: NPB record: field 4 (new current SPID) is empty`},
	} {
		if c.err == nil || c.err.Error() != c.want {
			t.Errorf("got  %v\nwant %s", c.err, c.want)
		}
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	f.n++
	return 0, errors.New("disk full")
}

func TestWriterErrorSticks(t *testing.T) {
	fw := &failWriter{}
	w := bdd.NewWriter(fw)
	r := synthSV(0, true, true)
	var err error
	for i := 0; i < 10000 && err == nil; i++ {
		err = w.WriteSV(&r)
	}
	if err == nil || err.Error() != "disk full" {
		t.Fatalf("err %v", err)
	}
	if err := w.WriteSV(&r); err == nil || w.Flush() == nil || fw.n != 1 {
		t.Fatalf("error did not stick (%d writes)", fw.n)
	}
}

func TestConvert(t *testing.T) {
	act := time.Date(2023, 1, 2, 3, 4, 5, 0, time.UTC)
	ssn := 0
	sv := &npac.SV{ID: 77, TN: "6135550100", NewSPID: "X123", LNPType: npac.LNPInterProvider, ActivationTimestamp: &act,
		RoutingData: npac.RoutingData{LRN: "6135559999", CLASS: &npac.SignalingPoint{DPC: "001-002-003", SSN: &ssn},
			SVType: npac.SVWireless, AlternativeSPID: "Y111", BillingID: "B1", SMSURI: "sip:x@y"}}
	r := bdd.FromSV(sv, bdd.ReasonNew)
	want := &npac.Route{Ported: true, SPID: "X123", LRN: "6135559999", SVType: npac.SVWireless, CLASS: sv.CLASS}
	if got := r.Route(); !reflect.DeepEqual(got, want) {
		t.Fatalf("route %+v, want %+v", got, want)
	}
	var buf bytes.Buffer
	w := bdd.NewWriter(&buf)
	if err := w.WriteSV(&r); err != nil {
		t.Fatal(err)
	}
	b := &npac.Block{ID: 5, NPANXXX: "6135551", SPID: "X123", ActivationTimestamp: &act,
		BlockRouting: npac.BlockRouting{LRN: "6135559999", CNAM: &npac.SignalingPoint{DPC: "001-002-003", SSN: &ssn}, SVType: npac.SVWireline},
		CreatedAt:    act, EffectiveDate: act, UpdatedAt: act.Add(time.Hour)}
	br := bdd.FromBlock(b, bdd.ReasonModified)
	if got := br.Route(); !reflect.DeepEqual(got, b.Route()) {
		t.Fatalf("block route %+v, want %+v", got, b.Route())
	}
	if err := w.WriteBlock(&br); err != nil {
		t.Fatal(err)
	}
	cx := bdd.FromCodeX(b)
	if !cx.ModifiedAt.Equal(b.UpdatedAt) {
		t.Fatalf("codex %+v", cx)
	}
	for _, err := range []error{
		w.WriteCodeX(&cx),
		w.WriteLRN(ptr(bdd.FromLRN(&npac.LRNRecord{LRN: "6135559999", SPID: "X123", CreatedAt: act}, 3))),
		w.WriteCode(ptr(bdd.FromCode(&npac.CodeRecord{NPANXX: "613555", SPID: "X123", CreatedAt: act, EffectiveDate: act}, 4))),
		w.WriteSPID(ptr(bdd.FromProvider(&npac.Provider{SPID: "X123", Name: "X", Type: npac.ProviderWireline}))),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	recs := readAll(t, &buf, bdd.Any)
	if len(recs) != 6 || !reflect.DeepEqual(*recs[0].SV, r) || !reflect.DeepEqual(*recs[1].Block, br) {
		t.Fatalf("read back %+v", recs)
	}
}

func ptr[T any](v T) *T { return &v }

func TestNoAllocs(t *testing.T) {
	recs := synthSVs(1000, true, true)
	var buf bytes.Buffer
	w := bdd.NewWriter(io.Discard)
	i := 0
	if n := testing.AllocsPerRun(10000, func() {
		if err := w.WriteSV(&recs[i%len(recs)]); err != nil {
			t.Fatal(err)
		}
		i++
	}); n != 0 {
		t.Errorf("WriteSV: %v allocations per record", n)
	}
	w = bdd.NewWriter(&buf)
	for i := range recs {
		w.WriteSV(&recs[i])
	}
	w.Flush()
	data := bytes.Repeat(buf.Bytes(), 20)
	rd := bdd.NewReader(bytes.NewReader(data), bdd.KindSV)
	if n := testing.AllocsPerRun(10000, func() {
		if _, err := rd.Next(); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("Reader.Next: %v allocations per record", n)
	}
}
