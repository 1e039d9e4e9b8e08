// Package lsms is OpenNPAC's reference Local Service Management System:
// it keeps a local copy of the NPAC's routing data for its regions, applied
// from the broadcast log in order and exactly once, and answers LNP dips
// from an in-memory index built from that copy.
package lsms

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	_ "modernc.org/sqlite" // the embedded database

	npac "github.com/opennpac/npac"
)

// schemaVersion is the store's layout, kept in PRAGMA user_version:
//   - 0: the first layout, one row per TN in routes(tn, seq, data) holding
//     the route's JSON;
//   - 1: each distinct route once in routes(id, hash, data), and one row
//     per TN in tns(tn, seq, route) holding the id of its route.
//
// OpenStore migrates a store of an older layout and refuses a newer one.
const schemaVersion = 1

// schema creates the tables of the current layout, but for routeIndex.
// routes is described in routes.go.
const schema = `
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS routes (id INTEGER PRIMARY KEY, hash INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tns (tn TEXT PRIMARY KEY, seq INTEGER NOT NULL, route INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS codes (npanxx TEXT PRIMARY KEY, spid TEXT NOT NULL, region TEXT NOT NULL, data TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lrns (lrn TEXT PRIMARY KEY, spid TEXT NOT NULL, region TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blocks (npanxxx TEXT PRIMARY KEY, seq INTEGER NOT NULL, data TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS aliases (old_code TEXT PRIMARY KEY, new_code TEXT NOT NULL) WITHOUT ROWID;
`

// Store is the LSMS's local, durable copy of routing data.
type Store struct {
	db *sql.DB
}

// OpenStore opens (creating if needed) the local database in dir.
func OpenStore(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("lsms store: %w", err)
	}
	dsn := "file:" + filepath.Join(dir, "lsms.db") +
		"?_txlock=immediate&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("lsms store: %w", err)
	}
	if err := migrate(context.Background(), db); err != nil {
		db.Close()
		return nil, fmt.Errorf("lsms store schema: %w", err)
	}
	return &Store{db: db}, nil
}

// migrate brings the database to the current layout in one transaction:
// it creates the tables of a new store, and moves the TN routes of a
// layout 0 store into routes and tns. Two processes opening an old store
// at once migrate it once: the second reads the version after the first
// commits.
func migrate(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return err
	}
	if v == schemaVersion {
		// A BDD load drops the route index until its end: one killed
		// before it left none.
		if _, err := tx.ExecContext(ctx, routeIndex); err != nil {
			return err
		}
		return tx.Commit()
	}
	if v > schemaVersion {
		return fmt.Errorf("the store has layout %d, newer than this program's %d: run a newer npac", v, schemaVersion)
	}
	// A layout 0 store has routes(tn, seq, data); a new one has no routes
	// table yet.
	var old bool
	if err := tx.QueryRowContext(ctx, `SELECT count(*) > 0 FROM pragma_table_info('routes') WHERE name = 'tn'`).Scan(&old); err != nil {
		return err
	}
	if old {
		if _, err := tx.ExecContext(ctx, `ALTER TABLE routes RENAME TO routes_v0`); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, schema); err != nil {
		return err
	}
	if old {
		if err := migrateLayout0(ctx, tx); err != nil {
			return fmt.Errorf("layout 0: %w", err)
		}
	}
	for _, q := range []string{routeIndex, `PRAGMA user_version = ` + strconv.Itoa(schemaVersion)} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// state reads an integer from the state table (0 when unset).
func state(q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, ctx context.Context, key string) (int64, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM state WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("lsms state %s: %w", key, err)
	}
	return strconv.ParseInt(v, 10, 64)
}

func setState(ctx context.Context, tx *sql.Tx, key string, v int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, strconv.FormatInt(v, 10))
	return err
}

// LastSeq returns the sequence number of the last message applied, and
// whether a complete image underlies it (false: a sync must start over).
func (s *Store) LastSeq(ctx context.Context) (seq int64, synced bool, err error) {
	if seq, err = state(s.db, ctx, "last_seq"); err != nil {
		return 0, false, err
	}
	done, err := state(s.db, ctx, "image_complete")
	return seq, done == 1, err
}

