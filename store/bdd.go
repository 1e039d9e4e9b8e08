package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
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
		if n, err = exportSVs(q, inRegion, args, w); err != nil {
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

// exportSVs writes the SV records of the active image, in TN order, from
// the columns bddColumns keeps (009_sv_routes.sql): each SV's entry in the
// svs_bdd index, and its route from sv_routes, read whole first. The
// records are those bdd.FromSV makes of the SVs' documents.
//
// Reading the rows and writing the records take about as long as each
// other, so they run on two goroutines: readSVRows fills batches of rows,
// this one writes them and hands the batches back.
func exportSVs(q func(string, ...any) (*sql.Rows, error), inRegion string, args []any, w *bdd.Writer) (int64, error) {
	routes, err := svRoutes(q)
	if err != nil {
		return 0, err
	}
	rows, err := q(`SELECT id, tn, route_id, activated_sec, tn_fields FROM svs
		WHERE slot = 'active' AND status IN ('active', 'partial-failure', 'disconnect-pending')`+inRegion+` ORDER BY tn`, args...)
	if err != nil {
		return 0, fmt.Errorf("bdd svs: %w", err)
	}
	full, free, stop := make(chan []svRow, 2), make(chan []svRow, 4), make(chan struct{})
	var readErr error
	go func() {
		defer close(full)
		readErr = readSVRows(rows, full, free, stop)
	}()
	var (
		n   int64
		rec bdd.SVRecord
	)
	for batch := range full {
		for i := range batch {
			if err := writeSVRow(w, &rec, &batch[i], routes); err != nil {
				// Stop the reader and wait for it to close the rows.
				close(stop)
				for range full {
				}
				return n, err
			}
			n++
		}
		select {
		case free <- batch[:0]:
		default:
		}
	}
	return n, readErr
}

// svRow is a row of the export's query.
type svRow struct {
	id, route int64
	tn        string
	activated sql.NullInt64
	own       sql.NullString
}

// svBatch is how many rows readSVRows passes at a time.
const svBatch = 256

// readSVRows scans rows into batches, taken from free or made, and sends
// them on full, until the rows end or stop is closed. It closes the rows.
func readSVRows(rows *sql.Rows, full chan<- []svRow, free <-chan []svRow, stop <-chan struct{}) error {
	defer rows.Close()
	batch := make([]svRow, 0, svBatch)
	for rows.Next() {
		batch = batch[:len(batch)+1]
		r := &batch[len(batch)-1]
		if err := rows.Scan(&r.id, &r.tn, &r.route, &r.activated, &r.own); err != nil {
			return fmt.Errorf("bdd svs: %w", err)
		}
		if len(batch) < svBatch {
			continue
		}
		select {
		case full <- batch:
		case <-stop:
			return nil
		}
		select {
		case batch = <-free:
		default:
			batch = make([]svRow, 0, svBatch)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("bdd svs: %w", err)
	}
	if len(batch) > 0 {
		select {
		case full <- batch:
		case <-stop:
		}
	}
	return nil
}

// writeSVRow writes the record of a row, made in rec.
func writeSVRow(w *bdd.Writer, rec *bdd.SVRecord, r *svRow, routes map[int64]*svRoute) error {
	route, ok := routes[r.route]
	if !ok {
		return fmt.Errorf("bdd svs: sv %d names route %d, which sv_routes does not hold", r.id, r.route)
	}
	route.setRoute(rec)
	rec.VersionID, rec.TN = r.id, npac.TN(r.tn)
	rec.ActivationTimestamp = time.Time{}
	if r.activated.Valid {
		rec.ActivationTimestamp = time.Unix(r.activated.Int64, 0).UTC()
	}
	var f tnFields
	if r.own.Valid {
		if err := json.Unmarshal([]byte(r.own.String), &f); err != nil {
			return fmt.Errorf("bdd svs: sv %d: tn_fields: %w", r.id, err)
		}
	}
	rec.EULValue, rec.EULType, rec.VoiceURI, rec.MMSURI, rec.SMSURI = f.EULValue, f.EULType, f.VoiceURI, f.MMSURI, f.SMSURI
	return w.WriteSV(rec)
}

// tnFields is the tn_fields column of svs: the fields of an SV record that
// belong to the number alone, named as in the SV's document.
type tnFields struct {
	EULValue string `json:"end_user_location_value,omitempty"`
	EULType  string `json:"end_user_location_type,omitempty"`
	VoiceURI string `json:"voice_uri,omitempty"`
	MMSURI   string `json:"mms_uri,omitempty"`
	SMSURI   string `json:"sms_uri,omitempty"`
}

// svRoute is one row of sv_routes: the fields of an SV record that many
// SVs share.
type svRoute struct {
	newSPID                        npac.SPID
	lrn                            npac.LRN
	class, lidb, isvm, cnam, wsmsc bdd.SignalingPoint
	billingID                      string
	lnpType                        npac.LNPType
	svType                         npac.SVType
	altSPID                        npac.SPID
}

// recordRoute returns the shared fields of a record.
func recordRoute(r *bdd.SVRecord) svRoute {
	return svRoute{newSPID: r.NewSPID, lrn: r.LRN, class: r.CLASS, lidb: r.LIDB, isvm: r.ISVM, cnam: r.CNAM, wsmsc: r.WSMSC,
		billingID: r.BillingID, lnpType: r.LNPType, svType: r.SVType, altSPID: r.AlternativeSPID}
}

// setRoute puts the route's fields in a record.
func (v *svRoute) setRoute(r *bdd.SVRecord) {
	r.NewSPID, r.LRN = v.newSPID, v.lrn
	r.CLASS, r.LIDB, r.ISVM, r.CNAM, r.WSMSC = v.class, v.lidb, v.isvm, v.cnam, v.wsmsc
	r.BillingID, r.LNPType, r.SVType, r.AlternativeSPID = v.billingID, v.lnpType, v.svType, v.altSPID
}

// routeCols are the columns of sv_routes besides its id, in the order of
// svRoute.args.
const routeCols = `new_spid, lrn, class_dpc, class_ssn, lidb_dpc, lidb_ssn, isvm_dpc, isvm_ssn,
	cnam_dpc, cnam_ssn, wsmsc_dpc, wsmsc_ssn, billing_id, lnp_type, sv_type, alt_spid`

// args returns the route's values for routeCols.
func (v *svRoute) args() []any {
	return []any{string(v.newSPID), string(v.lrn), v.class.DPC, v.class.SSN, v.lidb.DPC, v.lidb.SSN, v.isvm.DPC, v.isvm.SSN,
		v.cnam.DPC, v.cnam.SSN, v.wsmsc.DPC, v.wsmsc.SSN, v.billingID, string(v.lnpType), string(v.svType), string(v.altSPID)}
}

// svRoutes reads sv_routes whole, by id.
func svRoutes(q func(string, ...any) (*sql.Rows, error)) (map[int64]*svRoute, error) {
	rows, err := q(`SELECT id, ` + routeCols + ` FROM sv_routes`)
	if err != nil {
		return nil, fmt.Errorf("bdd routes: %w", err)
	}
	defer rows.Close()
	out := map[int64]*svRoute{}
	for rows.Next() {
		var (
			id                                    int64
			spid, lrn, billing, lnp, typ, altSPID string
			v                                     svRoute
		)
		if err := rows.Scan(&id, &spid, &lrn, &v.class.DPC, &v.class.SSN, &v.lidb.DPC, &v.lidb.SSN, &v.isvm.DPC, &v.isvm.SSN,
			&v.cnam.DPC, &v.cnam.SSN, &v.wsmsc.DPC, &v.wsmsc.SSN, &billing, &lnp, &typ, &altSPID); err != nil {
			return nil, fmt.Errorf("bdd routes: %w", err)
		}
		v.newSPID, v.lrn, v.billingID, v.lnpType, v.svType, v.altSPID = npac.SPID(spid), npac.LRN(lrn), billing, npac.LNPType(lnp), npac.SVType(typ), npac.SPID(altSPID)
		out[id] = &v
	}
	return out, rows.Err()
}

// bddCols are the columns of svs that BDD files are written from, in the
// order of bddColumns' values; bddSet assigns them in an UPDATE.
const bddCols = `route_id, activated_sec, tn_fields`

var bddSet = strings.ReplaceAll(bddCols, ",", " = ?,") + " = ?"

// bddColumns returns the values of an SV's bddCols, as bdd.FromSV makes
// them of its document, adding its route to sv_routes if no SV had it
// before.
func (t *tx) bddColumns(sv *npac.SV) ([]any, error) {
	rec := bdd.FromSV(sv, bdd.ReasonNew)
	route := recordRoute(&rec)
	id, err := t.routeID(&route)
	if err != nil {
		return nil, err
	}
	var activated, own any
	if sv.ActivationTimestamp != nil {
		activated = rec.ActivationTimestamp.Unix()
	}
	if f := (tnFields{rec.EULValue, rec.EULType, rec.VoiceURI, rec.MMSURI, rec.SMSURI}); f != (tnFields{}) {
		b, err := json.Marshal(f)
		if err != nil {
			return nil, fmt.Errorf("sv tn_fields: %w", err)
		}
		own = string(b)
	}
	return []any{id, activated, own}, nil
}

// routeID returns the id of a route in sv_routes, inserting it if it is
// new. Two transactions that insert the same new route meet at the unique
// index; the loser retries and finds the winner's row.
func (t *tx) routeID(v *svRoute) (int64, error) {
	args := v.args()
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")
	var id int64
	err := t.row(`SELECT id FROM sv_routes WHERE (`+routeCols+`) = (`+marks+`)`, args...).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("sv route: %w", err)
	}
	if err := t.row(`INSERT INTO sv_routes (`+routeCols+`) VALUES (`+marks+`) RETURNING id`, args...).Scan(&id); err != nil {
		if t.s.d.IsUnique(err) {
			return 0, errRetry
		}
		return 0, fmt.Errorf("sv route: %w", err)
	}
	return id, nil
}
