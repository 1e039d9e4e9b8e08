package bdd

import (
	"context"
	"strings"

	"github.com/opennpac/npac"
)

// ExportKinds are the kinds of file an NPAC exports, in the order a loader
// wants them: network data, then blocks, then SVs.
var ExportKinds = []Kind{KindSPID, KindLRN, KindNPANXX, KindNPANXXX, KindNPB, KindSV}

// ParseKind reads an exportable kind by its file-name word (SV, NPB, LRN,
// NPA-NXX, NPA-NXX-X, SPID), case-insensitively.
func ParseKind(s string) (Kind, error) {
	names := make([]string, len(ExportKinds))
	for i, k := range ExportKinds {
		if strings.EqualFold(k.String(), s) {
			return k, nil
		}
		names[i] = k.String()
	}
	return 0, npac.Errorf(npac.EINVALID, "BDD file kind %q is unknown: use one of %s.", s, strings.Join(names, ", "))
}

// Exporter writes full images of an NPAC's data as BDD files.
type Exporter interface {
	// ExportBDD writes the full image of one kind of data, of one region
	// or all (""), to w, and returns how many records it wrote. name is
	// called first with the file's name by the NPAC's convention.
	// Errors: forbidden, invalid.
	ExportBDD(ctx context.Context, kind Kind, region npac.Region, w *Writer, name func(string)) (int64, error)
}
