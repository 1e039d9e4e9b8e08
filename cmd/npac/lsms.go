package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/enum"
	"github.com/opennpac/npac/lsms"
	"github.com/opennpac/npac/sipredirect"
)

// runLSMS runs the reference LSMS: it syncs with the NPAC and answers
// dips until ctx ends.
func runLSMS(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("npac lsms", flag.ContinueOnError)
	fs.SetOutput(stderr)
	npacURL := fs.String("npac", envOr("NPAC_URL", "http://127.0.0.1:8080"), "the NPAC's URL (or NPAC_URL)")
	token := fs.String("token", "", "API token with the lsms role (or NPAC_TOKEN)")
	spidFlag := fs.String("spid", "", "the SPID this LSMS serves; default: the token's only lsms grant")
	regions := fs.String("regions", "", "comma-separated NPAC regions to register for when not registered yet; default: the provider's regions")
	data := fs.String("data", "./npac-lsms-data", "directory of the LSMS's local database")
	httpAddr := fs.String("http", "127.0.0.1:8081", "address of the HTTP dip server (empty: off)")
	enumAddr := fs.String("enum", "", "address of the ENUM (DNS) dip server, UDP and TCP, e.g. 127.0.0.1:5353 (empty: off)")
	apex := fs.String("enum-apex", "e164.arpa.", "the ENUM zone the server answers for")
	sipAddr := fs.String("sip", "", "address of the SIP redirect dip server, UDP and TCP, e.g. 127.0.0.1:5062 (empty: off)")
	logFormat := fs.String("log", "text", "log format: text or json")
	load := fs.String("load", "", "comma-separated BDD `files` (npac bdd export) to load into the local store first, replacing it; with --npac \"\" the LSMS then answers from them alone")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sf := storeFlags{logFormat: *logFormat}
	log := sf.logger(stderr)
	standalone := *npacURL == ""
	var spid npac.SPID
	if !standalone {
		if *token == "" {
			*token = os.Getenv("NPAC_TOKEN")
		}
		if *token == "" {
			return errors.New("no API token: set NPAC_TOKEN or pass --token (a user with the lsms role); --npac \"\" runs without an NPAC")
		}
		var err error
		if spid, err = lsmsSPID(ctx, *npacURL, *token, *spidFlag); err != nil {
			return err
		}
		if err := ensureRegistered(ctx, *npacURL, *token, spid, *regions, log); err != nil {
			return err
		}
	}
	st, err := lsms.OpenStore(*data)
	if err != nil {
		return err
	}
	defer st.Close()
	if *load != "" {
		if err := loadBDDFiles(ctx, st, strings.Split(*load, ","), stderr, log); err != nil {
			return err
		}
	}
	a := &lsms.Agent{NPAC: *npacURL, Token: *token, SPID: spid, Store: st, Log: log}
	if f, ok := stdout.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			a.Progress = stdout
		}
	}
	if err := a.Load(ctx); err != nil {
		return err
	}
	var srv *http.Server
	if *httpAddr != "" {
		ln, err := net.Listen("tcp", *httpAddr)
		if err != nil {
			return fmt.Errorf("dip server: %w", err)
		}
		srv = &http.Server{Handler: lsms.DipHandler(a), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 120 * time.Second}
		go srv.Serve(ln)
		log.Info("answering dips over HTTP", "url", "http://"+ln.Addr().String()+"/lnp/v1/", "spid", spid)
	}
	var side sync.WaitGroup
	sctx, stopSide := context.WithCancel(ctx)
	defer func() { stopSide(); side.Wait() }()
	if *enumAddr != "" {
		dns := &enum.Server{Resolver: a, Apex: *apex, Log: log}
		side.Add(1)
		go func() {
			defer side.Done()
			if err := dns.ListenAndServe(sctx, *enumAddr); err != nil {
				log.Error("ENUM dip server", "err", err)
			}
		}()
		log.Info("answering dips over ENUM", "addr", *enumAddr, "apex", *apex)
	}
	if *sipAddr != "" {
		sip := &sipredirect.Server{Resolver: a, Log: log}
		side.Add(1)
		go func() {
			defer side.Done()
			if err := sip.ListenAndServe(sctx, *sipAddr); err != nil {
				log.Error("SIP dip server", "err", err)
			}
		}()
		log.Info("answering dips over SIP", "addr", *sipAddr)
	}
	if standalone {
		log.Info("answering dips from the local copy alone (no NPAC)", "data", *data)
		<-ctx.Done()
	} else {
		err = a.Run(ctx)
	}
	if srv != nil {
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		srv.Shutdown(shut)
		cancel()
	}
	return err
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// lsmsSPID returns the SPID given, or the token's only lsms grant.
func lsmsSPID(ctx context.Context, url, token, given string) (npac.SPID, error) {
	if given != "" {
		return npac.ParseSPID(given)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/api/v1/me", nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("cannot reach the NPAC at %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("the NPAC refused the token (%s)", resp.Status)
	}
	var me struct {
		User npac.User `json:"user"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&me); err != nil {
		return "", err
	}
	var found []npac.SPID
	for _, g := range me.User.Grants {
		if g.Role == npac.RoleLSMS {
			found = append(found, g.SPID)
		}
	}
	if len(found) != 1 {
		return "", fmt.Errorf("the token's user holds the lsms role for %d SPIDs (%v): name one with --spid", len(found), found)
	}
	return found[0], nil
}

// ensureRegistered registers the LSMS with the NPAC unless it is already.
func ensureRegistered(ctx context.Context, url, token string, spid npac.SPID, regions string, log *slog.Logger) error {
	call := func(method, path string, body, out any) (int, error) {
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, err := http.NewRequestWithContext(ctx, method, url+path, rd)
		if err != nil {
			return 0, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, fmt.Errorf("cannot reach the NPAC at %s: %w", url, err)
		}
		defer resp.Body.Close()
		if out != nil && resp.StatusCode/100 == 2 {
			return resp.StatusCode, json.NewDecoder(resp.Body).Decode(out)
		}
		return resp.StatusCode, nil
	}
	code, err := call(http.MethodGet, "/api/v1/lsms/"+string(spid), nil, nil)
	if err != nil || code == http.StatusOK {
		return err
	}
	if code != http.StatusNotFound {
		return fmt.Errorf("the NPAC answered %d for the LSMS registration of %s", code, spid)
	}
	var want []npac.Region
	if regions != "" {
		for _, r := range strings.Split(regions, ",") {
			reg, err := npac.ParseRegion(r)
			if err != nil {
				return err
			}
			want = append(want, reg)
		}
	} else {
		var p npac.Provider
		if code, err := call(http.MethodGet, "/api/v1/providers/"+string(spid), nil, &p); err != nil || code != http.StatusOK {
			return fmt.Errorf("reading provider %s: status %d %v", spid, code, err)
		}
		want = p.Regions
	}
	if code, err := call(http.MethodPut, "/api/v1/lsms/"+string(spid), map[string]any{"regions": want}, nil); err != nil || code != http.StatusOK {
		return fmt.Errorf("registering the LSMS of %s: status %d %v", spid, code, err)
	}
	log.Info("registered the LSMS with the NPAC", "spid", spid, "regions", want)
	return nil
}

// loadBDDFiles loads BDD files, in the order given, into the local store in
// one load that replaces it.
func loadBDDFiles(ctx context.Context, st *lsms.Store, paths []string, stderr io.Writer, log *slog.Logger) error {
	var readers []io.Reader
	for _, p := range paths {
		f, err := os.Open(strings.TrimSpace(p))
		if err != nil {
			return err
		}
		defer f.Close()
		// A file's last line may lack its line end; one keeps the next
		// file's first record apart.
		readers = append(readers, f, strings.NewReader("\r\n"))
	}
	start := time.Now()
	n, err := st.LoadBDD(ctx, io.MultiReader(readers...), func(n int64) {
		fmt.Fprintf(stderr, "\rloaded %d records", n)
	})
	if err != nil {
		return fmt.Errorf("load BDD files: %w", err)
	}
	fmt.Fprintf(stderr, "\rloaded %d records\n", n)
	log.Info("loaded BDD files", "records", n, "files", len(paths), "took", time.Since(start).Round(time.Millisecond))
	return nil
}