// Change is an update of the index that applying a message implies.
type Change struct {
	// TN set: the TN's route (nil to delete it).
	TN    npac.TN
	Route *npac.Route
	// Block set: the pool block's route, in Route (nil to de-pool it).
	Block npac.NPANXXX
	// Split set: an NPA split moved data between codes; the index must be
	// rebuilt and the aliases reloaded.
	Split bool
	// Code set: the NPA-NXX's holder ("" to delete the code).
	Code   npac.NPANXX
	Holder npac.SPID
}

// Apply applies messages in one transaction, skipping those at or before
// the last applied sequence, and records the new last sequence with them:
// a crash leaves either all of them applied or none. It returns the index
// changes and the new last sequence.
func (s *Store) Apply(ctx context.Context, msgs []*npac.Message) ([]Change, int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("apply: %w", err)
	}
	defer tx.Rollback()
	last, err := state(tx, ctx, "last_seq")
	if err != nil {
		return nil, 0, err
	}
	var changes []Change
	ids := newRouteIDs(true)
	for _, m := range msgs {
		if m.Seq <= last {
			continue // applied before: the NPAC resent it
		}
		c, err := applyOne(ctx, tx, ids, m)
		if err != nil {
			return nil, 0, fmt.Errorf("apply message %d: %w", m.Seq, err)
		}
		if c != nil {
			changes = append(changes, *c)
		}
		last = m.Seq
	}
	if err := setState(ctx, tx, "last_seq", last); err != nil {
		return nil, 0, err
	}
	if err := tx.Commit(); err != nil {
		return nil, 0, fmt.Errorf("apply: %w", err)
	}
	return changes, last, nil
}

// applyOne writes one message to the local tables.
func applyOne(ctx context.Context, tx *sql.Tx, ids *routeIDs, m *npac.Message) (*Change, error) {
	switch m.Kind {
	case npac.MsgSV:
		if m.Route == nil {
			return nil, errors.New("sv message without a route")
		}
		data, err := json.Marshal(m.Route)
		if err != nil {
			return nil, err
		}
		id, err := ids.id(ctx, tx, data)
		if err != nil {
			return nil, err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO tns (tn, seq, route) VALUES (?, ?, ?) ON CONFLICT (tn) DO UPDATE SET seq = excluded.seq, route = excluded.route`,
			string(m.TN), m.Seq, id)
		return &Change{TN: m.TN, Route: m.Route}, err
	case npac.MsgSVDelete:
		_, err := tx.ExecContext(ctx, `DELETE FROM tns WHERE tn = ?`, string(m.TN))
		return &Change{TN: m.TN}, err
	case npac.MsgBlock:
		if m.Route == nil {
			return nil, errors.New("block message without a route")
		}
		data, err := json.Marshal(m.Route)
		if err != nil {
			return nil, err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO blocks (npanxxx, seq, data) VALUES (?, ?, ?) ON CONFLICT (npanxxx) DO UPDATE SET seq = excluded.seq, data = excluded.data`,
			string(m.Block), m.Seq, string(data))
		return &Change{Block: m.Block, Route: m.Route}, err
	case npac.MsgBlockDelete:
		_, err := tx.ExecContext(ctx, `DELETE FROM blocks WHERE npanxxx = ?`, string(m.Block))
		return &Change{Block: m.Block}, err
	case npac.MsgSplit:
		if m.Split == nil {
			return nil, errors.New("npa-split message without a split")
		}
		return &Change{Split: true}, applySplit(ctx, tx, m.Split)
	case npac.MsgCode:
		if m.Code == nil {
			return nil, errors.New("npa-nxx message without a code")
		}
		data, err := json.Marshal(m.Code)
		if err != nil {
			return nil, err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO codes (npanxx, spid, region, data) VALUES (?, ?, ?, ?)
			ON CONFLICT (npanxx) DO UPDATE SET spid = excluded.spid, region = excluded.region, data = excluded.data`,
			string(m.Code.NPANXX), string(m.Code.SPID), string(m.Code.Region), string(data))
		return &Change{Code: m.Code.NPANXX, Holder: m.Code.SPID}, err
	case npac.MsgCodeDelete:
		if m.Code == nil {
			return nil, errors.New("npa-nxx message without a code")
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM codes WHERE npanxx = ?`, string(m.Code.NPANXX))
		return &Change{Code: m.Code.NPANXX}, err
	case npac.MsgLRN:
		if m.LRN == nil {
			return nil, errors.New("lrn message without an LRN")
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO lrns (lrn, spid, region) VALUES (?, ?, ?)
			ON CONFLICT (lrn) DO UPDATE SET spid = excluded.spid, region = excluded.region`,
			string(m.LRN.LRN), string(m.LRN.SPID), string(m.LRN.Region))
		return nil, err
	case npac.MsgLRNDelete:
		if m.LRN == nil {
			return nil, errors.New("lrn message without an LRN")
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM lrns WHERE lrn = ?`, string(m.LRN.LRN))
		return nil, err
	}
	// A kind this LSMS does not know: skip it, so a newer NPAC does not
	// stop an older LSMS.
	return nil, nil
}

