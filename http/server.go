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
	Tunables      npac.Tunables
	// Ready reports whether the server can serve (the database answers);
	// /readyz calls it. Nil means always ready.
	Ready func(ctx context.Context) error
	Log   *slog.Logger
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

		{"GET /api/v1/providers", (*Server).listProviders, false},
		{"POST /api/v1/providers", (*Server).createProvider, false},
		{"GET /api/v1/providers/{spid}", (*Server).getProvider, false},
		{"PATCH /api/v1/providers/{spid}", (*Server).updateProvider, false},

		{"GET /api/v1/users", (*Server).listUsers, false},
		{"POST /api/v1/users", (*Server).createUser, false},
		{"GET /api/v1/users/{id}", (*Server).getUser, false},
		{"POST /api/v1/users/{id}/tokens", (*Server).createToken, false},
		{"DELETE /api/v1/users/{id}/tokens/{token}", (*Server).revokeToken, false},
		{"POST /api/v1/users/{id}/disable", setDisabled(true), false},
		{"POST /api/v1/users/{id}/enable", setDisabled(false), false},

		{"GET /api/v1/npa-nxxs", (*Server).listCodes, false},
		{"POST /api/v1/npa-nxxs", (*Server).createCode, false},
		{"GET /api/v1/npa-nxxs/{npanxx}", (*Server).getCode, false},
		{"PATCH /api/v1/npa-nxxs/{npanxx}", (*Server).updateCode, false},
		{"DELETE /api/v1/npa-nxxs/{npanxx}", (*Server).deleteCode, false},

		{"GET /api/v1/lrns", (*Server).listLRNs, false},
		{"POST /api/v1/lrns", (*Server).createLRN, false},
		{"GET /api/v1/lrns/{lrn}", (*Server).getLRN, false},
		{"DELETE /api/v1/lrns/{lrn}", (*Server).deleteLRN, false},

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

		{"GET /api/v1/notifications", (*Server).listNotifications, false},
		{"GET /api/v1/audit", (*Server).listAudit, false},

		{"GET /api/v1/lsms", (*Server).listLSMS, false},
		{"GET /api/v1/lsms/{spid}", (*Server).getLSMS, false},
		{"PUT /api/v1/lsms/{spid}", (*Server).registerLSMS, false},
		{"DELETE /api/v1/lsms/{spid}", (*Server).unregisterLSMS, false},
		{"GET /api/v1/lsms/{spid}/stream", (*Server).streamLSMS, false},
		{"POST /api/v1/lsms/{spid}/ack", (*Server).ackLSMS, false},
		{"GET /api/v1/lsms/{spid}/image", (*Server).imageLSMS, false},
	}
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
