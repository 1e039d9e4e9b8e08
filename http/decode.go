package http

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	npac "github.com/opennpac/npac"
)

// maxBody is the largest request body the API reads.
const maxBody = 4 << 20

// Page sizes of list routes: the default and the most one page holds.
const (
	defaultLimit = 100
	maxLimit     = 1000
)

// decodeBody reads the request's JSON body into v. Unknown fields, bad
// JSON, a value of the wrong type, more than one value and a body over
// maxBody are refused with a sentence naming the problem. An empty body is
// refused when required, and leaves v as it is otherwise.
func decodeBody(w http.ResponseWriter, r *http.Request, v any, required bool) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			if required {
				return npac.Errorf(npac.EINVALID, "This request needs a JSON body; see /api/v1/openapi.yaml.")
			}
			return nil
		}
		return decodeError(err, v)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return decodeError(err, v)
		}
		return npac.Errorf(npac.EINVALID, "The request body holds more than one JSON value; send one object.")
	}
	return nil
}

// decodeError explains why a body did not decode into v.
func decodeError(err error, v any) error {
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
		mbe    *http.MaxBytesError
		ne     *npac.Error
	)
	switch {
	case errors.As(err, &mbe):
		return npac.Errorf(npac.ETOOLARGE, "The request body is larger than the limit of %d MiB.", maxBody>>20)
	case errors.As(err, &ne):
		return ne
	case errors.As(err, &syntax):
		return npac.Errorf(npac.EINVALID, "The request body is not valid JSON: %s (at byte offset %d).", syntax.Error(), syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return npac.Errorf(npac.EINVALID, "The request body is not valid JSON: it ends in the middle of a value.")
	case errors.As(err, &typ) && typ.Type == reflect.TypeFor[jsonTime]():
		return npac.Errorf(npac.EINVALID, "Field %q is not a time: give RFC 3339 (2025-03-05T14:00:00Z) or a date (2025-03-05), not %s.",
			jsonPath(typ.Field, v), typ.Value)
	case errors.As(err, &typ) && typ.Field == "":
		return npac.Errorf(npac.EINVALID, "The request body must be %s, not %s.", jsonKind(typ.Type), valueKind(typ.Value))
	case errors.As(err, &typ):
		return npac.Errorf(npac.EINVALID, "Field %q has the wrong type: it must be %s, not %s.", jsonPath(typ.Field, v), jsonKind(typ.Type), valueKind(typ.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return npac.Errorf(npac.EINVALID, "The request has an unknown field %s; see /api/v1/openapi.yaml for the fields it takes.",
			strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return npac.Errorf(npac.EINVALID, "The request body could not be read as JSON: %s.", err.Error())
}

// jsonPath removes from a decoder's field path the names of embedded
// structs, which are Go names, not JSON ones.
func jsonPath(field string, v any) string {
	embedded := map[string]bool{}
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		for f := range t.Fields() {
			if f.Anonymous {
				embedded[f.Type.Name()] = true
			}
			walk(f.Type)
		}
	}
	walk(reflect.TypeOf(v))
	parts := strings.Split(field, ".")
	out := parts[:0]
	for _, p := range parts {
		if !embedded[p] {
			out = append(out, p)
		}
	}
	return strings.Join(out, ".")
}

// valueKind names the kind of JSON value the decoder reports ("string",
// "number -1", "array", …).
func valueKind(v string) string {
	switch {
	case v == "string":
		return "a string"
	case v == "bool":
		return "true or false"
	case v == "array":
		return "an array"
	case v == "object":
		return "an object"
	case strings.HasPrefix(v, "number"):
		return "a number"
	}
	return v
}

// jsonKind names the JSON type that decodes into t.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}

// jsonTime is a time in a request body: RFC 3339, or a date alone
// ("2006-01-02") for 00:00:00 UTC of that day. Responses carry plain
// time.Time values, always RFC 3339.
type jsonTime struct{ time.Time }

// UnmarshalJSON implements json.Unmarshaler. A bad time is reported as a
// *json.UnmarshalTypeError, so that the decoder names the field.
func (t *jsonTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	bad := &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeFor[jsonTime]()}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return bad
	}
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		t.Time = d
		return nil
	}
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return bad
	}
	t.Time = v
	return nil
}

// ptr returns the time as a *time.Time, nil for a nil t.
func (t *jsonTime) ptr() *time.Time {
	if t == nil {
		return nil
	}
	v := t.Time
	return &v
}

// writeJSON writes v as the JSON response. A write error means the client
// went away; there is no one to tell.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
	return nil
}

// page is one page of a list.
type page[T any] struct {
	Items []T `json:"items"`
	// NextAfter is the key of the last item when the page is full, for
	// the after parameter of the next request.
	NextAfter string `json:"next_after,omitempty"`
}

// pageOf makes a page of items fetched with limit; key gives an item's
// cursor. A limit of 0 means an unpaged list.
func pageOf[T any](items []T, limit int, key func(T) string) page[T] {
	if items == nil {
		items = []T{}
	}
	p := page[T]{Items: items}
	if limit > 0 && len(items) == limit {
		p.NextAfter = key(items[len(items)-1])
	}
	return p
}

// pathID parses the path parameter name as a positive integer ID; what
// names the thing in the error message.
func pathID(r *http.Request, name, what string) (int64, error) {
	return parseID(r.PathValue(name), what)
}

func parseID(s, what string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, npac.Errorf(npac.EINVALID, "%q is not a %s ID: give a positive integer.", s, what)
	}
	return id, nil
}

// queryLimit reads the limit parameter: defaultLimit when absent, at most
// maxLimit.
func queryLimit(r *http.Request) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, npac.Errorf(npac.EINVALID, "limit %q is not a positive integer.", s)
	}
	return min(n, maxLimit), nil
}

// queryAfterID reads an after parameter that is an integer key; 0 when
// absent.
func queryAfterID(r *http.Request) (int64, error) {
	s := r.URL.Query().Get("after")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, npac.Errorf(npac.EINVALID, "after %q is not a cursor: give the next_after of the previous page.", s)
	}
	return n, nil
}

// queryIDPage reads the spid, after and limit parameters of a list paged
// by integer ID, such as the SVs or the audit trail.
func queryIDPage(r *http.Request) (spid npac.SPID, afterID int64, limit int, err error) {
	if spid, err = querySPID(r, "spid"); err != nil {
		return "", 0, 0, err
	}
	if afterID, err = queryAfterID(r); err != nil {
		return "", 0, 0, err
	}
	if limit, err = queryLimit(r); err != nil {
		return "", 0, 0, err
	}
	return spid, afterID, limit, nil
}

// querySPID reads an optional SPID parameter.
func querySPID(r *http.Request, name string) (npac.SPID, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return "", nil
	}
	return npac.ParseSPID(s)
}

// queryRegion reads the optional region parameter.
func queryRegion(r *http.Request) (npac.Region, error) {
	s := r.URL.Query().Get("region")
	if s == "" {
		return "", nil
	}
	return npac.ParseRegion(s)
}
