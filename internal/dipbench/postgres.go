package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/opennpac/npac"
)

// PostgreSQL layout: schema dipbench with table tn (tn text primary key,
// route text) holding each ported TN's route as JSON, and table code
// (code text primary key, route text) holding each code holder's. A dip
// is one statement, two primary-key lookups at most:
//
//	SELECT coalesce((SELECT route FROM dipbench.tn WHERE tn = $1),
//	                (SELECT route FROM dipbench.code WHERE code = $2))
//
// The tables are ordinary (logged) tables in their own schema, dropped at
// the end, rather than TEMP tables: a TEMP table is visible only to the
// connection that made it, and the load generator uses a pool.
const (
	pgSchema = "dipbench"
	pgQuery  = `SELECT coalesce((SELECT route FROM dipbench.tn WHERE tn = $1), (SELECT route FROM dipbench.code WHERE code = $2))`
)

type pgStore struct {
	pool  *pgxpool.Pool
	load  time.Duration
	bytes int64 // pg_total_relation_size of both tables
}

func openPostgres(ctx context.Context, url string, conc int) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = int32(conc)
	cfg.MinConns = int32(conc)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgresql at %s: %w", url, err)
	}
	return pool, nil
}

func pgCleanup(ctx context.Context, pool *pgxpool.Pool) error {
	_, err := pool.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgSchema+" CASCADE")
	return err
}

// loadPostgres creates the tables (primary keys first, as a table that
// takes updates would have them) and fills them with COPY, then ANALYZEs.
// The load time covers all of it.
func loadPostgres(ctx context.Context, pool *pgxpool.Pool, d *dataSet) (*pgStore, error) {
	if err := pgCleanup(ctx, pool); err != nil {
		return nil, err
	}
	routeJSON := make([]string, len(d.routes))
	for i, r := range d.routes {
		b, _ := json.Marshal(r)
		routeJSON[i] = string(b)
	}
	start := time.Now()
	for _, q := range []string{
		"CREATE SCHEMA " + pgSchema,
		"CREATE TABLE dipbench.tn (tn text PRIMARY KEY, route text NOT NULL)",
		"CREATE TABLE dipbench.code (code text PRIMARY KEY, route text NOT NULL)",
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			return nil, fmt.Errorf("%s: %w", q, err)
		}
	}
	_, err := pool.CopyFrom(ctx, pgx.Identifier{pgSchema, "code"}, []string{"code", "route"},
		pgx.CopyFromSlice(len(d.codes), func(i int) ([]any, error) {
			b, _ := json.Marshal(d.holders[i])
			return []any{string(codeString(d.codes[i])), string(b)}, nil
		}))
	if err != nil {
		return nil, fmt.Errorf("COPY dipbench.code: %w", err)
	}
	var buf []byte
	_, err = pool.CopyFrom(ctx, pgx.Identifier{pgSchema, "tn"}, []string{"tn", "route"},
		pgx.CopyFromSlice(len(d.tns), func(i int) ([]any, error) {
			buf = appendTN(buf[:0], d.tns[i])
			return []any{string(buf), routeJSON[d.tnRoute[i]]}, nil
		}))
	if err != nil {
		return nil, fmt.Errorf("COPY dipbench.tn: %w", err)
	}
	if _, err := pool.Exec(ctx, "ANALYZE dipbench.tn, dipbench.code"); err != nil {
		return nil, err
	}
	load := time.Since(start)
	var size int64
	err = pool.QueryRow(ctx, "SELECT pg_total_relation_size('dipbench.tn') + pg_total_relation_size('dipbench.code')").Scan(&size)
	if err != nil {
		return nil, err
	}
	return &pgStore{pool: pool, load: load, bytes: size}, nil
}

// pgClient dips with one SELECT on the shared pgx pool (statements are
// prepared and cached per connection, pgx's default).
type pgClient struct {
	ctx  context.Context
	pool *pgxpool.Pool
}

func (c *pgClient) Dip(tn npac.TN) (*npac.Route, error) {
	var b []byte
	if err := c.pool.QueryRow(c.ctx, pgQuery, string(tn), string(tn[:6])).Scan(&b); err != nil {
		return nil, err
	}
	if b == nil {
		return nil, fmt.Errorf("no row")
	}
	r := &npac.Route{}
	if err := json.Unmarshal(b, r); err != nil {
		return nil, err
	}
	return r, nil
}

func (c *pgClient) Close() error { return nil }
