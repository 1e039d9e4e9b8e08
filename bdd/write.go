package bdd

import (
	"io"
	"strconv"
	"time"

	npac "github.com/opennpac/npac"
)

// LineEnd is how the writer ends lines.
type LineEnd uint8

// Line ends.
const (
	CRLF LineEnd = iota // the default
	CR                  // the NPAC's own: ASCII 13 alone
	LF
)

// flushAt is the buffered size at which the writer writes to its
// destination.
const flushAt = 64 << 10

// Writer writes BDD records. It buffers: call [Writer.Flush] at the end.
// A record the writer refuses (a *[Error]) leaves nothing behind and the
// writer usable; an error from the destination sticks.
//
// Set the options before the first record.
type Writer struct {
	// LineEnd ends every line; CRLF by default.
	LineEnd LineEnd
	// Full marks a full-image ("active-like") file: SV and NPB records
	// are written with download reason new, whatever their
	// DownloadReason.
	Full bool
	// Classic writes the NANC 314 layouts only: SV records without the
	// OpenNPAC extensions (20 fields), NPB records without SV type and
	// alternative SPID (16 fields). The values of the fields left out are
	// not written.
	Classic bool

	out   io.Writer
	buf   []byte
	count int64
	err   error
}

// NewWriter returns a writer to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{out: w, buf: make([]byte, 0, flushAt+4096)}
}

// Count returns how many records were written (buffered included).
func (w *Writer) Count() int64 { return w.count }

// Flush writes what is buffered.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if len(w.buf) > 0 {
		if _, err := w.out.Write(w.buf); err != nil {
			w.err = err
			return err
		}
		w.buf = w.buf[:0]
	}
	return nil
}

// end finishes a record appended to b (from mark), or drops it when
// problem is set.
func (w *Writer) end(b []byte, mark int, k Kind, field int, value, problem string) error {
	if problem != "" {
		w.buf = b[:mark]
		return &Error{Kind: k, Field: field + 1, Name: fieldNames(k)[field], Value: value, Problem: problem}
	}
	switch w.LineEnd {
	case CR:
		b = append(b, '\r')
	case LF:
		b = append(b, '\n')
	default:
		b = append(b, '\r', '\n')
	}
	w.buf = b
	w.count++
	if len(b) >= flushAt {
		return w.Flush()
	}
	return nil
}

// Field appenders. Each appends a field and its trailing "|" (the caller
// drops the last one) or reports a problem.

func appendStr(b []byte, s string) []byte { return append(append(b, s...), '|') }

func appendID(b []byte, v int64) ([]byte, string) {
	if v < 0 {
		return b, pNegative
	}
	if v > 999_999_999_999_999_999 {
		return b, pNotID
	}
	return append(strconv.AppendInt(b, v, 10), '|'), ""
}

func appendChecked(b []byte, s, problem string) ([]byte, string) {
	if problem != "" {
		return b, problem
	}
	return appendStr(b, s), ""
}

func appendTimeField(b []byte, t time.Time, required bool) ([]byte, string) {
	if t.IsZero() {
		if required {
			return b, pEmpty
		}
		return append(b, '|'), ""
	}
	b, p := appendTime(b, t)
	return append(b, '|'), p
}

// appendPair appends a DPC and SSN; bad is 0 when the DPC is at fault, 1
// the SSN.
func appendPair(b []byte, sp *SignalingPoint) ([]byte, int, string) {
	if sp.DPC == "" {
		if sp.SSN != 0 {
			return b, 0, pSSNNoDPC
		}
		return append(b, '|', '|'), 0, ""
	}
	d, p := dpcOctets(sp.DPC)
	if p != "" {
		return b, 0, p
	}
	if sp.SSN < 0 || sp.SSN > 255 {
		return b, 1, pNotSSN
	}
	b = append(b, d[:]...)
	return append(b, '|', byte('0'+sp.SSN/100), byte('0'+sp.SSN/10%10), byte('0'+sp.SSN%10), '|'), 0, ""
}

func ssnString(sp *SignalingPoint) string { return strconv.Itoa(sp.SSN) }

