// Package http serves the OpenNPAC SOA API: REST with JSON bodies under
// /api/v1, described by the OpenAPI document it embeds and serves at
// /api/v1/openapi.yaml, plus /healthz and /readyz for the supervisor.
//
// Every route is in the one table of routeTable. Handlers return errors;
// writeError turns them into RFC 9457 problem documents with one table
// from error code to HTTP status.
package http

import (
	"context"
	"crypto/rand"
	_ "embed"
	"log/slog"
	"net/http"
	"strings"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/bdd"
	"github.com/opennpac/npac/numbering"
	"github.com/opennpac/npac/outbound"
	"github.com/opennpac/npac/portorder"
)

// openapiYAML is the API's OpenAPI 3.1 document.
//
//go:embed openapi.yaml
var openapiYAML []byte

// Server holds the services the API serves. Set every field but Log before
// calling Handler; Log defaults to slog.Default().
type Server struct {
	SVs           npac.SVService
	Providers     npac.ProviderService
	Users         npac.UserService // Authenticate resolves tokens
	Network       npac.NetworkService
	Notifications npac.NotificationService
	Audit         npac.AuditService
	LSMS          npac.LSMSService
	Blocks        npac.BlockService
	Imports       numbering.Importer
	Splits        npac.SplitService
	Endpoints     outbound.EndpointService
	Orders        portorder.Service
	Lookups       npac.LookupService
	Reports       npac.ReportService
	BDD           bdd.Exporter
	Tunables      npac.TunablesService
	// Clock, set on a demo server only, lets NPAC personnel move time
	// forward (POST /api/v1/demo/clock).
	Clock DemoClock
	// Ready reports whether the server can serve (the database answers);
	// /readyz calls it. Nil means always ready.
	Ready func(ctx context.Context) error
	Log   *slog.Logger
}

// Store is one store that provides every service the API serves, as
// *store.Store does.
type Store interface {
	npac.SVService
	npac.ProviderService
	npac.UserService
	npac.NetworkService
	npac.NotificationService
	npac.AuditService
	npac.LSMSService
	npac.BlockService
	npac.SplitService
	numbering.Importer
	outbound.EndpointService
	portorder.Service
	npac.LookupService
	npac.ReportService
	bdd.Exporter
	npac.TunablesService
	// Ping reports whether the store answers.
	Ping(ctx context.Context) error
}

// For returns a Server whose every service is st, ready when st answers.
func For(st Store, log *slog.Logger) *Server {
	return &Server{SVs: st, Providers: st, Users: st, Network: st, Notifications: st, Audit: st, LSMS: st,
		Blocks: st, Imports: st, Splits: st, Endpoints: st, Orders: st, Lookups: st, Reports: st, BDD: st, Tunables: st, Ready: st.Ping, Log: log}
}

// handlerFunc is an API handler: it writes a response, or returns an error
// and writes nothing.
type handlerFunc func(s *Server, w http.ResponseWriter, r *http.Request) error

// route is one entry of the route table.
type route struct {
	// pattern is "METHOD /path" in ServeMux syntax.
	pattern string
	handle  handlerFunc
	// public routes need no API token.
	public bool
}

