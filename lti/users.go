package lti

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	npac "github.com/opennpac/npac"
)

// ---- Users and their tokens (NPAC personnel)

// grantRows is how many grants the create form offers.
const grantRows = 3

// The user forms' fields.
var (
	userFields     = userFormFields()
	passwordFields = []string{"password", "confirm"}
	tokenFields    = []string{"token_name", "token_days"}
)

func userFormFields() []string {
	out := []string{"name"}
	for i := 1; i <= grantRows; i++ {
		role, target := grantKeys(i)
		out = append(out, role, target)
	}
	return out
}

// grantKeys names the fields of the create form's i-th grant: its role,
// and the SPID or regions it is held for.
func grantKeys(i int) (role, target string) {
	return fmt.Sprintf("grant%d_role", i), fmt.Sprintf("grant%d_for", i)
}

// userRow is a user with its grants written as role@SPID.
type userRow struct {
	*npac.User
	Grants []string
}

func userRowOf(u *npac.User) userRow {
	return userRow{User: u, Grants: grantLabels(u.Grants)}
}

// grantLabels writes grants as "npac-admin", "soa@BBB2", "ptrs@NE,MA".
func grantLabels(gs []npac.Grant) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = string(g.Role)
		switch {
		case g.SPID != "":
			out[i] += "@" + string(g.SPID)
		case len(g.Regions) > 0:
			regions := make([]string, len(g.Regions))
			for j, r := range g.Regions {
				regions[j] = string(r)
			}
			out[i] += "@" + strings.Join(regions, ",")
		}
	}
	return out
}

// tokenRow is a token of a user as the audit log records it, with its
// expiry and last use while it lives.
type tokenRow struct {
	ID       int64
	Name     string
	Issued   time.Time
	IssuedBy string
	// ExpiresAt and LastUsed are the live token's, if it has them.
	ExpiresAt, LastUsed *time.Time
	// Revoked is set once the token is revoked.
	Revoked   bool
	RevokedAt time.Time
	RevokedBy string
}

type userData struct {
	// Users, Form, RoleChoices and Rows are the list page's.
	Users       []userRow
	Form        *form
	RoleChoices []string
	Rows        []int
	// The rest is the user page's.
	User      userRow
	Self      bool
	NewTokens []*npac.Token
	Tokens    []tokenRow
	Password  *form
	TokenForm *form
	// ActionError reports a refused enable or disable.
	ActionError string
}

func (h *handler) userList(w http.ResponseWriter, r *http.Request, c *call) {
	if !h.mayAdmin(w, c) {
		return
	}
	h.renderUsers(w, r, c, http.StatusOK, newForm(userFields...))
}

func (h *handler) renderUsers(w http.ResponseWriter, r *http.Request, c *call, status int, f *form) {
	users, err := h.st.Users(c.ctx)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	d := &userData{Form: f, RoleChoices: []string{"", "none"}}
	for _, u := range users {
		d.Users = append(d.Users, userRowOf(u))
	}
	for _, role := range append([]npac.Role{npac.RoleSOA, npac.RoleLSMS, npac.RoleServiceBureau, npac.RoleAdmin}, npac.DataRoles...) {
		d.RoleChoices = append(d.RoleChoices, string(role), string(role))
	}
	for i := 1; i <= grantRows; i++ {
		d.Rows = append(d.Rows, i)
	}
	p := h.newPage(c, "Users", "users")
	p.Data = d
	h.render(w, status, "users", p)
}

// formGrant is a grant read from the create form, with the row it came
// from.
type formGrant struct {
	row   int
	grant npac.Grant
}

