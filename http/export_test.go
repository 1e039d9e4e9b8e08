package http

// ProblemStatuses returns the code-to-status table, for the external tests.
func ProblemStatuses() map[string]int {
	out := map[string]int{}
	for code, k := range problems {
		out[code] = k.status
	}
	return out
}
