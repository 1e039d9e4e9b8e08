package routeindex

import (
	"encoding/binary"
	"strconv"
	"strings"
	"unsafe"

	"github.com/opennpac/npac"
)

// Sizes of interned routes, used by Bytes.
const (
	routeSize = int64(unsafe.Sizeof(npac.Route{}))
	spSize    = int64(unsafe.Sizeof(npac.SignalingPoint{})) + int64(unsafe.Sizeof(int(0))) // with its SSN
	// internEntrySize is one intern map entry without its key bytes: the
	// key's string header, the value id and an estimate of the map's own
	// overhead (control bytes, load factor, table directory).
	internEntrySize = int64(unsafe.Sizeof("")) + 4 + 16
)

// internLocked returns the value id of r, interning a private copy of r
// when no equal route is interned yet.
func (ix *Index) internLocked(r *npac.Route) uint32 {
	ix.keyBuf = appendKey(ix.keyBuf[:0], r)
	if vid, ok := ix.intern[string(ix.keyBuf)]; ok {
		return vid
	}
	vals := *ix.values.Load()
	vid := len(vals)
	if vid > maxValues {
		panic("routeindex: more than " + strconv.Itoa(maxValues) + " distinct routes")
	}
	oldCap := cap(vals)
	c := cloneRoute(r)
	// Readers only index below the length they loaded, so appending in
	// place (when there is capacity) never touches what they read.
	vals = append(vals, c)
	ix.values.Store(&vals)
	key := string(ix.keyBuf)
	ix.intern[key] = uint32(vid)
	n := sizeOfRoute(c) + int64(len(key)) + internEntrySize + int64(cap(vals)-oldCap)*ptrSize
	ix.bytes.Add(n)
	return uint32(vid)
}

// appendKey appends the canonical encoding of r: two routes have the same
// encoding exactly when every field is equal (pointers compared by what
// they point to).
func appendKey(b []byte, r *npac.Route) []byte {
	if r.Ported {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	b = appendString(b, string(r.SPID))
	b = appendString(b, string(r.LRN))
	b = appendString(b, string(r.SVType))
	for _, sp := range [...]*npac.SignalingPoint{r.CLASS, r.LIDB, r.CNAM, r.ISVM, r.WSMSC} {
		switch {
		case sp == nil:
			b = append(b, 0)
		case sp.SSN == nil:
			b = append(b, 1)
			b = appendString(b, sp.DPC)
		default:
			b = append(b, 2)
			b = appendString(b, sp.DPC)
			b = binary.AppendVarint(b, int64(*sp.SSN))
		}
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// cloneRoute returns a deep copy of r that shares no memory with it, so a
// caller changing or freeing its route cannot change or pin the index's.
func cloneRoute(r *npac.Route) *npac.Route {
	c := *r
	c.SPID = npac.SPID(strings.Clone(string(r.SPID)))
	c.LRN = npac.LRN(strings.Clone(string(r.LRN)))
	c.SVType = npac.SVType(strings.Clone(string(r.SVType)))
	c.CLASS = cloneSP(r.CLASS)
	c.LIDB = cloneSP(r.LIDB)
	c.CNAM = cloneSP(r.CNAM)
	c.ISVM = cloneSP(r.ISVM)
	c.WSMSC = cloneSP(r.WSMSC)
	return &c
}

func cloneSP(sp *npac.SignalingPoint) *npac.SignalingPoint {
	if sp == nil {
		return nil
	}
	c := npac.SignalingPoint{DPC: strings.Clone(sp.DPC)}
	if sp.SSN != nil {
		ssn := *sp.SSN
		c.SSN = &ssn
	}
	return &c
}

// sizeOfRoute is the memory an interned route holds.
func sizeOfRoute(r *npac.Route) int64 {
	n := routeSize + int64(len(r.SPID)+len(r.LRN)+len(r.SVType))
	for _, sp := range [...]*npac.SignalingPoint{r.CLASS, r.LIDB, r.CNAM, r.ISVM, r.WSMSC} {
		if sp != nil {
			n += spSize + int64(len(sp.DPC))
		}
	}
	return n
}