// readGrants reads the create form's grant rows. Each row is checked by
// the model's own rules (npac.User.Validate, on a user holding that grant
// alone), so that a bad row gets the API's sentence next to it.
func readGrants(f *form) []formGrant {
	var out []formGrant
	for i := 1; i <= grantRows; i++ {
		roleKey, forKey := grantKeys(i)
		role, target := npac.Role(f.Get(roleKey)), f.Get(forKey)
		if role == "" {
			if target != "" {
				f.Fail(roleKey, "Choose the role this SPID or these regions are for.")
			}
			continue
		}
		g := npac.Grant{Role: role}
		if role.IsData() {
			for _, s := range splitList(target) {
				g.Regions = append(g.Regions, npac.Region(s))
			}
		} else {
			g.SPID = npac.SPID(target)
		}
		one := npac.User{Name: "grant-check", Grants: []npac.Grant{g}}
		if err := one.Validate(); err != nil {
			field := forKey
			if !role.Valid() {
				field = roleKey
			}
			f.Fail(field, npac.ErrorMessage(err))
			continue
		}
		out = append(out, formGrant{row: i, grant: one.Grants[0]})
	}
	return out
}

// userField says which field of the create form a service error is
// about: the row of a SPID it names, the name, or the first role.
func userField(err error, grants []formGrant) string {
	switch npac.ErrorCode(err) {
	case npac.EFORBIDDEN, npac.EINTERNAL:
		return ""
	case npac.ECONFLICT:
		return "name"
	}
	msg := npac.ErrorMessage(err)
	for _, g := range grants {
		if g.grant.SPID != "" && strings.Contains(msg, string(g.grant.SPID)) {
			_, forKey := grantKeys(g.row)
			return forKey
		}
	}
	lower := strings.ToLower(msg)
	switch {
	case strings.Contains(lower, "role"):
		role, _ := grantKeys(1)
		return role
	case strings.Contains(lower, "name"):
		return "name"
	}
	return ""
}

func (h *handler) createUser(w http.ResponseWriter, r *http.Request, c *call) {
	if !h.mayAdmin(w, c) {
		return
	}
	f := formFrom(r.PostForm, userFields...)
	grants := readGrants(f)
	if f.OK() {
		u := &npac.User{Name: f.Get("name"), Grants: make([]npac.Grant, len(grants))}
		for i, g := range grants {
			u.Grants[i] = g.grant
		}
		tok, err := h.st.CreateUser(c.ctx, u)
		if err == nil {
			h.log.Info("lti: user created", "user", c.actor.User.Name, "new_user", u.Name, "id", u.ID)
			h.secrets.put(c.sid, u.ID, tok, h.opts.Now())
			h.sess.setFlash(c.ctx, c.sid, fmt.Sprintf("User %s is created with its first API token.", u.Name))
			http.Redirect(w, r, userPath(h.base, u.ID), http.StatusSeeOther)
			return
		}
		if npac.ErrorCode(err) == npac.EINTERNAL {
			h.internal(w, r, err)
			return
		}
		f.Fail(userField(err, grants), npac.ErrorMessage(err))
	}
	h.renderUsers(w, r, c, http.StatusUnprocessableEntity, f)
}

func userPath(base string, id int64) string { return base + "/users/" + strconv.FormatInt(id, 10) }

// pathID reads a positive ID from the path; false when it is not one.
func pathID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id, err == nil && id > 0
}

func (h *handler) userPage(w http.ResponseWriter, r *http.Request, c *call) {
	if !h.mayAdmin(w, c) {
		return
	}
	id, ok := pathID(r, "id")
	if !ok {
		h.notFound(w, r, c)
		return
	}
	h.renderUser(w, r, c, http.StatusOK, id, &userData{})
}

// renderUser shows a user's page with d's forms and messages (new forms
// where d has none), and the secrets of tokens just issued to it in this
// session, which it shows once.
func (h *handler) renderUser(w http.ResponseWriter, r *http.Request, c *call, status int, id int64, d *userData) {
	u, err := h.st.User(c.ctx, id)
	switch {
	case npac.ErrorCode(err) == npac.ENOTFOUND:
		h.notFound(w, r, c)
		return
	case err != nil:
		h.internal(w, r, err)
		return
	}
	tokens, err := h.tokenHistory(c, id)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	d.User, d.Self, d.Tokens = userRowOf(u), u.ID == c.actor.User.ID, tokens
	if d.Password == nil {
		d.Password = newForm(passwordFields...)
	}
	if d.TokenForm == nil {
		d.TokenForm = newForm(tokenFields...)
	}
	if status == http.StatusOK {
		d.NewTokens = h.secrets.take(c.sid, id, h.opts.Now())
	}
	p := h.newPage(c, "User "+u.Name, "users")
	p.Data = d
	h.render(w, status, "user", p)
}

