// Package lti is the Low Tech Interface: OpenNPAC's web UI for the people of
// the providers and of the NPAC, served under /lti/ next to the API.
//
// Pages are rendered on the server with html/template from embedded
// templates; every flow works without JavaScript, and one small embedded
// script only adds the browser's time zone to times. Users sign in with a
// name and password (store: argon2id); a session is a random 32-byte ID in
// an HttpOnly, SameSite=Lax cookie (Secure over TLS) naming a row of an
// in-memory table, so a restart signs everyone out. Every form carries the
// session's CSRF token and every POST is checked; failed sign-ins are
// throttled per client address and per user name. Forms check their fields
// with the API's own parsers, then call the same services the API calls, so
// they refuse what the API refuses with the same message, shown next to the
// field it is about; a refused form writes nothing. See docs/lti.md.
//
// Like package http, lti sees the service interfaces only (Store), never
// the store's concrete type.
package lti

import (
	"context"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/portorder"
)

// Store is what the interface needs of the NPAC: the SV, notification,
// audit, port-order, network, provider and user services, and password
// sign-in. *store.Store implements it.
type Store interface {
	npac.SVService
	npac.NotificationService
	npac.AuditService
	// The port-order pages use CreateOrder, Order, Orders, UpdateOrder,
	// SubmitOrder, AnswerOrder, RecordApproval, ActivateOrder,
	// CancelOrder, PutCSRs and CSRs.
	portorder.Service
	// The LSMS page (NPAC personnel) uses LSMSs, LogHead and the
	// lsms-lag and failed-svs reports.
	LSMSs(ctx context.Context) ([]*npac.LSMSRegistration, error)
	LogHead(ctx context.Context) (int64, error)
	npac.ReportService
	// The network page uses Codes, CreateCode, UpdateCode, DeleteCode,
	// LRNs, CreateLRN, DeleteLRN, Blocks, CreateBlock and DeleteBlock.
	npac.NetworkService
	npac.BlockService
	// The provider pages (NPAC personnel) use CreateProvider, Provider,
	// Providers and UpdateProvider; every page uses Providers for names
	// and home regions.
	npac.ProviderService
	// The user pages (NPAC personnel) use CreateUser, User, Users,
	// SetDisabled, SetPassword, CreateToken and RevokeToken.
	npac.UserService
	// The tunables page (NPAC personnel) uses Tunables and SetTunables.
	npac.TunablesService
	// The sessions of signed-in browsers are kept in the store.
	npac.WebSessionStore
	// Login checks a user name and password and returns the actor.
	// Errors: unauthorized (one message for every failure).
	Login(ctx context.Context, name, password string) (*npac.Actor, error)
	// PasswordActor returns the actor of a signed-in user as it is now,
	// and a stamp that changes when the password is set.
	// Errors: unauthorized (disabled, or no password).
	PasswordActor(ctx context.Context, userID int64) (*npac.Actor, string, error)
}

// Options configure the interface. The zero value serves under /lti with
// the defaults below.
type Options struct {
	// Prefix is the path the interface is mounted at (default "/lti");
	// mount the handler at Prefix + "/".
	Prefix string
	// SecureCookies marks cookies Secure on plain-HTTP requests too: set
	// it behind a proxy that terminates TLS. Over TLS they always are.
	SecureCookies bool
	// IdleTimeout ends a session unused that long (default 1 hour);
	// MaxAge ends any session that old (default 12 hours).
	IdleTimeout, MaxAge time.Duration
	// ClientAddr returns the client address sign-ins are throttled by
	// (default: the connection's remote address). Behind a reverse proxy,
	// return the address the proxy reports.
	ClientAddr func(*http.Request) string
	// Now is the clock of sessions and throttling (default time.Now). The
	// NPAC's own clock (the store's) is separate.
	Now func() time.Time
	// NPACNow is the NPAC's clock (the store's Now): the time an LOA is
	// signed at, and the time the fee tier of a cancel is computed at
	// before the user confirms (default time.Now).
	NPACNow func() time.Time
	// FeeTiers are the store's cancel fee tiers (default
	// portorder.DefaultTiers()), shown before a cancel.
	FeeTiers []portorder.Tier
	// LSMSStale is how long a delivery may wait for an LSMS's
	// acknowledgement before the LSMS page shows that LSMS as not
	// connected (default 5 minutes).
	LSMSStale time.Duration
	// Log receives sign-ins, sign-in failures and internal errors
	// (default slog.Default()).
	Log *slog.Logger
}

