package lsms

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	npac "github.com/opennpac/npac"
)

// The routes table holds each distinct TN route once: a combination of
// SPID, LRN, SV type and DPC/SSN pairs, as the JSON encoding/json gives
// its npac.Route. Millions of TNs share a few thousand of them; a tns row
// holds its route's id.
//
// Routes are found by hash, an FNV-1a hash of data, and data compared:
// an index on data itself would hold every route a second time. A row
// holds one route, and a route normally has one row. The exception: a
// BDD load (or a migration) of more distinct routes than routeCache gives
// a route that recurs after its cache started afresh a second row.
// Nothing depends on a route having one row; it saves space and decoding.
// The load and the migration find routes by their cache alone, and
// create the hash index once at their end: inserting into it route by
// route, in random order, would slow a load where most TNs have routes of
// their own.
//
// A routes row stays when the last TN pointing to it changes route or
// goes. Finding such rows as they arise would need an index on
// tns(route), an entry per TN that would cost every load and every
// broadcast more than the rows cost. What they cost is bounded: there is
// at most one row per combination used since the last full image or BDD
// load (which empty the table), the next TN given the same combination
// reuses the row, and Dump and Each decode only the routes TNs point to.

// routeHash is the FNV-1a hash of a route's JSON, as stored in
// routes.hash.
func routeHash(data []byte) int64 {
	h := uint64(14695981039346656037)
	for _, c := range data {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return int64(h)
}

// routeCache is how many routes a BDD load or a routeIDs remembers the
// ids of (give or take a batch). Real data never reaches it: a network has thousands of
// combinations of SPID, LRN, SV type and DPC/SSN pairs. Past it the
// cache starts afresh, which bounds its memory (about 70 MB) when nearly
// every TN has a route of its own. A variable so that tests can reach
// it.
var routeCache = 1 << 18

// routeIndex creates the index routeIDs looks routes up with.
const routeIndex = `CREATE INDEX IF NOT EXISTS routes_hash ON routes (hash)`

// routeIDs gives the ids of routes rows, adding the rows of routes not
// stored yet. It serves one writer: one transaction, or a run of them
// abandoned at its first error (a rolled back transaction may have added
// rows it remembers).
type routeIDs struct {
	ids map[string]int64 // by JSON
	// lookup says to look a route it does not remember up in the table.
	// Without, the table started empty, and such a route gets a new
	// row: a second one if the cache forgot it.
	lookup bool
	next   int64 // the id of the next new row; 0 until read

	// Scratch space for resolve.
	missing map[string]int64 // hash by JSON
	args    []any
	one     [1][]byte
	oneID   [1]int64
}

// newRouteIDs returns a routeIDs that looks routes up (lookup), or one
// for a routes table that starts empty and that only it adds to.
func newRouteIDs(lookup bool) *routeIDs {
	return &routeIDs{ids: map[string]int64{}, missing: map[string]int64{}, lookup: lookup}
}

// id returns the id of the route whose JSON is data.
func (r *routeIDs) id(ctx context.Context, tx *sql.Tx, data []byte) (int64, error) {
	r.one[0] = data
	if err := r.resolve(ctx, tx, r.one[:], r.oneID[:]); err != nil {
		return 0, err
	}
	return r.oneID[0], nil
}

// resolve sets ids[i] to the id of the route whose JSON is routes[i]. It
// takes at most two statements, none when it remembers every route.
func (r *routeIDs) resolve(ctx context.Context, tx *sql.Tx, routes [][]byte, ids []int64) error {
	if len(r.ids) >= routeCache {
		clear(r.ids)
	}
	clear(r.missing)
	for _, d := range routes {
		if _, ok := r.ids[string(d)]; !ok {
			r.missing[string(d)] = routeHash(d)
		}
	}
	if len(r.missing) > 0 && r.lookup {
		if err := r.find(ctx, tx); err != nil {
			return fmt.Errorf("routes: %w", err)
		}
	}
	if len(r.missing) > 0 {
		if err := r.add(ctx, tx); err != nil {
			return fmt.Errorf("routes: %w", err)
		}
	}
	for i, d := range routes {
		ids[i] = r.ids[string(d)]
	}
	return nil
}

// find looks the missing routes up by hash, and remembers those stored.
func (r *routeIDs) find(ctx context.Context, tx *sql.Tx) error {
	r.args = r.args[:0]
	for _, h := range r.missing {
		r.args = append(r.args, h)
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, data FROM routes WHERE hash IN (?`+strings.Repeat(",?", len(r.args)-1)+`)`, r.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id   int64
			data string
		)
		if err := rows.Scan(&id, &data); err != nil {
			return err
		}
		if _, ok := r.missing[data]; ok {
			delete(r.missing, data)
			r.ids[data] = id
		}
	}
	return rows.Err()
}

// add stores the missing routes, and remembers them.
func (r *routeIDs) add(ctx context.Context, tx *sql.Tx) error {
	if r.next == 0 {
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM routes`).Scan(&r.next); err != nil {
			return err
		}
	}
	r.args = r.args[:0]
	for data, h := range r.missing {
		r.ids[data] = r.next
		r.args = append(r.args, r.next, h, data)
		r.next++
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO routes (id, hash, data) VALUES (?,?,?)`+strings.Repeat(",(?,?,?)", len(r.missing)-1), r.args...)
	clear(r.missing)
	return err
}

// storedRoute is a routes row, decoded when first asked for.
type storedRoute struct {
	data  string
	route *npac.Route
}

// routeSet is the routes table by id.
type routeSet map[int64]*storedRoute

func readRoutes(ctx context.Context, tx *sql.Tx) (routeSet, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, data FROM routes`)
	if err != nil {
		return nil, fmt.Errorf("lsms routes: %w", err)
	}
	defer rows.Close()
	out := routeSet{}
	for rows.Next() {
		var (
			id int64
			sr storedRoute
		)
		if err := rows.Scan(&id, &sr.data); err != nil {
			return nil, fmt.Errorf("lsms routes: %w", err)
		}
		out[id] = &sr
	}
	return out, rows.Err()
}

