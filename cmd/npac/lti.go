package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/lti"
	"github.com/opennpac/npac/store"
)

// *store.Store is the web UI's store.
var _ lti.Store = (*store.Store)(nil)

// withLTI serves the Low Tech Interface (the web UI, package lti) under
// /lti/ and everything else with the API's handler.
//
// Behind a proxy that terminates TLS, set NPAC_LTI_SECURE_COOKIES=1 so that
// the session cookie is marked Secure. Behind a reverse proxy, set
// NPAC_LTI_CLIENT_IP_HEADER to the header in which the proxy reports the
// client's address (such as X-Forwarded-For, whose last address is used),
// so that sign-ins are throttled per client rather than for the proxy as a
// whole; set it only when such a proxy is in front, since clients can send
// the header themselves. See docs/lti.md.
func withLTI(api http.Handler, s *store.Store, log *slog.Logger) http.Handler {
	opts := lti.Options{Log: log, SecureCookies: os.Getenv("NPAC_LTI_SECURE_COOKIES") == "1", NPACNow: s.Now, FeeTiers: s.OrderRules.FeeTiers}
	if h := os.Getenv("NPAC_LTI_CLIENT_IP_HEADER"); h != "" {
		opts.ClientAddr = func(r *http.Request) string {
			v := r.Header.Get(h)
			if i := strings.LastIndexByte(v, ','); i >= 0 {
				v = v[i+1:]
			}
			if v = strings.TrimSpace(v); v != "" {
				return v
			}
			return r.RemoteAddr
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/lti/", lti.New(s, opts))
	mux.Handle("/", api)
	return mux
}

// demoPassword is the password the demo gives a user of the web UI.
func demoPassword(user string) string { return "demo-password-" + user }

// seedDemoPasswords gives the demo's SOA users and its administrator a
// password for the web UI, and prints them with its address.
func seedDemoPasswords(ctx context.Context, s *store.Store, url string, out io.Writer) error {
	sys := npac.NewContext(ctx, npac.SystemActor)
	users, err := s.Users(sys)
	if err != nil {
		return err
	}
	ids := map[string]int64{}
	for _, u := range users {
		ids[u.Name] = u.ID
	}
	names := []string{}
	for _, p := range demoProviders {
		names = append(names, p.user)
	}
	names = append(names, "admin")
	fmt.Fprintf(out, "The web UI (Low Tech Interface) is at %s/lti/ — sign in with:\n\n", url)
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  USER\tPASSWORD")
	for _, name := range names {
		id, ok := ids[name]
		if !ok {
			return fmt.Errorf("demo user %s is missing", name)
		}
		if err := s.SetPassword(sys, id, demoPassword(name)); err != nil {
			return fmt.Errorf("password of %s: %w", name, err)
		}
		fmt.Fprintf(tw, "  %s\t%s\n", name, demoPassword(name))
	}
	tw.Flush()
	fmt.Fprintln(out)
	return nil
}
