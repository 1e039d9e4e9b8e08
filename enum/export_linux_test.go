package enum

// HelperStarts returns how many UDP helper goroutines have started.
func HelperStarts() int64 { return helperStarts.Load() }