// get returns the route of id, decoding it on first use.
func (rs routeSet) get(id int64) (*npac.Route, error) {
	sr := rs[id]
	if sr == nil {
		return nil, fmt.Errorf("route %d is missing", id)
	}
	if sr.route == nil {
		var r npac.Route
		if err := json.Unmarshal([]byte(sr.data), &r); err != nil {
			return nil, fmt.Errorf("route %d: %w", id, err)
		}
		sr.route, sr.data = &r, ""
	}
	return sr.route, nil
}

// migrateBatch is how many TNs migrateLayout0 moves per statement.
const migrateBatch = 500

// migrateLayout0 moves the TN routes of a layout 0 store, renamed
// routes_v0, into the empty routes (without its index yet) and tns, and
// drops routes_v0. It reads in TN order, a batch at a time, so that it
// holds a batch and the route cache in memory whatever the store's size.
func migrateLayout0(ctx context.Context, tx *sql.Tx) error {
	ids := newRouteIDs(false)
	var (
		after  string
		tns    []any // tn, seq, then the route id to come, per TN
		routes [][]byte
		rids   []int64
	)
	for {
		tns, routes = tns[:0], routes[:0]
		rows, err := tx.QueryContext(ctx, `SELECT tn, seq, data FROM routes_v0 WHERE tn > ? ORDER BY tn LIMIT ?`, after, migrateBatch)
		if err != nil {
			return err
		}
		for rows.Next() {
			var (
				tn   string
				seq  int64
				data []byte
			)
			if err := rows.Scan(&tn, &seq, &data); err != nil {
				rows.Close()
				return err
			}
			tns = append(tns, tn, seq, nil)
			routes = append(routes, data)
			after = tn
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(routes) == 0 {
			break
		}
		rids = append(rids[:0], make([]int64, len(routes))...)
		if err := ids.resolve(ctx, tx, routes, rids); err != nil {
			return err
		}
		for i, id := range rids {
			tns[3*i+2] = id
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO tns (tn, seq, route) VALUES (?,?,?)`+strings.Repeat(",(?,?,?)", len(routes)-1), tns...); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `DROP TABLE routes_v0`)
	return err
}
