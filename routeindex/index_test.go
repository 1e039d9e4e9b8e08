package routeindex_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/opennpac/npac"
	"github.com/opennpac/npac/routeindex"
)

// ported returns a TN-level or block route.
func ported(spid npac.SPID, lrn npac.LRN) npac.Route {
	return npac.Route{Ported: true, SPID: spid, LRN: lrn, SVType: npac.SVWireless}
}

// holder returns the route a code holder's TNs resolve to.
func holder(spid npac.SPID) npac.Route { return npac.Route{SPID: spid} }

func sp(dpc string, ssn int) *npac.SignalingPoint {
	return &npac.SignalingPoint{DPC: dpc, SSN: &ssn}
}

// check fails t unless ix resolves tn to want (nil: ok=false).
func check(t *testing.T, ix *routeindex.Index, tn npac.TN, want *npac.Route) {
	t.Helper()
	got, ok := ix.Resolve(tn)
	switch {
	case want == nil && ok:
		t.Errorf("Resolve(%s) = %+v, true; want ok=false", tn, *got)
	case want != nil && !ok:
		t.Errorf("Resolve(%s) = ok=false; want %+v", tn, *want)
	case want != nil:
		if diff := cmp.Diff(*want, *got); diff != "" {
			t.Errorf("Resolve(%s) mismatch (-want +got):\n%s", tn, diff)
		}
	}
}

func TestSetResolveDelete(t *testing.T) {
	a := ported("AAAA", "2125550000")
	b := npac.Route{Ported: true, SPID: "BBBB", LRN: "6465550000", SVType: npac.SVVoIP,
		CLASS: sp("001-002-003", 0), CNAM: sp("004-005-006", 7), WSMSC: &npac.SignalingPoint{DPC: "009-009-009"}}
	tests := []struct {
		name string
		do   func(ix *routeindex.Index)
		tn   npac.TN
		want *npac.Route
		len  int
	}{
		{"empty index", func(ix *routeindex.Index) {}, "2125551234", nil, 0},
		{"set", func(ix *routeindex.Index) { ix.Set("2125551234", a) }, "2125551234", &a, 1},
		{"set with signaling points", func(ix *routeindex.Index) { ix.Set("2125551234", b) }, "2125551234", &b, 1},
		{"neighbour not set", func(ix *routeindex.Index) { ix.Set("2125551234", a) }, "2125551235", nil, 1},
		{"line 0000", func(ix *routeindex.Index) { ix.Set("2125550000", a) }, "2125550000", &a, 1},
		{"line 9999", func(ix *routeindex.Index) { ix.Set("9999999999", a) }, "9999999999", &a, 1},
		{"replace", func(ix *routeindex.Index) {
			ix.Set("2125551234", a)
			ix.Set("2125551234", b)
		}, "2125551234", &b, 1},
		{"delete", func(ix *routeindex.Index) {
			ix.Set("2125551234", a)
			ix.Delete("2125551234")
		}, "2125551234", nil, 0},
		{"delete leaves others", func(ix *routeindex.Index) {
			ix.Set("2125551234", a)
			ix.Set("2125551235", b)
			ix.Delete("2125551234")
		}, "2125551235", &b, 1},
		{"delete of absent TN", func(ix *routeindex.Index) {
			ix.Set("2125551234", a)
			ix.Delete("2125551299")
			ix.Delete("3125551299")
		}, "2125551234", &a, 1},
		{"same line, other code", func(ix *routeindex.Index) {
			ix.Set("2125551234", a)
			ix.Set("2125561234", b)
		}, "2125561234", &b, 2},
		{"same code and line, other NPA", func(ix *routeindex.Index) {
			ix.Set("2125551234", a)
			ix.Set("3125551234", b)
		}, "2125551234", &a, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix := routeindex.New()
			tt.do(ix)
			check(t, ix, tt.tn, tt.want)
			if got := ix.Len(); got != tt.len {
				t.Errorf("Len() = %d, want %d", got, tt.len)
			}
		})
	}
}

