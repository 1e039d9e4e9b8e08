// Package routeindex is the LSMS's compact in-memory routing index: it
// answers LNP dips (TN → route) from RAM, kept current from the local store.
//
// Lookups never wait on updates. Every NPA-NXX's state is one immutable
// value that writers replace whole (copy-on-write) behind an atomic
// pointer, so a reader sees either a code's old state or its new one, never
// a mix. Writers are serialized by a mutex and never block readers.
//
// Routes are interned: millions of TNs share a few thousand distinct
// (LRN, SPID, SV type, DPC/SSN) combinations, so the index keeps each
// distinct route once and stores a 24-bit value id per TN. A ported TN
// costs a 4-byte entry (8 bits of line number, 24 of value id) plus about
// a quarter byte of group directory; each NPA-NXX with ported TNs adds a
// fixed 150 bytes or so, and each NPA 8 KB (see [Index.Bytes]). With 500
// ported TNs per NPA-NXX that is under 5 bytes per TN, values included.
//
// Resolution order for a TN: its own TN-level route (a subscription
// version), then the route of its 1,000-block (a pooled block), then its
// NPA-NXX's code holder (Ported false, SPID = code holder). A TN none of
// these covers resolves to ok=false.
package routeindex

import (
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/opennpac/npac"
)

// maxValues is the most distinct routes an Index can intern: value ids are
// 24 bits and id 0 means "no route".
const maxValues = 1<<24 - 1

// npaTable holds the codes of one NPA, indexed by NXX.
type npaTable [1000]atomic.Pointer[code]

// Index is the routing index. The zero value is not usable; call [New].
//
// Resolve is safe to call from any number of goroutines at any time,
// including while another goroutine updates the index. The update methods
// (Set, Delete, SetBlock, DeleteBlock, SetCode, DeleteCode, Apply) may be
// called from several goroutines; they are serialized internally.
type Index struct {
	// npas is the top level of the directory, indexed by NPA. A table is
	// allocated when the first code of its NPA is stored.
	npas [1000]atomic.Pointer[npaTable]
	// values is the append-only interned route table; values[0] is nil and
	// stands for "no route". Writers publish a longer slice after
	// appending; readers only index below the length they loaded.
	values atomic.Pointer[[]*npac.Route]
	// tns counts TN-level routes; bytes is the running total behind Bytes.
	tns   atomic.Int64
	bytes atomic.Int64

	mu sync.Mutex // serializes writers; everything below is guarded by it
	// intern maps a route's canonical encoding to its value id.
	intern map[string]uint32
	keyBuf []byte
	// scratch buffers for merging a code's TN-level entries.
	lines []uint16
	vids  []uint32
}

// New returns an empty index.
func New() *Index {
	ix := &Index{intern: make(map[string]uint32)}
	vals := make([]*npac.Route, 1, 64)
	ix.values.Store(&vals)
	ix.bytes.Store(int64(unsafe.Sizeof(*ix)) + int64(cap(vals))*ptrSize)
	return ix
}

// Resolve returns the route of tn: its TN-level route if it has one, else
// its 1,000-block's route, else a route with Ported false and SPID set to
// its NPA-NXX's code holder. ok is false when none of these is known, or
// when tn is not ten digits.
//
// Resolve never locks and never allocates. The returned *Route is shared
// by every TN with the same route and by every caller: callers must not
// modify it. It stays valid (unchanged) after later updates; a later
// Resolve returns the new route.
func (ix *Index) Resolve(tn npac.TN) (*npac.Route, bool) {
	npa, nxx, line, ok := splitTN(tn)
	if !ok {
		return nil, false
	}
	t := ix.npas[npa].Load()
	if t == nil {
		return nil, false
	}
	c := t[nxx].Load()
	if c == nil {
		return nil, false
	}
	vid := c.lookup(line)
	if vid == 0 && c.blocks != nil {
		vid = c.blocks[line/1000]
	}
	if vid == 0 {
		vid = c.holder
	}
	if vid == 0 {
		return nil, false
	}
	return (*ix.values.Load())[vid], true
}

// Set makes r the TN-level route of tn, replacing any earlier one. r
// should have Ported set: it is what a dip on tn answers. The index keeps
// its own copy of r, shared with every other TN whose route is equal.
//
// Set copies tn's NPA-NXX entries (at most 10,000, 40 KB): use [Index.Apply]
// for many TNs at once. It panics if tn is not ten digits.
func (ix *Index) Set(tn npac.TN, r npac.Route) {
	npa, nxx, line := mustSplitTN(tn)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	vid := ix.internLocked(&r)
	ix.applyCodeLocked(npa, nxx, []lineChange{{line: line, vid: vid}})
}

