package portorder

import (
	"strings"
	"testing"
)

func TestReadCSRs(t *testing.T) {
	csrs, err := ReadCSRs((strings.NewReader("account,tn,authorized_names,pin\nA-1,212-556-0900,Jane Doe; John Doe,1234\nA-1,2125560901,,\nB-2,2125560902,Bob,\n")))
	if err != nil {
		t.Fatal(err)
	}
	if len(csrs) != 2 || len(csrs[0].TNs) != 2 || len(csrs[0].AuthorizedNames) != 2 || csrs[0].PIN != "1234" || csrs[1].AuthorizedNames[0] != "Bob" {
		t.Fatalf("CSRs: %+v", csrs)
	}
	for in, want := range map[string]string{
		"":                   "The file is empty",
		"account,tn,color\n": `"color", is not a CSR column`,
		"account\n":          "no tn column",
		"account,tn\nA,2125560900\nB,212-556-0900\n": "Line 3: 212-556-0900 is also on line 2",
		"account,tn\n": "no rows",
	} {
		if _, err := ReadCSRs((strings.NewReader(in))); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", in, err, want)
		}
	}
}