// applySplit moves the local routes and blocks of a split's codes to the
// new NPA and answers the old codes as aliases of the new ones (start of
// the permissive dialing period), or drops the aliases (its end). Moving
// is idempotent: an image already holds the moved data.
func applySplit(ctx context.Context, tx *sql.Tx, sp *npac.SplitNotice) error {
	for _, x := range sp.NXXs {
		oldCode, newCode := sp.OldNPA+x, sp.NewNPA+x
		if sp.Phase == "end" {
			if _, err := tx.ExecContext(ctx, `DELETE FROM aliases WHERE old_code = ?`, oldCode); err != nil {
				return err
			}
			continue
		}
		for _, q := range []string{
			`UPDATE tns SET tn = ? || substr(tn, 7) WHERE tn >= ? AND tn <= ?`,
			`UPDATE blocks SET npanxxx = ? || substr(npanxxx, 7) WHERE npanxxx >= ? AND npanxxx <= ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, newCode, oldCode, oldCode+"9999"); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO aliases (old_code, new_code) VALUES (?, ?) ON CONFLICT (old_code) DO UPDATE SET new_code = excluded.new_code`,
			oldCode, newCode); err != nil {
			return err
		}
	}
	return nil
}

// Aliases returns the old NPA-NXXs of splits in their permissive dialing
// period, each with the code it now is.
func (s *Store) Aliases(ctx context.Context) (map[npac.NPANXX]npac.NPANXX, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT old_code, new_code FROM aliases`)
	if err != nil {
		return nil, fmt.Errorf("lsms aliases: %w", err)
	}
	defer rows.Close()
	out := map[npac.NPANXX]npac.NPANXX{}
	for rows.Next() {
		var o, n npac.NPANXX
		if err := rows.Scan(&o, &n); err != nil {
			return nil, err
		}
		out[o] = n
	}
	return out, rows.Err()
}

// imageBatch is how many image messages go in one local transaction.
const imageBatch = 5000

// Image replaces the local data with a full image. The image is marked
// complete only after its last batch commits: a sync cut short starts over.
type Image struct {
	s       *Store
	ctx     context.Context
	head    int64
	pending []*npac.Message
	ids     *routeIDs
	// Changes collects the index changes of what was loaded.
	Changes []Change
}

// BeginImage empties the local data for an image read at log sequence
// head.
func (s *Store) BeginImage(ctx context.Context, head int64) (*Image, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	defer tx.Rollback()
	for _, q := range []string{`DELETE FROM tns`, `DELETE FROM routes`, `DELETE FROM blocks`, `DELETE FROM codes`, `DELETE FROM lrns`, `DELETE FROM aliases`} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("image: %w", err)
		}
	}
	if err := setState(ctx, tx, "image_complete", 0); err != nil {
		return nil, err
	}
	if err := setState(ctx, tx, "last_seq", 0); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	return &Image{s: s, ctx: ctx, head: head, ids: newRouteIDs(true)}, nil
}

// Add queues one image message, writing a batch when enough are queued.
func (im *Image) Add(m *npac.Message) error {
	im.pending = append(im.pending, m)
	if len(im.pending) >= imageBatch {
		return im.flush(false)
	}
	return nil
}

// Finish writes what is queued and marks the image complete at its head.
func (im *Image) Finish() error { return im.flush(true) }

func (im *Image) flush(final bool) (err error) {
	tx, err := im.s.db.BeginTx(im.ctx, nil)
	if err != nil {
		return fmt.Errorf("image: %w", err)
	}
	defer tx.Rollback()
	defer func() {
		if err != nil {
			im.ids = newRouteIDs(true) // it may name rows the rollback removed
		}
	}()
	for _, m := range im.pending {
		c, err := applyOne(im.ctx, tx, im.ids, m)
		if err != nil {
			return fmt.Errorf("image: %w", err)
		}
		if c != nil {
			im.Changes = append(im.Changes, *c)
		}
	}
	if final {
		if err := setState(im.ctx, tx, "image_complete", 1); err != nil {
			return err
		}
		if err := setState(im.ctx, tx, "last_seq", im.head); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("image: %w", err)
	}
	im.pending = im.pending[:0]
	return nil
}

// Each calls fn with every stored code, pool block and TN route, to build
// the index.
func (s *Store) Each(ctx context.Context, fn func(Change)) error {
	rows, err := s.db.QueryContext(ctx, `SELECT npanxx, spid FROM codes`)
	if err != nil {
		return fmt.Errorf("lsms codes: %w", err)
	}
	for rows.Next() {
		var c Change
		if err := rows.Scan(&c.Code, &c.Holder); err != nil {
			rows.Close()
			return err
		}
		fn(c)
	}
	rows.Close()
	if err := s.DumpBlocks(ctx, func(b npac.NPANXXX, r *npac.Route) error {
		fn(Change{Block: b, Route: r})
		return nil
	}); err != nil {
		return err
	}
	return s.Dump(ctx, func(tn npac.TN, r *npac.Route) error {
		fn(Change{TN: tn, Route: r})
		return nil
	})
}

// Dump calls fn with every stored TN route, in TN order, so that two
// copies (the NPAC's published state and an LSMS's) can be compared. It
// decodes each distinct route once: TNs with the same route get the same
// *npac.Route, which fn must not change.
func (s *Store) Dump(ctx context.Context, fn func(tn npac.TN, r *npac.Route) error) error {
	// One read transaction: the routes and the TNs pointing to them come
	// from the same snapshot.
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("lsms routes: %w", err)
	}
	defer tx.Rollback()
	routes, err := readRoutes(ctx, tx)
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT tn, route FROM tns ORDER BY tn`)
	if err != nil {
		return fmt.Errorf("lsms routes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			tn npac.TN
			id int64
		)
		if err := rows.Scan(&tn, &id); err != nil {
			return fmt.Errorf("lsms routes: %w", err)
		}
		r, err := routes.get(id)
		if err != nil {
			return fmt.Errorf("lsms route of %s: %w", tn, err)
		}
		if err := fn(tn, r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// DumpBlocks calls fn with every stored pool block route, in block order.
func (s *Store) DumpBlocks(ctx context.Context, fn func(b npac.NPANXXX, r *npac.Route) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT npanxxx, data FROM blocks ORDER BY npanxxx`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var b, data string
		if err := rows.Scan(&b, &data); err != nil {
			return err
		}
		var r npac.Route
		if err := json.Unmarshal([]byte(data), &r); err != nil {
			return fmt.Errorf("lsms block %s: %w", b, err)
		}
		if err := fn(npac.NPANXXX(b), &r); err != nil {
			return err
		}
	}
	return rows.Err()
}
