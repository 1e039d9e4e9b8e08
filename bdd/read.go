package bdd

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
	"unsafe"

	npac "github.com/opennpac/npac"
)

const (
	// MaxLine is the longest line the reader takes, terminator excluded.
	MaxLine   = 64 << 10
	readSize  = 256 << 10
	chunkSize = 64 << 10
	// maxFields is how many fields the reader splits; more are an error,
	// or dropped with IgnoreExtra.
	maxFields = 32
)

// Reader reads BDD records from a stream. A malformed line is reported as
// a *[Error] naming the line, and the next call goes on with the next
// line; an error of the underlying reader sticks.
type Reader struct {
	// IgnoreExtra accepts SV and NPB lines with fields after the last
	// one this package knows, and drops those fields.
	IgnoreExtra bool

	src  io.Reader
	kind Kind

	buf        []byte
	start, end int
	cr, lf     int // cached positions of the next CR and LF (end: none)
	skipLF     bool
	eof        bool
	err        error
	line       int64

	chunk []byte // where the current records' strings live
	f     [maxFields]string
	nf    int
	more  bool // the line had more than maxFields fields

	rec   Record
	sv    SVRecord
	npb   BlockRecord
	lrn   LRNRecord
	code  CodeRecord
	codeX CodeXRecord
	spid  SPIDRecord
}

// NewReader returns a reader of records of kind k from r: one kind, or
// [Subscriptions] or [Any] for mixed lines.
func NewReader(r io.Reader, k Kind) *Reader {
	return &Reader{src: r, kind: k, buf: make([]byte, readSize), cr: -1, lf: -1}
}

// Reset makes the reader read a new stream, from line 1, keeping its
// options and buffers.
func (r *Reader) Reset(src io.Reader) {
	r.src, r.start, r.end, r.cr, r.lf = src, 0, 0, -1, -1
	r.skipLF, r.eof, r.err, r.line = false, false, nil, 0
}

// Line returns the number of the last line read.
func (r *Reader) Line() int64 { return r.line }

// Next reads the next record. It returns io.EOF after the last one. The
// Record and the records it points to are overwritten by the next call;
// their strings stay valid.
func (r *Reader) Next() (*Record, error) {
	for {
		line, err := r.readLine()
		if err != nil {
			return nil, err
		}
		if len(line) == 0 {
			continue
		}
		if e := r.parse(r.keep(line)); e != nil {
			return nil, e
		}
		return &r.rec, nil
	}
}

// readLine returns the next line without its terminator; it is valid
// until the next call.
func (r *Reader) readLine() ([]byte, error) {
	for {
		if r.skipLF {
			if r.start == r.end && !r.eof && r.err == nil {
				r.fill()
				continue
			}
			if r.start < r.end && r.buf[r.start] == '\n' {
				r.start++
			}
			r.skipLF = false
		}
		if p := r.eol(); p < r.end {
			if p-r.start > MaxLine {
				r.err = &Error{Line: r.line + 1, Problem: "is longer than " + strconv.Itoa(MaxLine) + " bytes: not a BDD file"}
				r.start, r.eof = r.end, true
				return nil, r.err
			}
			line := r.buf[r.start:p]
			r.line++
			r.skipLF = r.buf[p] == '\r'
			r.start = p + 1
			return line, nil
		}
		switch {
		case r.start < r.end && r.end-r.start > MaxLine:
			r.err = &Error{Line: r.line + 1, Problem: "is longer than " + strconv.Itoa(MaxLine) + " bytes: not a BDD file"}
			r.start = r.end
			return nil, r.err
		case r.err != nil || r.eof:
			if r.start < r.end { // the last line has no terminator
				line := r.buf[r.start:r.end]
				r.start = r.end
				r.line++
				return line, nil
			}
			if r.err != nil {
				return nil, r.err
			}
			return nil, io.EOF
		}
		r.fill()
	}
}

