package bdd_test

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/opennpac/npac/bdd"
)

// FuzzReader feeds arbitrary bytes to a reader of every kind. It must
// not panic; every error must be a *bdd.Error naming a line; and every
// record it accepts must survive writing and reading back unchanged.
func FuzzReader(f *testing.F) {
	var buf bytes.Buffer
	w := bdd.NewWriter(&buf)
	for i := range mixedRecords() {
		writeRecord(w, &mixedRecords()[i])
	}
	for i := range 5 {
		r := synthSV(i, i%2 == 0, true)
		w.WriteSV(&r)
	}
	w.Flush()
	f.Add(buf.Bytes(), uint8(bdd.Any))
	for _, l := range strings.Split(buf.String(), "\r\n") {
		f.Add([]byte(l), uint8(bdd.Any))
		f.Add([]byte(l+"\r"+l+"\n"), uint8(bdd.Subscriptions))
	}
	f.Add([]byte("1|6135550100|6135559999|X123|20240309220501|||||||||||||new"), uint8(bdd.KindSV))
	f.Add([]byte("5|6135551|0000000000|X123|||||||||||||delete"), uint8(bdd.KindNPB))
	f.Fuzz(func(t *testing.T, data []byte, kind uint8) {
		k := bdd.Kind(kind%8 + 1)
		rd := bdd.NewReader(bytes.NewReader(data), k)
		var out bytes.Buffer
		w := bdd.NewWriter(&out)
		var want []bdd.Record
		for n := 0; ; n++ {
			rec, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				var e *bdd.Error
				if !errors.As(err, &e) || e.Line < 1 || !strings.HasPrefix(err.Error(), "line ") {
					t.Fatalf("error %v is not a *bdd.Error naming a line", err)
				}
				if e.Field > 0 && e.Name == "" {
					t.Fatalf("error %v names no field", err)
				}
				if strings.Contains(e.Problem, "longer than") {
					break // sticks
				}
				continue
			}
			if err := writeRecord(w, rec); err != nil {
				t.Fatalf("line %d: the writer refuses what the reader accepted: %v", rec.Line, err)
			}
			c := *rec
			c.Line = int64(len(want) + 1)
			copyRecord(&c)
			want = append(want, c)
			if n > 10000 {
				t.Fatal("the reader does not end")
			}
		}
		w.Flush()
		got := readAll(t, &out, bdd.Any)
		if len(got) != len(want) {
			t.Fatalf("read back %d records, want %d", len(got), len(want))
		}
		for i := range want {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("record %d changed in a round trip:\n got %+v\nwant %+v", i, got[i], want[i])
			}
		}
	})
}

func copyRecord(c *bdd.Record) {
	switch {
	case c.SV != nil:
		v := *c.SV
		c.SV = &v
	case c.Block != nil:
		v := *c.Block
		c.Block = &v
	case c.LRN != nil:
		v := *c.LRN
		c.LRN = &v
	case c.Code != nil:
		v := *c.Code
		c.Code = &v
	case c.CodeX != nil:
		v := *c.CodeX
		c.CodeX = &v
	case c.SPID != nil:
		v := *c.SPID
		c.SPID = &v
	}
}

// FuzzParseName checks that names parse without panics and that a parsed
// name prints back as itself.
func FuzzParseName(f *testing.F) {
	f.Add("201200-201299.11-10-2006123015.00-00-0000000000.99-99-9999999999")
	f.Add("2012001-2012009.11-10-2006123015.01-10-2006000000.11-10-2006040000")
	f.Add("SPID.11-10-2006123015.00-00-0000000000.99-99-9999999999")
	f.Fuzz(func(t *testing.T, name string) {
		n, err := bdd.ParseName(name)
		if err != nil || strings.ContainsAny(name, `/\`) {
			return
		}
		if n.String() != name {
			t.Fatalf("%q parsed as %+v prints as %q", name, n, n.String())
		}
	})
}
