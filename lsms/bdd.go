package lsms

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/bdd"
)

// Bulk load tuning.
const (
	// bddTxRows is how many rows one load transaction writes.
	bddTxRows = 100_000
	// bddStmtRows is how many rows one INSERT statement carries.
	bddStmtRows = 512
)

// LoadBDD replaces the local copy with the contents of NPAC Bulk Data
// Download files (package bdd): SV and NPB records, and NPA-NXX and LRN
// network data, in any mix and order in one stream (concatenate the
// files; each NPAC file ends its last line). NPA-NXX-X and SPID records
// are checked and skipped: the LSMS keeps no table for them. Records with
// download reason delete remove what they name; every other reason
// stores the record. It returns how many records were stored or deleted,
// calls progress (if not nil) with that count after every transaction,
// and stops at the first malformed line with a *bdd.Error naming it.
//
// Like [Store.BeginImage], the load first empties the local copy (TN
// routes, blocks, codes, LRNs, split aliases) and sets last_seq to 0 and
// image_complete to 0. It leaves them so: a BDD file has no position in
// any OpenNPAC broadcast log, and it may come from another NPAC, so the
// copy is not an image of the log at some sequence. Started on it, an
// [Agent] builds its index from the file's data and answers dips from it
// at once (Ready stays false, /readyz says not synced); with an NPAC to
// talk to it then loads that NPAC's full image, answering dips from the
// BDD data until the image is complete, and streams from there. With no
// NPAC, the LSMS answers dips standalone from the file. [Store.BDDLoaded]
// tells the two states apart. When the file was exported by the very NPAC
// this LSMS follows, at broadcast log sequence head, [Store.MarkImage]
// makes the copy an image at head so the agent streams from there instead.
//
// Run it with nothing else using the store (before an Agent starts).
//
// Speed and durability: records are read, checked and encoded to route
// JSON in one goroutine and written in another, 512 rows per INSERT,
// 100,000 rows per transaction. Each distinct route is written once: the
// reading goroutine numbers the routes as they first appear and adds
// each one's routes row to the batch of its first TN, so a TN's row holds
// only its number and its route's id. The index that finds routes by
// hash is dropped for the load and built at its end. The writes go
// through one connection set to journal_mode=OFF (no rollback journal
// and no WAL, so every page is written once), synchronous=OFF and a 256
// MiB page cache. If SQLite refuses the journal switch (another
// connection busy), the load runs in WAL mode, slower. Nothing is rolled
// back without a journal: after a failure the partial load stays,
// committed and marked incomplete, each TN with its route. The last
// transaction (the completion mark) commits with synchronous=FULL, whose
// sync makes the whole load durable; then the connection goes back to
// WAL and synchronous=NORMAL. Until that last
// commit image_complete is 0 and [Store.BDDLoaded] reports nothing, so a
// load cut short (error, cancellation, crash) is never taken for a
// complete one, and the load is restartable: run it again. Without a
// journal, a crash of the process or the machine in the middle of a
// commit can leave the database file corrupt (SQLite's warning for
// journal_mode=OFF): if SQLite then reports corruption, delete the data
// directory and load again. Reloading over a large copy first frees its
// pages, which takes time in proportion to its size; a fresh data
// directory loads fastest.
func (s *Store) LoadBDD(ctx context.Context, r io.Reader, progress func(n int64)) (n int64, err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("bdd load: %w", err)
	}
	defer conn.Close()
	if err := wipe(ctx, conn); err != nil {
		return 0, err
	}
	defer func() {
		// Back to the store's settings, with the route index that the
		// load dropped (finish made it, unless the load failed).
		bg := context.WithoutCancel(ctx)
		for _, q := range []string{routeIndex, `PRAGMA journal_mode = WAL`, `PRAGMA synchronous = NORMAL`, `PRAGMA cache_size = -2000`} {
			if _, e := conn.ExecContext(bg, q); e != nil && err == nil {
				err = fmt.Errorf("bdd load: %s: %w", q, e)
			}
		}
	}()
	// No rollback journal for the load (the WAL would write every page
	// twice): the copy is marked incomplete until the last commit, so
	// no intermediate state needs undoing. SQLite refuses the switch
	// when another connection is using the database; the load then runs
	// in WAL mode.
	var mode string
	if err := conn.QueryRowContext(ctx, `PRAGMA journal_mode = OFF`).Scan(&mode); err != nil && ctx.Err() != nil {
		return 0, fmt.Errorf("bdd load: %w", err)
	}
	noJournal := strings.EqualFold(mode, "off")
	for _, q := range []string{`PRAGMA synchronous = OFF`, `PRAGMA cache_size = -262144`} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return 0, fmt.Errorf("bdd load: %s: %w", q, err)
		}
	}
	// Two stages, one goroutine each: reading, checking and encoding
	// records into batches of rows; and writing them.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches, free := make(chan *batch, 8), make(chan *batch, 16)
	var readErr error
	go func() {
		defer close(batches)
		readErr = produce(ctx, r, batches, free)
	}()
	// The writes themselves never see the cancellation: database/sql
	// would roll back on it, which SQLite cannot do without a journal.
	// The loader checks ctx between batches instead.
	w := &loader{ctx: context.WithoutCancel(ctx), stop: ctx, conn: conn, progress: progress, noJournal: noJournal}
	defer w.abandon()
	err = w.consume(batches, free)
	if err != nil {
		cancel()
		for range batches { // let the reader stop
		}
		return w.n, err
	}
	if readErr != nil { // set before batches closed
		return w.n, readErr
	}
	if err := w.finish(); err != nil {
		return w.n, err
	}
	return w.n, nil
}

