package http

import (
	"net/http"

	npac "github.com/opennpac/npac"
)

// NPA splits: NPAC personnel schedule them; everyone reads them.

// splitBody is the body of a split: npac.Split's input fields, with
// request times.
type splitBody struct {
	OldNPA   string   `json:"old_npa"`
	NewNPA   string   `json:"new_npa"`
	NXXs     []string `json:"nxxs"`
	PDPStart jsonTime `json:"pdp_start"`
	PDPEnd   jsonTime `json:"pdp_end"`
}

func (s *Server) createSplit(w http.ResponseWriter, r *http.Request) error {
	var b splitBody
	if err := decodeBody(w, r, &b, true); err != nil {
		return err
	}
	sp := &npac.Split{OldNPA: b.OldNPA, NewNPA: b.NewNPA, NXXs: b.NXXs, PDPStart: b.PDPStart.Time, PDPEnd: b.PDPEnd.Time}
	if err := s.Splits.CreateSplit(r.Context(), sp); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, sp)
}

func (s *Server) listSplits(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Splits.Splits(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": list})
}
