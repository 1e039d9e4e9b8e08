package http_test

import (
	"net/http"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	npachttp "github.com/opennpac/npac/http"
)

// openapiDoc is the part of the OpenAPI document the tests read.
type openapiDoc struct {
	OpenAPI string                    `yaml:"openapi"`
	Paths   map[string]map[string]any `yaml:"paths"`
	Comps   struct {
		Schemas struct {
			Problem struct {
				Properties struct {
					Code struct {
						Enum []string `yaml:"enum"`
					} `yaml:"code"`
				} `yaml:"properties"`
			} `yaml:"Problem"`
		} `yaml:"schemas"`
		Parameters map[string]struct {
			Name string `yaml:"name"`
			In   string `yaml:"in"`
		} `yaml:"parameters"`
	} `yaml:"components"`
}

func readOpenAPI(t *testing.T) (openapiDoc, []byte) {
	t.Helper()
	b, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc openapiDoc
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("openapi.yaml is not valid YAML: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Fatalf("openapi %q, want 3.1.x", doc.OpenAPI)
	}
	return doc, b
}

var operations = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// muxWildcard matches a ServeMux wildcard: {name}, {name...} or {$}.
var muxWildcard = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)?(\.\.\.|\$)?\}`)

// normalizeMux turns a ServeMux pattern into "METHOD /path/{param}" as
// OpenAPI writes paths: {name...} becomes {name} and {$} goes.
func normalizeMux(pattern string) string {
	return muxWildcard.ReplaceAllStringFunc(pattern, func(w string) string {
		if w == "{$}" {
			return ""
		}
		return "{" + strings.Trim(strings.TrimSuffix(w[1:len(w)-1], "..."), " ") + "}"
	})
}

// TestOpenAPIMatchesRoutes checks that openapi.yaml documents exactly the
// routes the server registers, no more and no fewer.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc, _ := readOpenAPI(t)
	var documented []string
	for path, item := range doc.Paths {
		for key := range item {
			if slices.Contains(operations, key) {
				documented = append(documented, strings.ToUpper(key)+" "+path)
			}
		}
	}
	var served []string
	for _, r := range npachttp.Routes() {
		method, path, ok := strings.Cut(r, " ")
		if !ok || method == "" {
			t.Errorf("route %q has no method", r)
			continue
		}
		served = append(served, normalizeMux(method+" "+path))
	}
	sort.Strings(documented)
	sort.Strings(served)
	if diff := cmp.Diff(served, documented); diff != "" {
		t.Errorf("routes (-served +documented in openapi.yaml):\n%s", diff)
	}
}

// TestOpenAPIPathParameters checks that every {param} of a documented path
// is declared as a path parameter of the path or of each operation.
func TestOpenAPIPathParameters(t *testing.T) {
	doc, _ := readOpenAPI(t)
	names := func(v any) []string {
		var out []string
		list, _ := v.([]any)
		for _, p := range list {
			m, _ := p.(map[string]any)
			if ref, ok := m["$ref"].(string); ok {
				c := doc.Comps.Parameters[strings.TrimPrefix(ref, "#/components/parameters/")]
				if c.In == "path" {
					out = append(out, c.Name)
				}
				continue
			}
			if m["in"] == "path" {
				out = append(out, m["name"].(string))
			}
		}
		return out
	}
	for path, item := range doc.Paths {
		want := muxWildcard.FindAllStringSubmatch(path, -1)
		common := names(item["parameters"])
		for op, v := range item {
			if !slices.Contains(operations, op) {
				continue
			}
			opMap, _ := v.(map[string]any)
			have := append(slices.Clone(common), names(opMap["parameters"])...)
			for _, w := range want {
				if !slices.Contains(have, w[1]) {
					t.Errorf("%s %s: path parameter %s is not declared", strings.ToUpper(op), path, w[1])
				}
			}
			if len(have) != len(want) {
				t.Errorf("%s %s: %d path parameters declared, the path has %d", strings.ToUpper(op), path, len(have), len(want))
			}
		}
	}
}

// TestOpenAPIProblemCodes checks that the Problem schema lists exactly the
// codes of the status table.
func TestOpenAPIProblemCodes(t *testing.T) {
	doc, _ := readOpenAPI(t)
	var table []string
	for code := range npachttp.ProblemStatuses() {
		table = append(table, code)
	}
	enum := slices.Clone(doc.Comps.Schemas.Problem.Properties.Code.Enum)
	sort.Strings(table)
	sort.Strings(enum)
	if diff := cmp.Diff(table, enum); diff != "" {
		t.Errorf("problem codes (-status table +openapi.yaml enum):\n%s", diff)
	}
}

// TestProblemStatuses pins the code-to-status table.
func TestProblemStatuses(t *testing.T) {
	want := map[string]int{
		"invalid": 400, "unauthorized": 401, "forbidden": 403, "spid-not-authorized": 403, "not-found": 404,
		"method-not-allowed": 405, "conflict": 409, "too-large": 413, "idempotency-key-reused": 422,
		"unavailable": 503, "internal": 500,
		"sv-already-pending": 409, "sv-wrong-status": 409, "sv-wrong-actor": 409, "sv-not-concurred": 409,
		"sv-due-date-not-reached": 409, "conflict-window-closed": 409, "conflict-already-used": 409,
		"conflict-resolution-restricted": 409, "create-mismatch": 409, "in-use": 409, "port-to-original-invalid": 409,
		"lrn-not-owned": 422, "npa-nxx-not-portable": 422, "old-sp-mismatch": 422, "log-truncated": 410,
		"order-wrong-status": 409, "cancel-too-late": 409, "rejection-expired": 409, "foc-not-reached": 409,
		"wireless-approval-required": 409, "order-requirements-unmet": 422, "due-date-invalid": 422,
		"reject-reason-not-permitted": 422, "not-portable": 422, "rate-limited": 429, "lookup-limit": 429,
	}
	if diff := cmp.Diff(want, npachttp.ProblemStatuses()); diff != "" {
		t.Errorf("status table (-want +got):\n%s", diff)
	}
}

// TestOpenAPIServed checks that the server serves the document as it is
// in the repository.
func TestOpenAPIServed(t *testing.T) {
	e := newEnv(t)
	_, file := readOpenAPI(t)
	r := e.do("GET", "/api/v1/openapi.yaml", "", nil)
	if r.status != http.StatusOK || string(r.body) != string(file) {
		t.Errorf("served openapi.yaml: status %d, %d bytes; want 200 and the %d bytes of the file", r.status, len(r.body), len(file))
	}
}
