package numbering

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/opennpac/npac"
)

var bom = []byte{0xEF, 0xBB, 0xBF}

// skipBOM returns a buffered reader over r without a leading UTF-8
// byte-order mark.
func skipBOM(r io.Reader) *bufio.Reader {
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(len(bom)); err == nil && bytes.Equal(b, bom) {
		_, _ = br.Discard(len(bom))
	}
	return br
}

// csvReader is an encoding/csv reader that reports the line each record
// starts on and turns its errors into npac errors.
type csvReader struct {
	r    *csv.Reader
	line int // line of the last record read
}

func newCSV(r io.Reader) *csvReader {
	cr := csv.NewReader(skipBOM(r))
	cr.FieldsPerRecord = -1 // field counts are checked against the header
	cr.ReuseRecord = true
	return &csvReader{r: cr}
}

// read returns the next record, or io.EOF. Blank lines are skipped.
func (c *csvReader) read() ([]string, error) {
	rec, err := c.r.Read()
	if err != nil {
		if err == io.EOF {
			return nil, err
		}
		return nil, readError(err)
	}
	c.line, _ = c.r.FieldPos(0)
	return rec, nil
}

// readError converts an error from encoding/csv or the underlying reader.
func readError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return npac.Errorf(npac.EINVALID, "line %d: the CSV is malformed at column %d (%v); check the quotes on that line.", pe.Line, pe.Column, pe.Err)
	}
	if errors.Is(err, bufio.ErrTooLong) {
		return npac.Errorf(npac.EINVALID, "a line is longer than %d bytes; this is not a numbering file.", maxLine)
	}
	return fmt.Errorf("numbering: reading: %w", err)
}

// lineError returns the EINVALID error every parse failure is.
func lineError(line int, format string, args ...any) error {
	return npac.Errorf(npac.EINVALID, "line %d: "+format, append([]any{line}, args...)...)
}

// text trims s and, if it is not valid UTF-8, reads it as Latin-1.
func text(s string) string {
	if !utf8.ValidString(s) {
		var b strings.Builder
		b.Grow(len(s) + len(s)/2)
		for i := 0; i < len(s); i++ {
			b.WriteRune(rune(s[i]))
		}
		s = b.String()
	}
	return strings.TrimSpace(s)
}

// column describes a column looked up by header name.
type column struct {
	name     string   // as shown in messages
	aliases  []string // lower-case header names accepted, first is canonical
	required bool
}

// locate maps each column to its index in header (-1 when absent and
// optional). Header names match case-insensitively after trimming; unknown
// header names are ignored.
func locate(line int, header []string, cols []column) ([]int, error) {
	at := make(map[string]int, len(header))
	for i, h := range header {
		h = strings.ToLower(text(h))
		if h == "" {
			continue
		}
		if j, dup := at[h]; dup {
			return nil, lineError(line, "the header names column %q twice (columns %d and %d); rename or remove one.", text(header[i]), j+1, i+1)
		}
		at[h] = i
	}
	idx := make([]int, len(cols))
	var missing []string
	for k, c := range cols {
		idx[k] = -1
		for _, a := range c.aliases {
			if i, ok := at[a]; ok {
				idx[k] = i
				break
			}
		}
		if idx[k] < 0 && c.required {
			missing = append(missing, fmt.Sprintf("%q", c.name))
		}
	}
	if len(missing) == 1 {
		return nil, lineError(line, "the header has no %s column; the file needs one (found %s).", missing[0], quoteList(header))
	}
	if len(missing) > 1 {
		return nil, lineError(line, "the header has no %s columns; is this the header row? (found %s).", strings.Join(missing, ", "), quoteList(header))
	}
	return idx, nil
}

func quoteList(fields []string) string {
	const max = 10
	q := make([]string, 0, max+1)
	for i, f := range fields {
		if i == max {
			q = append(q, "...")
			break
		}
		q = append(q, fmt.Sprintf("%q", text(f)))
	}
	return strings.Join(q, ", ")
}

// field returns the trimmed field at i, or "" when the column is absent.
func field(rec []string, i int) string {
	if i < 0 {
		return ""
	}
	return text(rec[i])
}

// checkCode reports why s is not a 3-digit NPA or NXX (what), or "".
// N11 codes are allowed: the files list them (e.g. 204-411, 500-911).
func checkCode(what, s string) string {
	if len(s) != 3 || !isDigit(s[0]) || !isDigit(s[1]) || !isDigit(s[2]) {
		return fmt.Sprintf("%s %q is not three digits", what, s)
	}
	if s[0] < '2' {
		return fmt.Sprintf("%s %q starts with %c; NANP %ss start with 2-9", what, s, s[0], what)
	}
	return ""
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// fieldCount checks a record against the header's width.
func fieldCount(line int, rec []string, want int) error {
	if len(rec) != want {
		return lineError(line, "the row has %d fields but the header has %d; every row needs one field per header column (check for a stray or missing separator).", len(rec), want)
	}
	return nil
}

// interner shares the strings that repeat across rows (statuses, company
// names, exchange areas) so a 44,000-row file does not keep a copy of each.
type interner map[string]string

func (in interner) get(s string) string {
	if v, ok := in[s]; ok {
		return v
	}
	s = strings.Clone(s)
	in[s] = s
	return s
}
