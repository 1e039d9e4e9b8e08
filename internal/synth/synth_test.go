package synth

import "testing"

func TestCodes(t *testing.T) {
	if len(Codes) != 792 || Codes[0] != "200" || Codes[len(Codes)-1] != "999" {
		t.Fatalf("%d codes from %s to %s, want 792 from 200 to 999", len(Codes), Codes[0], Codes[len(Codes)-1])
	}
	for _, c := range Codes {
		if c[1:] == "11" {
			t.Fatalf("N11 code %s among the codes", c)
		}
	}
}

func TestMixSpreads(t *testing.T) {
	seen := map[uint64]bool{}
	for i := range uint64(10000) {
		seen[Mix(i)%1000] = true
	}
	if len(seen) < 990 {
		t.Fatalf("Mix of 10,000 indexes hits %d of 1,000 buckets", len(seen))
	}
}