// routeTable is every route of the server.
func routeTable() []route {
	return []route{
		{"GET /healthz", (*Server).healthz, true},
		{"GET /readyz", (*Server).readyz, true},
		{"GET /api/v1/openapi.yaml", (*Server).openapi, true},

		{"GET /api/v1/me", (*Server).me, false},
		{"GET /api/v1/regions", (*Server).regions, false},
		{"GET /api/v1/tunables", (*Server).tunables, false},
		{"PATCH /api/v1/tunables", (*Server).setTunables, false},
		{"POST /api/v1/demo/clock", (*Server).advanceClock, false},

		{"GET /api/v1/providers", (*Server).listProviders, false},
		{"POST /api/v1/providers", (*Server).createProvider, false},
		{"GET /api/v1/providers/{spid}", (*Server).getProvider, false},
		{"PATCH /api/v1/providers/{spid}", (*Server).updateProvider, false},

		{"GET /api/v1/users", (*Server).listUsers, false},
		{"POST /api/v1/users", (*Server).createUser, false},
		{"GET /api/v1/users/{id}", (*Server).getUser, false},
		{"GET /api/v1/users/{id}/tokens", (*Server).listTokens, false},
		{"POST /api/v1/users/{id}/tokens", (*Server).createToken, false},
		{"PUT /api/v1/users/{id}/password", (*Server).setPassword, false},
		{"DELETE /api/v1/users/{id}/tokens/{token}", (*Server).revokeToken, false},
		{"POST /api/v1/users/{id}/disable", setDisabled(true), false},
		{"POST /api/v1/users/{id}/enable", setDisabled(false), false},
		{"POST /api/v1/users/{id}/pin", (*Server).issuePIN, false},

		{"GET /api/v1/npa-nxxs", (*Server).listCodes, false},
		{"POST /api/v1/npa-nxxs", (*Server).createCode, false},
		{"GET /api/v1/npa-nxxs/{npanxx}", (*Server).getCode, false},
		{"PATCH /api/v1/npa-nxxs/{npanxx}", (*Server).updateCode, false},
		{"DELETE /api/v1/npa-nxxs/{npanxx}", (*Server).deleteCode, false},

		{"GET /api/v1/lrns", (*Server).listLRNs, false},
		{"POST /api/v1/lrns", (*Server).createLRN, false},
		{"GET /api/v1/lrns/{lrn}", (*Server).getLRN, false},
		{"DELETE /api/v1/lrns/{lrn}", (*Server).deleteLRN, false},

		{"GET /api/v1/blocks", (*Server).listBlocks, false},
		{"POST /api/v1/blocks", (*Server).createBlock, false},
		{"GET /api/v1/blocks/{npanxxx}", (*Server).getBlock, false},
		{"PATCH /api/v1/blocks/{npanxxx}", (*Server).modifyBlock, false},
		{"DELETE /api/v1/blocks/{npanxxx}", (*Server).deleteBlock, false},
		{"POST /api/v1/blocks/{npanxxx}/resend", (*Server).resendBlock, false},

		{"GET /api/v1/splits", (*Server).listSplits, false},
		{"POST /api/v1/splits", (*Server).createSplit, false},

		{"GET /api/v1/imports", (*Server).listImports, false},
		{"POST /api/v1/imports", (*Server).importFile, false},

		{"GET /api/v1/svs", (*Server).listSVs, false},
		{"POST /api/v1/svs", (*Server).createSV, false},
		{"GET /api/v1/svs/{id}", (*Server).getSV, false},
		{"PATCH /api/v1/svs/{id}", act(npac.ActModify), false},
		{"POST /api/v1/svs/{id}/activate", act(npac.ActActivate), false},
		{"POST /api/v1/svs/{id}/conflict", act(npac.ActConflict), false},
		{"POST /api/v1/svs/{id}/resolve-conflict", act(npac.ActResolveConflict), false},
		{"POST /api/v1/svs/{id}/cancel", act(npac.ActCancel), false},
		{"POST /api/v1/svs/{id}/cancel-ack", act(npac.ActCancelAck), false},
		{"POST /api/v1/svs/{id}/cancel-undo", act(npac.ActCancelUndo), false},
		{"POST /api/v1/svs/{id}/disconnect", act(npac.ActDisconnect), false},
		{"POST /api/v1/svs/{id}/resend", act(npac.ActResend), false},

		{"POST /api/v1/sv-ranges/create", (*Server).createRange, false},
		{"POST /api/v1/sv-ranges/activate", actRange(npac.ActActivate), false},
		{"POST /api/v1/sv-ranges/modify", actRange(npac.ActModify), false},
		{"POST /api/v1/sv-ranges/conflict", actRange(npac.ActConflict), false},
		{"POST /api/v1/sv-ranges/resolve-conflict", actRange(npac.ActResolveConflict), false},
		{"POST /api/v1/sv-ranges/cancel", actRange(npac.ActCancel), false},
		{"POST /api/v1/sv-ranges/cancel-ack", actRange(npac.ActCancelAck), false},
		{"POST /api/v1/sv-ranges/cancel-undo", actRange(npac.ActCancelUndo), false},
		{"POST /api/v1/sv-ranges/disconnect", actRange(npac.ActDisconnect), false},

		{"POST /api/v1/portability", (*Server).checkPortability, false},
		{"GET /api/v1/reject-codes", (*Server).rejectCodes, false},
		{"GET /api/v1/orders", (*Server).listOrders, false},
		{"POST /api/v1/orders", (*Server).createOrder, false},
		{"GET /api/v1/orders/{id}", (*Server).getOrder, false},
		{"PATCH /api/v1/orders/{id}", (*Server).updateOrder, false},
		{"POST /api/v1/orders/{id}/submit", submitOrder, false},
		{"POST /api/v1/orders/{id}/answer", (*Server).answerOrder, false},
		{"POST /api/v1/orders/{id}/approval", (*Server).recordApproval, false},
		{"POST /api/v1/orders/{id}/activate", activateOrder, false},
		{"POST /api/v1/orders/{id}/cancel", (*Server).cancelOrder, false},
		{"GET /api/v1/providers/{spid}/csrs", (*Server).listCSRs, false},
		{"POST /api/v1/providers/{spid}/csrs", (*Server).loadCSRs, false},
		{"PUT /api/v1/providers/{spid}/csrs/{account}", (*Server).putCSR, false},
		{"DELETE /api/v1/providers/{spid}/csrs/{account}", (*Server).deleteCSR, false},

		{"GET /api/v1/notifications", (*Server).listNotifications, false},
		{"GET /api/v1/providers/{spid}/endpoints", (*Server).listEndpoints, false},
		{"POST /api/v1/providers/{spid}/endpoints", (*Server).createEndpoint, false},
		{"GET /api/v1/endpoints/{id}", (*Server).getEndpoint, false},
		{"PATCH /api/v1/endpoints/{id}", (*Server).updateEndpoint, false},
		{"DELETE /api/v1/endpoints/{id}", (*Server).deleteEndpoint, false},
		{"POST /api/v1/endpoints/{id}/replay", (*Server).replayEndpoint, false},
		{"GET /api/v1/audit", (*Server).listAudit, false},
		{"GET /api/v1/reports/{kind}", (*Server).report, false},
		{"GET /api/v1/bdd/{kind}", (*Server).exportBDD, false},

		{"GET /api/v1/lsms", (*Server).listLSMS, false},
		{"GET /api/v1/lsms/{spid}", (*Server).getLSMS, false},
		{"PUT /api/v1/lsms/{spid}", (*Server).registerLSMS, false},
		{"DELETE /api/v1/lsms/{spid}", (*Server).unregisterLSMS, false},
		{"GET /api/v1/lsms/{spid}/stream", (*Server).streamLSMS, false},
		{"POST /api/v1/lsms/{spid}/ack", (*Server).ackLSMS, false},
		{"GET /api/v1/lsms/{spid}/image", (*Server).imageLSMS, false},

		{"GET /api/v1/lookup/{tn}", (*Server).lookupTN, false},
		{"POST /api/v1/lookup", (*Server).lookupTNs, false},
		{"GET /api/v1/lookup/{tn}/history", (*Server).lookupHistory, false},
		{"POST /api/v1/tcpa", (*Server).tcpa, false},
		{"POST /api/v1/lookup-sessions", (*Server).openSession, true},
		{"GET /api/v1/lookup-session/{tn}", (*Server).sessionLookup, true},
	}
}

