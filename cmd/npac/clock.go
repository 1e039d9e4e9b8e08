package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"
)

// runClock runs "npac clock advance DURATION": it moves a demo server's
// clock forward (NPAC personnel only).
func runClock(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("clock", "clock advance DURATION [flags]", `
Move the clock of a demo server (npac serve --demo) forward, to try what
takes days: T1 and T2, due dates, FOC dates. DURATION is like 96h or 30m.
NPAC personnel only; other servers refuse.`, stderr)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 || pos[0] != "advance" {
		fs.Usage()
		return fmt.Errorf("%w: say npac clock advance DURATION", flag.ErrHelp)
	}
	if d, err := time.ParseDuration(pos[1]); err != nil || d <= 0 {
		return fmt.Errorf("%q is not a positive duration such as 96h", pos[1])
	}
	c, err := newClient(g, stdout, stderr)
	if err != nil {
		return err
	}
	var out struct {
		Now time.Time `json:"now"`
	}
	human, err := c.call(ctx, http.MethodPost, "/api/v1/demo/clock", nil, map[string]string{"advance": pos[1]}, nil, &out)
	if err != nil || !human {
		return err
	}
	fmt.Fprintf(stdout, "the NPAC's clock now reads %s\n", out.Now.Format(time.RFC3339))
	return nil
}
