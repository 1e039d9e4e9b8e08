package portorder

import (
	"fmt"
	"testing"

	"github.com/opennpac/npac"
)

// 250 numbers held by two losing SPs (150 and 100, interleaved) become
// orders of at most 100 numbers, each for one losing SP, flagged Project.
func TestSplitProject(t *testing.T) {
	o := usOrder(t)
	o.TNs = nil
	o.LosingSPID = "LOSA"
	for i := range 250 {
		sp := npac.SPID("LOSA")
		if i%5 == 1 || i%5 == 3 { // 100 of 250
			sp = "LOSB"
		}
		o.TNs = append(o.TNs, OrderTN{TN: npac.TN(fmt.Sprintf("518555%04d", i)), Type: TypeWireline, LosingSPID: sp, Status: StatusDraft})
	}
	parts := Split(o, 0)
	if len(parts) != 3 {
		t.Fatalf("%d parts, want 3 (LOSA 100+50, LOSB 100)", len(parts))
	}
	seen := map[npac.TN]bool{}
	perSP := map[npac.SPID]int{}
	for i, p := range parts {
		if len(p.TNs) > 100 || len(p.TNs) == 0 {
			t.Errorf("part %d has %d numbers", i, len(p.TNs))
		}
		if !p.Project || p.ParentID != "PO-1" || p.ID != fmt.Sprintf("PO-1-%d", i+1) {
			t.Errorf("part %d: project %t parent %q id %q", i, p.Project, p.ParentID, p.ID)
		}
		for _, tn := range p.TNs {
			want := npac.SPID("LOSA")
			var n int
			fmt.Sscanf(string(tn.TN[6:]), "%d", &n)
			if n%5 == 1 || n%5 == 3 {
				want = "LOSB"
			}
			if want != p.LosingSPID {
				t.Errorf("part %d (%s) holds %s of %s", i, p.LosingSPID, tn.TN, want)
			}
			if seen[tn.TN] {
				t.Errorf("%s in two parts", tn.TN)
			}
			seen[tn.TN] = true
		}
		perSP[p.LosingSPID] += len(p.TNs)
		// Siblings of the same account are listed as ported elsewhere.
		siblings := 0
		for _, r := range p.Remaining {
			if r.Action == Port {
				siblings++
			}
		}
		if want := perSP0(parts, p.LosingSPID) - len(p.TNs); siblings != want || (want > 0) != p.Partial {
			t.Errorf("part %d: %d siblings listed (partial %t), want %d", i, siblings, p.Partial, want)
		}
		if n := len(p.History); n == 0 || p.History[n-1].Action != ActSplit {
			t.Errorf("part %d: no split event", i)
		}
	}
	if len(seen) != 250 || perSP["LOSA"] != 150 || perSP["LOSB"] != 100 {
		t.Errorf("numbers %d, per SP %v", len(seen), perSP)
	}
	if len(o.TNs) != 250 || o.Project {
		t.Error("Split changed its input")
	}
	// The parts pass the size requirement the whole order failed.
	if q := reqByName(Requirements(o, usNow(t)), ReqNumbers); q.Met {
		t.Error("250 numbers met the size requirement")
	}
	if q := reqByName(Requirements(&parts[0], usNow(t)), ReqNumbers); !q.Met {
		t.Errorf("part: %s", q.Fix)
	}
}

func perSP0(parts []Order, sp npac.SPID) int {
	n := 0
	for _, p := range parts {
		if p.LosingSPID == sp {
			n += len(p.TNs)
		}
	}
	return n
}

func TestSplitSmall(t *testing.T) {
	o := usOrder(t)
	parts := Split(o, 100)
	if len(parts) != 1 || parts[0].ID != o.ID || parts[0].Project || len(parts[0].TNs) != 1 {
		t.Fatalf("small order: %+v", parts)
	}
	// Two losing SPs under the limit: split per SP, not a project.
	o.TNs = append(o.TNs, OrderTN{TN: "5185550101", LosingSPID: "LOSB"})
	parts = Split(o, 100)
	if len(parts) != 2 || parts[0].Project || parts[0].LosingSPID != "LOSB" || parts[1].LosingSPID != "LOSE" {
		t.Fatalf("two SPs: %d parts %+v", len(parts), parts)
	}
	// A custom limit.
	o = usOrder(t)
	for i := 1; i < 7; i++ {
		o.TNs = append(o.TNs, OrderTN{TN: npac.TN(fmt.Sprintf("518555010%d", i))})
	}
	parts = Split(o, 3)
	if len(parts) != 3 || !parts[2].Project || len(parts[2].TNs) != 1 {
		t.Fatalf("limit 3: %d parts", len(parts))
	}
}

func reqByName(reqs []Requirement, name string) Requirement {
	for _, q := range reqs {
		if q.Name == name {
			return q
		}
	}
	return Requirement{Name: name}
}
