package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime"
	"time"

	"github.com/opennpac/npac"
	"github.com/opennpac/npac/lsms"
)

// dipHandler answers GET /lnp/v1/{tn} from r exactly as lsms.DipHandler
// does (same route pattern, same lsms.Answer and lsms.Problem bodies, same
// encoder). lsms.DipHandler itself needs an *lsms.Agent, whose index can
// only be filled from an lsms.Store, so it cannot serve a bare Resolver.
func dipHandler(r npac.Resolver) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /lnp/v1/{tn}", func(w http.ResponseWriter, req *http.Request) {
		s := req.PathValue("tn")
		tn, err := npac.ParseTN(s)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, "application/problem+json",
				&lsms.Problem{Status: http.StatusBadRequest, Code: npac.EINVALID, Detail: npac.ErrorMessage(err)})
			return
		}
		route, ok := r.Resolve(tn)
		if !ok {
			writeJSON(w, http.StatusNotFound, "application/problem+json",
				&lsms.Problem{Status: http.StatusNotFound, Code: npac.ENOTFOUND, Detail: fmt.Sprintf("NPA-NXX %s is not known to this LSMS.", tn.NPANXX())})
			return
		}
		writeJSON(w, http.StatusOK, "application/json", lsms.Answer{TN: tn, Route: route})
	})
	return mux
}

// memStats is what the server process reports of its memory at
// GET /memstats (not part of the dip API).
type memStats struct {
	HeapAlloc  uint64 `json:"heap_alloc"` // live heap after a GC
	Sys        uint64 `json:"sys"`
	Goroutines int    `json:"goroutines"`
}

func readMemStats() memStats {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return memStats{HeapAlloc: m.HeapAlloc, Sys: m.Sys, Goroutines: runtime.NumGoroutine()}
}

func getMemStats(addr string) (memStats, error) {
	var m memStats
	resp, err := http.Get("http://" + addr + "/memstats")
	if err != nil {
		return m, err
	}
	defer resp.Body.Close()
	err = json.NewDecoder(resp.Body).Decode(&m)
	return m, err
}

func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// serveHTTP serves dips from r on 127.0.0.1 until ctx ends.
func serveHTTP(ctx context.Context, r npac.Resolver) (addr string, err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /lnp/v1/{tn}", dipHandler(r))
	mux.HandleFunc("GET /memstats", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, "application/json", readMemStats())
	})
	mux.HandleFunc("GET /debug/pprof/", pprof.Index) // for profiling a run by hand
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	return ln.Addr().String(), nil
}

// httpClient dips over HTTP/1.1 with keep-alive; all workers share one
// transport, which holds one connection per worker.
type httpClient struct {
	c    *http.Client
	base string
}

func newHTTPTransport(conc int) *http.Transport {
	return &http.Transport{
		MaxIdleConns:        conc,
		MaxIdleConnsPerHost: conc,
		MaxConnsPerHost:     conc,
		DisableCompression:  true,
		IdleConnTimeout:     time.Minute,
	}
}

func (h *httpClient) Dip(tn npac.TN) (*npac.Route, error) {
	resp, err := h.c.Get(h.base + string(tn))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	var a lsms.Answer
	err = json.NewDecoder(resp.Body).Decode(&a)
	io.Copy(io.Discard, resp.Body) // the encoder's newline, so the connection is reused
	if err != nil {
		return nil, err
	}
	if a.Route == nil || a.TN != tn {
		return nil, fmt.Errorf("answer names %q with no route", a.TN)
	}
	return a.Route, nil
}

func (h *httpClient) Close() error { return nil }
