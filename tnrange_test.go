package npac_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	npac "github.com/opennpac/npac"
)

func TestParseTNList(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []npac.TN
		code string // for refusals
		why  string // a fragment of the refusal's message
	}{
		{in: "2125550100", want: []npac.TN{"2125550100"}},
		{in: "212-555-0100, 2125550101", want: []npac.TN{"2125550100", "2125550101"}},
		{in: "2125550100 2125550101\t2125550102", want: []npac.TN{"2125550100", "2125550101", "2125550102"}},
		{in: "(212) 555 0100\r\n212.555.0101\r\n\r\n", want: []npac.TN{"2125550100", "2125550101"}},
		{in: "2125550100;2125550101", want: []npac.TN{"2125550100", "2125550101"}},
		{in: "2125550100,2125550100", want: []npac.TN{"2125550100", "2125550100"}}, // the service refuses repeats
		{in: "", code: npac.EINVALID, why: "empty"},
		{in: " , \n", code: npac.EINVALID, why: "empty"},
		{in: "2125550100,2125550x02", code: npac.EINVALID, why: `"2125550x02" is not a telephone number`},
		{in: "2125550100 212", code: npac.EINVALID, why: `"212" is not a telephone number`},
		{in: "0125550100", code: npac.EINVALID, why: "starts with 0"},
		{in: strings.Repeat("2125550100,", npac.MaxRange+1), code: npac.ETOOLARGE, why: "at most 10000"},
	} {
		got, err := npac.ParseTNList(tc.in)
		if tc.code != "" {
			if npac.ErrorCode(err) != tc.code || !strings.Contains(npac.ErrorMessage(err), tc.why) {
				t.Errorf("ParseTNList(%.40q) = %v, %v; want %s mentioning %q", tc.in, got, err, tc.code, tc.why)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseTNList(%q): %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ParseTNList(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
	// MaxRange TNs exactly are accepted.
	var b strings.Builder
	for i := range npac.MaxRange {
		fmt.Fprintf(&b, "212555%04d\n", i)
	}
	if got, err := npac.ParseTNList(b.String()); err != nil || len(got) != npac.MaxRange {
		t.Errorf("ParseTNList of %d TNs: %d, %v", npac.MaxRange, len(got), err)
	}
}

func TestParseTNSpan(t *testing.T) {
	for _, tc := range []struct {
		in          string
		first, last npac.TN
		why         string // a fragment of the refusal's message
	}{
		{in: "6135550100-6135550199", first: "6135550100", last: "6135550199"},
		{in: "6135550100-0199", first: "6135550100", last: "6135550199"},
		{in: "613-555-0100-613-555-0199", first: "6135550100", last: "6135550199"},
		{in: "613-555-0100-0199", first: "6135550100", last: "6135550199"},
		{in: "6135550100 - 6135550199", first: "6135550100", last: "6135550199"},
		{in: "6135550100-6135550100", first: "6135550100", last: "6135550100"},
		{in: "6135550100", why: "is not a span of TNs"},
		{in: "6135550100-199", why: `"199" is not a telephone number`},
		{in: "6135550199-6135550100", why: "comes after"},
		{in: "6135550100-6135560100", why: "different NPA-NXXs"},
		{in: "613x5550100-0199", why: "is not a telephone number"},
		{in: "613-555-0100-613-555-019", why: "is not a span of TNs"},
	} {
		first, last, err := npac.ParseTNSpan(tc.in)
		if tc.why != "" {
			if npac.ErrorCode(err) != npac.EINVALID || !strings.Contains(npac.ErrorMessage(err), tc.why) {
				t.Errorf("ParseTNSpan(%q) = %s, %s, %v; want invalid mentioning %q", tc.in, first, last, err, tc.why)
			}
			continue
		}
		if err != nil || first != tc.first || last != tc.last {
			t.Errorf("ParseTNSpan(%q) = %s, %s, %v; want %s, %s", tc.in, first, last, err, tc.first, tc.last)
		}
	}
}

func TestTNSpan(t *testing.T) {
	got, err := npac.TNSpan("2125550098", "2125550102")
	want := []npac.TN{"2125550098", "2125550099", "2125550100", "2125550101", "2125550102"}
	if err != nil || !cmp.Equal(got, want) {
		t.Errorf("TNSpan: %v, %v; want %v", got, err, want)
	}
	if got, err := npac.TNSpan("2125550000", "2125559999"); err != nil || len(got) != 10000 || got[9999] != "2125559999" {
		t.Errorf("a whole NPA-NXX: %d TNs, %v", len(got), err)
	}
	if _, err := npac.TNSpan("2125550102", "2125550098"); npac.ErrorCode(err) != npac.EINVALID {
		t.Errorf("backwards span: %v, want invalid", err)
	}
	if _, err := npac.TNSpan("2125550100", "2125560100"); npac.ErrorCode(err) != npac.EINVALID {
		t.Errorf("span across codes: %v, want invalid", err)
	}
}
