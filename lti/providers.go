package lti

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode"

	npac "github.com/opennpac/npac"
)

// ---- Providers (NPAC personnel)

// The provider forms' fields: the create form has them all; the edit form
// has no SPID and no type, which do not change.
var (
	providerFields = []string{"spid", "name", "type", "regions", "bureaus", "contacts", "soa_blocks", "auto_activate"}
	providerEdit   = []string{"name", "regions", "bureaus", "contacts", "soa_blocks", "auto_activate"}
)

// check is one checkbox of a group.
type check struct {
	Value, Label string
	Checked      bool
}

type providerData struct {
	// Providers is the list page's.
	Providers []*npac.Provider
	// Provider and Users (those with a role for its SPID) are the
	// provider page's.
	Provider *npac.Provider
	Users    []userRow
	// Form is the create form on the list page, the edit form on the
	// provider page.
	Form        *form
	TypeChoices []string
	Regions     []check
}

// mayAdmin lets NPAC personnel through and refuses everyone else.
func (h *handler) mayAdmin(w http.ResponseWriter, c *call) bool {
	if c.actor.IsAdmin() {
		return true
	}
	http.Error(w, "The provider and user pages are for NPAC personnel.", http.StatusForbidden)
	return false
}

// forgetProviders drops the cached provider list, so that the next page
// shows a provider just created or changed.
func (h *handler) forgetProviders() {
	h.provMu.Lock()
	h.provs = nil
	h.provMu.Unlock()
}

func (h *handler) providerList(w http.ResponseWriter, r *http.Request, c *call) {
	if !h.mayAdmin(w, c) {
		return
	}
	h.renderProviders(w, r, c, http.StatusOK, newForm(providerFields...))
}

func (h *handler) renderProviders(w http.ResponseWriter, r *http.Request, c *call, status int, f *form) {
	ps, err := h.st.Providers(c.ctx)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	d := &providerData{Providers: ps, Form: f, Regions: regionChecks(f), TypeChoices: []string{"", "choose…"}}
	for _, t := range []npac.ProviderType{npac.ProviderWireline, npac.ProviderWireless, npac.ProviderVoIP, npac.ProviderServiceBureau} {
		d.TypeChoices = append(d.TypeChoices, string(t), string(t))
	}
	p := h.newPage(c, "Providers", "providers")
	p.Data = d
	h.render(w, status, "providers", p)
}

// regionChecks is the region checkboxes of a provider form, checked as the
// form's regions field (comma-separated) says.
func regionChecks(f *form) []check {
	on := strings.Split(f.Get("regions"), ",")
	out := make([]check, 0, len(npac.Regions))
	for _, ri := range npac.Regions {
		out = append(out, check{Value: string(ri.Code), Label: string(ri.Code) + " " + ri.Name, Checked: slices.Contains(on, string(ri.Code))})
	}
	return out
}

// readProvider reads a provider form, checking its SPID, regions and
// bureaus with the API's parsers. Name, type and contacts are left to the
// service, which says what is wrong with them.
func readProvider(v url.Values, fields []string) (*form, *npac.Provider) {
	f := formFrom(v, fields...)
	f.Set("regions", strings.Join(v["regions"], ","))
	p := &npac.Provider{Name: f.Get("name"), Type: npac.ProviderType(f.Get("type")),
		SOABlocks: f.Get("soa_blocks") != "", AutoActivate: f.Get("auto_activate") != "",
		Regions: []npac.Region{}, Bureaus: []npac.SPID{}}
	if f.has("spid") {
		p.SPID = f.parseSPID("spid", true)
	}
	for _, s := range v["regions"] {
		reg, err := npac.ParseRegion(s)
		if err != nil {
			f.Fail("regions", npac.ErrorMessage(err))
			break
		}
		p.Regions = append(p.Regions, reg)
	}
	for _, s := range splitList(f.Get("bureaus")) {
		b, err := npac.ParseSPID(s)
		if err != nil {
			f.Fail("bureaus", npac.ErrorMessage(err))
			break
		}
		p.Bureaus = append(p.Bureaus, b)
	}
	p.Contacts = readContacts(f)
	return f, p
}

// splitList splits a field holding several values, separated by commas
// or spaces.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
}

