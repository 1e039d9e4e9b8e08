package bdd

import (
	"errors"
	"strings"
	"time"

	npac "github.com/opennpac/npac"
)

// The start and end stamps of a file that covers an object range rather
// than a time range.
const (
	ObjectStart = "00-00-0000000000"
	ObjectEnd   = "99-99-9999999999"
)

// Prefixes of the network data file names (OpenNPAC's choice).
var namePrefix = [...]string{KindLRN: "LRN", KindNPANXX: "NPA-NXX", KindNPANXXX: "NPA-NXX-X", KindSPID: "SPID"}

// FileName is a BDD file name taken apart.
type FileName struct {
	Kind Kind
	// First and Last bound the objects: NPA-NXXs (6 digits) in an SV
	// file, NPA-NXX-Xs (7 digits) in an NPB file; empty in the others.
	First, Last string
	// Created is when the file was made.
	Created time.Time
	// Start and End bound the broadcast times of a time range (delta)
	// file; both are zero in an object range file.
	Start, End time.Time
}

// TimeRange reports whether the file covers a time range.
func (n FileName) TimeRange() bool { return !n.Start.IsZero() || !n.End.IsZero() }

// String returns the file name. It writes the bounds as given.
func (n FileName) String() string {
	b := make([]byte, 0, 64)
	switch n.Kind {
	case KindSV, KindNPB:
		b = append(b, n.First...)
		b = append(b, '-')
		b = append(b, n.Last...)
	default:
		if int(n.Kind) < len(namePrefix) {
			b = append(b, namePrefix[n.Kind]...)
		}
	}
	b = append(b, '.')
	b = appendStamp(b, n.Created)
	if n.TimeRange() {
		b = append(b, '.')
		b = appendStamp(b, n.Start)
		b = append(b, '.')
		b = appendStamp(b, n.End)
	} else {
		b = append(b, "."+ObjectStart+"."+ObjectEnd...)
	}
	return string(b)
}

// SVName returns the name of an SV file holding the NPA-NXXs first to
// last, made at created. Zero start and end make an object range file
// (a full image); otherwise the file holds the SVs broadcast between
// start and end (a delta).
func SVName(first, last npac.NPANXX, created, start, end time.Time) string {
	return FileName{Kind: KindSV, First: string(first), Last: string(last), Created: created, Start: start, End: end}.String()
}

// NPBName returns the name of an NPB file holding the blocks first to
// last; start and end as for [SVName].
func NPBName(first, last npac.NPANXXX, created, start, end time.Time) string {
	return FileName{Kind: KindNPB, First: string(first), Last: string(last), Created: created, Start: start, End: end}.String()
}

// LRNName returns the name of an LRN file made at created.
func LRNName(created time.Time) string {
	return FileName{Kind: KindLRN, Created: created}.String()
}

// NPANXXName returns the name of an NPA-NXX file made at created.
func NPANXXName(created time.Time) string {
	return FileName{Kind: KindNPANXX, Created: created}.String()
}

// NPANXXXName returns the name of an NPA-NXX-X file made at created.
func NPANXXXName(created time.Time) string {
	return FileName{Kind: KindNPANXXX, Created: created}.String()
}

// SPIDName returns the name of a SPID file made at created.
func SPIDName(created time.Time) string {
	return FileName{Kind: KindSPID, Created: created}.String()
}

// FormatStamp writes t (in GMT) as a file name stamp, DD-MM-YYYYhhmmss.
// Times outside the years 1900-9999 are clamped to them.
func FormatStamp(t time.Time) string { return string(appendStamp(nil, t)) }

func appendStamp(b []byte, t time.Time) []byte {
	sec := min(max(t.Unix(), minUnix), maxUnix)
	days, rem := sec/86400, sec%86400
	if rem < 0 {
		days--
		rem += 86400
	}
	y, m, d := civilFromDays(days)
	b = append2(b, d)
	b = append(b, '-')
	b = append2(b, m)
	b = append(b, '-')
	b = append4(b, y)
	b = append2(b, rem/3600)
	b = append2(b, rem/60%60)
	return append2(b, rem%60)
}

// ParseStamp reads a file name stamp, DD-MM-YYYYhhmmss, in GMT.
func ParseStamp(s string) (time.Time, error) {
	if len(s) != 16 || s[2] != '-' || s[5] != '-' || !digits(s[0:2]) || !digits(s[3:5]) || !digits(s[6:]) {
		return time.Time{}, errors.New("bdd: stamp " + quote(s) + " is not DD-MM-YYYYhhmmss")
	}
	t, p := mkTime(num(s[6:10]), num(s[3:5]), num(s[0:2]), num(s[10:12]), num(s[12:14]), num(s[14:16]))
	if p != "" {
		return time.Time{}, errors.New("bdd: stamp " + quote(s) + " " + p)
	}
	return t, nil
}

func quote(s string) string {
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}

// ParseName takes a BDD file name apart. A leading directory is ignored.
func ParseName(name string) (FileName, error) {
	base := name
	if i := strings.LastIndexAny(base, `/\`); i >= 0 {
		base = base[i+1:]
	}
	fail := func(why string) (FileName, error) {
		return FileName{}, errors.New("bdd: file name " + quote(base) + " " + why)
	}
	parts := strings.Split(base, ".")
	if len(parts) != 4 {
		return fail("is not <objects>.<create>.<start>.<end>")
	}
	var n FileName
	switch head := parts[0]; {
	case isRange(head, 6):
		n.Kind, n.First, n.Last = KindSV, head[:6], head[7:]
	case isRange(head, 7):
		n.Kind, n.First, n.Last = KindNPB, head[:7], head[8:]
	default:
		for k, p := range namePrefix {
			if p != "" && head == p {
				n.Kind = Kind(k)
			}
		}
		if n.Kind == 0 {
			return fail("does not start with an NPA-NXX range (SV), an NPA-NXX-X range (NPB), LRN, NPA-NXX, NPA-NXX-X or SPID")
		}
	}
	if n.First > n.Last {
		return fail("has a range whose first " + n.Kind.String() + " bound is after its last")
	}
	var err error
	if n.Created, err = ParseStamp(parts[1]); err != nil {
		return fail("has a bad creation stamp: " + strings.TrimPrefix(err.Error(), "bdd: "))
	}
	switch {
	case parts[2] == ObjectStart && parts[3] == ObjectEnd:
	case parts[2] == ObjectStart || parts[3] == ObjectEnd:
		return fail("mixes an object range stamp with a time range stamp")
	case n.Kind != KindSV && n.Kind != KindNPB:
		return fail("has a time range, which only SV and NPB files have")
	default:
		if n.Start, err = ParseStamp(parts[2]); err != nil {
			return fail("has a bad start stamp: " + strings.TrimPrefix(err.Error(), "bdd: "))
		}
		if n.End, err = ParseStamp(parts[3]); err != nil {
			return fail("has a bad end stamp: " + strings.TrimPrefix(err.Error(), "bdd: "))
		}
		if n.End.Before(n.Start) {
			return fail("has a time range that ends before it starts")
		}
	}
	return n, nil
}

// isRange reports whether s is two n-digit numbers joined by "-".
func isRange(s string, n int) bool {
	return len(s) == 2*n+1 && s[n] == '-' && digits(s[:n]) && digits(s[n+1:])
}