// wipe empties the local copy and marks it incomplete.
func wipe(ctx context.Context, conn *sql.Conn) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("bdd load: %w", err)
	}
	defer tx.Rollback()
	for _, q := range []string{`DELETE FROM tns`, `DELETE FROM routes`, `DROP INDEX IF EXISTS routes_hash`,
		`DELETE FROM blocks`, `DELETE FROM codes`, `DELETE FROM lrns`, `DELETE FROM aliases`,
		`DELETE FROM state WHERE key IN ('bdd_records', 'bdd_loaded_at')`} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("bdd load: %w", err)
		}
	}
	if err := setState(ctx, tx, "image_complete", 0); err != nil {
		return err
	}
	if err := setState(ctx, tx, "last_seq", 0); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("bdd load: %w", err)
	}
	return nil
}

// BDDLoaded reports whether the local copy holds a complete BDD load
// (and nothing since: an image sync or a new load clears the mark), with
// how many records it stored and when.
func (s *Store) BDDLoaded(ctx context.Context) (records int64, at time.Time, err error) {
	if records, err = state(s.db, ctx, "bdd_records"); err != nil || records == 0 {
		return 0, time.Time{}, err
	}
	sec, err := state(s.db, ctx, "bdd_loaded_at")
	return records, time.Unix(sec, 0).UTC(), err
}

// MarkImage declares the local copy a complete image at broadcast log
// sequence head, so that an Agent streams from there instead of loading
// the full image. Use it only after loading BDD files that the NPAC this
// LSMS follows exported at head: any other use leaves the LSMS wrong.
func (s *Store) MarkImage(ctx context.Context, head int64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("mark image: %w", err)
	}
	defer tx.Rollback()
	if err := setState(ctx, tx, "image_complete", 1); err != nil {
		return err
	}
	if err := setState(ctx, tx, "last_seq", head); err != nil {
		return err
	}
	return tx.Commit()
}

// op is what a batch does.
type op uint8

const (
	opTNs      op = iota // upsert rows into tns
	opBlocks             // upsert rows into blocks
	opDelTN              // delete keys[0] from tns
	opDelBlock           // delete keys[0] from blocks
	opCode               // args: npanxx, spid, data
	opLRN                // args: lrn, spid
)

// batch is one statement's worth of work, in file order for its table.
type batch struct {
	op   op
	keys []string
	// data holds route JSON end to end; ends[i] is where item i's ends.
	// For opBlocks there is an item per key; for opTNs one per route
	// first seen in the batch, whose ids are in newIDs.
	data   []byte
	ends   []int
	ids    []int64 // opTNs: each key's route id
	newIDs []int64
	// args are the statement's arguments; routeArgs those of the routes
	// rows an opTNs batch adds (id, hash, data for each).
	args      []any
	routeArgs []any
	rows      int // records it stands for
}

func (b *batch) reset(o op) {
	clear(b.args)
	clear(b.routeArgs)
	b.op, b.keys, b.data, b.ends, b.rows = o, b.keys[:0], b.data[:0], b.ends[:0], 0
	b.ids, b.newIDs, b.args, b.routeArgs = b.ids[:0], b.newIDs[:0], b.args[:0], b.routeArgs[:0]
}

