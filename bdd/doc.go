// Package bdd reads and writes NPAC Bulk Data Download (BDD) files: the
// flat files an NPAC hands an LSMS to load or re-synchronize its copy of
// the porting data (see /work/shared/reference/npac-spec.md §1 and §5, and
// NANC FRS Appendix E, "Download File Examples", via NANC 314).
//
// A [Writer] streams records out and a [Reader] streams them in; both
// handle every kind of file: subscription versions (SV), number pool
// blocks (NPB) and the network data files (LRN, NPA-NXX, NPA-NXX-X,
// SPID). [SVName], [NPBName], [LRNName], [NPANXXName], [NPANXXXName] and
// [SPIDName] build file names and [ParseName] reads them back.
//
// # Format
//
// Everything below is what this package writes and what its reader
// demands. Where the spec is silent or unconfirmed the choice is
// OpenNPAC's own and is marked so.
//
//   - Records: one per line, fields separated by "|", variable length, no
//     quoting and no header. An empty optional field is empty between its
//     pipes ("||"). No field may contain "|", CR or LF, so none needs
//     escaping; the writer refuses values that would.
//   - Line ends: the spec ends every record with CR (ASCII 13). The reader
//     accepts CR, LF and CRLF, even mixed in one file, and skips empty
//     lines (they still count for line numbers). The writer ends lines
//     with CRLF by default: it carries the spec's CR, and every common
//     tool (wc -l, grep, editors, Windows) reads it as one line end. Set
//     [Writer.LineEnd] to [CR] for the NPAC's exact bytes (a consumer that
//     splits on CR alone and keeps the LF needs this) or [LF].
//   - Character set: ASCII. SPIDs are four upper-case letters or digits;
//     the reader does not fold case.
//   - Times: GMT, written yyyymmddhhmmss (14 digits) inside records. The
//     writer converts any time.Time to UTC and truncates it to the second;
//     the reader returns UTC times. A zero time.Time is an empty field
//     where the field is optional (SV and NPB activation timestamp,
//     NPA-NXX-X modified timestamp); other timestamps are required.
//   - TN, LRN: 10 digits, a valid NANP number (NPA and NXX start with 2-9
//     and are not N11). An LRN may also be the pseudo-LRN 0000000000
//     (NANC 442) in SV and NPB records, never in an LRN file.
//   - NPA-NXX: 6 digits, NPA-NXX-X: 7 digits, both NANP-valid.
//   - DPC: 9 digits, three octets without separators (001002003): the
//     first 001-255, the others 000-255. In memory a DPC is "NNN-NNN-NNN"
//     ([npac.ParseDPC]'s canonical form). SSN: written as 3 digits
//     (000-255); the reader takes 1 to 3 digits. A DPC and its SSN are both
//     present or both empty.
//   - End-user location value: up to 12 digits; type: up to 2 digits;
//     billing ID: up to 4 letters or digits (as npac.RoutingData).
//   - Version ID, block ID and network object IDs: 1 to 18 decimal digits
//     (so they fit an int64), no sign.
//   - Download reason: 0 new, 1 delete, 2 modified, 3 audit-discrepancy,
//     the order of the names in the spec; the NPAC's numeric codes are
//     unconfirmed (npac-spec.md §9), so this numbering is OpenNPAC's. The
//     reader also takes the words.
//     A full-image ("active-like") file has reason new on every record
//     ([Writer.Full] forces it); a delta ("latest view of SV activity",
//     the SVs broadcast in a time range) carries the real reasons.
//   - LNP type: 0 lspp, 1 lisp, 2 pool; may be empty. OpenNPAC's
//     numbering, unconfirmed (the NANC 314 example shows 0). The reader
//     also takes the words.
//   - SV type: 0 wireline, 1 wireless, 2 voip, 3 vowifi, 4
//     prepaid-wireless; may be empty (older files have no SV type). The
//     numbering is OpenNPAC's (believed to match the NPAC's ASN.1 SVType,
//     unconfirmed). The reader also takes the words ([npac.SVType]).
//   - Provider type (SPID file): 0 wireline, 1 wireless, 2 service-bureau
//     (the NPAC's "non-carrier"), 3 voip; OpenNPAC's numbering,
//     unconfirmed. The reader also takes the words ([npac.ProviderType]).
//   - URIs (voice, MMS, SMS): at most 255 printable ASCII bytes without
//     spaces, starting with a scheme ("sip:"), or empty.
//
// # SV record
//
// FRS Appendix E Table E-1 numbers the fields 1-5 and 7-21: NANC 314
// explains that number 6 was skipped by mistake, so there is no sixth
// field in the file. A line therefore holds, in this order (position in
// the line, then the FRS number):
//
//	position  FRS  field
//	 1         1   version ID
//	 2         2   TN
//	 3         3   LRN
//	 4         4   new current SPID
//	 5         5   activation timestamp
//	 6         7   CLASS DPC
//	 7         8   CLASS SSN
//	 8         9   LIDB DPC
//	 9        10   LIDB SSN
//	10        11   ISVM DPC
//	11        12   ISVM SSN
//	12        13   CNAM DPC
//	13        14   CNAM SSN
//	14        15   end-user location value
//	15        16   end-user location type
//	16        17   billing ID
//	17        18   LNP type
//	18        19   download reason
//	19        20   WSMSC DPC   (omitted with field 20 by LSMSs without WSMSC)
//	20        21   WSMSC SSN
//	21         -   SV type               OpenNPAC extension (NANC 399 field,
//	22         -   alternative SPID       position unconfirmed)
//	23         -   voice URI             OpenNPAC extension (NANC 400)
//	24         -   MMS URI               OpenNPAC extension
//	25         -   SMS URI               OpenNPAC extension
//
// The writer writes all 25 fields (20 with [Writer.Classic]). The reader
// takes 18 fields (no WSMSC), 20, or 21 to 25 (a prefix of the
// extensions); with [Reader.IgnoreExtra] it also takes, and drops, fields
// after the 25th, for files from NPAC releases that append more.
// Positions in error messages are positions in the line (the left
// column), not FRS numbers.
//
// # NPB record
//
//	1 block ID               10 ISVM DPC
//	2 NPA-NXX-X              11 ISVM SSN
//	3 LRN                    12 CNAM DPC
//	4 new current SPID       13 CNAM SSN
//	  (the block holder)     14 WSMSC DPC
//	5 activation timestamp   15 WSMSC SSN
//	6 CLASS DPC              16 download reason
//	7 CLASS SSN              17 SV type
//	8 LIDB DPC               18 alternative SPID
//	9 LIDB SSN
//
// The fields are those of the Oracle LSMS NPB table (npac-spec.md §1);
// their order is OpenNPAC's, following the SV record (the NPAC's order is
// unconfirmed). The reader takes 16 to 18 fields; the writer writes 18
// (16 with [Writer.Classic]).
//
// # Network data records
//
//	SPID       spid | name | type
//	LRN        spid | id | lrn | creation timestamp
//	NPA-NXX    spid | id | npa-nxx | creation timestamp | effective timestamp
//	NPA-NXX-X  spid | id | npa-nxx-x | creation ts | effective ts | modified ts
//
// A provider name is 1 to 200 bytes without control characters.
//
// # Required fields
//
// Every field is validated. SV and NPB records need the ID, the TN or
// block, and the download reason; they need the LRN and the new current
// SPID too unless the reason is delete. Everything else in them is
// optional. Network records need every field except the NPA-NXX-X
// modified timestamp.
//
// # Telling records apart
//
// A [Reader] reads one kind of file, or [Subscriptions] (SV and NPB lines
// mixed: field 2 is a 10-digit TN in an SV and a 7-digit NPA-NXX-X in an
// NPB), or [Any] (also network data: 3 fields is SPID, 4 LRN, 5 NPA-NXX,
// 6 NPA-NXX-X, 16 or more SV or NPB as above). Error messages then say
// which kind the line was read as.
//
// # File names
//
// Stamps in names are GMT, DD-MM-YYYYhhmmss. A file covering an object
// range has start 00-00-0000000000 and end 99-99-9999999999; a time range
// file has real stamps.
//
//	SV         <NPANXX-NPANXX>.<create>.<start>.<end>      (§5, Oracle LSMS)
//	NPB        <NPANXXX-NPANXXX>.<create>.<start>.<end>
//	LRN        LRN.<create>.00-00-0000000000.99-99-9999999999
//	NPA-NXX    NPA-NXX.<create>.00-00-0000000000.99-99-9999999999
//	NPA-NXX-X  NPA-NXX-X.<create>.00-00-0000000000.99-99-9999999999
//	SPID       SPID.<create>.00-00-0000000000.99-99-9999999999
//
// The SV form is confirmed (§5); the NPB form follows it with 7-digit
// bounds, and the network-data prefixes are OpenNPAC's choice (the
// NPAC's exact names for them were not found).
//
// # Performance
//
// The writer formats by hand into its own buffer (no fmt, no
// reflection) and allocates nothing per record. The reader allocates
// nothing per record either: it copies each line into 64 KiB chunks and
// the records' strings point into them (a chunk is never written again
// once a string points into it, so the strings are ordinary immutable
// Go strings; keeping any record keeps its chunk alive). The [Record]
// and the records it points to are reused by the next [Reader.Next];
// copy a record (a plain struct copy) to keep it.
package bdd
