package numbering

import (
	"cmp"
	"slices"

	"github.com/opennpac/npac"
)

// CodeChange is one NPA-NXX that differs between two snapshots.
type CodeChange struct {
	NPANXX   npac.NPANXX
	Old, New *Code // Old nil: added; New nil: removed
	// Fields lists the fields that changed, in this order: "status",
	// "ocn", "company", "exchange_area", "province", "remarks". Empty for
	// added and removed codes.
	Fields []string
}

// CodeDiff is what changed between two snapshots, keyed by NPA-NXX.
type CodeDiff struct {
	Added, Removed, Changed []CodeChange // each sorted by NPANXX
	// Counts holds, per field name, how many Changed entries changed that
	// field, e.g. Counts["status"] == 2050. Fields that never changed are
	// absent.
	Counts    map[string]int
	Unchanged int // codes in both snapshots with no field changed
}

// DiffCodes compares two snapshots of codes. Line numbers are ignored.
// Province is compared only when both snapshots have provinces (some code
// in each has a non-empty Province), so a file without a Province column
// does not report every code as changed. Old and New point into the slices
// given. If a slice lists an NPA-NXX twice, its last entry is used.
func DiffCodes(old, new []Code) *CodeDiff {
	d := &CodeDiff{Counts: map[string]int{}}
	province := hasProvince(old) && hasProvince(new)
	before := make(map[npac.NPANXX]*Code, len(old))
	for i := range old {
		before[old[i].NPANXX] = &old[i]
	}
	after := make(map[npac.NPANXX]*Code, len(new))
	for i := range new {
		after[new[i].NPANXX] = &new[i]
	}
	for k, n := range after {
		o, ok := before[k]
		if !ok {
			d.Added = append(d.Added, CodeChange{NPANXX: k, New: n})
			continue
		}
		fields := changedFields(o, n, province)
		if len(fields) == 0 {
			d.Unchanged++
			continue
		}
		for _, f := range fields {
			d.Counts[f]++
		}
		d.Changed = append(d.Changed, CodeChange{NPANXX: k, Old: o, New: n, Fields: fields})
	}
	for k, o := range before {
		if _, ok := after[k]; !ok {
			d.Removed = append(d.Removed, CodeChange{NPANXX: k, Old: o})
		}
	}
	for _, s := range [][]CodeChange{d.Added, d.Removed, d.Changed} {
		slices.SortFunc(s, func(a, b CodeChange) int { return cmp.Compare(a.NPANXX, b.NPANXX) })
	}
	return d
}

func hasProvince(codes []Code) bool {
	for i := range codes {
		if codes[i].Province != "" {
			return true
		}
	}
	return false
}

func changedFields(o, n *Code, province bool) []string {
	var f []string
	if o.Status != n.Status {
		f = append(f, "status")
	}
	if o.OCN != n.OCN {
		f = append(f, "ocn")
	}
	if o.Company != n.Company {
		f = append(f, "company")
	}
	if o.ExchangeArea != n.ExchangeArea {
		f = append(f, "exchange_area")
	}
	if province && o.Province != n.Province {
		f = append(f, "province")
	}
	if o.Remarks != n.Remarks {
		f = append(f, "remarks")
	}
	return f
}
