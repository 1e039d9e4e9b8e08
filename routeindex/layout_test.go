package routeindex

import (
	"testing"
	"unsafe"
)

// TestCodeLayout guards the sizes the lookup path and Bytes rely on.
func TestCodeLayout(t *testing.T) {
	if got := unsafe.Sizeof(code{}); got != 64 {
		t.Errorf("code is %d bytes, want 64 (one cache line)", got)
	}
	for n := 1; n <= 10000; n++ {
		s := chooseShift(n)
		if s < 3 || s > 8 {
			t.Fatalf("chooseShift(%d) = %d, want 3 to 8 (the low bits must fit in 8)", n, s)
		}
		if avg := float64(n) * float64(int(1)<<s) / 10000; avg > groupTarget {
			t.Errorf("chooseShift(%d) = %d: %.1f entries per group, want at most %d", n, s, avg, groupTarget)
		}
	}
}