// eol returns the position of the next CR or LF, or r.end.
func (r *Reader) eol() int {
	if r.cr < r.start {
		if i := bytes.IndexByte(r.buf[r.start:r.end], '\r'); i >= 0 {
			r.cr = r.start + i
		} else {
			r.cr = r.end
		}
	}
	if r.lf < r.start {
		if i := bytes.IndexByte(r.buf[r.start:r.end], '\n'); i >= 0 {
			r.lf = r.start + i
		} else {
			r.lf = r.end
		}
	}
	return min(r.cr, r.lf)
}

// fill reads more input, moving what is left to the front.
func (r *Reader) fill() {
	if r.start > 0 {
		r.end = copy(r.buf, r.buf[r.start:r.end])
		r.start = 0
	}
	r.cr, r.lf = -1, -1
	for tries := 0; tries < 100; tries++ {
		n, err := r.src.Read(r.buf[r.end:])
		r.end += n
		if errors.Is(err, io.EOF) {
			r.eof = true
			return
		}
		if err != nil {
			r.err = err
			return
		}
		if n > 0 {
			return
		}
	}
	r.err = io.ErrNoProgress
}

// keep copies a line where its strings can live and returns it.
func (r *Reader) keep(b []byte) string {
	off := r.reserve(len(b))
	r.chunk = append(r.chunk, b...)
	return unsafe.String(&r.chunk[off], len(b))
}

// reserve makes room for n more bytes in the chunk and returns where they
// go. Bytes already in the chunk are never written again: strings point
// at them.
func (r *Reader) reserve(n int) int {
	if cap(r.chunk)-len(r.chunk) < n {
		r.chunk = make([]byte, 0, max(chunkSize, n))
	}
	return len(r.chunk)
}

// dpc returns a checked 9-digit DPC as NNN-NNN-NNN.
func (r *Reader) dpc(s string) (string, string) {
	d, p := dpcOctets(s)
	if p != "" || len(s) != 9 {
		if p == "" {
			p = pNotDPC
		}
		return "", p
	}
	off := r.reserve(11)
	r.chunk = append(r.chunk, d[0], d[1], d[2], '-', d[3], d[4], d[5], '-', d[6], d[7], d[8])
	return unsafe.String(&r.chunk[off], 11), ""
}

// split cuts a line into fields. Fields are short and often empty: a
// plain loop beats a vectorized search per field.
func (r *Reader) split(s string) {
	n, from := 0, 0
	r.more = false
	for i := 0; i < len(s); i++ {
		if s[i] != '|' {
			continue
		}
		r.f[n] = s[from:i]
		n++
		from = i + 1
		if n == maxFields-1 {
			r.more = strings.IndexByte(s[from:], '|') >= 0
			break
		}
	}
	r.f[n] = s[from:]
	if r.more {
		r.f[n] = s[from : from+strings.IndexByte(s[from:], '|')]
	}
	r.nf = n + 1
}

func (r *Reader) lineErr(k Kind, guessed bool, problem string) *Error {
	return &Error{Line: r.line, Kind: k, Guessed: guessed, Problem: problem}
}

func (r *Reader) fieldErr(k Kind, guessed bool, i int, problem string) *Error {
	return &Error{Line: r.line, Kind: k, Guessed: guessed, Field: i + 1, Name: fieldNames(k)[i], Value: r.f[i], Problem: problem}
}

func fieldCount(n int, more bool) string {
	if more {
		return "has more than " + strconv.Itoa(maxFields) + " fields"
	}
	return "has " + strconv.Itoa(n) + " fields"
}

