package lti

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	npac "github.com/opennpac/npac"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// assetVersion is a hash of the static files, appended to their URLs so a
// new release is never served from a stale cache.
var assetVersion = func() string {
	h := sha256.New()
	fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := staticFS.ReadFile(p)
			h.Write([]byte(p))
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}()

// page is what every template gets: the layout's data and the page's own
// in Data.
type page struct {
	Title  string
	Base   string
	AssetV string
	// User is nil on the sign-in page.
	User  *npac.User
	Roles string
	Nav   []navItem
	CSRF  string
	Flash string
	// Zone is the user's home region's time zone, for times that belong
	// to no SV.
	Zone  *time.Location
	Names map[npac.SPID]string
	Data  any
}

type navItem struct {
	Href, Label string
	Current     bool
}

// field is one labelled form control with its value, hint and error.
type field struct {
	ID, Name, Label, Type, Value, Hint, Error string
	Required                                  bool
	Autocomplete, Inputmode, Placeholder      string
	Options                                   []option
}

type option struct {
	Value, Label string
	Selected     bool
}

// DescribedBy lists the IDs of the error or else the hint, for
// aria-describedby. An error replaces the hint: it says what to give.
func (f field) DescribedBy() string {
	var ids []string
	if f.Error != "" {
		ids = append(ids, f.ID+"-error")
	}
	if f.Hint != "" && f.Error == "" {
		ids = append(ids, f.ID+"-hint")
	}
	return strings.Join(ids, " ")
}

// fld builds a field of a form. opts are key=value pairs: hint, required,
// autocomplete, inputmode, placeholder, id (default: the name).
func fld(f *form, name, label, typ string, opts ...string) field {
	out := field{ID: name, Name: name, Label: label, Type: typ}
	if f != nil {
		out.Value, out.Error = f.Values[name], f.Errors[name]
	}
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "hint":
			out.Hint = v
		case "required":
			out.Required = true
		case "autocomplete":
			out.Autocomplete = v
		case "inputmode":
			out.Inputmode = v
		case "placeholder":
			out.Placeholder = v
		case "id":
			out.ID = v
		}
	}
	return out
}

// sel builds a select field; choices alternate value and label.
func sel(f *form, name, label string, choices []string, opts ...string) field {
	out := fld(f, name, label, "select", opts...)
	for i := 0; i+1 < len(choices); i += 2 {
		out.Options = append(out.Options, option{Value: choices[i], Label: choices[i+1], Selected: choices[i] == out.Value})
	}
	return out
}

var zones sync.Map // npac.Region → *time.Location

// zoneOf returns the time zone of a region, UTC if unknown.
func zoneOf(r npac.Region) *time.Location {
	if l, ok := zones.Load(r); ok {
		return l.(*time.Location)
	}
	loc := time.UTC
	if ri, ok := r.Info(); ok {
		if l, err := time.LoadLocation(ri.TimeZone); err == nil {
			loc = l
		}
	}
	zones.Store(r, loc)
	return loc
}

func timeOf(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, !t.IsZero()
	case *time.Time:
		if t == nil {
			return time.Time{}, false
		}
		return *t, !t.IsZero()
	}
	return time.Time{}, false
}

// when shows an instant in a zone (the region's), marked up so that the
// script adds the browser's own zone: <time datetime=… data-t>.
func when(v any, loc *time.Location) template.HTML {
	t, ok := timeOf(v)
	if !ok {
		return `<span class="none">—</span>`
	}
	if loc == nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	return template.HTML(fmt.Sprintf(`<time datetime="%s" data-t title="%s UTC">%s</time>`,
		t.UTC().Format(time.RFC3339), t.UTC().Format("2006-01-02 15:04"),
		template.HTMLEscapeString(lt.Format("2006-01-02 15:04 MST"))))
}

// day shows a date that names a day (a wireline due date, 00:00 GMT): the
// day, in no zone.
func day(v any) template.HTML {
	t, ok := timeOf(v)
	if !ok {
		return `<span class="none">—</span>`
	}
	return template.HTML(`<time datetime="` + t.UTC().Format("2006-01-02") + `">` + t.UTC().Format("2006-01-02") + `</time>`)
}

