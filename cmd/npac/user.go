package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	npac "github.com/opennpac/npac"
)

const userUsage = `Usage: npac user <command> [arguments] [flags]

Manage the NPAC's users and their API tokens through its API.

Commands:
  create                      create a user and its first token (NPAC personnel)
  list                        list users (NPAC personnel)
  show <user-id>              one user
  token <user-id>             issue another token (--name, --ttl)
  revoke <user-id> <token-id> revoke a token
  disable <user-id>           refuse the user's tokens (NPAC personnel)
  enable <user-id>            accept them again (NPAC personnel)
  pin <user-id>               issue a data user's lookup PIN (NPAC personnel)
  password <user-id>          set the web UI password, read from standard input
  me                          who the token in use belongs to

Every command takes --url, --token and --json; run npac user <command> -h
for its flags.
`

// runUser runs "npac user <command>".
func runUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch(ctx, "npac user", userUsage, map[string]command{
		"create":   userCreate,
		"list":     userList,
		"show":     userShow,
		"token":    userToken,
		"revoke":   userRevoke,
		"disable":  userSetDisabled("disable"),
		"enable":   userSetDisabled("enable"),
		"me":       userMe,
		"password": userPassword,
		"pin":      userPIN,
	}, args, stdout, stderr)
}

// grantFlags collects repeated --role, --spid and --regions flags into
// grants: each --role starts a grant, and the --spid (soa, lsms,
// service-bureau) or --regions (the data roles) after it says what it is
// held for.
type grantFlags struct {
	grants []npac.Grant
	// spidSet records which grants have a --spid or --regions.
	spidSet []bool
}

func (f *grantFlags) register(fs *flag.FlagSet) {
	fs.Func("role", "a `role`: npac-admin, soa, lsms, service-bureau, or a data role: ptrs, tcpa, fraud, law-enforcement (repeatable; soa, lsms and service-bureau followed by their --spid, data roles by their --regions)", func(s string) error {
		r := npac.Role(s)
		if !r.Valid() {
			return fmt.Errorf("role %q is unknown: use npac-admin, soa, lsms, service-bureau, ptrs, tcpa, fraud or law-enforcement", s)
		}
		f.grants = append(f.grants, npac.Grant{Role: r})
		f.spidSet = append(f.spidSet, false)
		return nil
	})
	fs.Func("spid", "the `SPID` the --role before it is held for", func(s string) error {
		n := len(f.grants)
		if n == 0 || f.spidSet[n-1] {
			return fmt.Errorf("--spid %s must follow the --role it is for", s)
		}
		if f.grants[n-1].Role == npac.RoleAdmin {
			return errors.New("npac-admin is not held for a SPID: give --role npac-admin without --spid")
		}
		if r := f.grants[n-1].Role; r.IsData() {
			return fmt.Errorf("the %s role is held for regions, not a SPID: give --role %s --regions NE,MA", r, r)
		}
		spid, err := npac.ParseSPID(s)
		if err != nil {
			return errors.New(strings.TrimSuffix(npac.ErrorMessage(err), "."))
		}
		f.grants[n-1].SPID = spid
		f.spidSet[n-1] = true
		return nil
	})
	fs.Func("regions", "the NPAC `regions` (comma-separated, such as NE,MA) the data --role before it is held for", func(s string) error {
		n := len(f.grants)
		if n == 0 || f.spidSet[n-1] {
			return fmt.Errorf("--regions %s must follow the data --role it is for", s)
		}
		if r := f.grants[n-1].Role; !r.IsData() {
			return fmt.Errorf("the %s role is not held for regions: only the data roles (ptrs, tcpa, fraud, law-enforcement) take --regions", r)
		}
		var regions []npac.Region
		for part := range strings.SplitSeq(s, ",") {
			reg, err := npac.ParseRegion(strings.TrimSpace(part))
			if err != nil {
				return errors.New(strings.TrimSuffix(npac.ErrorMessage(err), "."))
			}
			regions = append(regions, reg)
		}
		f.grants[n-1].Regions = regions
		f.spidSet[n-1] = true
		return nil
	})
}

// check reports a role without the SPID or regions it is held for.
func (f *grantFlags) check() error {
	if len(f.grants) == 0 {
		return errors.New("user create needs at least one --role (with its --spid or --regions)")
	}
	for _, g := range f.grants {
		switch {
		case g.Role.IsData() && len(g.Regions) == 0:
			return fmt.Errorf("--role %s needs its --regions right after it, such as --regions NE,MA", g.Role)
		case !g.Role.IsData() && g.Role != npac.RoleAdmin && g.SPID == "":
			return fmt.Errorf("--role %s needs its --spid right after it", g.Role)
		}
	}
	return nil
}

func userCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("user create", "user create --name NAME --role ROLE [--spid SPID | --regions R,R] [--role ROLE …] [flags]", `
Create a user with its roles, and its first API token: POST /api/v1/users.
The token's secret is printed once; store it. For example:
  npac user create --name bravo-soa --role soa --spid BBB2
  npac user create --name ops --role npac-admin
  npac user create --name carrier-rating --role ptrs --regions NE,MA`, stderr)
	var (
		name   string
		grants grantFlags
	)
	fs.StringVar(&name, "name", "", "the user's `name` (unique)")
	grants.register(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("user create takes no arguments, only flags; got %q", pos)
	}
	if name == "" {
		return errors.New("user create needs --name")
	}
	if err := grants.check(); err != nil {
		return err
	}
	c, err := newClient(g, stdout, stderr)
	if err != nil {
		return err
	}
	var res struct {
		User  *npac.User  `json:"user"`
		Token *npac.Token `json:"token"`
	}
	body := map[string]any{"name": name, "grants": grants.grants}
	if human, err := c.call(ctx, http.MethodPost, "/api/v1/users", nil, body, nil, &res); err != nil || !human {
		return err
	}
	printToken(stdout, res.User, res.Token)
	return nil
}

func userList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("user list", "user list [flags]", "List every user: GET /api/v1/users.", stderr)
	c, err := noArgCommand(fs, g, args, stdout, stderr)
	if err != nil {
		return err
	}
	var page struct {
		Items []*npac.User `json:"items"`
	}
	if human, err := c.call(ctx, http.MethodGet, "/api/v1/users", nil, nil, nil, &page); err != nil || !human {
		return err
	}
	tw := table(stdout)
	fmt.Fprintln(tw, "ID\tNAME\tROLES\tSTATE\tCREATED")
	for _, u := range page.Items {
		state := "enabled"
		if u.Disabled {
			state = "disabled"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", u.ID, u.Name, grantsString(u.Grants), state, u.CreatedAt.UTC().Format(time.RFC3339))
	}
	tw.Flush()
	return nil
}

func userShow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("user show", "user show <user-id> [flags]", "Show one user: GET /api/v1/users/{id}.", stderr)
	id, c, err := idCommand(fs, g, args, userIDKind, stdout, stderr)
	if err != nil {
		return err
	}
	var u npac.User
	if human, err := c.call(ctx, http.MethodGet, "/api/v1/users/"+strconv.FormatInt(id, 10), nil, nil, nil, &u); err != nil || !human {
		return err
	}
	printUser(stdout, &u, nil)
	return nil
}

func userToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("user token", "user token <user-id> [--name NAME] [--ttl DURATION] [flags]",
		"Issue another API token for a user: POST /api/v1/users/{id}/tokens. The secret is printed once.", stderr)
	var (
		name string
		ttl  time.Duration
	)
	fs.StringVar(&name, "name", "", "a `name` for the token, to tell it from the others")
	fs.DurationVar(&ttl, "ttl", 0, "the token's lifetime, such as 720h (default: it does not expire)")
	checkTTL := func() error {
		if ttl < 0 || ttl > 0 && ttl < time.Second {
			return fmt.Errorf("--ttl %s is not a lifetime: give a positive duration of at least a second, such as 720h", ttl)
		}
		return nil
	}
	id, c, err := idCommand(fs, g, args, userIDKind, stdout, stderr, checkTTL)
	if err != nil {
		return err
	}
	body := map[string]any{"name": name}
	if ttl > 0 {
		body["ttl_seconds"] = int64(ttl / time.Second)
	}
	var tok npac.Token
	if human, err := c.call(ctx, http.MethodPost, "/api/v1/users/"+strconv.FormatInt(id, 10)+"/tokens", nil, body, nil, &tok); err != nil || !human {
		return err
	}
	printToken(stdout, nil, &tok)
	return nil
}

func userRevoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("user revoke", "user revoke <user-id> <token-id> [flags]", "Revoke a token: DELETE /api/v1/users/{id}/tokens/{token}.", stderr)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return errors.New("user revoke needs a user id and a token id: npac user revoke <user-id> <token-id>")
	}
	uid, err := parseID(pos[0], "user")
	if err != nil {
		return err
	}
	tid, err := parseID(pos[1], "token")
	if err != nil {
		return err
	}
	c, err := newClient(g, stdout, stderr)
	if err != nil {
		return err
	}
	if _, err := c.do(ctx, http.MethodDelete, fmt.Sprintf("/api/v1/users/%d/tokens/%d", uid, tid), nil, nil, nil, nil); err != nil {
		return err
	}
	if !c.json {
		fmt.Fprintf(stdout, "revoked token %d of user %d\n", tid, uid)
	}
	return nil
}

func userSetDisabled(cmd string) command {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		about := "Disable a user, so that its tokens are refused: POST /api/v1/users/{id}/disable."
		if cmd == "enable" {
			about = "Re-enable a disabled user: POST /api/v1/users/{id}/enable."
		}
		fs, g := newFlagSet("user "+cmd, "user "+cmd+" <user-id> [flags]", about, stderr)
		id, c, err := idCommand(fs, g, args, userIDKind, stdout, stderr)
		if err != nil {
			return err
		}
		var u npac.User
		if human, err := c.call(ctx, http.MethodPost, fmt.Sprintf("/api/v1/users/%d/%s", id, cmd), nil, nil, nil, &u); err != nil || !human {
			return err
		}
		printUser(stdout, &u, nil)
		return nil
	}
}

