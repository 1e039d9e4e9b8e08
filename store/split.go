package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	npac "github.com/opennpac/npac"
)

// NPA splits. At the start of the permissive dialing period the NPAC
// copies each moving NPA-NXX under the new NPA and moves every SV, pool
// block and published route of the old code to the new one, in one
// transaction; the log carries one npa-split message, and each LSMS moves
// its own copy the same way (as LSMSs convert splits locally, rather than
// receiving every SV again). During the period, a create that names a
// number under the old NPA is taken as the new number, and LSMSs answer
// both. At its end the old NPA-NXXs are deleted.

func scanSplit(r rowScanner) (*npac.Split, error) {
	id, sp, err := scanDoc[npac.Split](r, "split")
	if err != nil {
		return nil, err
	}
	sp.ID = id
	return sp, nil
}

func (t *tx) saveSplit(sp *npac.Split) error {
	data, err := json.Marshal(sp)
	if err != nil {
		return err
	}
	if _, err := t.exec(`UPDATE splits SET status = ?, data = ? WHERE id = ?`, string(sp.Status), string(data), sp.ID); err != nil {
		return fmt.Errorf("save split: %w", err)
	}
	return nil
}

// openSplits lists the splits not complete.
func (t *tx) openSplits() ([]*npac.Split, error) {
	rows, err := t.query(`SELECT id, data FROM splits WHERE status <> 'complete' ORDER BY id`)
	return collect(rows, err, scanSplit)
}

// splitTN returns the number a TN is during a permissive dialing period:
// the same line under the new NPA when its code is moving, else tn.
func (t *tx) splitTN(tn npac.TN) (npac.TN, error) {
	open, err := t.openSplits()
	if err != nil {
		return "", err
	}
	for _, sp := range open {
		if sp.Status == npac.SplitPermissive && string(tn[:3]) == sp.OldNPA && slices.Contains(sp.NXXs, string(tn[3:6])) {
			return npac.TN(sp.NewNPA) + tn[3:], nil
		}
	}
	return tn, nil
}

// CreateSplit implements npac.SplitService.
func (s *Store) CreateSplit(ctx context.Context, sp *npac.Split) error {
	return s.inTx(ctx, func(t *tx) error {
		if err := requireAdmin(t.actor, "schedule NPA splits"); err != nil {
			return err
		}
		if sp.OldNPA == sp.NewNPA {
			return npac.Errorf(npac.EINVALID, "A split moves codes to another NPA; the old and new NPA are both %s.", sp.OldNPA)
		}
		if len(sp.NXXs) == 0 {
			return npac.Errorf(npac.EINVALID, "Name the NXXs that move to NPA %s.", sp.NewNPA)
		}
		slices.Sort(sp.NXXs)
		sp.NXXs = slices.Compact(sp.NXXs)
		for _, x := range sp.NXXs {
			for _, npa := range []string{sp.OldNPA, sp.NewNPA} {
				if _, err := npac.ParseNPANXX(npa + x); err != nil {
					return npac.Errorf(npac.EINVALID, "NPA %q with NXX %q: %s", npa, x, npac.ErrorMessage(err))
				}
			}
		}
		if sp.PDPStart.IsZero() {
			sp.PDPStart = t.now
		}
		switch {
		case sp.PDPStart.Before(t.now.Add(-time.Minute)):
			return npac.Errorf(npac.EINVALID, "The permissive dialing period cannot start in the past (%s).", sp.PDPStart.UTC().Format(time.RFC3339))
		case !sp.PDPEnd.After(sp.PDPStart):
			return npac.Errorf(npac.EINVALID, "The permissive dialing period must end after it starts.")
		}
		old, nw := sp.Codes()
		var region npac.Region
		for i := range old {
			c, err := t.code(old[i])
			if err != nil {
				return err
			}
			if region != "" && c.Region != region {
				return npac.Errorf(npac.EINVALID, "A split stays in one region; %s is in %s, not %s.", c.NPANXX, c.Region, region)
			}
			region = c.Region
			if _, err := t.code(nw[i]); err == nil {
				return npac.Errorf(npac.ECONFLICT, "NPA-NXX %s already exists; a split cannot move %s onto it.", nw[i], old[i])
			}
		}
		open, err := t.openSplits()
		if err != nil {
			return err
		}
		for _, o := range open {
			for _, x := range o.NXXs {
				if (o.OldNPA == sp.OldNPA || o.NewNPA == sp.NewNPA) && slices.Contains(sp.NXXs, x) {
					return npac.Errorf(npac.ECONFLICT, "NXX %s is already in split %d (%s to %s).", x, o.ID, o.OldNPA, o.NewNPA)
				}
			}
		}
		sp.PDPStart, sp.PDPEnd = sp.PDPStart.UTC(), sp.PDPEnd.UTC()
		sp.Status, sp.Moved, sp.CreatedAt, sp.UpdatedAt = npac.SplitScheduled, nil, t.now, t.now
		data, err := json.Marshal(sp)
		if err != nil {
			return err
		}
		if err := t.row(`INSERT INTO splits (status, pdp_start, pdp_end, data) VALUES (?, ?, ?, ?) RETURNING id`,
			string(sp.Status), micros(sp.PDPStart), micros(sp.PDPEnd), string(data)).Scan(&sp.ID); err != nil {
			return fmt.Errorf("insert split: %w", err)
		}
		if !sp.PDPStart.After(t.now) {
			if err := t.startSplit(sp); err != nil {
				return err
			}
		}
		return t.audit("", "split.create", "split", strconv.FormatInt(sp.ID, 10), nil, sp)
	})
}