// WriteSV writes an SV record.
func (w *Writer) WriteSV(r *SVRecord) error {
	if w.err != nil {
		return w.err
	}
	b, mark := w.buf, len(w.buf)
	var p string
	if b, p = appendID(b, r.VersionID); p != "" {
		return w.end(b, mark, KindSV, 0, strconv.FormatInt(r.VersionID, 10), p)
	}
	if b, p = appendChecked(b, string(r.TN), checkTN(string(r.TN))); p != "" {
		return w.end(b, mark, KindSV, 1, string(r.TN), p)
	}
	reason := r.DownloadReason
	if w.Full {
		reason = ReasonNew
	}
	if reason > ReasonAuditDiscrepancy {
		return w.end(b, mark, KindSV, svReason, strconv.Itoa(int(reason)), pNotReason)
	}
	del := reason == ReasonDelete
	if b, p = appendOptional(b, string(r.LRN), del, checkLRN(string(r.LRN), true)); p != "" {
		return w.end(b, mark, KindSV, 2, string(r.LRN), p)
	}
	if b, p = appendOptional(b, string(r.NewSPID), del, checkSPID(string(r.NewSPID))); p != "" {
		return w.end(b, mark, KindSV, 3, string(r.NewSPID), p)
	}
	if b, p = appendTimeField(b, r.ActivationTimestamp, false); p != "" {
		return w.end(b, mark, KindSV, 4, timeValue(r.ActivationTimestamp), p)
	}
	var (
		field int
		value string
	)
	if b, field, value, p = appendPairs(b, svClassDPC, &r.CLASS, &r.LIDB, &r.ISVM, &r.CNAM); p != "" {
		return w.end(b, mark, KindSV, field, value, p)
	}
	if b, p = appendChecked(b, r.EULValue, checkDigitsUpTo(r.EULValue, 12, pNotEULValue)); p != "" {
		return w.end(b, mark, KindSV, svEULValue, r.EULValue, p)
	}
	if b, p = appendChecked(b, r.EULType, checkDigitsUpTo(r.EULType, 2, pNotEULType)); p != "" {
		return w.end(b, mark, KindSV, svEULValue+1, r.EULType, p)
	}
	if b, p = appendChecked(b, r.BillingID, checkBilling(r.BillingID)); p != "" {
		return w.end(b, mark, KindSV, svEULValue+2, r.BillingID, p)
	}
	if r.LNPType != "" {
		c, ok := lnpTypeCode(r.LNPType)
		if !ok {
			return w.end(b, mark, KindSV, svLNPType, string(r.LNPType), pNotLNPType)
		}
		b = append(b, c)
	}
	b = append(b, '|', byte('0'+reason), '|')
	if b, field, value, p = appendPairs(b, svWSMSCDPC, &r.WSMSC); p != "" {
		return w.end(b, mark, KindSV, field, value, p)
	}
	if !w.Classic {
		if b, p = appendSVType(b, r.SVType); p != "" {
			return w.end(b, mark, KindSV, svSVType, string(r.SVType), p)
		}
		if r.AlternativeSPID != "" {
			if b, p = appendChecked(b, string(r.AlternativeSPID), checkSPID(string(r.AlternativeSPID))); p != "" {
				return w.end(b, mark, KindSV, svAltSPID, string(r.AlternativeSPID), p)
			}
		} else {
			b = append(b, '|')
		}
		for i, u := range [3]string{r.VoiceURI, r.MMSURI, r.SMSURI} {
			if b, p = appendChecked(b, u, checkURI(u)); p != "" {
				return w.end(b, mark, KindSV, svVoiceURI+i, u, p)
			}
		}
	}
	return w.end(b[:len(b)-1], mark, KindSV, 0, "", "")
}

func pairValue(sp *SignalingPoint, bad int) string {
	if bad == 1 {
		return ssnString(sp)
	}
	return sp.DPC
}

// appendOptional appends a value that may be empty when optional.
func appendOptional(b []byte, s string, optional bool, problem string) ([]byte, string) {
	if s == "" && optional {
		return append(b, '|'), ""
	}
	return appendChecked(b, s, problem)
}

