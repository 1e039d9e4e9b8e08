package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/calendar"
	npachttp "github.com/opennpac/npac/http"
	"github.com/opennpac/npac/lifecycle"
	"github.com/opennpac/npac/sqlite"
	"github.com/opennpac/npac/store"
	"github.com/opennpac/npac/storetest"
)

// BenchmarkPortCycleHTTP measures full port cycles (create, concurring
// create, activate) through the REST API on a real HTTP server over
// loopback and a SQLite store, from 16 clients per CPU, and reports
// cycles/s.
func BenchmarkPortCycleHTTP(b *testing.B) {
	m, err := lifecycle.New(npac.DefaultTunables(), calendar.USFederal())
	if err != nil {
		b.Fatal(err)
	}
	w := storetest.BenchWorld(b, storetest.Backend{Open: func(t testing.TB) *store.Store {
		s, err := sqlite.Open(t.TempDir(), m, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return s
	}})
	st := w.S
	api := npachttp.For(st, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(api.Handler())
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	token := map[npac.SPID]string{storetest.SPA: w.Tokens["alpha-soa"], storetest.SPB: w.Tokens["bravo-soa"]}
	post := func(tok, path string, body any, want int) npac.SV {
		buf, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", srv.URL+path, bytes.NewReader(buf))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		var sv npac.SV
		if resp.StatusCode != want {
			b.Fatalf("POST %s: status %d, want %d", path, resp.StatusCode, want)
		}
		if err := json.NewDecoder(resp.Body).Decode(&sv); err != nil {
			b.Fatal(err)
		}
		return sv
	}
	due := storetest.DueDay.Format("2006-01-02")
	var next atomic.Int64
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			tn, old, newSP, lrn := storetest.BenchPort(int(next.Add(1) - 1))
			sv := post(token[newSP], "/api/v1/svs", map[string]any{"tn": tn, "old_spid": old, "new_spid": newSP, "lrn": lrn, "due_date": due}, http.StatusCreated)
			post(token[old], "/api/v1/svs", map[string]any{"tn": tn, "old_spid": old, "new_spid": newSP, "due_date": due}, http.StatusOK)
			post(token[newSP], fmt.Sprintf("/api/v1/svs/%d/activate", sv.ID), map[string]any{}, http.StatusOK)
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cycles/s")
}