// dataRoutes are the routes a user that holds data roles only may call:
// the lookups, and its own account. The other routes serve providers'
// SOAs, LSMSs and NPAC personnel and show what the data roles' field
// matrix hides (provider contacts, LRNs, SVs), unaudited.
var dataRoutes = map[string]bool{
	"GET /api/v1/me":                           true,
	"GET /api/v1/regions":                      true,
	"GET /api/v1/users/{id}":                   true,
	"GET /api/v1/users/{id}/tokens":            true,
	"POST /api/v1/users/{id}/tokens":           true,
	"PUT /api/v1/users/{id}/password":          true,
	"DELETE /api/v1/users/{id}/tokens/{token}": true,
	"GET /api/v1/lookup/{tn}":                  true,
	"POST /api/v1/lookup":                      true,
	"GET /api/v1/lookup/{tn}/history":          true,
	"POST /api/v1/tcpa":                        true,
}

// dataOnly reports whether every role of the actor is a data role.
func dataOnly(a *npac.Actor) bool {
	if a == nil || a.System || len(a.User.Grants) == 0 {
		return false
	}
	for _, g := range a.User.Grants {
		if !g.Role.IsData() {
			return false
		}
	}
	return true
}

// Routes returns every route as "METHOD /pattern" in ServeMux syntax, such
// as "POST /api/v1/svs/{id}/activate", in the order the server registers
// them.
func Routes() []string {
	var out []string
	for _, rt := range routeTable() {
		out = append(out, rt.pattern)
	}
	return out
}