// readContacts reads the contacts field: one contact a line, "kind; name;
// email; phone", the last two optional.
func readContacts(f *form) []npac.Contact {
	out := []npac.Contact{}
	for i, line := range strings.Split(f.Get("contacts"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		parts := strings.Split(line, ";")
		if len(parts) > 4 {
			f.Fail("contacts", fmt.Sprintf("Line %d of the contacts has %d parts: give kind; name; email; phone, the last two optional.", i+1, len(parts)))
			return out
		}
		for len(parts) < 4 {
			parts = append(parts, "")
		}
		out = append(out, npac.Contact{Kind: strings.TrimSpace(parts[0]), Name: strings.TrimSpace(parts[1]),
			Email: strings.TrimSpace(parts[2]), Phone: strings.TrimSpace(parts[3])})
	}
	return out
}

// contactLines writes contacts the way the contacts field reads them.
func contactLines(cs []npac.Contact) string {
	lines := make([]string, len(cs))
	for i, c := range cs {
		parts := []string{c.Kind, c.Name, c.Email, c.Phone}
		for len(parts) > 2 && parts[len(parts)-1] == "" {
			parts = parts[:len(parts)-1]
		}
		lines[i] = strings.Join(parts, "; ")
	}
	return strings.Join(lines, "\n")
}

// providerField says which field of a provider form a service error is
// about, by words of its message; "" for the banner.
func providerField(err error) string {
	switch npac.ErrorCode(err) {
	case npac.EFORBIDDEN, npac.EINTERNAL:
		return ""
	}
	lower := strings.ToLower(npac.ErrorMessage(err))
	switch {
	case strings.Contains(lower, "contact"):
		return "contacts"
	case strings.Contains(lower, "provider type"):
		return "type"
	case strings.Contains(lower, "bureau"):
		return "bureaus"
	case strings.Contains(lower, "region"):
		return "regions"
	case strings.Contains(lower, "name"):
		return "name"
	case strings.Contains(lower, "spid"):
		return "spid"
	}
	return ""
}

func (h *handler) createProvider(w http.ResponseWriter, r *http.Request, c *call) {
	if !h.mayAdmin(w, c) {
		return
	}
	f, p := readProvider(r.PostForm, providerFields)
	if f.OK() {
		err := h.st.CreateProvider(c.ctx, p)
		if err == nil {
			h.forgetProviders()
			h.log.Info("lti: provider created", "user", c.actor.User.Name, "spid", p.SPID)
			h.sess.setFlash(c.ctx, c.sid, fmt.Sprintf("Provider %s (%s) is registered.", p.SPID, p.Name))
			http.Redirect(w, r, h.base+"/providers/"+string(p.SPID), http.StatusSeeOther)
			return
		}
		if npac.ErrorCode(err) == npac.EINTERNAL {
			h.internal(w, r, err)
			return
		}
		f.Fail(providerField(err), npac.ErrorMessage(err))
	}
	h.renderProviders(w, r, c, http.StatusUnprocessableEntity, f)
}

// pathSPID reads the provider page's SPID; false when it is not one.
func pathSPID(r *http.Request) (npac.SPID, bool) {
	spid, err := npac.ParseSPID(r.PathValue("spid"))
	return spid, err == nil
}

func (h *handler) providerPage(w http.ResponseWriter, r *http.Request, c *call) {
	if !h.mayAdmin(w, c) {
		return
	}
	spid, ok := pathSPID(r)
	if !ok {
		h.notFound(w, r, c)
		return
	}
	h.renderProvider(w, r, c, http.StatusOK, spid, nil)
}

// renderProvider shows a provider with its edit form: f, or a form filled
// from the provider.
func (h *handler) renderProvider(w http.ResponseWriter, r *http.Request, c *call, status int, spid npac.SPID, f *form) {
	pr, err := h.st.Provider(c.ctx, spid)
	switch {
	case npac.ErrorCode(err) == npac.ENOTFOUND:
		h.notFound(w, r, c)
		return
	case err != nil:
		h.internal(w, r, err)
		return
	}
	if f == nil {
		f = newForm(providerEdit...)
		f.Set("name", pr.Name)
		regions := make([]string, len(pr.Regions))
		for i, reg := range pr.Regions {
			regions[i] = string(reg)
		}
		f.Set("regions", strings.Join(regions, ","))
		bureaus := make([]string, len(pr.Bureaus))
		for i, b := range pr.Bureaus {
			bureaus[i] = string(b)
		}
		f.Set("bureaus", strings.Join(bureaus, ", "))
		f.Set("contacts", contactLines(pr.Contacts))
		if pr.SOABlocks {
			f.Set("soa_blocks", "1")
		}
		if pr.AutoActivate {
			f.Set("auto_activate", "1")
		}
	}
	users, err := h.st.Users(c.ctx)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	d := &providerData{Provider: pr, Form: f, Regions: regionChecks(f)}
	for _, u := range users {
		if slices.ContainsFunc(u.Grants, func(g npac.Grant) bool { return g.SPID == spid }) {
			d.Users = append(d.Users, userRowOf(u))
		}
	}
	p := h.newPage(c, "Provider "+string(spid), "providers")
	p.Data = d
	h.render(w, status, "provider", p)
}

func (h *handler) updateProvider(w http.ResponseWriter, r *http.Request, c *call) {
	if !h.mayAdmin(w, c) {
		return
	}
	spid, ok := pathSPID(r)
	if !ok {
		h.notFound(w, r, c)
		return
	}
	f, p := readProvider(r.PostForm, providerEdit)
	if f.OK() {
		upd := npac.ProviderUpdate{Name: &p.Name, Regions: &p.Regions, Contacts: &p.Contacts, Bureaus: &p.Bureaus,
			SOABlocks: &p.SOABlocks, AutoActivate: &p.AutoActivate}
		_, err := h.st.UpdateProvider(c.ctx, spid, upd)
		switch code := npac.ErrorCode(err); {
		case err == nil:
			h.forgetProviders()
			h.log.Info("lti: provider updated", "user", c.actor.User.Name, "spid", spid)
			h.sess.setFlash(c.ctx, c.sid, fmt.Sprintf("Provider %s is saved.", spid))
			http.Redirect(w, r, h.base+"/providers/"+string(spid), http.StatusSeeOther)
			return
		case code == npac.EINTERNAL:
			h.internal(w, r, err)
			return
		}
		f.Fail(providerField(err), npac.ErrorMessage(err))
	}
	// An unknown SPID shows as not found.
	h.renderProvider(w, r, c, http.StatusUnprocessableEntity, spid, f)
}
