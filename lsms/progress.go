package lsms

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progress draws a one-line progress bar, at most a few times a second.
type progress struct {
	w       io.Writer
	total   int64
	started time.Time
	drawn   time.Time
}

func newProgress(w io.Writer) *progress { return &progress{w: w} }

func (p *progress) start(total int64) {
	p.total, p.started = total, time.Now()
}

func (p *progress) set(n int64) {
	if p.w == nil || time.Since(p.drawn) < 200*time.Millisecond {
		return
	}
	p.drawn = time.Now()
	p.draw(n)
}

func (p *progress) draw(n int64) {
	const width = 30
	rate := float64(n) / max(time.Since(p.started).Seconds(), 0.001)
	if p.total <= 0 {
		fmt.Fprintf(p.w, "\rsyncing image: %d records, %.0f/s   ", n, rate)
		return
	}
	frac := min(float64(n)/float64(p.total), 1)
	fill := int(frac * width)
	fmt.Fprintf(p.w, "\rsyncing image [%s%s] %3.0f%% %d/%d, %.0f/s   ",
		strings.Repeat("=", fill), strings.Repeat(" ", width-fill), 100*frac, n, p.total, rate)
}

func (p *progress) done(n int64) {
	if p.w == nil {
		return
	}
	p.draw(n)
	fmt.Fprintf(p.w, "\nimage loaded: %d records in %s\n", n, time.Since(p.started).Round(time.Millisecond))
}