// tokenHistory lists a user's tokens, issued and revoked, from the audit
// log, which alone remembers revoked tokens and who issued each, with the
// expiry and last use of the live ones (UserService.Tokens).
func (h *handler) tokenHistory(c *call, userID int64) ([]tokenRow, error) {
	var out []*tokenRow
	byID := map[int64]*tokenRow{}
	f := npac.AuditFilter{Entity: "user", EntityID: strconv.FormatInt(userID, 10), Limit: 1000}
	for {
		recs, err := h.st.Audit(c.ctx, f)
		if err != nil {
			return nil, err
		}
		for _, rec := range recs {
			var tok struct {
				ID   int64  `json:"token_id"`
				Name string `json:"name"`
			}
			switch rec.Action {
			case "token.create":
				if err := json.Unmarshal(rec.After, &tok); err != nil {
					return nil, fmt.Errorf("audit record %d: %w", rec.ID, err)
				}
				t := &tokenRow{ID: tok.ID, Name: tok.Name, Issued: rec.At, IssuedBy: rec.UserName}
				byID[tok.ID] = t
				out = append(out, t)
			case "token.revoke":
				if err := json.Unmarshal(rec.Before, &tok); err != nil {
					return nil, fmt.Errorf("audit record %d: %w", rec.ID, err)
				}
				if t, ok := byID[tok.ID]; ok {
					t.Revoked, t.RevokedAt, t.RevokedBy = true, rec.At, rec.UserName
				}
			}
		}
		if len(recs) < f.Limit {
			break
		}
		f.AfterID = recs[len(recs)-1].ID
	}
	live, err := h.st.Tokens(c.ctx, userID)
	if err != nil {
		return nil, err
	}
	for _, tok := range live {
		t, ok := byID[tok.ID]
		if !ok {
			t = &tokenRow{ID: tok.ID, Name: tok.Name, Issued: tok.CreatedAt}
			out = append(out, t)
		}
		t.ExpiresAt, t.LastUsed = tok.ExpiresAt, tok.LastUsed
	}
	slices.SortFunc(out, func(a, b *tokenRow) int { return cmp.Compare(a.ID, b.ID) })
	rows := make([]tokenRow, len(out))
	for i, t := range out {
		rows[i] = *t
	}
	return rows, nil
}

// userDone ends a change to a user: a message, and back to its page.
func (h *handler) userDone(w http.ResponseWriter, r *http.Request, c *call, id int64, msg string) {
	h.sess.setFlash(c.ctx, c.sid, msg)
	http.Redirect(w, r, userPath(h.base, id), http.StatusSeeOther)
}

// setDisabled returns the handler that disables or re-enables a user.
// An administrator does not disable itself here: that would end its own
// session with no one left to undo it from this page.
func (h *handler) setDisabled(disabled bool) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, c *call) {
		if !h.mayAdmin(w, c) {
			return
		}
		id, ok := pathID(r, "id")
		if !ok {
			h.notFound(w, r, c)
			return
		}
		if disabled && id == c.actor.User.ID {
			h.renderUser(w, r, c, http.StatusUnprocessableEntity, id, &userData{ActionError: "You cannot disable yourself: another administrator can."})
			return
		}
		u, err := h.st.SetDisabled(c.ctx, id, disabled)
		switch code := npac.ErrorCode(err); {
		case err == nil:
			word := "enabled: its tokens and password are accepted again"
			if u.Disabled {
				word = "disabled: its tokens and password are refused, and its sessions are ended"
			}
			h.log.Info("lti: user disabled or enabled", "user", c.actor.User.Name, "id", id, "disabled", u.Disabled)
			h.userDone(w, r, c, id, fmt.Sprintf("User %s is %s.", u.Name, word))
		case code == npac.EINTERNAL:
			h.internal(w, r, err)
		case code == npac.ENOTFOUND:
			h.notFound(w, r, c)
		default:
			h.renderUser(w, r, c, http.StatusUnprocessableEntity, id, &userData{ActionError: npac.ErrorMessage(err)})
		}
	}
}