// Handler returns the HTTP handler of the API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range routeTable() {
		mux.Handle(rt.pattern, s.endpoint(rt))
	}
	return s.observe(s.fallback(mux))
}

// endpoint adapts a route's handler to net/http: it authenticates the
// caller of a non-public route and writes the handler's error.
func (s *Server) endpoint(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !rt.public {
			w.Header().Set("Cache-Control", "no-store")
			ctx, err := s.authenticate(r)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			if !dataRoutes[rt.pattern] && dataOnly(npac.ActorFrom(ctx)) {
				s.writeError(w, r, npac.Errorf(npac.EFORBIDDEN, "Data roles (ptrs, tcpa, fraud, law-enforcement) look up numbers under /api/v1/lookup and /api/v1/tcpa only; this route is for providers and NPAC personnel."))
				return
			}
			r = r.WithContext(ctx)
		}
		if err := rt.handle(s, w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// authenticate resolves the request's bearer token and returns the
// request context carrying the actor.
func (s *Server) authenticate(r *http.Request) (context.Context, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, npac.Errorf(npac.EUNAUTHORIZED, "This request needs an API token: send the header Authorization: Bearer <token>.")
	}
	scheme, token, _ := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return nil, npac.Errorf(npac.EUNAUTHORIZED, "The Authorization header must be Bearer <token>.")
	}
	a, err := s.Users.Authenticate(r.Context(), token)
	if err != nil {
		return nil, err
	}
	return npac.NewContext(r.Context(), a), nil
}

// fallback answers what the mux has no route for with a problem document:
// 404 for an unknown path, 405 (with Allow) for a known path and the wrong
// method. The mux itself would answer in plain text.
func (s *Server) fallback(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		// Ask the mux's own answer for its status and Allow header.
		p := &probe{header: http.Header{}}
		h.ServeHTTP(p, r)
		switch p.status {
		case http.StatusNotFound:
			s.writeError(w, r, npac.Errorf(npac.ENOTFOUND, "There is no route %s %s; the API is described at /api/v1/openapi.yaml.", r.Method, r.URL.Path))
		case http.StatusMethodNotAllowed:
			allow := p.header.Get("Allow")
			w.Header().Set("Allow", allow)
			s.writeError(w, r, npac.Errorf(codeMethodNotAllowed, "%s does not take %s; it takes %s.", r.URL.Path, r.Method, allow))
		default: // a redirect to the cleaned path
			h.ServeHTTP(w, r)
		}
	})
}

// probe is a ResponseWriter that keeps only the header and status.
type probe struct {
	header http.Header
	status int
}

func (p *probe) Header() http.Header { return p.header }

func (p *probe) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.status = http.StatusOK
	}
	return len(b), nil
}

func (p *probe) WriteHeader(status int) {
	if p.status == 0 {
		p.status = status
	}
}

type requestIDKey struct{}

// requestID returns the request ID in ctx, or "".
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// validRequestID reports whether a client's X-Request-Id is safe to echo
// and log.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:", r)) {
			return false
		}
	}
	return true
}

// observe gives each request an ID (the client's X-Request-Id if it sent a
// sane one), echoes it, and logs the request when it is done.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = rand.Text()
		}
		w.Header().Set("X-Request-Id", id)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		s.logger().Info("http request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
			"duration", time.Since(start), "request_id", id)
	})
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) logger() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	if s.Ready != nil {
		if err := s.Ready(r.Context()); err != nil {
			s.logger().Warn("not ready", "err", err)
			return npac.Errorf(npac.EUNAVAILABLE, "The server is not ready: its database does not answer.")
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
	return nil
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/yaml")
	w.Write(openapiYAML)
	return nil
}
