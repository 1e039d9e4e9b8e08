package bdd_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/opennpac/npac/bdd"
)

func TestNames(t *testing.T) {
	created := time.Date(2006, 10, 11, 12, 30, 15, 0, time.UTC)
	start := time.Date(2006, 10, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2006, 10, 11, 0, 0, 0, 0, time.FixedZone("EDT", -4*3600)) // 04:00 GMT
	cases := []struct {
		name string
		want bdd.FileName
	}{
		{bdd.SVName("201200", "201299", created, time.Time{}, time.Time{}), bdd.FileName{Kind: bdd.KindSV, First: "201200", Last: "201299", Created: created}},
		{bdd.SVName("201200", "989999", created, start, end), bdd.FileName{Kind: bdd.KindSV, First: "201200", Last: "989999", Created: created, Start: start, End: end.UTC()}},
		{bdd.NPBName("2012001", "2012009", created, time.Time{}, time.Time{}), bdd.FileName{Kind: bdd.KindNPB, First: "2012001", Last: "2012009", Created: created}},
		{bdd.NPBName("2012001", "2012009", created, start, end), bdd.FileName{Kind: bdd.KindNPB, First: "2012001", Last: "2012009", Created: created, Start: start, End: end.UTC()}},
		{bdd.LRNName(created), bdd.FileName{Kind: bdd.KindLRN, Created: created}},
		{bdd.NPANXXName(created), bdd.FileName{Kind: bdd.KindNPANXX, Created: created}},
		{bdd.NPANXXXName(created), bdd.FileName{Kind: bdd.KindNPANXXX, Created: created}},
		{bdd.SPIDName(created), bdd.FileName{Kind: bdd.KindSPID, Created: created}},
	}
	wantNames := []string{
		"201200-201299.11-10-2006123015.00-00-0000000000.99-99-9999999999",
		"201200-989999.11-10-2006123015.01-10-2006000000.11-10-2006040000",
		"2012001-2012009.11-10-2006123015.00-00-0000000000.99-99-9999999999",
		"2012001-2012009.11-10-2006123015.01-10-2006000000.11-10-2006040000",
		"LRN.11-10-2006123015.00-00-0000000000.99-99-9999999999",
		"NPA-NXX.11-10-2006123015.00-00-0000000000.99-99-9999999999",
		"NPA-NXX-X.11-10-2006123015.00-00-0000000000.99-99-9999999999",
		"SPID.11-10-2006123015.00-00-0000000000.99-99-9999999999",
	}
	for i, c := range cases {
		if c.name != wantNames[i] {
			t.Errorf("name %q, want %q", c.name, wantNames[i])
		}
		got, err := bdd.ParseName("/var/npac/bdd/" + c.name)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) || got.String() != c.name || got.TimeRange() != !c.want.Start.IsZero() {
			t.Errorf("%s: parsed %+v, want %+v", c.name, got, c.want)
		}
	}
	if s := bdd.FormatStamp(created); s != "11-10-2006123015" {
		t.Errorf("stamp %s", s)
	}
	if ts, err := bdd.ParseStamp("29-02-2024235959"); err != nil || !ts.Equal(time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC)) {
		t.Errorf("stamp %v %v", ts, err)
	}
}

func TestBadNames(t *testing.T) {
	for name, want := range map[string]string{
		"201200-201299.11-10-2006123015.00-00-0000000000":                     "is not <objects>.<create>.<start>.<end>",
		"20120-201299.11-10-2006123015.00-00-0000000000.99-99-9999999999":     "does not start with an NPA-NXX range",
		"201299-201200.11-10-2006123015.00-00-0000000000.99-99-9999999999":    "has a range whose first SV bound is after its last",
		"201200-201299.32-10-2006123015.00-00-0000000000.99-99-9999999999":    `has a bad creation stamp: stamp "32-10-2006123015" is not a real date`,
		"201200-201299.11-10-2006123015.00-00-0000000000.11-10-2006040000":    "mixes an object range stamp with a time range stamp",
		"201200-201299.11-10-2006123015.11-10-2006040000.01-10-2006040000":    "has a time range that ends before it starts",
		"201200-201299.11-10-2006123015.1-10-2006040000.11-10-2006040000":     `has a bad start stamp: stamp "1-10-2006040000" is not DD-MM-YYYYhhmmss`,
		"LRN.11-10-2006123015.01-10-2006000000.11-10-2006040000":              "has a time range, which only SV and NPB files have",
		"lrn.11-10-2006123015.00-00-0000000000.99-99-9999999999":              "does not start with",
		"2012001-2012009.11-10-2006123015.00-00-0000000000.99-99-99999999999": "mixes an object range stamp",
	} {
		_, err := bdd.ParseName(name)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), `bdd: file name "`+name+`" `) {
			t.Errorf("%s: %v, want …%s", name, err, want)
		}
	}
}
