package http

import (
	"bufio"
	"errors"
	"net/http"
	"strconv"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/numbering"
)

// maxImport is the largest numbering file the API reads: CNAC's full file
// is about 2.6 MB.
const maxImport = 64 << 20

// importFile loads a numbering file sent as the raw request body. Its
// kind is the kind parameter, or detected from its first lines.
func (s *Server) importFile(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var o numbering.ImportOptions
	if v := q.Get("dry_run"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return npac.Errorf(npac.EINVALID, "dry_run %q is not true or false.", v)
		}
		o.DryRun = b
	}
	if v := q.Get("region"); v != "" {
		reg, err := npac.ParseRegion(v)
		if err != nil {
			return err
		}
		o.Region = reg
	}
	body := bufio.NewReaderSize(http.MaxBytesReader(w, r.Body, maxImport), 64<<10)
	kind := q.Get("kind")
	if kind == "" {
		head, _ := body.Peek(8 << 10)
		k, err := numbering.Detect(head)
		if err != nil {
			return err
		}
		kind = k
	}
	var (
		rep *numbering.Report
		err error
	)
	switch kind {
	case "cnac", "nanpa-5xx":
		read := numbering.ReadCNAC
		if kind == "nanpa-5xx" {
			read = numbering.Read5XX
		}
		f, rerr := read(body)
		if rerr != nil {
			return tooLarge(rerr)
		}
		rep, err = s.Imports.ImportCodes(r.Context(), f, o)
	case "nanpa-npa":
		f, rerr := numbering.ReadNPAReport(body)
		if rerr != nil {
			return tooLarge(rerr)
		}
		rep, err = s.Imports.ImportAreaCodes(r.Context(), f, o)
	default:
		return npac.Errorf(npac.EINVALID, "kind %q is unknown: use cnac, nanpa-5xx or nanpa-npa, or leave it out to detect it.", kind)
	}
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if o.DryRun {
		status = http.StatusOK
	}
	return writeJSON(w, status, rep)
}

// tooLarge turns a body cut off by maxImport into a clear refusal.
func tooLarge(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return npac.Errorf(npac.EINVALID, "The file is larger than %d MiB, the most an import takes.", maxImport>>20)
	}
	return err
}

func (s *Server) listImports(w http.ResponseWriter, r *http.Request) error {
	limit, err := queryLimit(r)
	if err != nil {
		return err
	}
	list, err := s.Imports.Imports(r.Context(), limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": list})
}
