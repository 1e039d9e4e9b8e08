// Command npac is OpenNPAC's single binary: the NPAC server and the tools
// around it.
//
//	npac serve    run the NPAC (SOA API, scheduler)
//	npac migrate  apply database migrations and exit
//	npac lsms     run the reference LSMS and answer dips
//	npac bench    run a benchmark (docs/performance.md)
//	npac sv       create and move subscription versions through the API
//	npac block    manage number pool blocks through the API
//	npac order    check numbers and manage port orders through the API
//	npac csr      load and manage a losing SP's CSRs through the API
//	npac import   load numbering data files through the API
//	npac split    schedule NPA splits through the API
//	npac clock    move a demo server's clock forward
//	npac report   print a report
//	npac bdd      download bulk data download files
//	npac user     manage users and tokens through the API
//	npac lookup   look numbers up as a data user (port query, history, sessions)
//	npac tcpa     check a list of numbers for wireless/wireline ports (TCPA)
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
  npac block <command>   manage number pool blocks (npac block -h)
  npac order <command>   check numbers and manage port orders (npac order -h)
  npac csr <command>     load and manage customer service records (npac csr -h)
  npac import FILE...    load CNAC and NANPA numbering files (npac import -h)
  npac split <command>   schedule and list NPA splits (npac split -h)
  npac clock advance D   move a demo server's clock forward (NPAC personnel)
  npac report KIND       a report: ports per day or month, open or failed SVs, LSMS lag, order rejections
  npac bdd export        download full-image bulk data download files (npac bdd export -h)
  npac user <command>    manage users and tokens (npac user -h)
  npac lookup TN...      look numbers up as a data user (npac lookup -h)
  npac tcpa --since D F  check a file of numbers for TCPA (npac tcpa -h)
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
	return dispatch(ctx, "npac", usage, map[string]command{
		"serve":   runServe,
		"migrate": runMigrate,
		"lsms":    runLSMS,
		"bench":   runBench,
		"sv":      runSV,
		"block":   runBlock,
		"order":   runOrder,
		"csr":     runCSR,
		"import":  runImport,
		"split":   runSplit,
		"clock":   runClock,
		"report":  runReport,
		"bdd":     runBDD,
		"user":    runUser,
		"lookup":  runLookup,
		"tcpa":    runTCPA,
		"version": func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			fmt.Fprintln(stdout, "npac", version)
			return nil
		},
	}, args, stdout, stderr)
}

// A command runs one subcommand with the arguments that follow its name.
type command func(ctx context.Context, args []string, stdout, stderr io.Writer) error

// dispatch runs the command args[0] names from cmds. With no arguments it
// prints usage to stderr; "help", "-h" and "--help" print it to stdout; an
// unknown name is reported with the usage. name prefixes the message
// ("npac sv").
func dispatch(ctx context.Context, name, usage string, cmds map[string]command, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	if cmd, ok := cmds[args[0]]; ok {
		return cmd(ctx, args[1:], stdout, stderr)
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "%s: unknown command %q\n\n%s", name, args[0], usage)
	return flag.ErrHelp
}