// setUserPassword sets another user's password. One's own is changed on
// the Account page, which asks for the current password first.
func (h *handler) setUserPassword(w http.ResponseWriter, r *http.Request, c *call) {
	if !h.mayAdmin(w, c) {
		return
	}
	id, ok := pathID(r, "id")
	if !ok {
		h.notFound(w, r, c)
		return
	}
	f := newForm(passwordFields...)
	pw, confirm := r.PostForm.Get("password"), r.PostForm.Get("confirm")
	switch {
	case id == c.actor.User.ID:
		f.Banner = "Change your own password on the Account page: it asks for your current one first."
	case pw == "":
		f.Fail("password", "Give the new password.")
	case pw != confirm:
		f.Fail("confirm", "The two passwords differ.")
	}
	if f.OK() {
		err := h.st.SetPassword(c.ctx, id, pw)
		switch code := npac.ErrorCode(err); {
		case err == nil:
			h.log.Info("lti: password set", "user", c.actor.User.Name, "id", id)
			h.userDone(w, r, c, id, "The password is set: the user signs in with it from now on, and any session it had is ended.")
			return
		case code == npac.EINTERNAL:
			h.internal(w, r, err)
			return
		case code == npac.ENOTFOUND:
			h.notFound(w, r, c)
			return
		}
		f.FailErr(err)
	}
	h.renderUser(w, r, c, http.StatusUnprocessableEntity, id, &userData{Password: f})
}

// maxTokenDays bounds a token's lifetime in the form: a hundred years.
const maxTokenDays = 36500

func (h *handler) createToken(w http.ResponseWriter, r *http.Request, c *call) {
	if !h.mayAdmin(w, c) {
		return
	}
	id, ok := pathID(r, "id")
	if !ok {
		h.notFound(w, r, c)
		return
	}
	f := formFrom(r.PostForm, tokenFields...)
	var ttl time.Duration
	if v := f.Get("token_days"); v != "" {
		days, err := strconv.Atoi(v)
		if err != nil || days < 1 || days > maxTokenDays {
			f.Fail("token_days", fmt.Sprintf("%q is not a lifetime: give whole days from 1 to %d, such as 90, or leave it empty for a token that does not expire.", v, maxTokenDays))
		}
		ttl = time.Duration(days) * 24 * time.Hour
	}
	if f.OK() {
		tok, err := h.st.CreateToken(c.ctx, id, f.Get("token_name"), ttl)
		switch code := npac.ErrorCode(err); {
		case err == nil:
			h.log.Info("lti: token issued", "user", c.actor.User.Name, "id", id, "token", tok.ID)
			h.secrets.put(c.sid, id, tok, h.opts.Now())
			h.userDone(w, r, c, id, fmt.Sprintf("Token %d %q is issued.", tok.ID, tok.Name))
			return
		case code == npac.EINTERNAL:
			h.internal(w, r, err)
			return
		case code == npac.ENOTFOUND:
			h.notFound(w, r, c)
			return
		}
		// The service refuses a name or a lifetime; anything else goes to
		// the banner.
		field := ""
		if npac.ErrorCode(err) == npac.EINVALID {
			field = "token_name"
			if strings.Contains(npac.ErrorMessage(err), "lifetime") {
				field = "token_days"
			}
		}
		f.Fail(field, npac.ErrorMessage(err))
	}
	h.renderUser(w, r, c, http.StatusUnprocessableEntity, id, &userData{TokenForm: f})
}

type revokeData struct {
	User  *npac.User
	Token tokenRow
	// Known is false when the audit log has no record of the token.
	Known bool
	Error string
}

