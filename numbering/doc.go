// Package numbering reads the public files of the North American numbering
// administrators into typed records, each with the line it came from, and
// compares two snapshots of central-office (CO) codes. It is what
// "npac import" uses to load numbering data; storing the records is left to
// the caller.
//
// Three kinds of file are understood; [Detect] tells them apart:
//
//   - "cnac": the Canadian Numbering Administrator's COCodeStatus_ALL.csv,
//     read by [ReadCNAC]. Columns are found by header name, so the 2023
//     layout (7 columns) and the 2024 layout (8, with Province) both work.
//     Line 2 is a date-only row stating the snapshot date.
//     See ../shared/data/cnac-co-codes/SOURCE.md.
//   - "nanpa-5xx": NANPA's All5XXNXXCodesReport.txt, tab separated, read by
//     [Read5XX]. Its Use codes AS, UA and VC become the statuses "Assigned",
//     "Unavailable" and "Vacant".
//     See ../shared/data/nanpa-5xx-special-handling/SOURCE.md.
//   - "nanpa-npa": NANPA's NPA (area code) database report npa_report.csv,
//     read by [ReadNPAReport]. Both date styles NANPA has used (01-JAN-47 and
//     01-Jan-1947) are accepted.
//     See ../shared/data/nanpa-npa-report/SOURCE.md and its
//     npa_report_field_dictionary.csv for the meaning of each column.
//
// (Paths are relative to the repository root.)
//
// # Held and in service
//
// A code is held ([Code.Held]) when it is assigned to a service provider:
// it names an OCN and its status is not one that means "not assigned to
// anyone" (Available, Available as Initial Code only, Vacant, Unavailable,
// Not Available, Temporarily Unavailable, Recovered/Aging, New NPA,
// Stranded Code, Protected, Moratorium on Assignment, For Special Use,
// Plant Test, New Entrants Reserved). In the published files every code
// with an OCN is held except seven 5XX codes listed as Vacant that still
// name their last holder (528-699 and neighbours); CNAC's "Being Recovered"
// and "New NPA Testing" codes are held, since the provider keeps the code
// until recovery completes or testing ends.
//
// A code is in service ([Code.InService]) when CNAC lists it "In Service",
// or NANPA's 5XX report lists it AS ("Assigned"). CNAC's own "Assigned"
// status means assigned but not yet in service, so "Assigned" counts only in
// the 5XX personal-communications NPAs (500, 521-529 and 533-599 with a
// repeated digit), which never overlap a Canadian area code.
//
// # Errors
//
// Every parse error is an *npac.Error with code npac.EINVALID whose message
// starts with the line number, such as
//
//	line 1204: NXX "2O1" is not three digits
//
// The readers tolerate a UTF-8 byte-order mark, CRLF or LF line ends, blank
// lines, and Latin-1 text (a field that is not valid UTF-8 is converted from
// Latin-1 rather than rejected). They reject malformed NPA or NXX values, an
// NPA-NXX (or NPA) listed twice, rows whose field count differs from the
// header, a missing header or required column, and dates they cannot read.
package numbering