// producer reads records and groups them into batches. It gives each
// distinct route an id, and the batch where the route first appears the
// routes row to add: the load emptied the routes table, and nothing else
// writes to it.
type producer struct {
	ctx         context.Context
	out, free   chan *batch
	tns, blocks *batch
	// routes holds the ids of the routes seen, by JSON, up to routeCache
	// (routes.go: past it a route seen again gets a second row).
	routes  map[string]int64
	lastID  int64
	scratch []byte
}

func (p *producer) get(o op) *batch {
	var b *batch
	select {
	case b = <-p.free:
	default:
		b = &batch{}
	}
	b.reset(o)
	return b
}

// send hands a batch to the writer, its arguments ready.
func (p *producer) send(b *batch) error {
	switch b.op {
	case opTNs:
		for i, k := range b.keys {
			b.args = append(b.args, k, b.ids[i])
		}
		all := string(b.data) // one string per batch; routes are slices of it
		from := 0
		for i, id := range b.newIDs {
			b.routeArgs = append(b.routeArgs, id, routeHash(b.data[from:b.ends[i]]), all[from:b.ends[i]])
			from = b.ends[i]
		}
	case opBlocks:
		all := string(b.data)
		from := 0
		for i, k := range b.keys {
			b.args = append(b.args, k, all[from:b.ends[i]])
			from = b.ends[i]
		}
	}
	select {
	case p.out <- b:
		return nil
	case <-p.ctx.Done():
		return p.ctx.Err()
	}
}

// flush sends the rows collected for a table, if any.
func (p *producer) flush(cur **batch) error {
	if *cur == nil || len((*cur).keys) == 0 {
		return nil
	}
	b := *cur
	*cur = nil
	return p.send(b)
}

// tn collects one TN row, and its route's row if the route is new.
func (p *producer) tn(tn npac.TN, spid npac.SPID, lrn npac.LRN, svType npac.SVType, class, lidb, cnam, isvm, wsmsc *bdd.SignalingPoint) error {
	if p.tns == nil {
		p.tns = p.get(opTNs)
	}
	b := p.tns
	p.scratch = appendRoute(p.scratch[:0], spid, lrn, svType, class, lidb, cnam, isvm, wsmsc)
	id, ok := p.routes[string(p.scratch)]
	if !ok {
		if len(p.routes) >= routeCache {
			clear(p.routes)
		}
		p.lastID++
		id = p.lastID
		p.routes[string(p.scratch)] = id
		b.data = append(b.data, p.scratch...)
		b.ends = append(b.ends, len(b.data))
		b.newIDs = append(b.newIDs, id)
	}
	b.keys = append(b.keys, string(tn))
	b.ids = append(b.ids, id)
	b.rows++
	if len(b.keys) == bddStmtRows {
		return p.flush(&p.tns)
	}
	return nil
}

// block collects one block row.
func (p *producer) block(b0 *bdd.BlockRecord) error {
	if p.blocks == nil {
		p.blocks = p.get(opBlocks)
	}
	b := p.blocks
	b.data = appendRoute(b.data, b0.NewSPID, b0.LRN, b0.SVType, &b0.CLASS, &b0.LIDB, &b0.CNAM, &b0.ISVM, &b0.WSMSC)
	b.keys = append(b.keys, string(b0.NPANXXX))
	b.ends = append(b.ends, len(b.data))
	b.rows++
	if len(b.keys) == bddStmtRows {
		return p.flush(&p.blocks)
	}
	return nil
}

// one sends a single-row batch, after the collected rows of its table.
func (p *producer) one(o op, cur **batch, args ...any) error {
	if cur != nil {
		if err := p.flush(cur); err != nil {
			return err
		}
	}
	b := p.get(o)
	b.args = append(b.args, args...)
	b.rows = 1
	return p.send(b)
}

func produce(ctx context.Context, r io.Reader, out, free chan *batch) error {
	p := &producer{ctx: ctx, out: out, free: free, routes: map[string]int64{}}
	rd := bdd.NewReader(r, bdd.Any)
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("bdd load: %w", err)
		}
		switch rec.Kind {
		case bdd.KindSV:
			sv := rec.SV
			if sv.DownloadReason == bdd.ReasonDelete {
				err = p.one(opDelTN, &p.tns, string(sv.TN))
			} else {
				err = p.tn(sv.TN, sv.NewSPID, sv.LRN, sv.SVType, &sv.CLASS, &sv.LIDB, &sv.CNAM, &sv.ISVM, &sv.WSMSC)
			}
		case bdd.KindNPB:
			b := rec.Block
			if b.DownloadReason == bdd.ReasonDelete {
				err = p.one(opDelBlock, &p.blocks, string(b.NPANXXX))
			} else {
				err = p.block(b)
			}
		case bdd.KindNPANXX:
			c := rec.Code
			data, e := json.Marshal(&npac.CodeRecord{NPANXX: c.NPANXX, SPID: c.SPID, EffectiveDate: c.EffectiveDate, Portable: true,
				CreatedAt: c.CreatedAt, UpdatedAt: c.CreatedAt})
			if e != nil {
				return e
			}
			err = p.one(opCode, nil, string(c.NPANXX), string(c.SPID), string(data))
		case bdd.KindLRN:
			err = p.one(opLRN, nil, string(rec.LRN.LRN), string(rec.LRN.SPID))
		}
		// NPA-NXX-X and SPID records: nothing to keep.
		if err != nil {
			return err
		}
	}
	if err := p.flush(&p.tns); err != nil {
		return err
	}
	return p.flush(&p.blocks)
}

