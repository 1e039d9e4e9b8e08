package http

import (
	"net/http"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/bdd"
)

// exportBDD streams a full-image BDD file: GET /api/v1/bdd/{kind}.
func (s *Server) exportBDD(w http.ResponseWriter, r *http.Request) error {
	kind, err := bdd.ParseKind(r.PathValue("kind"))
	if err != nil {
		return err
	}
	region, err := queryRegion(r)
	if err != nil {
		return err
	}
	// Nothing is written before the first record or the name, so a
	// refusal still answers as a problem.
	bw := bdd.NewWriter(w)
	_, err = s.BDD.ExportBDD(r.Context(), kind, region, bw, func(name string) {
		w.Header().Set("Content-Type", "text/plain; charset=us-ascii")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
		w.Header().Set("X-BDD-File-Name", name)
	})
	if err != nil && npac.ErrorCode(err) != npac.EINTERNAL && bw.Count() == 0 {
		return err
	}
	if err != nil {
		// The file is cut short: abort the connection, so that no client
		// takes it for a whole one.
		s.logger().Error("bdd export failed mid-stream", "kind", kind, "err", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}