// handler is the interface's http.Handler.
type handler struct {
	st    Store
	opts  Options
	base  string
	sess  *sessions
	thr   *throttle
	pages map[string]*template.Template
	mux   *http.ServeMux
	log   *slog.Logger

	provMu sync.Mutex
	provAt time.Time
	provs  []*npac.Provider

	// secrets holds new token secrets until the user's page shows them
	// once.
	secrets secretBox
}

// New returns the interface's handler. Mount it at opts.Prefix + "/"
// (default "/lti/").
func New(st Store, opts Options) http.Handler {
	h, err := newHandler(st, opts)
	if err != nil {
		// The templates are embedded: a parse error is a bug that every
		// test run catches.
		panic(err)
	}
	return h
}

func newHandler(st Store, opts Options) (*handler, error) {
	if opts.Prefix == "" {
		opts.Prefix = "/lti"
	}
	opts.Prefix = "/" + strings.Trim(opts.Prefix, "/")
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = time.Hour
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = 12 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.NPACNow == nil {
		opts.NPACNow = time.Now
	}
	if opts.ClientAddr == nil {
		opts.ClientAddr = func(r *http.Request) string { return r.RemoteAddr }
	}
	if opts.LSMSStale <= 0 {
		opts.LSMSStale = 5 * time.Minute
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	h := &handler{st: st, opts: opts, base: opts.Prefix, pages: pages, log: opts.Log,
		sess: newSessions(st, opts.IdleTimeout, opts.MaxAge, opts.Now, opts.Log),
		thr:  newThrottle(opts.Now)}
	h.routes()
	return h, nil
}

func (h *handler) routes() {
	b := h.base
	m := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	m.Handle("GET "+b+"/static/", http.StripPrefix(b+"/static/", staticHandler(http.FileServerFS(static))))
	m.HandleFunc("GET "+b+"/login", h.loginPage)
	m.HandleFunc("POST "+b+"/login", h.login)
	m.HandleFunc("POST "+b+"/logout", h.auth(h.logout))
	m.HandleFunc("GET "+b+"/{$}", h.auth(h.home))
	m.HandleFunc("GET "+b+"/tn", h.auth(h.tnSearch))
	m.HandleFunc("GET "+b+"/svs", h.auth(h.svList))
	m.HandleFunc("GET "+b+"/svs/new", h.auth(h.createPage))
	m.HandleFunc("POST "+b+"/svs/new", h.auth(h.create))
	m.HandleFunc("GET "+b+"/svs/{id}", h.auth(h.detail))
	m.HandleFunc("POST "+b+"/svs/{id}/{action}", h.auth(h.act))
	m.HandleFunc("GET "+b+"/ranges", h.auth(h.rangePage))
	m.HandleFunc("POST "+b+"/ranges/create", h.auth(h.rangeCreate))
	m.HandleFunc("POST "+b+"/ranges/act", h.auth(h.rangeAct))
	m.HandleFunc("GET "+b+"/orders", h.auth(h.orderList))
	m.HandleFunc("GET "+b+"/orders/new", h.auth(h.orderNewPage))
	m.HandleFunc("POST "+b+"/orders/new", h.auth(h.orderNew))
	m.HandleFunc("GET "+b+"/orders/{id}", h.auth(h.orderDetail))
	m.HandleFunc("GET "+b+"/orders/{id}/edit", h.auth(h.orderEditPage))
	m.HandleFunc("POST "+b+"/orders/{id}/edit", h.auth(h.orderEdit))
	m.HandleFunc("GET "+b+"/orders/{id}/cancel", h.auth(h.orderCancelPage))
	m.HandleFunc("POST "+b+"/orders/{id}/{action}", h.auth(h.orderAct))
	m.HandleFunc("GET "+b+"/csrs", h.auth(h.csrPage))
	m.HandleFunc("POST "+b+"/csrs", h.auth(h.csrUpload))
	m.HandleFunc("GET "+b+"/csrs/{spid}/{account}/delete", h.auth(h.csrDeletePage))
	m.HandleFunc("POST "+b+"/csrs/{spid}/{account}/delete", h.auth(h.csrDelete))
	m.HandleFunc("GET "+b+"/notifications", h.auth(h.notifications))
	m.HandleFunc("GET "+b+"/lsms", h.auth(h.lsmsPage))
	m.HandleFunc("POST "+b+"/lsms/resend/{id}", h.auth(h.resend))
	m.HandleFunc("GET "+b+"/audit", h.auth(h.auditPage))
	m.HandleFunc("GET "+b+"/network", h.auth(h.networkPage))
	m.HandleFunc("POST "+b+"/network/codes", h.auth(h.createCode))
	m.HandleFunc("POST "+b+"/network/codes/{code}/portable", h.auth(h.portable))
	m.HandleFunc("POST "+b+"/network/lrns", h.auth(h.createLRN))
	m.HandleFunc("POST "+b+"/network/blocks", h.auth(h.createBlock))
	m.HandleFunc("GET "+b+"/network/blocks/{id}", h.auth(h.blockPage))
	m.HandleFunc("POST "+b+"/network/blocks/{id}", h.auth(h.modifyBlock))
	m.HandleFunc("POST "+b+"/network/blocks/{id}/resend", h.auth(h.resendBlock))
	m.HandleFunc("GET "+b+"/network/{kind}/{id}/delete", h.auth(h.netDeletePage))
	m.HandleFunc("POST "+b+"/network/{kind}/{id}/delete", h.auth(h.netDelete))
	m.HandleFunc("GET "+b+"/providers", h.auth(h.providerList))
	m.HandleFunc("POST "+b+"/providers", h.auth(h.createProvider))
	m.HandleFunc("GET "+b+"/providers/{spid}", h.auth(h.providerPage))
	m.HandleFunc("POST "+b+"/providers/{spid}", h.auth(h.updateProvider))
	m.HandleFunc("GET "+b+"/users", h.auth(h.userList))
	m.HandleFunc("POST "+b+"/users", h.auth(h.createUser))
	m.HandleFunc("GET "+b+"/users/{id}", h.auth(h.userPage))
	m.HandleFunc("POST "+b+"/users/{id}/disable", h.auth(h.setDisabled(true)))
	m.HandleFunc("POST "+b+"/users/{id}/enable", h.auth(h.setDisabled(false)))
	m.HandleFunc("POST "+b+"/users/{id}/password", h.auth(h.setUserPassword))
	m.HandleFunc("POST "+b+"/users/{id}/tokens", h.auth(h.createToken))
	m.HandleFunc("GET "+b+"/users/{id}/tokens/{token}/revoke", h.auth(h.revokePage))
	m.HandleFunc("POST "+b+"/users/{id}/tokens/{token}/revoke", h.auth(h.revokeToken))
	m.HandleFunc("GET "+b+"/tunables", h.auth(h.tunablesPage))
	m.HandleFunc("POST "+b+"/tunables", h.auth(h.saveTunables))
	m.HandleFunc("GET "+b+"/account", h.auth(h.account))
	m.HandleFunc("POST "+b+"/account", h.auth(h.changePassword))
	m.HandleFunc(b+"/", h.auth(h.notFound))
	h.mux = m
}

// staticHandler serves the embedded assets; their URLs carry a version, so
// they may be cached.
func staticHandler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		next.ServeHTTP(w, r)
	})
}