func appendSVType(b []byte, t npac.SVType) ([]byte, string) {
	if t == "" {
		return append(b, '|'), ""
	}
	c, ok := svTypeCode(t)
	if !ok {
		return b, pNotSVType
	}
	return append(b, c, '|'), ""
}

// appendPairs appends the CLASS, LIDB, ISVM, CNAM (and WSMSC) pairs;
// field is the position of the bad one.
func appendPairs(b []byte, first int, sps ...*SignalingPoint) ([]byte, int, string, string) {
	for i, sp := range sps {
		var (
			bad int
			p   string
		)
		if b, bad, p = appendPair(b, sp); p != "" {
			return b, first + 2*i + bad, pairValue(sp, bad), p
		}
	}
	return b, 0, "", ""
}

// WriteBlock writes an NPB record.
func (w *Writer) WriteBlock(r *BlockRecord) error {
	if w.err != nil {
		return w.err
	}
	b, mark := w.buf, len(w.buf)
	var p string
	if b, p = appendID(b, r.BlockID); p != "" {
		return w.end(b, mark, KindNPB, 0, strconv.FormatInt(r.BlockID, 10), p)
	}
	if b, p = appendChecked(b, string(r.NPANXXX), checkNPANXXX(string(r.NPANXXX))); p != "" {
		return w.end(b, mark, KindNPB, 1, string(r.NPANXXX), p)
	}
	reason := r.DownloadReason
	if w.Full {
		reason = ReasonNew
	}
	if reason > ReasonAuditDiscrepancy {
		return w.end(b, mark, KindNPB, npbReason, strconv.Itoa(int(reason)), pNotReason)
	}
	del := reason == ReasonDelete
	if b, p = appendOptional(b, string(r.LRN), del, checkLRN(string(r.LRN), true)); p != "" {
		return w.end(b, mark, KindNPB, 2, string(r.LRN), p)
	}
	if b, p = appendOptional(b, string(r.NewSPID), del, checkSPID(string(r.NewSPID))); p != "" {
		return w.end(b, mark, KindNPB, 3, string(r.NewSPID), p)
	}
	if b, p = appendTimeField(b, r.ActivationTimestamp, false); p != "" {
		return w.end(b, mark, KindNPB, 4, timeValue(r.ActivationTimestamp), p)
	}
	var (
		field int
		value string
	)
	if b, field, value, p = appendPairs(b, npbClassDPC, &r.CLASS, &r.LIDB, &r.ISVM, &r.CNAM, &r.WSMSC); p != "" {
		return w.end(b, mark, KindNPB, field, value, p)
	}
	b = append(b, byte('0'+reason), '|')
	if !w.Classic {
		if b, p = appendSVType(b, r.SVType); p != "" {
			return w.end(b, mark, KindNPB, npbSVType, string(r.SVType), p)
		}
		if r.AlternativeSPID != "" {
			if b, p = appendChecked(b, string(r.AlternativeSPID), checkSPID(string(r.AlternativeSPID))); p != "" {
				return w.end(b, mark, KindNPB, npbSVType+1, string(r.AlternativeSPID), p)
			}
		} else {
			b = append(b, '|')
		}
	}
	return w.end(b[:len(b)-1], mark, KindNPB, 0, "", "")
}

// WriteLRN writes an LRN record.
func (w *Writer) WriteLRN(r *LRNRecord) error {
	if w.err != nil {
		return w.err
	}
	b, mark := w.buf, len(w.buf)
	var p string
	if b, p = appendChecked(b, string(r.SPID), checkSPID(string(r.SPID))); p != "" {
		return w.end(b, mark, KindLRN, 0, string(r.SPID), p)
	}
	if b, p = appendID(b, r.ID); p != "" {
		return w.end(b, mark, KindLRN, 1, strconv.FormatInt(r.ID, 10), p)
	}
	if b, p = appendChecked(b, string(r.LRN), checkLRN(string(r.LRN), false)); p != "" {
		return w.end(b, mark, KindLRN, 2, string(r.LRN), p)
	}
	if b, p = appendTimeField(b, r.CreatedAt, true); p != "" {
		return w.end(b, mark, KindLRN, 3, timeValue(r.CreatedAt), p)
	}
	return w.end(b[:len(b)-1], mark, KindLRN, 0, "", "")
}

