package sqlite_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/calendar"
	"github.com/opennpac/npac/lifecycle"
	"github.com/opennpac/npac/sqlite"
	"github.com/opennpac/npac/store"
	"github.com/opennpac/npac/storetest"
)

func machine(t testing.TB) *lifecycle.Machine {
	m, err := lifecycle.New(npac.DefaultTunables(), calendar.USFederal())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// dirs remembers each store's data directory so Attach can open it again.
var dirs = map[*store.Store]string{}

func open(t testing.TB, dir string) *store.Store {
	s, err := sqlite.Open(dir, machine(t), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	dirs[s] = dir
	t.Cleanup(func() { s.Close() })
	return s
}

var backend = storetest.Backend{
	Open: func(t testing.TB) *store.Store { return open(t, filepath.Join(t.TempDir(), "data")) },
	Attach: func(t testing.TB, s *store.Store) *store.Store {
		return open(t, dirs[s])
	},
}

func TestConformance(t *testing.T) { storetest.Run(t, backend) }

// bare opens a store on a new data directory without migrating it.
func bare(t testing.TB) *store.Store {
	s, err := sqlite.Open(filepath.Join(t.TempDir(), "data"), machine(t), slog.New(slog.DiscardHandler))
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
