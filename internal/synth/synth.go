// Package synth holds what the benchmarks' synthetic NANP-shaped data is
// made of, so that every generator draws the same codes the same way.
package synth

import "strconv"

// Codes are the three-digit codes valid as an NPA or an NXX in the
// benchmarks, in order: 200 to 999 without the N11 service codes.
var Codes = func() []string {
	var out []string
	for n := 200; n <= 999; n++ {
		if n%100 != 11 {
			out = append(out, strconv.Itoa(n))
		}
	}
	return out
}()

// Mix is a cheap deterministic hash of i (the finalizer of MurmurHash3),
// for picking a record's values from its index.
func Mix(i uint64) uint64 {
	i ^= i >> 33
	i *= 0xff51afd7ed558ccd
	i ^= i >> 33
	i *= 0xc4ceb9fe1a85ec53
	return i ^ i>>33
}
