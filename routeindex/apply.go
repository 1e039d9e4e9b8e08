package routeindex

import (
	"slices"

	"github.com/opennpac/npac"
)

// Change is one TN-level update for [Index.Apply].
type Change struct {
	// TN is the ten-digit TN to update.
	TN npac.TN
	// Route is the TN's new TN-level route; nil deletes it (as
	// [Index.Delete]). Apply reads it during the call only.
	Route *npac.Route
}

// seqBits is how many low bits of an Apply sort key hold the change's
// position in its batch; the TN (< 10^10 < 2^34) takes the rest.
const seqBits = 30

// Apply makes many TN-level updates at once, as Set and Delete would one
// by one, but copies each touched NPA-NXX once per call rather than once
// per change. When a TN appears more than once, its last change wins.
// Use it for bulk loads and for applying a batch of the broadcast stream.
//
// Apply is not atomic across NPA-NXXs: a concurrent Resolve may see some
// codes already updated and others not yet, but every TN always resolves
// to either its old or its new route. It panics, before changing
// anything, if a TN is not ten digits.
func (ix *Index) Apply(changes []Change) {
	for len(changes) > 1<<seqBits {
		ix.Apply(changes[:1<<seqBits])
		changes = changes[1<<seqBits:]
	}
	if len(changes) == 0 {
		return
	}
	// key = TN as a number, then the change's position: sorting groups
	// changes by code and line and keeps each TN's changes in order.
	keys := make([]uint64, len(changes))
	for i, ch := range changes {
		npa, nxx, line := mustSplitTN(ch.TN)
		tn := (uint64(npa)*1000+uint64(nxx))*10000 + uint64(line)
		keys[i] = tn<<seqBits | uint64(i)
	}
	slices.Sort(keys)

	ix.mu.Lock()
	defer ix.mu.Unlock()
	var memo map[*npac.Route]uint32 // value ids of routes seen in this call
	vidOf := func(r *npac.Route) uint32 {
		if r == nil {
			return 0
		}
		if vid, ok := memo[r]; ok {
			return vid
		}
		if memo == nil {
			memo = make(map[*npac.Route]uint32)
		}
		vid := ix.internLocked(r)
		memo[r] = vid
		return vid
	}
	var batch []lineChange
	curCode := keys[0] >> seqBits / 10000
	for i, k := range keys {
		tn := k >> seqBits
		if i+1 < len(keys) && keys[i+1]>>seqBits == tn {
			continue // a later change to the same TN wins
		}
		if c := tn / 10000; c != curCode {
			ix.applyCodeLocked(uint32(curCode/1000), uint32(curCode%1000), batch)
			batch, curCode = batch[:0], c
		}
		vid := vidOf(changes[k&(1<<seqBits-1)].Route)
		batch = append(batch, lineChange{line: uint32(tn % 10000), vid: vid})
	}
	ix.applyCodeLocked(uint32(curCode/1000), uint32(curCode%1000), batch)
}