// ServeHTTP sets the security headers every page gets, refuses
// cross-origin POSTs, and routes.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	if r.Method == http.MethodPost {
		if !sameOrigin(r) {
			http.Error(w, "Cross-origin form posts are refused.", http.StatusForbidden)
			return
		}
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			// A form with a file (an order's bill, a CSR file): up to
			// maxUpload, kept in memory up to 1 MiB.
			r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
			if err := r.ParseMultipartForm(1 << 20); err != nil {
				http.Error(w, "The form could not be read, or its file is larger than 10 MiB.", http.StatusRequestEntityTooLarge)
				return
			}
			defer r.MultipartForm.RemoveAll()
		} else {
			r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
			if err := r.ParseForm(); err != nil {
				http.Error(w, "The form could not be read.", http.StatusBadRequest)
				return
			}
		}
	}
	h.mux.ServeHTTP(w, r)
}

// sameOrigin reports whether a POST comes from a page of this site, by the
// Origin header (or Sec-Fetch-Site) browsers send. A request with neither,
// from an old browser or a script, passes: the CSRF token still guards it.
// The origin's host may match the request's Host or, behind a reverse proxy
// that rewrites Host, the X-Forwarded-Host the proxy sets (a page of
// another site cannot make a browser send that header with a form).
func sameOrigin(r *http.Request) bool {
	if s := r.Header.Get("Sec-Fetch-Site"); s == "cross-site" || s == "same-site" {
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	if o == "null" {
		return false
	}
	u, err := url.Parse(o)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	fwd, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Host"), ",")
	return fwd != "" && strings.EqualFold(u.Host, strings.TrimSpace(fwd))
}

// The session cookie, and the sign-in form's own CSRF cookie (a double
// submit: before sign-in there is no session to keep the token in).
const (
	sessionCookie = "npac_lti"
	loginCookie   = "npac_lti_login"
)

func (h *handler) secure(r *http.Request) bool { return r.TLS != nil || h.opts.SecureCookies }

func (h *handler) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: h.base + "/", MaxAge: maxAge,
		HttpOnly: true, Secure: h.secure(r), SameSite: http.SameSiteLaxMode})
}

