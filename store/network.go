package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	npac "github.com/opennpac/npac"
)

// mayManage refuses network data changes for a SPID the actor does not act
// for.
func mayManage(a *npac.Actor, spid npac.SPID) error {
	if a.IsAdmin() || a.Has(npac.RoleSOA, spid) {
		return nil
	}
	if _, ok := a.Bureau[spid]; ok {
		return nil
	}
	return npac.Errorf(npac.EFORBIDDEN, "You may manage network data only for the SPIDs you act for, not %s.", spid)
}

// CreateCode implements npac.NetworkService.
func (s *Store) CreateCode(ctx context.Context, c *npac.CodeRecord) error {
	return s.inTx(ctx, func(t *tx) error {
		code, err := npac.ParseNPANXX(string(c.NPANXX))
		if err != nil {
			return err
		}
		c.NPANXX = code
		if c.SPID, err = npac.ParseSPID(string(c.SPID)); err != nil {
			return err
		}
		if c.Region, err = npac.ParseRegion(string(c.Region)); err != nil {
			return err
		}
		if err := mayManage(t.actor, c.SPID); err != nil {
			return err
		}
		if _, err := t.provider(c.SPID); err != nil {
			return npac.Errorf(npac.ENOTFOUND, "Code holder %s is not a registered provider.", c.SPID)
		}
		if _, err := t.code(code); err == nil {
			return npac.Errorf(npac.ECONFLICT, "NPA-NXX %s is already registered.", code)
		}
		if err := t.insertCode(c); err != nil {
			return err
		}
		if c.Portable {
			if err := t.announceOpening(c); err != nil {
				return err
			}
		}
		return t.audit(c.SPID, "npa-nxx.create", "npa-nxx", string(code), nil, c)
	})
}

