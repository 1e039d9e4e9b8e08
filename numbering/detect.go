package numbering

import (
	"bytes"
	"strings"

	"github.com/opennpac/npac"
)

// Detect tells which kind of file starts with head (its first few
// kilobytes): "cnac" (a CSV header naming NPA and CO Code (NXX)),
// "nanpa-5xx" (a "Code Status For :" title or an NPA<TAB>NXX<TAB>Use
// header) or "nanpa-npa" (a "File Date," line or a header naming NPA_ID and
// type_of_code).
// Anything else is an EINVALID error.
func Detect(head []byte) (string, error) {
	head = bytes.TrimPrefix(head, bom)
	var lines []string
	for len(lines) < 2 && len(head) > 0 {
		line := head
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			line, head = head[:i], head[i+1:]
		} else {
			head = nil
		}
		if s := strings.TrimSpace(text(string(line))); s != "" {
			lines = append(lines, s)
		}
	}
	if len(lines) == 0 {
		return "", npac.Errorf(npac.EINVALID, "line 1: the file is empty; expected a CNAC CO code file, a NANPA 5XX report or a NANPA NPA report.")
	}
	first := strings.ToLower(lines[0])
	switch {
	case strings.HasPrefix(first, "code status for"):
		return "nanpa-5xx", nil
	case strings.HasPrefix(first, "file date,"):
		return "nanpa-npa", nil
	}
	for _, l := range lines {
		names := headerNames(l)
		switch {
		case names["npa"] && (names["co code (nxx)"] || names["co code"]):
			return "cnac", nil
		case names["npa"] && names["nxx"] && names["use"]:
			return "nanpa-5xx", nil
		case names["npa_id"] && names["type_of_code"]:
			return "nanpa-npa", nil
		}
	}
	return "", npac.Errorf(npac.EINVALID, "line 1: %q does not start a CNAC CO code file, a NANPA 5XX report or a NANPA NPA report; check that the right file was given.", clip(lines[0]))
}

// headerNames splits a header line on commas or tabs into lower-case,
// unquoted, trimmed names.
func headerNames(line string) map[string]bool {
	sep := ","
	if strings.Contains(line, "\t") {
		sep = "\t"
	}
	names := map[string]bool{}
	for _, f := range strings.Split(line, sep) {
		names[strings.ToLower(strings.TrimSpace(strings.Trim(strings.TrimSpace(f), `"`)))] = true
	}
	return names
}
