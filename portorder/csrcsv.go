package portorder

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/opennpac/npac"
)

// CSR files: CSV with a header row naming its columns (in any order), one
// row per number. The account's rows are merged into one CSR. Columns of
// a number:
//
//	account            the account number (required on every row)
//	tn                 the number (required)
//	active             whether it is in service: true (default when empty) or false
//	line_btn           its billing number when it is not the account's
//	hunt_group         the hunt group it belongs to
//	open_order         the ID of another open port order holding it
//
// Columns of the account, given on one of its rows or the same on several
// (different values on two rows of an account are an error):
//
//	btn, authorized_names, business_name, number, street, unit, city, state,
//	postal_code, country, pin, reseller, services, complex_services,
//	inactive, frozen, pending_order, une, last_authorization
//
// authorized_names, services and complex_services are lists separated by
// semicolons; booleans are true/false (yes/no, 1/0); last_authorization is
// a date or RFC 3339. Keep this comment, openapi.yaml and the CLI's help
// in step.
var (
	csrLineColumns    = []string{"account", "tn", "active", "line_btn", "hunt_group", "open_order"}
	csrAccountColumns = []string{"btn", "authorized_names", "business_name", "number", "street", "unit", "city", "state",
		"postal_code", "country", "pin", "reseller", "services", "complex_services",
		"inactive", "frozen", "pending_order", "une", "last_authorization"}
)

// CSRColumns lists every column a CSR file may have.
func CSRColumns() []string { return append(slices.Clone(csrLineColumns), csrAccountColumns...) }

// csrAccount is an account being read from a CSR file.
type csrAccount struct {
	csr  *CSR
	line int               // the first line of the account
	vals map[string]string // account column → its normalized value
	at   map[string]int    // account column → the line that gave it
}

// csrFile is a CSR file read and validated.
type csrFile struct {
	accounts []*csrAccount          // in the order of their first rows
	tnLine   map[npac.TN]int        // the line of each number
	byName   map[string]*csrAccount // by account number
}

// parseFlag reads a boolean cell.
func parseFlag(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true", "yes", "y", "1":
		return true, true
	case "false", "no", "n", "0":
		return false, true
	}
	return false, false
}

// splitList splits a semicolon-separated cell, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ";") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// normalizeCSRCell validates an account cell and returns it in the form
// two rows of an account are compared in.
func normalizeCSRCell(name, v string) (string, error) {
	switch name {
	case "btn":
		tn, err := npac.ParseTN(v)
		if err != nil {
			return "", fmt.Errorf("btn: %s", strings.TrimSuffix(npac.ErrorMessage(err), "."))
		}
		return string(tn), nil
	case "inactive", "frozen", "pending_order", "une":
		b, ok := parseFlag(v)
		if !ok {
			return "", fmt.Errorf("%s %q is not true or false", name, v)
		}
		return strconv.FormatBool(b), nil
	case "last_authorization":
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			if t, err = time.Parse(time.RFC3339, v); err != nil {
				return "", fmt.Errorf("last_authorization %q is not a date: give YYYY-MM-DD or RFC 3339", v)
			}
		}
		return t.UTC().Format(time.RFC3339), nil
	case "authorized_names", "services", "complex_services":
		return strings.Join(splitList(v), ";"), nil
	}
	return v, nil
}

// ReadCSRs reads a CSR file (CSV, the layout above) whole, validates every
// row, and returns its accounts' CSRs in the order of their first rows.
// Errors name the line; an error reading r is returned wrapped as it is.
func ReadCSRs(r io.Reader) ([]*CSR, error) {
	f, err := readCSRFile(csv.NewReader(r))
	if err != nil {
		return nil, err
	}
	out := make([]*CSR, len(f.accounts))
	for i, a := range f.accounts {
		out[i] = a.csr
	}
	return out, nil
}