// insertCode stores a new NPA-NXX and broadcasts it.
func (t *tx) insertCode(c *npac.CodeRecord) error {
	if c.EffectiveDate.IsZero() {
		c.EffectiveDate = t.now
	}
	c.EffectiveDate = c.EffectiveDate.UTC()
	c.CreatedAt, c.UpdatedAt = t.now, t.now
	if _, err := t.exec(`INSERT INTO npanxx (npanxx, spid, region, effective_date, portable, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		string(c.NPANXX), string(c.SPID), string(c.Region), micros(c.EffectiveDate), c.Portable, micros(t.now), micros(t.now)); err != nil {
		return fmt.Errorf("insert npa-nxx: %w", err)
	}
	return t.appendLog(&npac.Message{Kind: npac.MsgCode, Region: c.Region, Code: c})
}

const codeCols = `npanxx, spid, region, effective_date, portable, created_at, updated_at, first_port_at`

func scanCode(r rowScanner) (*npac.CodeRecord, error) {
	var (
		c                 npac.CodeRecord
		eff, created, upd int64
		first             sql.NullInt64
	)
	if err := r.Scan(&c.NPANXX, &c.SPID, &c.Region, &eff, &c.Portable, &created, &upd, &first); errors.Is(err, sql.ErrNoRows) {
		return nil, npac.Errorf(npac.ENOTFOUND, "No such NPA-NXX.")
	} else if err != nil {
		return nil, fmt.Errorf("scan npa-nxx: %w", err)
	}
	c.EffectiveDate, c.CreatedAt, c.UpdatedAt = fromMicros(eff), fromMicros(created), fromMicros(upd)
	if first.Valid {
		f := fromMicros(first.Int64)
		c.FirstPortAt = &f
	}
	return &c, nil
}

func (t *tx) code(code npac.NPANXX) (*npac.CodeRecord, error) {
	c, err := scanCode(t.row(`SELECT `+codeCols+` FROM npanxx WHERE npanxx = ?`, string(code)))
	if npac.ErrorCode(err) == npac.ENOTFOUND {
		return nil, npac.Errorf(npac.ENOTFOUND, "NPA-NXX %s is not registered in the NPAC.", code)
	}
	return c, err
}

// Code implements npac.NetworkService.
func (s *Store) Code(ctx context.Context, code npac.NPANXX) (*npac.CodeRecord, error) {
	if _, err := actor(ctx); err != nil {
		return nil, err
	}
	c, err := scanCode(s.db.QueryRowContext(ctx, s.q(`SELECT `+codeCols+` FROM npanxx WHERE npanxx = ?`), string(code)))
	if npac.ErrorCode(err) == npac.ENOTFOUND {
		return nil, npac.Errorf(npac.ENOTFOUND, "NPA-NXX %s is not registered in the NPAC.", code)
	}
	return c, err
}

// where builds a WHERE clause from optional equality conditions and an
// "after" key.
func where(conds map[string]string, afterCol, after string) (string, []any) {
	var (
		parts []string
		args  []any
	)
	for _, col := range []string{"spid", "region"} {
		if v := conds[col]; v != "" {
			parts = append(parts, col+" = ?")
			args = append(args, v)
		}
	}
	if after != "" {
		parts = append(parts, afterCol+" > ?")
		args = append(args, after)
	}
	if len(parts) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(parts, " AND "), args
}

// Codes implements npac.NetworkService.
func (s *Store) Codes(ctx context.Context, f npac.CodeFilter) ([]*npac.CodeRecord, error) {
	if _, err := actor(ctx); err != nil {
		return nil, err
	}
	w, args := where(map[string]string{"spid": string(f.SPID), "region": string(f.Region)}, "npanxx", string(f.After))
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+codeCols+` FROM npanxx`+w+` ORDER BY npanxx LIMIT `+fmt.Sprint(limit(f.Limit, 100, 1000))), args...)
	out, err := collect(rows, err, scanCode)
	if err != nil {
		return nil, fmt.Errorf("npa-nxx list: %w", err)
	}
	return out, nil
}

// UpdateCode implements npac.NetworkService.
func (s *Store) UpdateCode(ctx context.Context, code npac.NPANXX, upd npac.CodeUpdate) (*npac.CodeRecord, error) {
	var out *npac.CodeRecord
	err := s.inTx(ctx, func(t *tx) error {
		c, err := t.code(code)
		if err != nil {
			return err
		}
		if err := mayManage(t.actor, c.SPID); err != nil {
			return err
		}
		if upd.Portable == nil && upd.EffectiveDate == nil {
			return npac.Errorf(npac.EINVALID, "Name a field to change: portable or effective_date.")
		}
		before := *c
		opened := upd.Portable != nil && *upd.Portable && !c.Portable
		if upd.Portable != nil {
			c.Portable = *upd.Portable
		}
		if upd.EffectiveDate != nil {
			c.EffectiveDate = upd.EffectiveDate.UTC()
		}
		c.UpdatedAt = t.now
		if _, err := t.exec(`UPDATE npanxx SET portable = ?, effective_date = ?, updated_at = ? WHERE npanxx = ?`,
			c.Portable, micros(c.EffectiveDate), micros(t.now), string(code)); err != nil {
			return fmt.Errorf("update npa-nxx: %w", err)
		}
		out = c
		if err := t.appendLog(&npac.Message{Kind: npac.MsgCode, Region: c.Region, Code: c}); err != nil {
			return err
		}
		if opened {
			if err := t.announceOpening(c); err != nil {
				return err
			}
		}
		return t.audit(c.SPID, "npa-nxx.update", "npa-nxx", string(code), before, c)
	})
	return out, err
}

// DeleteCode implements npac.NetworkService.
func (s *Store) DeleteCode(ctx context.Context, code npac.NPANXX) error {
	return s.inTx(ctx, func(t *tx) error {
		c, err := t.code(code)
		if err != nil {
			return err
		}
		if err := mayManage(t.actor, c.SPID); err != nil {
			return err
		}
		var n int
		if err := t.row(`SELECT COUNT(*) FROM svs WHERE tn >= ? AND tn <= ? AND slot IS NOT NULL`, string(code)+"0000", string(code)+"9999").Scan(&n); err != nil {
			return fmt.Errorf("npa-nxx in use: %w", err)
		}
		if n > 0 {
			return npac.Errorf(npac.EInUse, "NPA-NXX %s has %d live subscription versions; they must be disconnected or canceled before the code is deleted.", code, n)
		}
		if _, err := t.exec(`DELETE FROM npanxx WHERE npanxx = ?`, string(code)); err != nil {
			return fmt.Errorf("delete npa-nxx: %w", err)
		}
		if err := t.appendLog(&npac.Message{Kind: npac.MsgCodeDelete, Region: c.Region, Code: c}); err != nil {
			return err
		}
		return t.audit(c.SPID, "npa-nxx.delete", "npa-nxx", string(code), c, nil)
	})
}

// CreateLRN implements npac.NetworkService.
func (s *Store) CreateLRN(ctx context.Context, l *npac.LRNRecord) error {
	return s.inTx(ctx, func(t *tx) error {
		lrn, err := npac.ParseLRN(string(l.LRN))
		if err != nil {
			return err
		}
		if lrn.IsPseudo() {
			return npac.Errorf(npac.EINVALID, "The pseudo-LRN %s belongs to no provider and is not registered; SVs and blocks may carry it as it is.", lrn)
		}
		l.LRN = lrn
		if l.SPID, err = npac.ParseSPID(string(l.SPID)); err != nil {
			return err
		}
		if l.Region, err = npac.ParseRegion(string(l.Region)); err != nil {
			return err
		}
		if err := mayManage(t.actor, l.SPID); err != nil {
			return err
		}
		if _, err := t.provider(l.SPID); err != nil {
			return npac.Errorf(npac.ENOTFOUND, "Provider %s is not registered.", l.SPID)
		}
		if _, err := t.lrn(lrn); err == nil {
			return npac.Errorf(npac.ECONFLICT, "LRN %s is already registered.", lrn)
		}
		l.CreatedAt = t.now
		if _, err := t.exec(`INSERT INTO lrns (lrn, spid, region, created_at) VALUES (?, ?, ?, ?)`,
			string(lrn), string(l.SPID), string(l.Region), micros(t.now)); err != nil {
			return fmt.Errorf("insert lrn: %w", err)
		}
		if err := t.appendLog(&npac.Message{Kind: npac.MsgLRN, Region: l.Region, LRN: l}); err != nil {
			return err
		}
		return t.audit(l.SPID, "lrn.create", "lrn", string(lrn), nil, l)
	})
}

const lrnCols = `lrn, spid, region, created_at`

func scanLRN(r rowScanner) (*npac.LRNRecord, error) {
	var (
		l       npac.LRNRecord
		created int64
	)
	if err := r.Scan(&l.LRN, &l.SPID, &l.Region, &created); errors.Is(err, sql.ErrNoRows) {
		return nil, npac.Errorf(npac.ENOTFOUND, "No such LRN.")
	} else if err != nil {
		return nil, fmt.Errorf("scan lrn: %w", err)
	}
	l.CreatedAt = fromMicros(created)
	return &l, nil
}

func (t *tx) lrn(lrn npac.LRN) (*npac.LRNRecord, error) {
	l, err := scanLRN(t.row(`SELECT `+lrnCols+` FROM lrns WHERE lrn = ?`, string(lrn)))
	if npac.ErrorCode(err) == npac.ENOTFOUND {
		return nil, npac.Errorf(npac.ENOTFOUND, "LRN %s is not registered in the NPAC.", lrn)
	}
	return l, err
}

// LRN implements npac.NetworkService.
func (s *Store) LRN(ctx context.Context, lrn npac.LRN) (*npac.LRNRecord, error) {
	if _, err := actor(ctx); err != nil {
		return nil, err
	}
	l, err := scanLRN(s.db.QueryRowContext(ctx, s.q(`SELECT `+lrnCols+` FROM lrns WHERE lrn = ?`), string(lrn)))
	if npac.ErrorCode(err) == npac.ENOTFOUND {
		return nil, npac.Errorf(npac.ENOTFOUND, "LRN %s is not registered in the NPAC.", lrn)
	}
	return l, err
}

// LRNs implements npac.NetworkService.
func (s *Store) LRNs(ctx context.Context, f npac.LRNFilter) ([]*npac.LRNRecord, error) {
	if _, err := actor(ctx); err != nil {
		return nil, err
	}
	w, args := where(map[string]string{"spid": string(f.SPID), "region": string(f.Region)}, "lrn", string(f.After))
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+lrnCols+` FROM lrns`+w+` ORDER BY lrn LIMIT `+fmt.Sprint(limit(f.Limit, 100, 1000))), args...)
	out, err := collect(rows, err, scanLRN)
	if err != nil {
		return nil, fmt.Errorf("lrn list: %w", err)
	}
	return out, nil
}

// DeleteLRN implements npac.NetworkService.
func (s *Store) DeleteLRN(ctx context.Context, lrn npac.LRN) error {
	return s.inTx(ctx, func(t *tx) error {
		l, err := t.lrn(lrn)
		if err != nil {
			return err
		}
		if err := mayManage(t.actor, l.SPID); err != nil {
			return err
		}
		var n int
		if err := t.row(`SELECT COUNT(*) FROM svs WHERE lrn = ? AND slot IS NOT NULL`, string(lrn)).Scan(&n); err != nil {
			return fmt.Errorf("lrn in use: %w", err)
		}
		if n > 0 {
			return npac.Errorf(npac.EInUse, "LRN %s routes %d live subscription versions; move them to another LRN before deleting it.", lrn, n)
		}
		if _, err := t.exec(`DELETE FROM lrns WHERE lrn = ?`, string(lrn)); err != nil {
			return fmt.Errorf("delete lrn: %w", err)
		}
		if err := t.appendLog(&npac.Message{Kind: npac.MsgLRNDelete, Region: l.Region, LRN: l}); err != nil {
			return err
		}
		return t.audit(l.SPID, "lrn.delete", "lrn", string(lrn), l, nil)
	})
}