// due shows an SV's due date: a day, or an instant for a wireless port.
func due(sv *npac.SV, v any) template.HTML {
	if sv.DueIsDay {
		return day(v)
	}
	return when(v, zoneOf(sv.Region))
}

// fmtTN writes a TN or LRN as NPA-NXX-XXXX.
func fmtTN(v any) string {
	s := fmt.Sprint(v)
	if len(s) != 10 {
		return s
	}
	return s[:3] + "-" + s[3:6] + "-" + s[6:]
}

// spidOf shows a SPID with its provider's name as a tooltip.
func spidOf(names map[npac.SPID]string, s npac.SPID) template.HTML {
	if s == "" {
		return `<span class="none">—</span>`
	}
	e := template.HTMLEscapeString
	if n, ok := names[s]; ok {
		return template.HTML(`<span class="spid" title="` + e(n) + `">` + e(string(s)) + `</span>`)
	}
	return template.HTML(`<span class="spid">` + e(string(s)) + `</span>`)
}

// spidName shows a SPID followed by its provider's name.
func spidName(names map[npac.SPID]string, s npac.SPID) template.HTML {
	if n, ok := names[s]; ok {
		return template.HTML(`<span class="spid">` + template.HTMLEscapeString(string(s)) + `</span> ` + template.HTMLEscapeString(n))
	}
	return spidOf(names, s)
}

// statusBadge shows an SV status.
func statusBadge(s npac.Status) template.HTML {
	return template.HTML(`<span class="status st-` + template.HTMLEscapeString(string(s)) + `">` + template.HTMLEscapeString(string(s)) + `</span>`)
}

// svTable is the data of the "svtable" template.
type svTable struct {
	ID, Caption, Empty, Base string
	Names                    map[npac.SPID]string
	SVs                      []*npac.SV
}

func svt(p *page, id, caption, empty string, svs []*npac.SV) svTable {
	if empty == "" {
		empty = "None."
	}
	return svTable{ID: id, Caption: caption, Empty: empty, Base: p.Base, Names: p.Names, SVs: svs}
}

// noticeTable is the data of the "noticetable" template.
type noticeTable struct {
	Page    *page
	ID      string
	Notices []*npac.Notification
	// SPID adds a column naming whom each notification is for.
	SPID bool
}

func nt(p *page, id string, ns []*npac.Notification, spid bool) noticeTable {
	return noticeTable{Page: p, ID: id, Notices: ns, SPID: spid}
}

var funcs = template.FuncMap{
	"svt":      svt,
	"nt":       nt,
	"fld":      fld,
	"sel":      sel,
	"when":     when,
	"day":      day,
	"due":      due,
	"tn":       fmtTN,
	"zoneOf":   zoneOf,
	"spid":     spidOf,
	"spidName": spidName,
	"status":   statusBadge,
	"code":     fmtCode,
	"npaBlock": fmtBlock,
	"list":     func(v ...string) []string { return v },
	"zoneName": func(l *time.Location) string {
		if l == nil {
			return "UTC"
		}
		return l.String()
	},
}

// parsePages parses each page template with the layout and the shared
// parts.
func parsePages() (map[string]*template.Template, error) {
	shared, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/_*.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if strings.HasPrefix(base, "_") {
			continue
		}
		t, err := template.Must(shared.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, err
		}
		out[base] = t
	}
	return out, nil
}

// render writes a page with the status. It renders into a buffer first,
// so that a template error becomes a clean 500.
func (h *handler) render(w http.ResponseWriter, status int, name string, p *page) {
	t, ok := h.pages[name]
	if !ok {
		h.log.Error("lti: no such template", "name", name)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	p.Base, p.AssetV = h.base, assetVersion
	if p.Zone == nil {
		p.Zone = time.UTC
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		h.log.Error("lti: render", "page", name, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