// call is what an authenticated page handler gets.
type call struct {
	ctx   context.Context
	actor *npac.Actor
	sid   string
	sess  session
}

type pageFunc func(w http.ResponseWriter, r *http.Request, c *call)

// auth resolves the session cookie to its user as it is now, checks the
// CSRF token of a POST, and calls fn with the actor in the context.
// Without a live session a GET goes to the sign-in page and comes back.
func (h *handler) auth(fn pageFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		var sid string
		if ck, err := r.Cookie(sessionCookie); err == nil {
			sid = ck.Value
		}
		s, ok := h.sess.get(r.Context(), sid)
		var a *npac.Actor
		if ok {
			var stamp string
			var err error
			a, stamp, err = h.st.PasswordActor(r.Context(), s.UserID)
			switch {
			case npac.ErrorCode(err) == npac.EUNAUTHORIZED || (err == nil && stamp != s.Stamp):
				h.sess.end(r.Context(), sid)
				ok = false
			case err != nil:
				h.internal(w, r, err)
				return
			}
		}
		if !ok {
			if sid != "" {
				h.setCookie(w, r, sessionCookie, "", -1)
			}
			h.toLogin(w, r, sid != "")
			return
		}
		if r.Method == http.MethodPost && !sameToken(r.PostForm.Get("csrf"), s.CSRF) {
			h.log.Warn("lti: refused a POST without the session's CSRF token", "user", s.UserName, "path", r.URL.Path)
			http.Error(w, "This form has expired or did not come from this site. Go back, reload the page and try again.", http.StatusForbidden)
			return
		}
		fn(w, r, &call{ctx: npac.NewContext(r.Context(), a), actor: a, sid: sid, sess: s})
	}
}

// toLogin sends the browser to the sign-in page, asking it to come back to
// the page it wanted when that was a GET.
func (h *handler) toLogin(w http.ResponseWriter, r *http.Request, ended bool) {
	q := url.Values{}
	if r.Method == http.MethodGet && r.URL.Path != h.base+"/" {
		q.Set("next", r.URL.RequestURI())
	}
	if ended {
		q.Set("ended", "1")
	}
	target := h.base + "/login"
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// safeNext returns next if it is a path of this interface, else the home
// page: the sign-in page never redirects elsewhere.
func (h *handler) safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || u.Scheme != "" || u.Host != "" || u.User != nil ||
		!strings.HasPrefix(next, h.base+"/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") ||
		strings.HasPrefix(next, h.base+"/login") {
		return h.base + "/"
	}
	return next
}

// internal logs an error that is not the user's and shows a plain page.
func (h *handler) internal(w http.ResponseWriter, r *http.Request, err error) {
	h.log.Error("lti: internal error", "path", r.URL.Path, "err", err)
	http.Error(w, "Internal error. It has been logged; try again, or tell NPAC personnel.", http.StatusInternalServerError)
}