// Delete removes tn's TN-level route, if any: tn then resolves to its
// block's route or its code holder again. It panics if tn is not ten
// digits.
func (ix *Index) Delete(tn npac.TN) {
	npa, nxx, line := mustSplitTN(tn)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.applyCodeLocked(npa, nxx, []lineChange{{line: line}})
}

// SetBlock makes r the route of the 1,000-block b (a pooled block): every
// TN of b without a TN-level route resolves to r. It panics if b is not
// seven digits.
func (ix *Index) SetBlock(b npac.NPANXXX, r npac.Route) {
	npa, nxx, x := mustSplitBlock(b)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.setBlockLocked(npa, nxx, x, ix.internLocked(&r))
}

// DeleteBlock removes the route of the 1,000-block b, if any. It panics if
// b is not seven digits.
func (ix *Index) DeleteBlock(b npac.NPANXXX) {
	npa, nxx, x := mustSplitBlock(b)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.setBlockLocked(npa, nxx, x, 0)
}

// SetCode records holder as the code holder of the NPA-NXX c: TNs of c
// with neither a TN-level nor a block route resolve to Ported false with
// SPID holder. A code the index holds no holder for is unknown to it. It
// panics if c is not six digits.
func (ix *Index) SetCode(c npac.NPANXX, holder npac.SPID) {
	npa, nxx := mustSplitCode(c)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	vid := ix.internLocked(&npac.Route{SPID: holder})
	ix.setHolderLocked(npa, nxx, vid)
}

// DeleteCode forgets the code holder of c. Its TN-level and block routes
// stay; its other TNs resolve to ok=false. It panics if c is not six
// digits.
func (ix *Index) DeleteCode(c npac.NPANXX) {
	npa, nxx := mustSplitCode(c)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.setHolderLocked(npa, nxx, 0)
}

// Len returns the number of TN-level routes (ported TNs).
func (ix *Index) Len() int { return int(ix.tns.Load()) }

// Values returns the number of distinct routes interned: TN-level, block
// and code-holder routes alike. Interning is append-only, so a route stays
// counted (and held) after the last TN using it has moved on; rebuilding
// the index from the store drops such routes.
func (ix *Index) Values() int { return len(*ix.values.Load()) - 1 }

// Bytes returns the RAM the index holds, computed from the sizes of its
// structures rather than measured:
//   - the Index itself, with its 1,000-entry NPA directory (8 KB);
//   - 8 KB per NPA with at least one code (1,000 code pointers);
//   - per NPA-NXX with any data: its 64-byte header, 4 bytes per TN-level
//     route, 2 bytes per group of the group directory (about one group per
//     8 TNs) and 40 bytes if it has block routes;
//   - the interned routes: 8 bytes per value slot, each distinct route's
//     struct, strings and signaling points, and the intern map's key,
//     value and an estimated 16 bytes of map overhead per entry.
//
// Slices are counted at their capacity. Allocator size-class rounding, GC
// headroom and a writer's transient copies are not counted.
func (ix *Index) Bytes() int64 { return ix.bytes.Load() }

// splitTN parses a ten-digit TN into its NPA, NXX and line number.
func splitTN(tn npac.TN) (npa, nxx, line uint32, ok bool) {
	if len(tn) != 10 {
		return 0, 0, 0, false
	}
	var d [10]int32
	var bad int32
	for i := range d {
		d[i] = int32(tn[i]) - '0'
		bad |= d[i] | (9 - d[i]) // negative unless 0 <= d[i] <= 9
	}
	if bad < 0 {
		return 0, 0, 0, false
	}
	npa = uint32(d[0]*100 + d[1]*10 + d[2])
	nxx = uint32(d[3]*100 + d[4]*10 + d[5])
	line = uint32(d[6]*1000 + d[7]*100 + d[8]*10 + d[9])
	return npa, nxx, line, true
}

func mustSplitTN(tn npac.TN) (npa, nxx, line uint32) {
	npa, nxx, line, ok := splitTN(tn)
	if !ok {
		panic("routeindex: " + string(tn) + " is not a 10-digit TN")
	}
	return npa, nxx, line
}

func mustSplitCode(c npac.NPANXX) (npa, nxx uint32) {
	npa, nxx, _, ok := splitTN(npac.TN(c + "0000"))
	if len(c) != 6 || !ok {
		panic("routeindex: " + string(c) + " is not a 6-digit NPA-NXX")
	}
	return npa, nxx
}

func mustSplitBlock(b npac.NPANXXX) (npa, nxx, x uint32) {
	npa, nxx, line, ok := splitTN(npac.TN(b + "000"))
	if len(b) != 7 || !ok {
		panic("routeindex: " + string(b) + " is not a 7-digit NPA-NXX-X")
	}
	return npa, nxx, line / 1000
}