// WriteCode writes an NPA-NXX record.
func (w *Writer) WriteCode(r *CodeRecord) error {
	if w.err != nil {
		return w.err
	}
	b, mark := w.buf, len(w.buf)
	var p string
	if b, p = appendChecked(b, string(r.SPID), checkSPID(string(r.SPID))); p != "" {
		return w.end(b, mark, KindNPANXX, 0, string(r.SPID), p)
	}
	if b, p = appendID(b, r.ID); p != "" {
		return w.end(b, mark, KindNPANXX, 1, strconv.FormatInt(r.ID, 10), p)
	}
	if b, p = appendChecked(b, string(r.NPANXX), checkNPANXX(string(r.NPANXX))); p != "" {
		return w.end(b, mark, KindNPANXX, 2, string(r.NPANXX), p)
	}
	if b, p = appendTimeField(b, r.CreatedAt, true); p != "" {
		return w.end(b, mark, KindNPANXX, 3, timeValue(r.CreatedAt), p)
	}
	if b, p = appendTimeField(b, r.EffectiveDate, true); p != "" {
		return w.end(b, mark, KindNPANXX, 4, timeValue(r.EffectiveDate), p)
	}
	return w.end(b[:len(b)-1], mark, KindNPANXX, 0, "", "")
}

// WriteCodeX writes an NPA-NXX-X record.
func (w *Writer) WriteCodeX(r *CodeXRecord) error {
	if w.err != nil {
		return w.err
	}
	b, mark := w.buf, len(w.buf)
	var p string
	if b, p = appendChecked(b, string(r.SPID), checkSPID(string(r.SPID))); p != "" {
		return w.end(b, mark, KindNPANXXX, 0, string(r.SPID), p)
	}
	if b, p = appendID(b, r.ID); p != "" {
		return w.end(b, mark, KindNPANXXX, 1, strconv.FormatInt(r.ID, 10), p)
	}
	if b, p = appendChecked(b, string(r.NPANXXX), checkNPANXXX(string(r.NPANXXX))); p != "" {
		return w.end(b, mark, KindNPANXXX, 2, string(r.NPANXXX), p)
	}
	if b, p = appendTimeField(b, r.CreatedAt, true); p != "" {
		return w.end(b, mark, KindNPANXXX, 3, timeValue(r.CreatedAt), p)
	}
	if b, p = appendTimeField(b, r.EffectiveDate, true); p != "" {
		return w.end(b, mark, KindNPANXXX, 4, timeValue(r.EffectiveDate), p)
	}
	if b, p = appendTimeField(b, r.ModifiedAt, false); p != "" {
		return w.end(b, mark, KindNPANXXX, 5, timeValue(r.ModifiedAt), p)
	}
	return w.end(b[:len(b)-1], mark, KindNPANXXX, 0, "", "")
}

// WriteSPID writes a SPID record.
func (w *Writer) WriteSPID(r *SPIDRecord) error {
	if w.err != nil {
		return w.err
	}
	b, mark := w.buf, len(w.buf)
	var p string
	if b, p = appendChecked(b, string(r.SPID), checkSPID(string(r.SPID))); p != "" {
		return w.end(b, mark, KindSPID, 0, string(r.SPID), p)
	}
	if b, p = appendChecked(b, r.Name, checkName(r.Name)); p != "" {
		return w.end(b, mark, KindSPID, 1, r.Name, p)
	}
	c, ok := provTypeCode(r.Type)
	if !ok {
		p = pNotProvType
		if r.Type == "" {
			p = pEmpty
		}
		return w.end(b, mark, KindSPID, 2, string(r.Type), p)
	}
	return w.end(append(b, c), mark, KindSPID, 0, "", "")
}

func timeValue(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