func userMe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("user me", "user me [flags]", "Show the user the token belongs to: GET /api/v1/me.", stderr)
	c, err := noArgCommand(fs, g, args, stdout, stderr)
	if err != nil {
		return err
	}
	var me struct {
		User      npac.User               `json:"user"`
		BureauFor map[npac.SPID]npac.SPID `json:"bureau_for"`
	}
	if human, err := c.call(ctx, http.MethodGet, "/api/v1/me", nil, nil, nil, &me); err != nil || !human {
		return err
	}
	printUser(stdout, &me.User, me.BureauFor)
	return nil
}

// grantsString formats grants as "soa BBB2, ptrs NE,MA, npac-admin".
func grantsString(gs []npac.Grant) string {
	parts := make([]string, len(gs))
	for i, g := range gs {
		parts[i] = string(g.Role)
		if g.SPID != "" {
			parts[i] += " " + string(g.SPID)
		}
		if len(g.Regions) > 0 {
			regions := make([]string, len(g.Regions))
			for j, r := range g.Regions {
				regions[j] = string(r)
			}
			parts[i] += " " + strings.Join(regions, ",")
		}
	}
	return strings.Join(parts, ", ")
}

func userPIN(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("user pin", "user pin <user-id> [flags]", `
Issue a data user (ptrs, tcpa, fraud, law-enforcement) a new lookup PIN,
replacing and unlocking any earlier one: POST /api/v1/users/{id}/pin (NPAC
personnel). The PIN is printed once; with the user's name it opens lookup
sessions (npac lookup session, or the IVR).`, stderr)
	id, c, err := idCommand(fs, g, args, userIDKind, stdout, stderr)
	if err != nil {
		return err
	}
	var res struct {
		PIN string `json:"pin"`
	}
	if human, err := c.call(ctx, http.MethodPost, fmt.Sprintf("/api/v1/users/%d/pin", id), nil, nil, nil, &res); err != nil || !human {
		return err
	}
	fmt.Fprintf(stdout, "pin: %s\n", res.PIN)
	fmt.Fprintln(stdout, "The PIN is shown only once: give it to the user for lookup sessions (npac lookup session).")
	return nil
}

// passwordInput reads the new password in userPassword; tests replace it.
var passwordInput io.Reader = os.Stdin

func userPassword(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, g := newFlagSet("user password", "user password <user-id> [flags] < password-file", `
Set the password a user signs in to the web UI (/lti/) with: PUT
/api/v1/users/{id}/password (NPAC personnel, or the user itself). The
password is the first line of standard input, so that it stays out of the
shell's history and the process list; 12 characters or more.`, stderr)
	id, c, err := idCommand(fs, g, args, userIDKind, stdout, stderr)
	if err != nil {
		return err
	}
	line, err := bufio.NewReader(passwordInput).ReadString('\n')
	if err != nil && line == "" {
		return fmt.Errorf("read the password from standard input: %v", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if _, err := c.call(ctx, http.MethodPut, fmt.Sprintf("/api/v1/users/%d/password", id), nil, map[string]string{"password": pw}, nil, nil); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "password set for user %d\n", id)
	return nil
}

// printUser prints a user as aligned "key: value" lines, with the SPIDs
// it acts for as a service bureau when there are any.
func printUser(w io.Writer, u *npac.User, bureauFor map[npac.SPID]npac.SPID) {
	tw := table(w)
	userRows(tw, u, bureauFor)
	tw.Flush()
}

func userRows(tw io.Writer, u *npac.User, bureauFor map[npac.SPID]npac.SPID) {
	if u == nil {
		return
	}
	fmt.Fprintf(tw, "user:\t%d %s\n", u.ID, u.Name)
	fmt.Fprintf(tw, "roles:\t%s\n", grantsString(u.Grants))
	if u.Disabled {
		fmt.Fprintf(tw, "state:\tdisabled\n")
	}
	if len(bureauFor) > 0 {
		var clients []string
		for c, b := range bureauFor {
			clients = append(clients, fmt.Sprintf("%s (as %s)", c, b))
		}
		slices.Sort(clients)
		fmt.Fprintf(tw, "bureau for:\t%s\n", strings.Join(clients, ", "))
	}
}

// printToken prints a new token (after the user it belongs to, if u is
// not nil) with its secret and a warning that the secret is not shown
// again.
func printToken(w io.Writer, u *npac.User, t *npac.Token) {
	tw := table(w)
	userRows(tw, u, nil)
	if t != nil {
		name := t.Name
		if name == "" {
			name = "(unnamed)"
		}
		fmt.Fprintf(tw, "token id:\t%d %s\n", t.ID, name)
		if t.ExpiresAt != nil {
			fmt.Fprintf(tw, "expires:\t%s\n", t.ExpiresAt.UTC().Format(time.RFC3339))
		}
		fmt.Fprintf(tw, "token:\t%s\n", t.Secret)
	}
	tw.Flush()
	fmt.Fprintln(w, "The token is shown only once: store it now, for example as NPAC_TOKEN.")
}