// providers returns every provider, cached for a minute: names and regions
// change rarely, and pages show them often.
func (h *handler) providers(ctx context.Context) map[npac.SPID]*npac.Provider {
	h.provMu.Lock()
	defer h.provMu.Unlock()
	now := h.opts.Now()
	if h.provs == nil || now.Sub(h.provAt) > time.Minute {
		ps, err := h.st.Providers(ctx)
		if err != nil {
			h.log.Warn("lti: providers", "err", err)
		} else {
			h.provs, h.provAt = ps, now
		}
	}
	out := make(map[npac.SPID]*npac.Provider, len(h.provs))
	for _, p := range h.provs {
		out[p.SPID] = p
	}
	return out
}

// readSPIDs returns the SPIDs whose SVs and notifications the actor reads
// as a provider (soa, bureau or lsms), sorted.
func readSPIDs(a *npac.Actor) []npac.SPID {
	out := a.SOASPIDs()
	for _, g := range a.User.Grants {
		if g.Role == npac.RoleLSMS {
			out = append(out, g.SPID)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// soaSPIDs returns the SPIDs the actor acts for as an SOA, sorted.
func soaSPIDs(a *npac.Actor) []npac.SPID {
	out := a.SOASPIDs()
	slices.Sort(out)
	return slices.Compact(out)
}

// spidChoices appends to list a select's value and label for each of
// spids: the SPID, then the SPID with its provider's name.
func (p *page) spidChoices(list []string, spids []npac.SPID) []string {
	for _, s := range spids {
		list = append(list, string(s), string(s)+" "+p.Names[s])
	}
	return list
}

// newPage fills the layout's part of a page for a signed-in user.
func (h *handler) newPage(c *call, title, nav string) *page {
	provs := h.providers(c.ctx)
	names := make(map[npac.SPID]string, len(provs))
	for s, p := range provs {
		names[s] = p.Name
	}
	p := &page{Title: title, User: &c.actor.User, CSRF: c.sess.CSRF, Flash: h.sess.takeFlash(c.ctx, c.sid), Names: names,
		Roles: roles(c.actor), Nav: navFor(c.actor, h.base, nav)}
	// The home zone: the first region of the first provider the user
	// works for; NPAC personnel see UTC.
	for _, s := range readSPIDs(c.actor) {
		if pr, ok := provs[s]; ok && len(pr.Regions) > 0 {
			p.Zone = zoneOf(pr.Regions[0])
			break
		}
	}
	return p
}

// roles describes the actor's grants, such as "soa 8051, lsms 8051".
func roles(a *npac.Actor) string {
	var parts []string
	for _, g := range a.User.Grants {
		s := string(g.Role)
		if g.SPID != "" {
			s += " " + string(g.SPID)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// navFor is the navigation a user's roles call for.
func navFor(a *npac.Actor, base, current string) []navItem {
	provider := len(readSPIDs(a)) > 0
	soa := len(a.SOASPIDs()) > 0 || a.IsAdmin()
	var items []navItem
	add := func(key, href, label string) {
		items = append(items, navItem{Href: base + href, Label: label, Current: key == current})
	}
	add("home", "/", "Home")
	if provider || a.IsAdmin() {
		add("tn", "/tn", "TN search")
		add("svs", "/svs", "Subscription versions")
	}
	if soa {
		add("new", "/svs/new", "New SV")
		add("ranges", "/ranges", "Ranges")
		add("orders", "/orders", "Port orders")
	}
	if provider || a.IsAdmin() {
		add("notifications", "/notifications", "Notifications")
	}
	if soa {
		add("network", "/network", "Network")
	}
	if a.IsAdmin() {
		add("lsms", "/lsms", "LSMS")
		add("audit", "/audit", "Audit")
		add("providers", "/providers", "Providers")
		add("users", "/users", "Users")
		add("tunables", "/tunables", "Tunables")
	}
	add("account", "/account", "Account")
	return items
}

func (h *handler) notFound(w http.ResponseWriter, r *http.Request, c *call) {
	p := h.newPage(c, "Not found", "")
	p.Data = r.URL.Path
	h.render(w, http.StatusNotFound, "notfound", p)
}
