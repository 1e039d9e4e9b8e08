package numbering

import (
	"context"
	"time"

	npac "github.com/opennpac/npac"
)

// Report is what an import changed, or would change on a dry run.
type Report struct {
	ID       int64     `json:"id,omitempty"`
	Source   string    `json:"source"`
	FileDate time.Time `json:"file_date"`
	DryRun   bool      `json:"dry_run"`
	// Rows is how many records the file holds.
	Rows int `json:"rows"`
	// Added, Removed and Changed count records against the last import of
	// the same source; Counts breaks Changed down by field.
	Added     int            `json:"added"`
	Removed   int            `json:"removed"`
	Changed   int            `json:"changed"`
	Unchanged int            `json:"unchanged"`
	Counts    map[string]int `json:"counts"`
	// Network is what the import did to the NPAC's network data.
	Network NetworkChanges `json:"network"`
	// Changes lists the records that differ, up to MaxReportChanges;
	// Truncated says there were more.
	Changes   []Change `json:"changes"`
	Truncated bool     `json:"truncated,omitempty"`
	// ImportedAt and User say when and by whom (not on a dry run).
	ImportedAt time.Time `json:"imported_at"`
	User       string    `json:"user,omitempty"`
}

// MaxReportChanges bounds the change list a report carries.
const MaxReportChanges = 5000

// NetworkChanges counts what an import of CO codes did to network data.
type NetworkChanges struct {
	// ProvidersCreated lists the SPIDs created for OCNs no provider had.
	ProvidersCreated []npac.SPID `json:"providers_created"`
	// CodesCreated are held codes new to the NPAC; CodesDeleted codes no
	// longer held; HolderChanged codes whose OCN moved to another SPID.
	CodesCreated  int `json:"codes_created"`
	CodesDeleted  int `json:"codes_deleted"`
	HolderChanged int `json:"holder_changed"`
	// CodesOpened and CodesClosed count codes whose portability followed
	// their in-service status.
	CodesOpened int `json:"codes_opened"`
	CodesClosed int `json:"codes_closed"`
	// Kept lists codes no longer held that stay in the NPAC, closed,
	// because live SVs or pool blocks are in them.
	Kept []npac.NPANXX `json:"kept"`
	// Skipped counts held codes that cannot be network data (N11 service
	// codes such as 204-411).
	Skipped int `json:"skipped"`
}

// Change is one record that differs from the last import: an NPA-NXX (CO
// codes) or an NPA (area codes), with the fields that changed and their
// old and new values.
type Change struct {
	Key    string            `json:"key"`
	Kind   string            `json:"kind"` // added, removed or changed
	Fields []string          `json:"fields,omitempty"`
	Old    map[string]string `json:"old,omitempty"`
	New    map[string]string `json:"new,omitempty"`
}

// ImportOptions tunes an import.
type ImportOptions struct {
	// DryRun reports what the import would change and changes nothing.
	DryRun bool
	// Region is the NPAC region of the codes of a 5XX report, which have
	// no geography. CNAC codes are always in Canada.
	Region npac.Region
}

// Importer loads numbering data into the NPAC. Only NPAC personnel
// import.
type Importer interface {
	// ImportCodes applies a snapshot of CO codes: it records the
	// administrator's view of every code and brings network data in line
	// for the codes that differ from the last import of the same source.
	// The whole file is applied in one transaction, or nothing is.
	ImportCodes(ctx context.Context, f *CodeFile, o ImportOptions) (*Report, error)
	// ImportAreaCodes records a snapshot of NANPA's area codes.
	ImportAreaCodes(ctx context.Context, f *AreaFile, o ImportOptions) (*Report, error)
	// Imports lists past imports, newest first, without their changes.
	Imports(ctx context.Context, limit int) ([]*Report, error)
}
