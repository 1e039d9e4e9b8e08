package routeindex

import "unsafe"

// vidMask extracts the value id from an entry.
const vidMask = 1<<24 - 1

// groupTarget is the average number of TN-level entries per group the
// group directory aims for: small enough that a lookup scans at most a
// cache line or two, large enough that the directory costs about a
// quarter byte per TN.
const groupTarget = 8

// Sizes used by Bytes.
const (
	ptrSize      = int64(unsafe.Sizeof(uintptr(0)))
	npaTableSize = int64(unsafe.Sizeof(npaTable{}))
	codeSize     = int64(unsafe.Sizeof(code{}))
	blocksSize   = int64(unsafe.Sizeof([10]uint32{}))
)

// code is the immutable state of one NPA-NXX: its code holder, its
// 1,000-block routes and its TN-level routes. Writers never change a
// published code; they build a new one and swap the pointer.
//
// TN-level routes are kept in ent, ordered by line number, one uint32 per
// TN: the low shift bits of the line number in the top 8 bits and the
// value id in the low 24. The line's high bits are implicit: the entries
// of group g (lines g<<shift … (g+1)<<shift-1) are ent[start[g]:start[g+1]].
// shift is chosen per code from its TN count so that a group holds at
// most groupTarget entries on average; it is 3 to 8, so the low bits
// always fit in a byte. A lookup reads the header, two start entries and
// a few entries of one group: three cache lines, whatever the code's size.
//
// The struct is 64 bytes, one cache line (Go's allocator puts 64-byte
// objects on 64-byte boundaries).
type code struct {
	holder uint32      // value id of the code-holder route; 0 = none
	shift  uint8       // group = line >> shift
	start  []uint16    // group directory, len = groups+1; nil when ent is empty
	ent    []uint32    // low<<24 | value id, ascending within each group
	blocks *[10]uint32 // value ids of the 1,000-block routes; nil = none
}

// lookup returns the value id of line's TN-level route, or 0.
func (c *code) lookup(line uint32) uint32 {
	g := line >> c.shift
	if g+1 >= uint32(len(c.start)) {
		return 0
	}
	ent := c.ent[c.start[g]:c.start[g+1]]
	want := (line & (1<<c.shift - 1)) << 24
	lo, hi := 0, len(ent)
	for hi-lo > 8 {
		m := int(uint(lo+hi) >> 1)
		if ent[m] < want {
			lo = m + 1
		} else {
			hi = m
		}
	}
	for ; lo < len(ent); lo++ {
		if x := ent[lo]; x >= want {
			if x>>24 == want>>24 {
				return x & vidMask
			}
			return 0
		}
	}
	return 0
}

// size is what c adds to Bytes.
func (c *code) size() int64 {
	if c == nil {
		return 0
	}
	n := codeSize + 2*int64(cap(c.start)) + 4*int64(cap(c.ent))
	if c.blocks != nil {
		n += blocksSize
	}
	return n
}

// empty reports whether c holds nothing, so its NPA-NXX can be forgotten.
func (c *code) empty() bool {
	return c.holder == 0 && c.blocks == nil && len(c.ent) == 0
}

// lineChange sets (vid != 0) or removes (vid == 0) a TN-level route.
type lineChange struct {
	line uint32
	vid  uint32
}

// chooseShift returns the group shift for n TN-level entries.
func chooseShift(n int) uint8 {
	s := uint8(8)
	for s > 3 && n<<s > groupTarget*10000 {
		s--
	}
	return s
}

// build lays out the sorted lines and their value ids as a group
// directory and entries.
func build(lines []uint16, vids []uint32) (shift uint8, start []uint16, ent []uint32) {
	if len(lines) == 0 {
		return 0, nil, nil
	}
	shift = chooseShift(len(lines))
	mask := uint32(1)<<shift - 1
	start = make([]uint16, 9999>>shift+2)
	ent = make([]uint32, len(lines))
	for i, l := range lines {
		ent[i] = (uint32(l)&mask)<<24 | vids[i]
		start[l>>shift+1]++
	}
	for g := 1; g < len(start); g++ {
		start[g] += start[g-1]
	}
	return shift, start, ent
}

// loadLocked returns the code of npa-nxx, or nil.
func (ix *Index) loadLocked(npa, nxx uint32) *code {
	t := ix.npas[npa].Load()
	if t == nil {
		return nil
	}
	return t[nxx].Load()
}

// storeLocked publishes c as the code of npa-nxx in place of old, keeping
// Len and Bytes current. An empty c is stored as nil.
func (ix *Index) storeLocked(npa, nxx uint32, old, c *code) {
	if c != nil && c.empty() {
		c = nil
	}
	t := ix.npas[npa].Load()
	if t == nil {
		if c == nil {
			return
		}
		t = new(npaTable)
		ix.npas[npa].Store(t)
		ix.bytes.Add(npaTableSize)
	}
	t[nxx].Store(c)
	ix.bytes.Add(c.size() - old.size())
	var before, after int
	if old != nil {
		before = len(old.ent)
	}
	if c != nil {
		after = len(c.ent)
	}
	ix.tns.Add(int64(after - before))
}