// upsertSQL is the statement that writes n rows (key, seq 0, val) to
// table t.
func upsertSQL(t, key, val string, n int) string {
	return "INSERT INTO " + t + " (" + key + ", seq, " + val + ") VALUES (?,0,?)" + strings.Repeat(",(?,0,?)", n-1) +
		" ON CONFLICT (" + key + ") DO UPDATE SET seq = excluded.seq, " + val + " = excluded." + val
}

// tnsSQL and blocksSQL are the statements that write n rows of a batch.
func tnsSQL(n int) string    { return upsertSQL("tns", "tn", "route", n) }
func blocksSQL(n int) string { return upsertSQL("blocks", "npanxxx", "data", n) }

// routesSQL is the statement that adds n routes rows.
func routesSQL(n int) string {
	return `INSERT INTO routes (id, hash, data) VALUES (?,?,?)` + strings.Repeat(`,(?,?,?)`, n-1)
}

// codeSQL and lrnSQL are the statements that write an NPA-NXX or LRN
// record.
const (
	codeSQL = `INSERT INTO codes (npanxx, spid, region, data) VALUES (?, ?, '', ?)
		ON CONFLICT (npanxx) DO UPDATE SET spid = excluded.spid, data = excluded.data`
	lrnSQL = `INSERT INTO lrns (lrn, spid, region) VALUES (?, ?, '') ON CONFLICT (lrn) DO UPDATE SET spid = excluded.spid`
)

// loader writes batches in large transactions.
type loader struct {
	ctx      context.Context // for the database, never canceled
	stop     context.Context // the caller's
	conn     *sql.Conn
	tx       *sql.Tx
	tns      *sql.Stmt // full-batch statements, per transaction
	blocks   *sql.Stmt
	routes   *sql.Stmt
	codes    *sql.Stmt // one-row statements, per transaction
	lrns     *sql.Stmt
	progress func(int64)
	rows     int   // rows in the open transaction
	n        int64 // records stored or deleted
	// noJournal says the connection runs with journal_mode=OFF.
	noJournal bool
}

// abandon ends a transaction left open by a failure: it rolls back, or
// without a journal (where SQLite cannot roll back) commits the partial
// work, which the missing bdd_records mark and image_complete=0 already
// declare incomplete.
func (l *loader) abandon() {
	if l.tx == nil {
		return
	}
	if l.noJournal {
		l.tx.Commit()
	} else {
		l.tx.Rollback()
	}
	l.tx = nil
}

func (l *loader) begin() error {
	if l.tx != nil {
		return nil
	}
	tx, err := l.conn.BeginTx(l.ctx, nil)
	if err != nil {
		return fmt.Errorf("bdd load: %w", err)
	}
	l.tx = tx
	for _, st := range []struct {
		stmt **sql.Stmt
		q    string
	}{
		{&l.tns, tnsSQL(bddStmtRows)}, {&l.blocks, blocksSQL(bddStmtRows)}, {&l.routes, routesSQL(bddStmtRows)},
		{&l.codes, codeSQL}, {&l.lrns, lrnSQL},
	} {
		if *st.stmt, err = tx.PrepareContext(l.ctx, st.q); err != nil {
			return fmt.Errorf("bdd load: %w", err)
		}
	}
	return nil
}

// consume writes batches until there are no more, committing every
// bddTxRows rows.
func (l *loader) consume(in <-chan *batch, free chan<- *batch) error {
	for b := range in {
		if err := l.begin(); err != nil {
			return err
		}
		if err := l.exec(b); err != nil {
			return err
		}
		l.n += int64(b.rows)
		l.rows += b.rows
		select {
		case free <- b:
		default:
		}
		if l.rows >= bddTxRows {
			if err := l.commit(); err != nil {
				return err
			}
		}
		if err := l.stop.Err(); err != nil {
			return err
		}
	}
	return l.stop.Err()
}