// parse reads the line's record into r.rec.
func (r *Reader) parse(s string) *Error {
	r.split(s)
	k, guessed := r.kind, false
	f1 := ""
	if r.nf > 1 {
		f1 = r.f[1]
	}
	switch k {
	case Subscriptions:
		k, guessed = subKind(f1, r.nf), true
	case Any:
		guessed = true
		switch {
		case r.nf == 3:
			k = KindSPID
		case r.nf == 4:
			k = KindLRN
		case r.nf == 5:
			k = KindNPANXX
		case r.nf == 6:
			k = KindNPANXXX
		case r.nf >= npbClassic:
			k = subKind(f1, r.nf)
		default:
			return r.lineErr(0, false, fieldCount(r.nf, r.more)+": not a BDD record (SPID 3 fields, LRN 4, NPA-NXX 5, NPA-NXX-X 6, NPB 16-18, SV 18 or 20-25)")
		}
	}
	r.rec = Record{Line: r.line, Kind: k}
	switch k {
	case KindSV:
		r.rec.SV = &r.sv
		return r.parseSV(guessed)
	case KindNPB:
		r.rec.Block = &r.npb
		return r.parseNPB(guessed)
	case KindLRN:
		r.rec.LRN = &r.lrn
		return r.parseLRN(guessed)
	case KindNPANXX:
		r.rec.Code = &r.code
		return r.parseCode(guessed)
	case KindNPANXXX:
		r.rec.CodeX = &r.codeX
		return r.parseCodeX(guessed)
	case KindSPID:
		r.rec.SPID = &r.spid
		return r.parseSPID(guessed)
	}
	return r.lineErr(0, false, "the reader was made for no known kind of record")
}

// subKind tells an SV line from an NPB line by field 2: a 10-digit TN or
// a 7-digit NPA-NXX-X.
func subKind(f1 string, nf int) Kind {
	if len(f1) == 7 || len(f1) != 10 && nf < svNoWSMSC {
		return KindNPB
	}
	return KindSV
}

// pairs reads n DPC/SSN pairs from position first into sps.
func (r *Reader) pairs(k Kind, guessed bool, first int, sps ...*SignalingPoint) *Error {
	for i, sp := range sps {
		j := first + 2*i
		dpc, ssn := r.f[j], r.f[j+1]
		switch {
		case dpc == "" && ssn == "":
			continue
		case dpc == "":
			return r.fieldErr(k, guessed, j, pSSNNoDPC)
		case ssn == "":
			return r.fieldErr(k, guessed, j+1, pDPCNoSSN)
		}
		var p string
		if sp.DPC, p = r.dpc(dpc); p != "" {
			return r.fieldErr(k, guessed, j, p)
		}
		if sp.SSN, p = parseSSN(ssn); p != "" {
			return r.fieldErr(k, guessed, j+1, p)
		}
	}
	return nil
}

// optional checks a field that may be empty when opt.
func optional(s string, opt bool, problem string) string {
	if s == "" && opt {
		return ""
	}
	return problem
}

// routing parses what SV and NPB records share after their key: the
// download reason in column reasonCol, then the LRN, new SPID and activation
// time in columns 2 to 4. The LRN and SPID may be empty on a delete.
func (r *Reader) routing(k Kind, g bool, reasonCol int, reason *Reason, lrn *npac.LRN, spid *npac.SPID, at *time.Time) *Error {
	f := &r.f
	var ok bool
	if *reason, ok = reasonOf(f[reasonCol]); !ok {
		p := pNotReason
		if f[reasonCol] == "" {
			p = pEmpty
		}
		return r.fieldErr(k, g, reasonCol, p)
	}
	del := *reason == ReasonDelete
	if p := optional(f[2], del, checkLRN(f[2], true)); p != "" {
		return r.fieldErr(k, g, 2, p)
	}
	*lrn = npac.LRN(f[2])
	if p := optional(f[3], del, checkSPID(f[3])); p != "" {
		return r.fieldErr(k, g, 3, p)
	}
	*spid = npac.SPID(f[3])
	if f[4] != "" {
		var p string
		if *at, p = parseTime(f[4]); p != "" {
			return r.fieldErr(k, g, 4, p)
		}
	}
	return nil
}

