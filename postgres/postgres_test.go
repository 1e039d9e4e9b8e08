package postgres_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"testing"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/calendar"
	"github.com/opennpac/npac/lifecycle"
	"github.com/opennpac/npac/postgres"
	"github.com/opennpac/npac/store"
	"github.com/opennpac/npac/storetest"
)

// serverURL is the PostgreSQL server the tests create their databases on:
// NPAC_TEST_POSTGRES, or the local trust-auth server.
func serverURL() string {
	if u := os.Getenv("NPAC_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// admin is a connection to the server's maintenance database, or nil when
// no server answers.
var admin *sql.DB

func TestMain(m *testing.M) {
	db, err := sql.Open("pgx", serverURL())
	if err == nil {
		err = db.Ping()
	}
	if err != nil {
		if os.Getenv("NPAC_REQUIRE_POSTGRES") != "" {
			fmt.Fprintf(os.Stderr, "PostgreSQL is required (NPAC_REQUIRE_POSTGRES) but %s does not answer: %v\n", serverURL(), err)
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "skipping PostgreSQL tests: %v\n", err)
	} else {
		admin = db
	}
	os.Exit(m.Run())
}

// dbURLs remembers each store's database so Attach can connect again.
var dbURLs = map[*store.Store]string{}

// freshDB creates an empty database for one test and drops it afterwards.
func freshDB(t testing.TB) string {
	if admin == nil {
		t.Skip("no PostgreSQL server; set NPAC_TEST_POSTGRES or start one")
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "npactest_" + hex.EncodeToString(b)
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`); err != nil {
			t.Errorf("drop database: %v", err)
		}
	})
	u, err := url.Parse(serverURL())
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func open(t testing.TB, dsn string) *store.Store {
	m, err := lifecycle.New(npac.DefaultTunables(), calendar.USFederal())
	if err != nil {
		t.Fatal(err)
	}
	s, err := postgres.Open(dsn, m, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	dbURLs[s] = dsn
	t.Cleanup(func() { s.Close() })
	return s
}

var backend = storetest.Backend{
	Open:   func(t testing.TB) *store.Store { return open(t, freshDB(t)) },
	Attach: func(t testing.TB, s *store.Store) *store.Store { return open(t, dbURLs[s]) },
}

func TestConformance(t *testing.T) { storetest.Run(t, backend) }

// bare opens a store on a new database without migrating it.
func bare(t testing.TB) *store.Store {
	m, err := lifecycle.New(npac.DefaultTunables(), calendar.USFederal())
	if err != nil {
		t.Fatal(err)
	}
	s, err := postgres.Open(freshDB(t), m, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestBDDColumns(t *testing.T) { storetest.BDDColumns(t, backend, bare) }

func BenchmarkPortCycle(b *testing.B) { storetest.BenchmarkPortCycle(b, backend) }

func BenchmarkPortCycleParallel(b *testing.B) { storetest.BenchmarkPortCycleParallel(b, backend) }

func BenchmarkRangeCreate(b *testing.B) { storetest.BenchmarkRangeCreate(b, backend) }

func BenchmarkImportCNAC(b *testing.B) { storetest.BenchmarkImportCNAC(b, backend) }

func BenchmarkTCPA(b *testing.B) { storetest.BenchmarkTCPA(b, backend) }

func BenchmarkExportBDD(b *testing.B) { storetest.BenchmarkExportBDD(b, backend) }

func BenchmarkExportBDDBulk(b *testing.B) { storetest.BenchmarkExportBDDBulk(b, backend) }
