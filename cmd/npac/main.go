// Command npac is OpenNPAC's single binary: the NPAC server and the tools
// around it.
//
//	npac serve    run the NPAC (SOA API, scheduler)
//	npac migrate  apply database migrations and exit
//	npac lsms     run the reference LSMS and answer dips
//	npac bench    run a benchmark (docs/performance.md)
//	npac sv       create and move subscription versions through the API
//	npac user     manage users and tokens through the API
//	npac version  print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `npac is OpenNPAC: an open number portability clearinghouse.

Usage:
  npac serve [flags]     run the NPAC server (npac serve -h for flags)
  npac migrate [flags]   apply database migrations and exit
  npac lsms [flags]      run the reference LSMS: sync with the NPAC, answer dips
  npac bench broadcast   measure activation-to-LSMS latency (docs/performance.md)
  npac sv <command>      create and move subscription versions (npac sv -h)
  npac user <command>    manage users and tokens (npac user -h)
  npac version           print the version

Client commands read the server from NPAC_URL (default http://127.0.0.1:8080)
and the API token from NPAC_TOKEN.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "npac:", err)
		os.Exit(1)
	}
}

// run dispatches a subcommand.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	case "migrate":
		return runMigrate(ctx, args[1:], stdout, stderr)
	case "lsms":
		return runLSMS(ctx, args[1:], stdout, stderr)
	case "bench":
		return runBench(ctx, args[1:], stdout, stderr)
	case "sv":
		return runSV(ctx, args[1:], stdout, stderr)
	case "user":
		return runUser(ctx, args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "npac", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "npac: unknown command %q\n\n%s", args[0], usage)
	return flag.ErrHelp
}