func TestResolutionOrder(t *testing.T) {
	tnRoute := ported("NEWS", "2125550000")
	blockRoute := ported("POOL", "2125559999")
	hold := holder("HOLD")
	ix := routeindex.New()
	const tn, block, code = npac.TN("2125551234"), npac.NPANXXX("2125551"), npac.NPANXX("212555")
	steps := []struct {
		name string
		do   func()
		want *npac.Route
	}{
		{"unknown code", func() {}, nil},
		{"code holder", func() { ix.SetCode(code, "HOLD") }, &hold},
		{"block over code holder", func() { ix.SetBlock(block, blockRoute) }, &blockRoute},
		{"TN over block", func() { ix.Set(tn, tnRoute) }, &tnRoute},
		{"block change does not hide TN", func() { ix.SetBlock(block, ported("POOL", "2125558888")) }, &tnRoute},
		{"block back", func() { ix.SetBlock(block, blockRoute) }, &tnRoute},
		{"delete TN snaps back to block", func() { ix.Delete(tn) }, &blockRoute},
		{"delete block snaps back to code holder", func() { ix.DeleteBlock(block) }, &hold},
		{"TN over code holder", func() { ix.Set(tn, tnRoute) }, &tnRoute},
		{"TN without code holder", func() { ix.DeleteCode(code) }, &tnRoute},
		{"nothing left", func() { ix.Delete(tn) }, nil},
		{"block without code holder", func() { ix.SetBlock(block, blockRoute) }, &blockRoute},
		{"new code holder under block", func() { ix.SetCode(code, "HLD2") }, &blockRoute},
		{"new code holder", func() { ix.DeleteBlock(block) }, ptr(holder("HLD2"))},
	}
	for _, s := range steps {
		s.do()
		t.Run(s.name, func(t *testing.T) { check(t, ix, tn, s.want) })
	}
	// Other TNs of the code and of other blocks follow the code holder only.
	ix.SetBlock(block, blockRoute)
	ix.Set(tn, tnRoute)
	check(t, ix, "2125551000", &blockRoute)
	check(t, ix, "2125551999", &blockRoute)
	check(t, ix, "2125550999", ptr(holder("HLD2")))
	check(t, ix, "2125552000", ptr(holder("HLD2")))
	check(t, ix, "2125560000", nil)
}

func ptr[T any](v T) *T { return &v }

func TestResolveInvalid(t *testing.T) {
	ix := routeindex.New()
	ix.SetCode("212555", "HOLD")
	ix.Set("2125551234", ported("AAAA", "2125550000"))
	for _, tn := range []npac.TN{"", "212555123", "21255512345", "212555123a", "2125551234 ", "(212)5551", "212555123/", "212555123:", "2125551\x00\x00\x00"} {
		if r, ok := ix.Resolve(tn); ok {
			t.Errorf("Resolve(%q) = %+v, true; want ok=false", tn, *r)
		}
	}
}

func TestUpdatesPanicOnMalformedInput(t *testing.T) {
	r := ported("AAAA", "2125550000")
	tests := []struct {
		name string
		do   func(ix *routeindex.Index)
	}{
		{"Set short", func(ix *routeindex.Index) { ix.Set("212555123", r) }},
		{"Set letters", func(ix *routeindex.Index) { ix.Set("21255512x4", r) }},
		{"Delete long", func(ix *routeindex.Index) { ix.Delete("21255512345") }},
		{"SetBlock", func(ix *routeindex.Index) { ix.SetBlock("212555", r) }},
		{"DeleteBlock", func(ix *routeindex.Index) { ix.DeleteBlock("21255512") }},
		{"SetCode", func(ix *routeindex.Index) { ix.SetCode("21255", "HOLD") }},
		{"SetCode letters", func(ix *routeindex.Index) { ix.SetCode("2125x5", "HOLD") }},
		{"DeleteCode", func(ix *routeindex.Index) { ix.DeleteCode("2125555") }},
		{"Apply", func(ix *routeindex.Index) {
			ix.Apply([]routeindex.Change{{TN: "2125551234", Route: &r}, {TN: "212-555-12", Route: &r}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix := routeindex.New()
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("no panic")
					}
				}()
				tt.do(ix)
			}()
			if ix.Len() != 0 {
				t.Errorf("Len() = %d after a refused update, want 0", ix.Len())
			}
		})
	}
}