// applyCodeLocked applies changes, sorted by line with one change per
// line, to the TN-level routes of npa-nxx. It copies the code once, and
// not at all when nothing changes.
func (ix *Index) applyCodeLocked(npa, nxx uint32, changes []lineChange) {
	old := ix.loadLocked(npa, nxx)
	if len(changes) == 1 && old != nil && ix.applyOneLocked(npa, nxx, old, changes[0]) {
		return
	}
	lines, vids := ix.lines[:0], ix.vids[:0]
	changed := false
	i := 0
	if old != nil {
		for g := 0; g+1 < len(old.start); g++ {
			base := uint32(g) << old.shift
			for _, x := range old.ent[old.start[g]:old.start[g+1]] {
				line, vid := base|x>>24, x&vidMask
				for i < len(changes) && changes[i].line < line {
					if ch := changes[i]; ch.vid != 0 {
						lines, vids = append(lines, uint16(ch.line)), append(vids, ch.vid)
						changed = true
					}
					i++
				}
				if i < len(changes) && changes[i].line == line {
					if ch := changes[i]; ch.vid != 0 {
						lines, vids = append(lines, uint16(line)), append(vids, ch.vid)
					}
					changed = changed || changes[i].vid != vid
					i++
					continue
				}
				lines, vids = append(lines, uint16(line)), append(vids, vid)
			}
		}
	}
	for ; i < len(changes); i++ {
		if ch := changes[i]; ch.vid != 0 {
			lines, vids = append(lines, uint16(ch.line)), append(vids, ch.vid)
			changed = true
		}
	}
	ix.lines, ix.vids = lines, vids
	if !changed {
		return
	}
	c := &code{}
	if old != nil {
		c.holder, c.blocks = old.holder, old.blocks
	}
	c.shift, c.start, c.ent = build(lines, vids)
	ix.storeLocked(npa, nxx, old, c)
}

// applyOneLocked applies one change to old, the code of npa-nxx, by
// copying its entries with one entry replaced, inserted or removed, which
// is several times faster than decoding and rebuilding them. It reports
// false, having done nothing, when the change alters the code's group
// shift or empties its entries; applyCodeLocked then rebuilds the code.
func (ix *Index) applyOneLocked(npa, nxx uint32, old *code, ch lineChange) bool {
	n := len(old.ent)
	if n == 0 {
		return false
	}
	g := ch.line >> old.shift
	want := (ch.line & (1<<old.shift - 1)) << 24
	p, end := int(old.start[g]), int(old.start[g+1])
	for p < end && old.ent[p] < want {
		p++
	}
	exists := p < end && old.ent[p]>>24 == want>>24
	c := *old
	switch {
	case ch.vid != 0 && exists:
		if old.ent[p]&vidMask == ch.vid {
			return true
		}
		c.ent = cloneExact(old.ent)
		c.ent[p] = want | ch.vid
	case ch.vid != 0:
		if chooseShift(n+1) != old.shift {
			return false
		}
		c.ent = make([]uint32, n+1)
		copy(c.ent, old.ent[:p])
		c.ent[p] = want | ch.vid
		copy(c.ent[p+1:], old.ent[p:])
		c.start = cloneExact(old.start)
		for i := g + 1; i < uint32(len(c.start)); i++ {
			c.start[i]++
		}
	case exists:
		if n == 1 || chooseShift(n-1) != old.shift {
			return false
		}
		c.ent = make([]uint32, n-1)
		copy(c.ent, old.ent[:p])
		copy(c.ent[p:], old.ent[p+1:])
		c.start = cloneExact(old.start)
		for i := g + 1; i < uint32(len(c.start)); i++ {
			c.start[i]--
		}
	default:
		return true // deleting a TN-level route that is not there
	}
	ix.storeLocked(npa, nxx, old, &c)
	return true
}

// setBlockLocked sets (vid != 0) or removes (vid == 0) the route of block
// x of npa-nxx.
func (ix *Index) setBlockLocked(npa, nxx, x, vid uint32) {
	old := ix.loadLocked(npa, nxx)
	c := &code{}
	if old != nil {
		*c = *old
	}
	var cur uint32
	if c.blocks != nil {
		cur = c.blocks[x]
	}
	if cur == vid {
		return
	}
	b := new([10]uint32)
	if c.blocks != nil {
		*b = *c.blocks
	}
	b[x] = vid
	c.blocks = b
	if *b == ([10]uint32{}) {
		c.blocks = nil
	}
	ix.storeLocked(npa, nxx, old, c)
}

// setHolderLocked sets (vid != 0) or removes (vid == 0) the code-holder
// route of npa-nxx.
func (ix *Index) setHolderLocked(npa, nxx, vid uint32) {
	old := ix.loadLocked(npa, nxx)
	c := &code{}
	if old != nil {
		*c = *old
	}
	if c.holder == vid {
		return
	}
	c.holder = vid
	ix.storeLocked(npa, nxx, old, c)
}

// cloneExact copies s into a new slice of exactly its length, so that
// capacities, which Bytes counts, do not depend on how a code was built.
func cloneExact[T any](s []T) []T {
	c := make([]T, len(s))
	copy(c, s)
	return c
}