// Splits implements npac.SplitService.
func (s *Store) Splits(ctx context.Context) ([]*npac.Split, error) {
	if _, err := actor(ctx); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, data FROM splits ORDER BY id`)
	return collect(rows, err, scanSplit)
}

// rekey rewrites the rows of a table whose key lies in an old code so that
// they lie in the new one: pk is the primary key column (an SV's TN, or a
// block's NPA-NXX-X, may have several rows), key the key column, width its
// length (10 for TNs, 7 for blocks), and fix rewrites a row's JSON document
// for its new key. It returns how many rows moved.
func (t *tx) rekey(table, pk, key string, width int, oldCode, newCode npac.NPANXX, fix func(data []byte, newKey string) ([]byte, error)) (int, error) {
	lo, hi := string(oldCode), string(oldCode)
	for len(lo) < width {
		lo, hi = lo+"0", hi+"9"
	}
	type row struct {
		pk        any
		key, data string
	}
	rows, err := t.query(`SELECT `+pk+`, `+key+`, data FROM `+table+` WHERE `+key+` >= ? AND `+key+` <= ?`, lo, hi)
	if err != nil {
		return 0, fmt.Errorf("split %s: %w", table, err)
	}
	var rs []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.pk, &r.key, &r.data); err != nil {
			rows.Close()
			return 0, fmt.Errorf("split %s: %w", table, err)
		}
		rs = append(rs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, r := range rs {
		nk := string(newCode) + r.key[6:]
		data, err := fix([]byte(r.data), nk)
		if err != nil {
			return 0, err
		}
		if _, err := t.exec(`UPDATE `+table+` SET `+key+` = ?, data = ? WHERE `+pk+` = ?`, nk, string(data), r.pk); err != nil {
			return 0, fmt.Errorf("split %s %s: %w", table, r.key, err)
		}
	}
	return len(rs), nil
}

// rewrite returns a JSON document's fix function: it decodes into a new T,
// lets set change it, and encodes it again.
func rewrite[T any](set func(*T, string)) func([]byte, string) ([]byte, error) {
	return func(data []byte, nk string) ([]byte, error) {
		v := new(T)
		if err := json.Unmarshal(data, v); err != nil {
			return nil, err
		}
		set(v, nk)
		return json.Marshal(v)
	}
}

// startSplit opens the permissive dialing period: the codes, their SVs,
// blocks and published routes move to the new NPA.
func (t *tx) startSplit(sp *npac.Split) error {
	old, nw := sp.Codes()
	moved := &npac.SplitMoved{}
	var region npac.Region
	for i := range old {
		c, err := t.code(old[i])
		if err != nil {
			return err
		}
		region = c.Region
		nc := *c
		nc.NPANXX, nc.EffectiveDate = nw[i], t.now
		if err := t.insertCode(&nc); err != nil {
			return err
		}
		if c.FirstPortAt != nil {
			if _, err := t.exec(`UPDATE npanxx SET first_port_at = ? WHERE npanxx = ?`, micros(*c.FirstPortAt), string(nw[i])); err != nil {
				return fmt.Errorf("split code: %w", err)
			}
		}
		moved.Codes++
		steps := []struct {
			table, pk, key string
			width          int
			fix            func([]byte, string) ([]byte, error)
			count          *int
		}{
			// The version moves too (below), so that a change that read
			// the SV before the split cannot write it back.
			{"svs", "id", "tn", 10, rewrite(func(sv *npac.SV, k string) { sv.TN, sv.Version = npac.TN(k), sv.Version+1 }), &moved.SVs},
			{"lsms_routes", "tn", "tn", 10, rewrite(func(m *npac.Message, k string) { m.TN = npac.TN(k) }), nil},
			{"blocks", "id", "npanxxx", 7, rewrite(func(b *npac.Block, k string) { b.NPANXXX = npac.NPANXXX(k) }), &moved.Blocks},
			{"lsms_blocks", "npanxxx", "npanxxx", 7, rewrite(func(m *npac.Message, k string) { m.Block = npac.NPANXXX(k) }), nil},
		}
		for _, st := range steps {
			n, err := t.rekey(st.table, st.pk, st.key, st.width, old[i], nw[i], st.fix)
			if err != nil {
				return err
			}
			if st.count != nil {
				*st.count += n
			}
		}
		if _, err := t.exec(`UPDATE svs SET version = version + 1 WHERE tn >= ? AND tn <= ?`, string(nw[i])+"0000", string(nw[i])+"9999"); err != nil {
			return fmt.Errorf("split svs: %w", err)
		}
	}
	if err := t.appendLog(&npac.Message{Kind: npac.MsgSplit, Region: region,
		Split: &npac.SplitNotice{SplitID: sp.ID, OldNPA: sp.OldNPA, NewNPA: sp.NewNPA, NXXs: sp.NXXs, Phase: "start"}}); err != nil {
		return err
	}
	sp.Status, sp.Moved, sp.UpdatedAt = npac.SplitPermissive, moved, t.now
	return t.saveSplit(sp)
}

// endSplit closes the permissive dialing period: the old NPA-NXXs go.
func (t *tx) endSplit(sp *npac.Split) error {
	old, _ := sp.Codes()
	var region npac.Region
	for _, code := range old {
		c, err := t.code(code)
		if npac.ErrorCode(err) == npac.ENOTFOUND {
			continue
		} else if err != nil {
			return err
		}
		region = c.Region
		if _, err := t.exec(`DELETE FROM npanxx WHERE npanxx = ?`, string(code)); err != nil {
			return fmt.Errorf("split end: %w", err)
		}
		if err := t.appendLog(&npac.Message{Kind: npac.MsgCodeDelete, Region: c.Region, Code: c}); err != nil {
			return err
		}
	}
	if region == "" {
		if c, err := t.code(npac.NPANXX(sp.NewNPA + sp.NXXs[0])); err == nil {
			region = c.Region
		}
	}
	if err := t.appendLog(&npac.Message{Kind: npac.MsgSplit, Region: region,
		Split: &npac.SplitNotice{SplitID: sp.ID, OldNPA: sp.OldNPA, NewNPA: sp.NewNPA, NXXs: sp.NXXs, Phase: "end"}}); err != nil {
		return err
	}
	sp.Status, sp.UpdatedAt = npac.SplitComplete, t.now
	return t.saveSplit(sp)
}

// AdvanceSplits implements npac.SplitService.
func (s *Store) AdvanceSplits(ctx context.Context, now time.Time) (int, error) {
	ctx = npac.NewContext(ctx, npac.SystemActor)
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT id FROM splits WHERE (status = 'scheduled' AND pdp_start <= ?) OR (status = 'permissive' AND pdp_end <= ?) ORDER BY id`),
		micros(now), micros(now))
	ids, err := collect(rows, err, scanID)
	if err != nil {
		return 0, fmt.Errorf("due splits: %w", err)
	}
	n := 0
	var errs []error
	for _, id := range ids {
		err := s.inTx(ctx, func(t *tx) error {
			sp, err := scanSplit(t.row(`SELECT id, data FROM splits WHERE id = ?`+t.s.d.ForUpdate, id))
			if err != nil {
				return err
			}
			before := *sp
			switch {
			case sp.Status == npac.SplitScheduled && !sp.PDPStart.After(t.now):
				err = t.startSplit(sp)
			case sp.Status == npac.SplitPermissive && !sp.PDPEnd.After(t.now):
				err = t.endSplit(sp)
			default:
				return nil
			}
			if err != nil {
				return err
			}
			n++
			return t.audit("", "split."+string(sp.Status), "split", strconv.FormatInt(sp.ID, 10), &before, sp)
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("split %d: %w", id, err))
		}
	}
	return n, errors.Join(errs...)
}
