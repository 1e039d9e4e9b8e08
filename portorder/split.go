package portorder

import (
	"fmt"
	"slices"

	"github.com/opennpac/npac"
)

// Split divides an order into orders the losing SPs can take, with the
// default rules' limit when maxTNs <= 0 (100). See Rules.Split.
func Split(o *Order, maxTNs int) []Order {
	r := DefaultRules()
	r.MaxTNs = maxTNs
	return r.Split(o)
}

// Split divides o into one order per losing SP (a number's LosingSPID,
// else the order's), each of at most MaxTNs numbers, in numbers' order. An
// order with more than MaxTNs numbers is a project port (Plivo, seed 004
// line 191) and every part is flagged Project. An order that needs no split
// comes back as a single copy.
//
// Parts get IDs "<id>-1", "<id>-2", … (when o has an ID), ParentID o.ID, the
// losing SPID of their group, and a "split" history entry. Parts of the
// same losing SP are parts of one account, so each part lists its
// siblings' numbers as Remaining with action "port" and is marked Partial:
// the losing SP then sees that nothing is stranded. Parts are ordered by
// losing SPID.
func (r Rules) Split(o *Order) []Order {
	r = r.norm()
	groups := map[npac.SPID][]OrderTN{}
	for _, t := range o.TNs {
		sp := t.LosingSPID
		if sp == "" {
			sp = o.LosingSPID
		}
		groups[sp] = append(groups[sp], t)
	}
	if len(groups) <= 1 && len(o.TNs) <= r.MaxTNs {
		return []Order{*o.Clone()}
	}
	sps := make([]npac.SPID, 0, len(groups))
	for sp := range groups {
		sps = append(sps, sp)
	}
	slices.Sort(sps)
	project := len(o.TNs) > r.MaxTNs
	var out []Order
	for _, sp := range sps {
		tns := groups[sp]
		for start := 0; start < len(tns); start += r.MaxTNs {
			end := min(start+r.MaxTNs, len(tns))
			p := o.Clone()
			p.ParentID = o.ID
			p.LosingSPID = sp
			p.Project = p.Project || project
			p.TNs = append([]OrderTN(nil), tns[start:end]...)
			for i := range p.TNs {
				p.TNs[i].LosingSPID = ""
			}
			for i, t := range tns {
				if i < start || i >= end {
					p.Remaining = append(p.Remaining, RemainingService{TN: t.TN, Action: Port})
				}
			}
			if len(p.Remaining) > 0 {
				p.Partial = true
			}
			out = append(out, *p)
		}
	}
	for i := range out {
		if o.ID != "" {
			out[i].ID = fmt.Sprintf("%s-%d", o.ID, i+1)
		}
		out[i].History = append(out[i].History, Event{At: o.UpdatedAt, Action: ActSplit, Status: out[i].Status,
			Note: fmt.Sprintf("part %d of %d of order %s (%d numbers, losing SP %s)", i+1, len(out), o.ID, len(out[i].TNs), out[i].LosingSPID)})
	}
	return out
}
