package npac

import (
	"fmt"
	"strconv"
	"strings"
)

// The TN sets of range requests, written as people type them: a list, or a
// span within one NPA-NXX. The API, the CLI and the web interface read them
// with these functions.

// ParseTNList parses a list of TNs separated by commas, semicolons, line
// breaks or spaces, such as "212-555-0100, 2125550101". An item between
// separators other than spaces that is one TN with spaces inside, such as
// "(212) 555 0100", is read as that TN. Errors: invalid (an empty list, or
// the first bad TN), too-large (more than MaxRange TNs).
func ParseTNList(s string) ([]TN, error) {
	var out []TN
	add := func(tn TN) error {
		if len(out) == MaxRange {
			return Errorf(ETOOLARGE, "A range request names at most %d TNs; this list names more. Split it.", MaxRange)
		}
		out = append(out, tn)
		return nil
	}
	items := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == '\r' })
	for _, item := range items {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if tn, err := ParseTN(item); err == nil {
			if err := add(tn); err != nil {
				return nil, err
			}
			continue
		}
		for _, word := range strings.Fields(item) {
			tn, err := ParseTN(word)
			if err != nil {
				return nil, err
			}
			if err := add(tn); err != nil {
				return nil, err
			}
		}
	}
	if len(out) == 0 {
		return nil, Errorf(EINVALID, "The list of TNs is empty: give TNs separated by commas or on separate lines.")
	}
	return out, nil
}

// ParseTNSpan parses the first and last TN of a span within one NPA-NXX
// written FIRST-LAST: 6135550100-6135550199, 613-555-0100-613-555-0199, or
// with only the last four digits of the end, 6135550100-0199.
// Errors: invalid.
func ParseTNSpan(s string) (first, last TN, err error) {
	bad := Errorf(EINVALID, "%q is not a span of TNs: give FIRST-LAST within one NPA-NXX, such as 6135550100-6135550199 or 6135550100-0199.", s)
	var a, b string
	if strings.Count(s, "-") == 1 {
		a, b, _ = strings.Cut(s, "-")
	} else {
		// Written with dashes inside the TNs: split the digits.
		var d strings.Builder
		for _, r := range s {
			switch {
			case r >= '0' && r <= '9':
				d.WriteRune(r)
			case r != '-' && r != ' ':
				return "", "", bad
			}
		}
		ds := d.String()
		if len(ds) != 20 && len(ds) != 14 {
			return "", "", bad
		}
		a, b = ds[:10], ds[10:]
	}
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if first, err = ParseTN(a); err != nil {
		return "", "", err
	}
	if len(b) == 4 && strings.Trim(b, "0123456789") == "" {
		b = string(first.NPANXX()) + b
	}
	if last, err = ParseTN(b); err != nil {
		return "", "", err
	}
	if err := checkSpan(first, last); err != nil {
		return "", "", err
	}
	return first, last, nil
}

// TNSpan returns the TNs from first to last, two valid TNs (ParseTN) that
// must be in one NPA-NXX in that order. A span has at most 10,000 TNs, which is MaxRange.
// Errors: invalid.
func TNSpan(first, last TN) ([]TN, error) {
	if err := checkSpan(first, last); err != nil {
		return nil, err
	}
	lo, _ := strconv.Atoi(string(first[6:]))
	hi, _ := strconv.Atoi(string(last[6:]))
	out := make([]TN, 0, hi-lo+1)
	for n := lo; n <= hi; n++ {
		out = append(out, TN(fmt.Sprintf("%s%04d", first.NPANXX(), n)))
	}
	return out, nil
}

// checkSpan refuses a span across NPA-NXXs or backwards.
func checkSpan(first, last TN) error {
	if first.NPANXX() != last.NPANXX() {
		return Errorf(EINVALID, "%s and %s are in different NPA-NXXs; a span stays within one NPA-NXX.", first, last)
	}
	if first > last {
		return Errorf(EINVALID, "%s comes after %s: give the lower TN first.", first, last)
	}
	return nil
}
