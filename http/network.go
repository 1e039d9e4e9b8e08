package http

import (
	"net/http"

	npac "github.com/opennpac/npac"
)

// networkFilter is the query of a list of NPA-NXXs or LRNs, whose keys
// are of type K: the fields of npac.CodeFilter and npac.LRNFilter, which
// it converts to.
type networkFilter[K ~string] struct {
	SPID   npac.SPID
	Region npac.Region
	After  K
	Limit  int
}

// queryNetworkFilter reads the spid, region, after and limit parameters of
// a list of NPA-NXXs or LRNs; parseAfter parses after, a key of the list.
func queryNetworkFilter[K ~string](r *http.Request, parseAfter func(string) (K, error)) (networkFilter[K], error) {
	var (
		f   networkFilter[K]
		err error
	)
	if f.SPID, err = querySPID(r, "spid"); err != nil {
		return f, err
	}
	if f.Region, err = queryRegion(r); err != nil {
		return f, err
	}
	if after := r.URL.Query().Get("after"); after != "" {
		if f.After, err = parseAfter(after); err != nil {
			return f, err
		}
	}
	if f.Limit, err = queryLimit(r); err != nil {
		return f, err
	}
	return f, nil
}

func (s *Server) listCodes(w http.ResponseWriter, r *http.Request) error {
	q, err := queryNetworkFilter(r, npac.ParseNPANXX)
	if err != nil {
		return err
	}
	f := npac.CodeFilter(q)
	cs, err := s.Network.Codes(r.Context(), f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pageOf(cs, f.Limit, func(c *npac.CodeRecord) string { return string(c.NPANXX) }))
}

// codeBody is the body of an NPA-NXX registration.
type codeBody struct {
	NPANXX npac.NPANXX `json:"npa_nxx"`
	SPID   npac.SPID   `json:"spid"`
	Region npac.Region `json:"region"`
	// EffectiveDate defaults to now.
	EffectiveDate jsonTime `json:"effective_date"`
	Portable      bool     `json:"portable"`
}

func (s *Server) createCode(w http.ResponseWriter, r *http.Request) error {
	var b codeBody
	if err := decodeBody(w, r, &b, true); err != nil {
		return err
	}
	c := &npac.CodeRecord{NPANXX: b.NPANXX, SPID: b.SPID, Region: b.Region, EffectiveDate: b.EffectiveDate.Time, Portable: b.Portable}
	if err := s.Network.CreateCode(r.Context(), c); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/npa-nxxs/"+string(c.NPANXX))
	return writeJSON(w, http.StatusCreated, c)
}

func (s *Server) getCode(w http.ResponseWriter, r *http.Request) error {
	code, err := npac.ParseNPANXX(r.PathValue("npanxx"))
	if err != nil {
		return err
	}
	c, err := s.Network.Code(r.Context(), code)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

// codeUpdateBody is the body of an NPA-NXX change; absent fields stay.
type codeUpdateBody struct {
	Portable      *bool     `json:"portable"`
	EffectiveDate *jsonTime `json:"effective_date"`
}

func (s *Server) updateCode(w http.ResponseWriter, r *http.Request) error {
	code, err := npac.ParseNPANXX(r.PathValue("npanxx"))
	if err != nil {
		return err
	}
	var b codeUpdateBody
	if err := decodeBody(w, r, &b, true); err != nil {
		return err
	}
	c, err := s.Network.UpdateCode(r.Context(), code, npac.CodeUpdate{Portable: b.Portable, EffectiveDate: b.EffectiveDate.ptr()})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

func (s *Server) deleteCode(w http.ResponseWriter, r *http.Request) error {
	code, err := npac.ParseNPANXX(r.PathValue("npanxx"))
	if err != nil {
		return err
	}
	if err := s.Network.DeleteCode(r.Context(), code); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listLRNs(w http.ResponseWriter, r *http.Request) error {
	q, err := queryNetworkFilter(r, npac.ParseLRN)
	if err != nil {
		return err
	}
	f := npac.LRNFilter(q)
	ls, err := s.Network.LRNs(r.Context(), f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pageOf(ls, f.Limit, func(l *npac.LRNRecord) string { return string(l.LRN) }))
}

// lrnBody is the body of an LRN registration.
type lrnBody struct {
	LRN    npac.LRN    `json:"lrn"`
	SPID   npac.SPID   `json:"spid"`
	Region npac.Region `json:"region"`
}

func (s *Server) createLRN(w http.ResponseWriter, r *http.Request) error {
	var b lrnBody
	if err := decodeBody(w, r, &b, true); err != nil {
		return err
	}
	l := &npac.LRNRecord{LRN: b.LRN, SPID: b.SPID, Region: b.Region}
	if err := s.Network.CreateLRN(r.Context(), l); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/lrns/"+string(l.LRN))
	return writeJSON(w, http.StatusCreated, l)
}

func (s *Server) getLRN(w http.ResponseWriter, r *http.Request) error {
	lrn, err := npac.ParseLRN(r.PathValue("lrn"))
	if err != nil {
		return err
	}
	l, err := s.Network.LRN(r.Context(), lrn)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, l)
}

func (s *Server) deleteLRN(w http.ResponseWriter, r *http.Request) error {
	lrn, err := npac.ParseLRN(r.PathValue("lrn"))
	if err != nil {
		return err
	}
	if err := s.Network.DeleteLRN(r.Context(), lrn); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