func (r *Reader) parseSV(g bool) *Error {
	n := r.nf
	if n < svNoWSMSC || n == svNoWSMSC+1 || (n > svFields || r.more) && !r.IgnoreExtra {
		return r.lineErr(KindSV, g, fieldCount(n, r.more)+"; an SV record has 18, or 20 to 25")
	}
	f := &r.f
	sv := &r.sv
	*sv = SVRecord{}
	var (
		p  string
		ok bool
	)
	if sv.VersionID, p = parseID(f[0]); p != "" {
		return r.fieldErr(KindSV, g, 0, p)
	}
	if p = checkTN(f[1]); p != "" {
		return r.fieldErr(KindSV, g, 1, p)
	}
	sv.TN = npac.TN(f[1])
	if e := r.routing(KindSV, g, svReason, &sv.DownloadReason, &sv.LRN, &sv.NewSPID, &sv.ActivationTimestamp); e != nil {
		return e
	}
	if e := r.pairs(KindSV, g, svClassDPC, &sv.CLASS, &sv.LIDB, &sv.ISVM, &sv.CNAM); e != nil {
		return e
	}
	if p = checkDigitsUpTo(f[svEULValue], 12, pNotEULValue); p != "" {
		return r.fieldErr(KindSV, g, svEULValue, p)
	}
	sv.EULValue = f[svEULValue]
	if p = checkDigitsUpTo(f[svEULValue+1], 2, pNotEULType); p != "" {
		return r.fieldErr(KindSV, g, svEULValue+1, p)
	}
	sv.EULType = f[svEULValue+1]
	if p = checkBilling(f[svEULValue+2]); p != "" {
		return r.fieldErr(KindSV, g, svEULValue+2, p)
	}
	sv.BillingID = f[svEULValue+2]
	if sv.LNPType, ok = lnpTypeOf(f[svLNPType]); !ok {
		return r.fieldErr(KindSV, g, svLNPType, pNotLNPType)
	}
	if n > svNoWSMSC {
		if e := r.pairs(KindSV, g, svWSMSCDPC, &sv.WSMSC); e != nil {
			return e
		}
	}
	if n > svSVType {
		if sv.SVType, ok = svTypeOf(f[svSVType]); !ok {
			return r.fieldErr(KindSV, g, svSVType, pNotSVType)
		}
	}
	if n > svAltSPID && f[svAltSPID] != "" {
		if p = checkSPID(f[svAltSPID]); p != "" {
			return r.fieldErr(KindSV, g, svAltSPID, p)
		}
		sv.AlternativeSPID = npac.SPID(f[svAltSPID])
	}
	for i, u := range [3]*string{&sv.VoiceURI, &sv.MMSURI, &sv.SMSURI} {
		j := svVoiceURI + i
		if n <= j {
			break
		}
		if p = checkURI(f[j]); p != "" {
			return r.fieldErr(KindSV, g, j, p)
		}
		*u = f[j]
	}
	return nil
}

func (r *Reader) parseNPB(g bool) *Error {
	n := r.nf
	if n < npbClassic || (n > npbFields || r.more) && !r.IgnoreExtra {
		return r.lineErr(KindNPB, g, fieldCount(n, r.more)+"; an NPB record has 16 to 18")
	}
	f := &r.f
	b := &r.npb
	*b = BlockRecord{}
	var (
		p  string
		ok bool
	)
	if b.BlockID, p = parseID(f[0]); p != "" {
		return r.fieldErr(KindNPB, g, 0, p)
	}
	if p = checkNPANXXX(f[1]); p != "" {
		return r.fieldErr(KindNPB, g, 1, p)
	}
	b.NPANXXX = npac.NPANXXX(f[1])
	if e := r.routing(KindNPB, g, npbReason, &b.DownloadReason, &b.LRN, &b.NewSPID, &b.ActivationTimestamp); e != nil {
		return e
	}
	if e := r.pairs(KindNPB, g, npbClassDPC, &b.CLASS, &b.LIDB, &b.ISVM, &b.CNAM, &b.WSMSC); e != nil {
		return e
	}
	if n > npbSVType {
		if b.SVType, ok = svTypeOf(f[npbSVType]); !ok {
			return r.fieldErr(KindNPB, g, npbSVType, pNotSVType)
		}
	}
	if n > npbSVType+1 && f[npbSVType+1] != "" {
		if p = checkSPID(f[npbSVType+1]); p != "" {
			return r.fieldErr(KindNPB, g, npbSVType+1, p)
		}
		b.AlternativeSPID = npac.SPID(f[npbSVType+1])
	}
	return nil
}