func (l *loader) exec(b *batch) error {
	var err error
	switch b.op {
	case opTNs:
		if err = l.many(l.routes, len(b.newIDs), routesSQL, b.routeArgs); err == nil {
			err = l.many(l.tns, len(b.keys), tnsSQL, b.args)
		}
	case opBlocks:
		err = l.many(l.blocks, len(b.keys), blocksSQL, b.args)
	case opDelTN:
		_, err = l.tx.ExecContext(l.ctx, `DELETE FROM tns WHERE tn = ?`, b.args...)
	case opDelBlock:
		_, err = l.tx.ExecContext(l.ctx, `DELETE FROM blocks WHERE npanxxx = ?`, b.args...)
	case opCode:
		_, err = l.codes.ExecContext(l.ctx, b.args...)
	case opLRN:
		_, err = l.lrns.ExecContext(l.ctx, b.args...)
	}
	if err != nil {
		return fmt.Errorf("bdd load: %w", err)
	}
	return nil
}

// many runs a statement of n rows (none when n is 0): full, prepared,
// for a full batch, or one of q.
func (l *loader) many(full *sql.Stmt, n int, q func(n int) string, args []any) error {
	var err error
	switch {
	case n == bddStmtRows:
		_, err = full.ExecContext(l.ctx, args...)
	case n > 0:
		_, err = l.tx.ExecContext(l.ctx, q(n), args...)
	}
	return err
}

func (l *loader) commit() error {
	if err := l.tx.Commit(); err != nil {
		return fmt.Errorf("bdd load: %w", err)
	}
	l.tx, l.rows = nil, 0
	if l.progress != nil {
		l.progress(l.n)
	}
	return l.stop.Err()
}

// finish commits what is left, then records the completed load in a
// last transaction committed with synchronous=FULL: its sync makes the
// whole load durable (every page of it is in the one file synced, the
// database without a journal, the WAL with one).
func (l *loader) finish() error {
	if l.tx != nil {
		if err := l.commit(); err != nil {
			return err
		}
	}
	if _, err := l.conn.ExecContext(l.ctx, `PRAGMA synchronous = FULL`); err != nil {
		return fmt.Errorf("bdd load: %w", err)
	}
	if err := l.begin(); err != nil {
		return err
	}
	if _, err := l.tx.ExecContext(l.ctx, routeIndex); err != nil {
		return fmt.Errorf("bdd load: %w", err)
	}
	if err := setState(l.ctx, l.tx, "bdd_records", l.n); err != nil {
		return err
	}
	if err := setState(l.ctx, l.tx, "bdd_loaded_at", time.Now().Unix()); err != nil {
		return err
	}
	if err := l.tx.Commit(); err != nil {
		return fmt.Errorf("bdd load: %w", err)
	}
	l.tx = nil
	return nil
}

// appendRoute appends the JSON encoding/json gives the npac.Route of a
// ported TN or block, field for field: {"ported":true,"spid":…,"lrn":…,
// "sv_type":…,"class":{"dpc":…,"ssn":…},…}, empty strings and absent
// pairs left out. The values come from package bdd's reader, which
// admits only letters, digits and dashes in them, so nothing needs
// escaping.
func appendRoute(b []byte, spid npac.SPID, lrn npac.LRN, svType npac.SVType, class, lidb, cnam, isvm, wsmsc *bdd.SignalingPoint) []byte {
	b = append(b, `{"ported":true`...)
	if spid != "" {
		b = append(append(append(b, `,"spid":"`...), spid...), '"')
	}
	if lrn != "" {
		b = append(append(append(b, `,"lrn":"`...), lrn...), '"')
	}
	if svType != "" {
		b = append(append(append(b, `,"sv_type":"`...), svType...), '"')
	}
	for _, p := range [5]struct {
		name string
		sp   *bdd.SignalingPoint
	}{{`,"class":`, class}, {`,"lidb":`, lidb}, {`,"cnam":`, cnam}, {`,"isvm":`, isvm}, {`,"wsmsc":`, wsmsc}} {
		if p.sp.DPC == "" {
			continue
		}
		b = append(b, p.name...)
		b = append(append(append(b, `{"dpc":"`...), p.sp.DPC...), `","ssn":`...)
		b = append(strconv.AppendInt(b, int64(p.sp.SSN), 10), '}')
	}
	return append(b, '}')
}
