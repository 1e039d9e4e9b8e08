package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"reflect"
	"strings"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/calendar"
	apihttp "github.com/opennpac/npac/http"
	"github.com/opennpac/npac/lifecycle"
	"github.com/opennpac/npac/outbound"
	"github.com/opennpac/npac/postgres"
	"github.com/opennpac/npac/sqlite"
	"github.com/opennpac/npac/store"
)

// storeFlags are the flags that choose and configure the store.
type storeFlags struct {
	data      string
	database  string
	tunables  string
	holidays  string
	logFormat string
}

func (f *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.data, "data", "./npac-data", "directory of the embedded SQLite database")
	fs.StringVar(&f.database, "database", "", "PostgreSQL URL (postgres://…); when set, it is the store instead of SQLite")
	fs.StringVar(&f.tunables, "tunables", "", "JSON file overriding timer sets and business hours (see docs/operations.md)")
	fs.StringVar(&f.holidays, "holidays", "", "CSV file of holidays (date,name); default: US federal holidays")
	fs.StringVar(&f.logFormat, "log", "text", "log format: text or json")
}

func (f *storeFlags) logger(w io.Writer) *slog.Logger {
	if f.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// machine builds the lifecycle rules from the default tunables and the
// holiday file, and returns the holidays for the port order rules too. The
// store then puts in force the tunables saved in it, and open applies the
// --tunables file over those.
func (f *storeFlags) machine() (*lifecycle.Machine, calendar.Holidays, error) {
	t := npac.DefaultTunables()
	var h calendar.Holidays = calendar.USFederal()
	if f.holidays != "" {
		file, err := os.Open(f.holidays)
		if err != nil {
			return nil, nil, fmt.Errorf("holidays: %w", err)
		}
		defer file.Close()
		list, err := calendar.ReadCSV(file)
		if err != nil {
			return nil, nil, fmt.Errorf("holidays %s: %w", f.holidays, err)
		}
		h = list
	}
	m, err := lifecycle.New(t, h)
	return m, h, err
}

// open opens and migrates the chosen store.
func (f *storeFlags) open(ctx context.Context, log *slog.Logger) (*store.Store, error) {
	m, hol, err := f.machine()
	if err != nil {
		return nil, err
	}
	var s *store.Store
	if f.database != "" {
		if !strings.HasPrefix(f.database, "postgres://") && !strings.HasPrefix(f.database, "postgresql://") {
			return nil, fmt.Errorf("--database takes a PostgreSQL URL (postgres://user@host:5432/db); leave it out to use SQLite in --data")
		}
		s, err = postgres.Open(f.database, m, log)
	} else {
		s, err = sqlite.Open(f.data, m, log)
	}
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := f.applyTunables(ctx, s); err != nil {
		s.Close()
		return nil, err
	}
	s.OrderRules.Holidays = hol
	return s, nil
}

// applyTunables reads the --tunables file over the tunables in force and,
// if that changes them, saves the result as an administrator would: the
// audit trail names the file.
func (f *storeFlags) applyTunables(ctx context.Context, s *store.Store) error {
	if f.tunables == "" {
		return nil
	}
	cur := s.Machine().Tunables
	t := cur.Clone()
	if err := loadTunables(f.tunables, &t); err != nil {
		return err
	}
	if reflect.DeepEqual(t, cur) {
		return nil
	}
	as := npac.NewContext(ctx, &npac.Actor{User: npac.User{Name: "npac --tunables " + f.tunables}, System: true})
	if _, err := s.SetTunables(as, t); err != nil {
		return fmt.Errorf("tunables %s: %s", f.tunables, npac.ErrorMessage(err))
	}
	return nil
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("npac migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := sf.open(ctx, sf.logger(stderr))
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintln(stdout, "database is at the current schema")
	return nil
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("npac serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	listen := fs.String("listen", "127.0.0.1:8080", "address to serve the API on")
	demo := fs.Bool("demo", false, "seed a demo world (providers, codes, LRNs, users) in a fresh temporary database and print its tokens")
	tick := fs.Duration("scheduler-interval", time.Second, "how often the timer scheduler looks for due timers")
	smtpAddr := fs.String("smtp", os.Getenv("NPAC_SMTP"), "SMTP relay `host:port` for email endpoints (default $NPAC_SMTP); none: email endpoints wait")
	smtpFrom := fs.String("smtp-from", envOr("NPAC_SMTP_FROM", "npac@localhost"), "sender `address` of notification email")
	outTick := fs.Duration("outbound-interval", time.Second, "how often webhook and email endpoints are looked at for new notifications")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve takes no arguments, got %q", fs.Args())
	}
	log := sf.logger(stderr)
	explicitData := false
	fs.Visit(func(f *flag.Flag) { explicitData = explicitData || f.Name == "data" || f.Name == "database" })
	if *demo && !explicitData {
		dir, err := os.MkdirTemp("", "npac-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		sf.data = dir
	}
	s, err := sf.open(ctx, log)
	if err != nil {
		return err
	}
	defer s.Close()

	// A demo's clock can be moved forward, to try what takes days.
	var clock *demoClock
	if *demo {
		clock = &demoClock{}
		s.Now = clock.Now
	}
	tok, err := s.Bootstrap(ctx)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	url := "http://" + ln.Addr().String()
	if tok != nil && !*demo {
		fmt.Fprintf(stdout, "Created the first NPAC administrator. Its API token is shown only now:\n\n  %s\n\n", tok.Secret)
	}
	if *demo {
		if err := seedDemo(ctx, s, url, tok, stdout); err != nil {
			ln.Close()
			return fmt.Errorf("demo: %w", err)
		}
	}

	// Long polls end when the server stops: their context derives from
	// base, which is canceled at shutdown.
	base, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	api := apihttp.For(s, log)
	if clock != nil {
		api.Clock = clock
	}
	srv := &http.Server{
		Handler:           withLTI(api.Handler(), s, log),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      90 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return base },
	}
	schedCtx, stopSched := context.WithCancel(ctx)
	schedDone := make(chan struct{})
	go func() {
		defer close(schedDone)
		s.RunScheduler(schedCtx, *tick)
	}()
	// Webhooks and email: the SMTP password comes from the environment
	// only, never a flag.
	sender := &outbound.Sender{}
	if *smtpAddr != "" {
		sender.Mail = &outbound.Mailer{Addr: *smtpAddr, From: *smtpFrom, Username: os.Getenv("NPAC_SMTP_USER"), Password: os.Getenv("NPAC_SMTP_PASSWORD")}
	}
	worker := &outbound.Worker{Store: s.Outbound(), Sender: sender, Log: log, Interval: *outTick}
	outDone := make(chan struct{})
	go func() {
		defer close(outDone)
		worker.Run(schedCtx)
	}()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("serving the NPAC", "url", url, "store", s.Dialect().Name)

	select {
	case err = <-errc:
	case <-ctx.Done():
		log.Info("shutting down")
		cancelBase()
		shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = srv.Shutdown(shutCtx)
		cancel()
	}
	stopSched()
	<-schedDone
	<-outDone
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