// readCSRFile reads a CSR file whole and validates every row.
func readCSRFile(rd *csv.Reader) (*csrFile, error) {
	rd.TrimLeadingSpace = true
	lineErr := func(line int, format string, args ...any) error {
		return npac.Errorf(npac.EINVALID, "Line %d: %s.", line, fmt.Sprintf(format, args...))
	}
	head, err := rd.Read()
	if errors.Is(err, io.EOF) {
		return nil, npac.Errorf(npac.EINVALID, "The file is empty: send a header row naming the columns (account, tn, …) and one row per number.")
	} else if err != nil {
		return nil, csvError(err)
	}
	col := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !slices.Contains(csrLineColumns, h) && !slices.Contains(csrAccountColumns, h) {
			return nil, lineErr(1, "column %d of the header, %q, is not a CSR column; the columns are %s", i+1, h,
				strings.Join(append(slices.Clone(csrLineColumns), csrAccountColumns...), ", "))
		}
		if _, dup := col[h]; dup {
			return nil, lineErr(1, "the header names %s twice", h)
		}
		col[h] = i
	}
	for _, req := range []string{"account", "tn"} {
		if _, ok := col[req]; !ok {
			return nil, lineErr(1, "the header has no %s column; the file needs account and tn", req)
		}
	}
	f := &csrFile{tnLine: map[npac.TN]int{}, byName: map[string]*csrAccount{}}
	for {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, csvError(err)
		}
		line, _ := rd.FieldPos(0)
		cell := func(name string) string {
			if i, ok := col[name]; ok {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		name := cell("account")
		if name == "" || len(name) > 64 {
			return nil, lineErr(line, "give the account number (1 to 64 characters)")
		}
		if cell("tn") == "" {
			return nil, lineErr(line, "give the number (tn)")
		}
		tn, err := npac.ParseTN(cell("tn"))
		if err != nil {
			return nil, lineErr(line, "%s", strings.TrimSuffix(npac.ErrorMessage(err), "."))
		}
		if prev, ok := f.tnLine[tn]; ok {
			return nil, lineErr(line, "%s is also on line %d; list each number once (a number belongs to one account)", tn, prev)
		}
		f.tnLine[tn] = line
		l := CSRLine{TN: tn, Active: true, HuntGroup: cell("hunt_group"), OpenOrder: cell("open_order")}
		if v := cell("active"); v != "" {
			var ok bool
			if l.Active, ok = parseFlag(v); !ok {
				return nil, lineErr(line, "active %q is not true or false", v)
			}
		}
		if v := cell("line_btn"); v != "" {
			if l.BTN, err = npac.ParseTN(v); err != nil {
				return nil, lineErr(line, "line_btn: %s", strings.TrimSuffix(npac.ErrorMessage(err), "."))
			}
		}
		a := f.byName[name]
		if a == nil {
			a = &csrAccount{csr: &CSR{Account: name}, line: line, vals: map[string]string{}, at: map[string]int{}}
			f.byName[name] = a
			f.accounts = append(f.accounts, a)
		}
		a.csr.TNs = append(a.csr.TNs, l)
		for _, c := range csrAccountColumns {
			raw := cell(c)
			if raw == "" {
				continue
			}
			v, err := normalizeCSRCell(c, raw)
			if err != nil {
				return nil, lineErr(line, "%v", err)
			}
			if prev, ok := a.vals[c]; ok && prev != v {
				return nil, lineErr(line, "account %s has %s %q here and %q on line %d; give an account's details on one of its rows, or the same on each", name, c, v, prev, a.at[c])
			}
			a.vals[c], a.at[c] = v, line
		}
	}
	if len(f.accounts) == 0 {
		return nil, npac.Errorf(npac.EINVALID, "The file has a header and no rows: add one row per number.")
	}
	for _, a := range f.accounts {
		a.fill()
	}
	return f, nil
}

// fill sets the CSR's account fields from the values read.
func (a *csrAccount) fill() {
	v, c := a.vals, a.csr
	flag := func(name string) bool { return v[name] == "true" }
	c.BTN = npac.TN(v["btn"])
	c.AuthorizedNames = splitList(v["authorized_names"])
	c.BusinessName, c.Reseller, c.PIN = v["business_name"], v["reseller"], v["pin"]
	c.ServiceAddress = Address{Number: v["number"], Street: v["street"], Unit: v["unit"], City: v["city"],
		State: v["state"], PostalCode: v["postal_code"], Country: v["country"]}
	c.Services, c.ComplexServices = splitList(v["services"]), splitList(v["complex_services"])
	c.Inactive, c.Frozen, c.PendingOrder, c.UNE = flag("inactive"), flag("frozen"), flag("pending_order"), flag("une")
	if s := v["last_authorization"]; s != "" {
		c.LastAuthorization, _ = time.Parse(time.RFC3339, s)
	}
}

// csvError explains a row the CSV reader refused; other errors (of the
// reader under it) are returned as they are.
func csvError(err error) error {
	var pe *csv.ParseError
	switch {
	case errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount):
		return npac.Errorf(npac.EINVALID, "Line %d does not have the header's number of columns; quote a cell that holds a comma.", pe.Line)
	case errors.As(err, &pe):
		return npac.Errorf(npac.EINVALID, "Line %d is not valid CSV: %v; quote a cell that holds a comma or a quote, and double the quotes inside it.", pe.Line, pe.Err)
	}
	return fmt.Errorf("read the CSR file: %w", err)
}