func TestInterning(t *testing.T) {
	ix := routeindex.New()
	// Equal routes built separately, with separate SignalingPoint and SSN
	// pointers, intern to one value.
	mk := func(lrn npac.LRN) npac.Route {
		r := ported("AAAA", lrn)
		r.CLASS = sp("001-002-003", 4)
		return r
	}
	for i := range 3000 {
		ix.Set(npac.TN(fmt.Sprintf("21255%05d", i)), mk(npac.LRN(fmt.Sprintf("212555000%d", i%3))))
	}
	if got, want := ix.Values(), 3; got != want {
		t.Errorf("Values() = %d, want %d", got, want)
	}
	r0, _ := ix.Resolve("2125500000")
	r3, _ := ix.Resolve("2125500003")
	r1, _ := ix.Resolve("2125500001")
	if r0 != r3 {
		t.Errorf("equal routes resolve to different pointers %p and %p", r0, r3)
	}
	if r0 == r1 {
		t.Errorf("different routes resolve to the same pointer")
	}
	ix.SetCode("212550", "AAAA") // Ported=false differs from every TN route
	ix.SetCode("212551", "AAAA") // same holder route
	ix.SetBlock("2125520", mk("2125550000"))
	if got, want := ix.Values(), 4; got != want {
		t.Errorf("Values() after code holders and block = %d, want %d", got, want)
	}

	// The index keeps its own copy: changing the caller's route after Set
	// changes nothing.
	r := mk("2125559999")
	ix.Set("2125599999", r)
	want := mk("2125559999")
	r.LRN = "0000000000"
	*r.CLASS.SSN = 99
	r.CLASS.DPC = "255-255-255"
	check(t, ix, "2125599999", &want)
}

// TestInterningSeesEveryField guards the intern key: routes that differ in
// any one field of npac.Route must stay distinct values. It fails when
// npac.Route gains a field of a kind it does not know, so the key is
// reviewed.
func TestInterningSeesEveryField(t *testing.T) {
	ix := routeindex.New()
	typ := reflect.TypeOf(npac.Route{})
	spType := reflect.TypeOf(&npac.SignalingPoint{})
	variants := []npac.Route{{}}
	for i := range typ.NumField() {
		f := typ.Field(i)
		add := func(set func(v reflect.Value)) {
			var r npac.Route
			set(reflect.ValueOf(&r).Elem().Field(i))
			variants = append(variants, r)
		}
		switch {
		case f.Type.Kind() == reflect.Bool:
			add(func(v reflect.Value) { v.SetBool(true) })
		case f.Type.Kind() == reflect.String:
			add(func(v reflect.Value) { v.SetString("X") })
			add(func(v reflect.Value) { v.SetString("Y") })
		case f.Type == spType:
			add(func(v reflect.Value) { v.Set(reflect.ValueOf(&npac.SignalingPoint{DPC: "001-000-000"})) })
			add(func(v reflect.Value) { v.Set(reflect.ValueOf(sp("001-000-000", 0))) })
			add(func(v reflect.Value) { v.Set(reflect.ValueOf(sp("001-000-000", 1))) })
			add(func(v reflect.Value) { v.Set(reflect.ValueOf(sp("002-000-000", 1))) })
		default:
			t.Fatalf("npac.Route.%s has type %s, which this test and the intern key do not know", f.Name, f.Type)
		}
	}
	for i, r := range variants {
		ix.Set(npac.TN(fmt.Sprintf("212555%04d", i)), r)
	}
	if got, want := ix.Values(), len(variants); got != want {
		t.Errorf("Values() = %d for %d distinct routes", got, want)
	}
	for i, r := range variants {
		check(t, ix, npac.TN(fmt.Sprintf("212555%04d", i)), &r)
	}
}

func TestApplyEqualsOneByOne(t *testing.T) {
	routes := []npac.Route{ported("AAAA", "2125550000"), ported("BBBB", "2125550001"), ported("CCCC", "6465550000")}
	var changes []routeindex.Change
	codes := []string{"212555", "212556", "646555", "999000"}
	for i := range 20000 {
		// A TN can appear several times; some changes are deletes.
		tn := npac.TN(fmt.Sprintf("%s%04d", codes[i*7%len(codes)], i*7919%3000))
		var r *npac.Route
		if i%5 != 0 {
			r = &routes[i%len(routes)]
		}
		changes = append(changes, routeindex.Change{TN: tn, Route: r})
	}
	one, bulk, chunked := routeindex.New(), routeindex.New(), routeindex.New()
	for _, ix := range []*routeindex.Index{one, bulk, chunked} {
		ix.Set("2125550001", routes[2]) // present before, deleted or kept
		ix.SetCode("212555", "HOLD")
	}
	for _, ch := range changes {
		if ch.Route == nil {
			one.Delete(ch.TN)
		} else {
			one.Set(ch.TN, *ch.Route)
		}
	}
	bulk.Apply(changes)
	for i := 0; i < len(changes); i += 777 {
		chunked.Apply(changes[i:min(i+777, len(changes))])
	}
	for _, c := range codes {
		for line := range 3100 {
			tn := npac.TN(fmt.Sprintf("%s%04d", c, line))
			want, wok := one.Resolve(tn)
			for name, ix := range map[string]*routeindex.Index{"Apply": bulk, "chunked Apply": chunked} {
				got, ok := ix.Resolve(tn)
				if ok != wok || ok && *got != *want {
					t.Fatalf("%s: Resolve(%s) = %v, %v; one by one: %v, %v", name, tn, got, ok, want, wok)
				}
			}
		}
	}
	for name, ix := range map[string]*routeindex.Index{"Apply": bulk, "chunked Apply": chunked} {
		if ix.Len() != one.Len() {
			t.Errorf("%s: Len() = %d, one by one %d", name, ix.Len(), one.Len())
		}
		if ix.Values() != one.Values() {
			t.Errorf("%s: Values() = %d, one by one %d", name, ix.Values(), one.Values())
		}
		if ix.Bytes() != one.Bytes() {
			t.Errorf("%s: Bytes() = %d, one by one %d", name, ix.Bytes(), one.Bytes())
		}
	}
}