// revokeTarget reads the user and token a revoke URL names; false when
// the page was answered (not found, or an error).
func (h *handler) revokeTarget(w http.ResponseWriter, r *http.Request, c *call) (*revokeData, bool) {
	id, ok := pathID(r, "id")
	tokID, tokOK := pathID(r, "token")
	if !ok || !tokOK {
		h.notFound(w, r, c)
		return nil, false
	}
	u, err := h.st.User(c.ctx, id)
	switch {
	case npac.ErrorCode(err) == npac.ENOTFOUND:
		h.notFound(w, r, c)
		return nil, false
	case err != nil:
		h.internal(w, r, err)
		return nil, false
	}
	tokens, err := h.tokenHistory(c, id)
	if err != nil {
		h.internal(w, r, err)
		return nil, false
	}
	d := &revokeData{User: u, Token: tokenRow{ID: tokID}}
	if i := slices.IndexFunc(tokens, func(t tokenRow) bool { return t.ID == tokID }); i >= 0 {
		d.Token, d.Known = tokens[i], true
	}
	return d, true
}

func (h *handler) revokePage(w http.ResponseWriter, r *http.Request, c *call) {
	if !h.mayAdmin(w, c) {
		return
	}
	if d, ok := h.revokeTarget(w, r, c); ok {
		h.renderRevoke(w, c, http.StatusOK, d)
	}
}

func (h *handler) renderRevoke(w http.ResponseWriter, c *call, status int, d *revokeData) {
	p := h.newPage(c, fmt.Sprintf("Revoke token %d", d.Token.ID), "users")
	p.Data = d
	h.render(w, status, "token-revoke", p)
}

func (h *handler) revokeToken(w http.ResponseWriter, r *http.Request, c *call) {
	if !h.mayAdmin(w, c) {
		return
	}
	d, ok := h.revokeTarget(w, r, c)
	if !ok {
		return
	}
	err := h.st.RevokeToken(c.ctx, d.User.ID, d.Token.ID)
	switch code := npac.ErrorCode(err); {
	case err == nil:
		h.log.Info("lti: token revoked", "user", c.actor.User.Name, "id", d.User.ID, "token", d.Token.ID)
		h.userDone(w, r, c, d.User.ID, fmt.Sprintf("Token %d of %s is revoked: it is refused from now on.", d.Token.ID, d.User.Name))
	case code == npac.EINTERNAL:
		h.internal(w, r, err)
	case code == npac.ENOTFOUND:
		d.Error = npac.ErrorMessage(err)
		h.renderRevoke(w, c, http.StatusNotFound, d)
	default:
		d.Error = npac.ErrorMessage(err)
		h.renderRevoke(w, c, http.StatusUnprocessableEntity, d)
	}
}

// secretTTL is how long a new token's secret waits to be shown.
const secretTTL = 10 * time.Minute

// secretBox holds the secrets of new tokens, in memory, between the POST
// that issued them and the next view of the user's page in the same
// session, which shows them once and drops them. A secret not shown within
// secretTTL is dropped unseen.
type secretBox struct {
	mu sync.Mutex
	m  map[secretKey][]heldSecret
}

// secretKey is a session (by the hash of its ID, as the session table
// keys it) and the user the tokens belong to.
type secretKey struct {
	sess string
	user int64
}

type heldSecret struct {
	tok *npac.Token
	at  time.Time
}

// put keeps a new token for the session's next view of the user's page.
func (b *secretBox) put(sid string, user int64, tok *npac.Token, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = map[secretKey][]heldSecret{}
	}
	for k, held := range b.m {
		held = slices.DeleteFunc(held, func(s heldSecret) bool { return now.Sub(s.at) > secretTTL })
		if len(held) == 0 {
			delete(b.m, k)
		} else {
			b.m[k] = held
		}
	}
	k := secretKey{key(sid), user}
	b.m[k] = append(b.m[k], heldSecret{tok: tok, at: now})
}

// take returns the tokens kept for the session and user, and forgets
// them.
func (b *secretBox) take(sid string, user int64, now time.Time) []*npac.Token {
	b.mu.Lock()
	defer b.mu.Unlock()
	k := secretKey{key(sid), user}
	held := b.m[k]
	delete(b.m, k)
	var out []*npac.Token
	for _, s := range held {
		if now.Sub(s.at) <= secretTTL {
			out = append(out, s.tok)
		}
	}
	return out
}
