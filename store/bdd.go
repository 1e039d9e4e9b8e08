package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/bdd"
)

// Bulk data download: full images ("active-like" files, npac-spec.md §5)
// of the NPAC's data, one kind at a time, read from one snapshot.

// ExportBDD implements bdd.Exporter. NPAC personnel and LSMSs (the lsms
// role) download BDD files.
func (s *Store) ExportBDD(ctx context.Context, kind bdd.Kind, region npac.Region, w *bdd.Writer, name func(string)) (int64, error) {
	a, err := actor(ctx)
	if err != nil {
		return 0, err
	}
	if !a.IsAdmin() && !slices.ContainsFunc(a.User.Grants, func(g npac.Grant) bool { return g.Role == npac.RoleLSMS }) {
		return 0, npac.Errorf(npac.EFORBIDDEN, "Bulk data download files are for LSMSs (the lsms role) and NPAC personnel.")
	}
	if region != "" {
		if region, err = npac.ParseRegion(string(region)); err != nil {
			return 0, err
		}
	}
	stx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return 0, fmt.Errorf("bdd: %w", err)
	}
	defer stx.Rollback()
	now := s.Now()
	q := func(query string, args ...any) (*sql.Rows, error) { return stx.QueryContext(ctx, s.q(query), args...) }
	inRegion, args := "", []any{}
	if region != "" {
		inRegion, args = " AND region = ?", []any{string(region)}
	}
	w.Full = true
	var n int64
	switch kind {
	case bdd.KindSV:
		var first, last sql.NullString
		if err := stx.QueryRowContext(ctx, s.q(`SELECT MIN(tn), MAX(tn) FROM svs WHERE slot = 'active'`+inRegion), args...).Scan(&first, &last); err != nil {
			return 0, fmt.Errorf("bdd: %w", err)
		}
		lo, hi := npac.NPANXX("000000"), npac.NPANXX("999999")
		if first.Valid {
			lo, hi = npac.TN(first.String).NPANXX(), npac.TN(last.String).NPANXX()
		}
		name(bdd.SVName(lo, hi, now, objectRange, objectRange))
		rows, err := q(`SELECT `+svCols+` FROM svs WHERE slot = 'active' AND status IN ('active', 'partial-failure', 'disconnect-pending')`+inRegion+` ORDER BY tn`, args...)
		if err != nil {
			return 0, fmt.Errorf("bdd svs: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			sv, err := scanSV(rows)
			if err != nil {
				return n, err
			}
			rec := bdd.FromSV(sv, bdd.ReasonNew)
			if err := w.WriteSV(&rec); err != nil {
				return n, err
			}
			n++
		}
		if err := rows.Err(); err != nil {
			return n, err
		}
	case bdd.KindNPB, bdd.KindNPANXXX:
		if kind == bdd.KindNPB {
			name(bdd.NPBName("0000000", "9999999", now, objectRange, objectRange))
		} else {
			name(bdd.NPANXXXName(now))
		}
		rows, err := q(`SELECT ` + blockCols + ` FROM blocks WHERE status <> 'old' ORDER BY npanxxx`)
		bs, err := collect(rows, err, scanBlock)
		if err != nil {
			return 0, fmt.Errorf("bdd blocks: %w", err)
		}
		for _, b := range bs {
			if !b.InEffect() || (region != "" && b.Region != region) {
				continue
			}
			if kind == bdd.KindNPB {
				rec := bdd.FromBlock(b, bdd.ReasonNew)
				err = w.WriteBlock(&rec)
			} else {
				rec := bdd.FromCodeX(b)
				err = w.WriteCodeX(&rec)
			}
			if err != nil {
				return n, err
			}
			n++
		}
	case bdd.KindLRN:
		name(bdd.LRNName(now))
		rows, err := q(`SELECT `+lrnCols+` FROM lrns WHERE 1 = 1`+inRegion+` ORDER BY lrn`, args...)
		ls, err := collect(rows, err, scanLRN)
		if err != nil {
			return 0, fmt.Errorf("bdd lrns: %w", err)
		}
		for i, l := range ls {
			if l.LRN.IsPseudo() {
				continue
			}
			rec := bdd.FromLRN(l, int64(i+1))
			if err := w.WriteLRN(&rec); err != nil {
				return n, err
			}
			n++
		}
	case bdd.KindNPANXX:
		name(bdd.NPANXXName(now))
		rows, err := q(`SELECT `+codeCols+` FROM npanxx WHERE 1 = 1`+inRegion+` ORDER BY npanxx`, args...)
		cs, err := collect(rows, err, scanCode)
		if err != nil {
			return 0, fmt.Errorf("bdd codes: %w", err)
		}
		for i, c := range cs {
			rec := bdd.FromCode(c, int64(i+1))
			if err := w.WriteCode(&rec); err != nil {
				return n, err
			}
			n++
		}
	case bdd.KindSPID:
		name(bdd.SPIDName(now))
		rows, err := q(`SELECT spid, name, type, data, created_at, updated_at FROM providers ORDER BY spid`)
		ps, err := collect(rows, err, func(r rowScanner) (*npac.Provider, error) { return scanProvider(r, noBureaus) })
		if err != nil {
			return 0, fmt.Errorf("bdd providers: %w", err)
		}
		for _, p := range ps {
			if region != "" && !slices.Contains(p.Regions, region) {
				continue
			}
			rec := bdd.FromProvider(p)
			if err := w.WriteSPID(&rec); err != nil {
				return n, err
			}
			n++
		}
	default:
		return 0, npac.Errorf(npac.EINVALID, "BDD file kind %s cannot be exported.", kind)
	}
	if err := w.Flush(); err != nil {
		return n, err
	}
	return n, s.inTx(ctx, func(t *tx) error {
		return t.audit("", "bdd.export", "bdd", kind.String(), nil, map[string]any{"region": region, "records": n})
	})
}

// objectRange, the zero time, names an object-range file (a full image):
// its start and end stamps are 00-00-0000000000 and 99-99-9999999999.
var objectRange time.Time