// network reads the SPID and ID that start every network data record,
// after checking the field count.
func (r *Reader) network(k Kind, g bool, want int) (npac.SPID, int64, *Error) {
	if r.nf != want || r.more {
		return "", 0, r.lineErr(k, g, fieldCount(r.nf, r.more)+"; "+aKind(k)+" record has "+strconv.Itoa(want))
	}
	if p := checkSPID(r.f[0]); p != "" {
		return "", 0, r.fieldErr(k, g, 0, p)
	}
	id, p := parseID(r.f[1])
	if p != "" {
		return "", 0, r.fieldErr(k, g, 1, p)
	}
	return npac.SPID(r.f[0]), id, nil
}

// aKind returns the kind's name with its article.
func aKind(k Kind) string {
	if k == KindSPID {
		return "a SPID"
	}
	return "an " + k.String()
}

// timeFields reads the creation and effective timestamps from position
// first, and the optional modified one after them when modified is not
// nil.
func (r *Reader) timeFields(k Kind, g bool, first int, created, effective, modified *time.Time) *Error {
	for i, t := range [3]*time.Time{created, effective, modified} {
		j := first + i
		switch {
		case t == nil:
			return nil
		case r.f[j] == "" && i == 2:
			return nil
		case r.f[j] == "":
			return r.fieldErr(k, g, j, pEmpty)
		}
		var p string
		if *t, p = parseTime(r.f[j]); p != "" {
			return r.fieldErr(k, g, j, p)
		}
	}
	return nil
}

func (r *Reader) parseLRN(g bool) *Error {
	l := &r.lrn
	*l = LRNRecord{}
	var e *Error
	if l.SPID, l.ID, e = r.network(KindLRN, g, len(lrnNames)); e != nil {
		return e
	}
	if p := checkLRN(r.f[2], false); p != "" {
		return r.fieldErr(KindLRN, g, 2, p)
	}
	l.LRN = npac.LRN(r.f[2])
	if r.f[3] == "" {
		return r.fieldErr(KindLRN, g, 3, pEmpty)
	}
	var p string
	if l.CreatedAt, p = parseTime(r.f[3]); p != "" {
		return r.fieldErr(KindLRN, g, 3, p)
	}
	return nil
}

func (r *Reader) parseCode(g bool) *Error {
	c := &r.code
	*c = CodeRecord{}
	var e *Error
	if c.SPID, c.ID, e = r.network(KindNPANXX, g, len(codeNames)); e != nil {
		return e
	}
	if p := checkNPANXX(r.f[2]); p != "" {
		return r.fieldErr(KindNPANXX, g, 2, p)
	}
	c.NPANXX = npac.NPANXX(r.f[2])
	return r.timeFields(KindNPANXX, g, 3, &c.CreatedAt, &c.EffectiveDate, nil)
}

func (r *Reader) parseCodeX(g bool) *Error {
	c := &r.codeX
	*c = CodeXRecord{}
	var e *Error
	if c.SPID, c.ID, e = r.network(KindNPANXXX, g, len(codeXNames)); e != nil {
		return e
	}
	if p := checkNPANXXX(r.f[2]); p != "" {
		return r.fieldErr(KindNPANXXX, g, 2, p)
	}
	c.NPANXXX = npac.NPANXXX(r.f[2])
	return r.timeFields(KindNPANXXX, g, 3, &c.CreatedAt, &c.EffectiveDate, &c.ModifiedAt)
}

func (r *Reader) parseSPID(g bool) *Error {
	s := &r.spid
	*s = SPIDRecord{}
	if r.nf != len(spidNames) || r.more {
		return r.lineErr(KindSPID, g, fieldCount(r.nf, r.more)+"; a SPID record has 3")
	}
	if p := checkSPID(r.f[0]); p != "" {
		return r.fieldErr(KindSPID, g, 0, p)
	}
	s.SPID = npac.SPID(r.f[0])
	if p := checkName(r.f[1]); p != "" {
		return r.fieldErr(KindSPID, g, 1, p)
	}
	s.Name = r.f[1]
	t, ok := provTypeOf(r.f[2])
	if !ok {
		p := pNotProvType
		if r.f[2] == "" {
			p = pEmpty
		}
		return r.fieldErr(KindSPID, g, 2, p)
	}
	s.Type = t
	return nil
}