func TestApplyLastChangeWins(t *testing.T) {
	a, b := ported("AAAA", "2125550000"), ported("BBBB", "2125550001")
	tests := []struct {
		name    string
		changes []routeindex.Change
		want    *npac.Route
	}{
		{"set then set", []routeindex.Change{{TN: "2125551234", Route: &a}, {TN: "2125551234", Route: &b}}, &b},
		{"set then delete", []routeindex.Change{{TN: "2125551234", Route: &a}, {TN: "2125551234", Route: nil}}, nil},
		{"delete then set", []routeindex.Change{{TN: "2125551234", Route: nil}, {TN: "2125551234", Route: &a}}, &a},
		{"interleaved", []routeindex.Change{{TN: "2125551234", Route: &a}, {TN: "2125551235", Route: &a}, {TN: "2125551234", Route: &b}, {TN: "2125551235", Route: nil}}, &b},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix := routeindex.New()
			ix.Apply(tt.changes)
			check(t, ix, "2125551234", tt.want)
		})
	}
}

func TestApplyDoesNotRetainRoutes(t *testing.T) {
	ix := routeindex.New()
	r := ported("AAAA", "2125550000")
	ix.Apply([]routeindex.Change{{TN: "2125551234", Route: &r}})
	r.SPID = "ZZZZ"
	check(t, ix, "2125551234", ptr(ported("AAAA", "2125550000")))
}

func TestLenAndBytes(t *testing.T) {
	ix := routeindex.New()
	empty := ix.Bytes()
	if empty <= 0 {
		t.Fatalf("Bytes() of an empty index = %d", empty)
	}
	routes := make([]npac.Route, 100)
	for i := range routes {
		routes[i] = ported(npac.SPID(fmt.Sprintf("%04d", i)), npac.LRN(fmt.Sprintf("212555%04d", i)))
	}
	// 400 codes × 500 TNs, the density of the 10M benchmark.
	var changes []routeindex.Change
	for c := range 400 {
		for l := range 500 {
			tn := npac.TN(fmt.Sprintf("%03d%03d%04d", 200+c/100, 200+c%100, l*19))
			changes = append(changes, routeindex.Change{TN: tn, Route: &routes[(c+l)%len(routes)]})
		}
	}
	ix.Apply(changes)
	if got, want := ix.Len(), len(changes); got != want {
		t.Errorf("Len() = %d, want %d", got, want)
	}
	full := ix.Bytes()
	perTN := float64(full-empty) / float64(len(changes))
	if perTN > 5 || perTN < 4 {
		t.Errorf("Bytes() per TN at 500 TNs per code = %.2f, want 4 to 5 (4 of entry, ~0.25 of group directory, code headers)", perTN)
	}
	for i := range changes {
		changes[i].Route = nil
	}
	ix.Apply(changes)
	if ix.Len() != 0 {
		t.Errorf("Len() after deleting every TN = %d", ix.Len())
	}
	// What stays is the interned routes and the NPA tables.
	if got, max := ix.Bytes()-empty, int64(100*200+4*8000+1024); got > max {
		t.Errorf("Bytes() after deleting every TN grew by %d, want at most %d", got, max)
	}
}

func TestResolveDoesNotAllocate(t *testing.T) {
	ix := routeindex.New()
	ix.SetCode("212555", "HOLD")
	ix.SetBlock("2125559", ported("POOL", "2125559999"))
	ix.Set("2125551234", ported("AAAA", "2125550000"))
	for _, tn := range []npac.TN{"2125551234", "2125559000", "2125550000", "3125550000", "bad"} {
		if n := testing.AllocsPerRun(100, func() { ix.Resolve(tn) }); n != 0 {
			t.Errorf("Resolve(%q) allocates %.0f times", tn, n)
		}
	}
}
