package lti

import (
	"net/url"
	"strings"
	"time"

	npac "github.com/opennpac/npac"
)

// form is a submitted (or prefilled) form: its values, and the errors to
// show next to its fields or, for errors no field owns, in a banner above
// it.
type form struct {
	Values map[string]string
	Errors map[string]string
	Banner string
	// fields are the names the form shows, in order; an error for another
	// name goes to the banner.
	fields []string
}

func newForm(fields ...string) *form {
	return &form{Values: map[string]string{}, Errors: map[string]string{}, fields: fields}
}

// formFrom reads the form's fields from submitted values.
func formFrom(v url.Values, fields ...string) *form {
	f := newForm(fields...)
	for _, name := range fields {
		f.Values[name] = strings.TrimSpace(v.Get(name))
	}
	return f
}

// Get returns a field's value.
func (f *form) Get(name string) string { return f.Values[name] }

// Set sets a field's value.
func (f *form) Set(name, v string) { f.Values[name] = v }

// Fail records an error for a field; the first error of a field stands.
// A name the form does not show sends the message to the banner.
func (f *form) Fail(name, msg string) {
	if !f.has(name) {
		f.failBanner(msg)
		return
	}
	if _, ok := f.Errors[name]; !ok {
		f.Errors[name] = msg
	}
}

func (f *form) failBanner(msg string) {
	if f.Banner == "" {
		f.Banner = msg
	}
}

func (f *form) has(name string) bool {
	for _, n := range f.fields {
		if n == name {
			return true
		}
	}
	return false
}

// OK reports whether the form has no error.
func (f *form) OK() bool { return len(f.Errors) == 0 && f.Banner == "" }

// FailErr records a service's error next to the field it is about (see
// fieldOf), or in the banner.
func (f *form) FailErr(err error) {
	f.Fail(fieldOf(err), npac.ErrorMessage(err))
}

// fieldOf says which form field a service error is about, by simple rules
// on its code and then on words of its message; "" means none (a banner).
// The rules are documented in docs/lti.md.
func fieldOf(err error) string {
	switch npac.ErrorCode(err) {
	case npac.ENPANXXNotPortable:
		return "tn"
	case npac.EOldSPMismatch:
		return "old_spid"
	case npac.ELRNNotOwned:
		return "lrn"
	case npac.ESVDueDateNotReached, npac.ESVNotConcurred, npac.ESVWrongStatus, npac.ESVWrongActor,
		npac.ECreateMismatch, npac.ESVAlreadyPending, npac.EConflictWindowClosed, npac.EConflictAlreadyUsed,
		npac.EConflictRestricted, npac.EFORBIDDEN, npac.EINTERNAL:
		return ""
	}
	msg := npac.ErrorMessage(err)
	lower := strings.ToLower(msg)
	switch {
	case strings.HasPrefix(msg, "new_spid:"):
		return "new_spid"
	case strings.HasPrefix(msg, "old_spid:"):
		return "old_spid"
	case strings.Contains(lower, "cause code"):
		return "cause"
	case strings.Contains(lower, "lrn"):
		return "lrn"
	case strings.Contains(lower, "telephone number"), strings.Contains(lower, "npa-nxx"):
		return "tn"
	case strings.Contains(lower, "customer disconnect date"):
		return "cdd"
	case strings.Contains(lower, "release date"):
		return "erd"
	case strings.Contains(lower, "due date"):
		return "due_date"
	case strings.Contains(lower, "sv type"):
		return "sv_type"
	case strings.Contains(lower, "spid"):
		return "spid"
	case strings.Contains(lower, "password"):
		return "password"
	}
	return ""
}

// parseTN checks a form's TN field with the API's own parser and message.
func (f *form) parseTN(name string, required bool) npac.TN {
	return parseField(f, name, required, "Give the telephone number, NPA-NXX-XXXX.", npac.ParseTN)
}

// parseSPID checks a SPID field.
func (f *form) parseSPID(name string, required bool) npac.SPID {
	return parseField(f, name, required, "Give the SPID: 4 letters or digits.", npac.ParseSPID)
}

// parseLRN checks an LRN field.
func (f *form) parseLRN(name string, required bool) npac.LRN {
	return parseField(f, name, required, "The new SP's create needs an LRN: one of yours, NPA-NXX-XXXX.", npac.ParseLRN)
}

// parseField checks field name with parse, the API's own parser, failing it
// with the parser's message; an empty field is "" and, when required, fails
// with missing.
func parseField[T ~string](f *form, name string, required bool, missing string, parse func(string) (T, error)) T {
	v := f.Get(name)
	if v == "" {
		if required {
			f.Fail(name, missing)
		}
		return ""
	}
	x, err := parse(v)
	if err != nil {
		f.Fail(name, npac.ErrorMessage(err))
	}
	return x
}

// parseDate checks a date field (YYYY-MM-DD) with an optional time field
// (HH:MM, in loc). A date alone is 00:00 UTC of that day, as in the API.
func (f *form) parseDate(name, timeName string, loc *time.Location, required bool) *time.Time {
	v := f.Get(name)
	if v == "" {
		if required {
			f.Fail(name, "Give the date, YYYY-MM-DD.")
		}
		return nil
	}
	d, err := time.Parse("2006-01-02", v)
	if err != nil {
		f.Fail(name, "\""+v+"\" is not a date: use YYYY-MM-DD, such as 2026-11-18.")
		return nil
	}
	if timeName != "" {
		if tv := f.Get(timeName); tv != "" {
			hm, err := time.Parse("15:04", tv)
			if err != nil {
				f.Fail(timeName, "\""+tv+"\" is not a time: use HH:MM, 24-hour, such as 14:30.")
				return nil
			}
			at := time.Date(d.Year(), d.Month(), d.Day(), hm.Hour(), hm.Minute(), 0, 0, loc).UTC()
			return &at
		}
	}
	return &d
}
