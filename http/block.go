package http

import (
	"net/http"
	"slices"
	"strconv"

	npac "github.com/opennpac/npac"
)

// Number pool blocks: the pooling administrator (or a block holder's SOA
// its provider profile allows) schedules, changes and de-pools the
// 1,000-number blocks of NPA-NXX-Xs; everyone reads them.

// blockStatuses are the statuses a pool block takes.
var blockStatuses = []npac.Status{npac.StatusPending, npac.StatusSending, npac.StatusActive,
	npac.StatusPartialFailure, npac.StatusFailed, npac.StatusOld}

func (s *Server) listBlocks(w http.ResponseWriter, r *http.Request) error {
	var (
		f   npac.BlockFilter
		err error
		q   = r.URL.Query()
	)
	if code := q.Get("npa_nxx"); code != "" {
		if f.NPANXX, err = npac.ParseNPANXX(code); err != nil {
			return err
		}
	}
	if st := q.Get("status"); st != "" {
		f.Status = npac.Status(st)
		if !slices.Contains(blockStatuses, f.Status) {
			return npac.Errorf(npac.EINVALID, "status %q is not a pool block status: use one of %v.", st, blockStatuses)
		}
	}
	if old := q.Get("old"); old != "" {
		if f.Old, err = strconv.ParseBool(old); err != nil {
			return npac.Errorf(npac.EINVALID, "old %q is not true or false.", old)
		}
	}
	if f.SPID, f.After, f.Limit, err = queryIDPage(r); err != nil {
		return err
	}
	bs, err := s.Blocks.Blocks(r.Context(), f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pageOf(bs, f.Limit, func(b *npac.Block) string { return strconv.FormatInt(b.ID, 10) }))
}

// blockCreateBody is the body of a block creation: npac.BlockCreate with
// a request time.
type blockCreateBody struct {
	NPANXXX string    `json:"npa_nxx_x"`
	SPID    npac.SPID `json:"spid"`
	npac.BlockRouting
	// EffectiveDate defaults to now.
	EffectiveDate jsonTime `json:"effective_date"`
}

// pathBlock parses the NPA-NXX-X of a block route.
func pathBlock(r *http.Request) (npac.NPANXXX, error) {
	return npac.ParseNPANXXX(r.PathValue("npanxxx"))
}

func (s *Server) createBlock(w http.ResponseWriter, r *http.Request) error {
	var b blockCreateBody
	if err := decodeBody(w, r, &b, true); err != nil {
		return err
	}
	if b.NPANXXX == "" {
		return npac.Errorf(npac.EINVALID, "The request needs npa_nxx_x, the block's NPA-NXX-X (such as 613-555-1).")
	}
	x, err := npac.ParseNPANXXX(b.NPANXXX)
	if err != nil {
		return npac.Errorf(npac.EINVALID, "npa_nxx_x: %s", npac.ErrorMessage(err))
	}
	blk, err := s.Blocks.CreateBlock(r.Context(), &npac.BlockCreate{NPANXXX: x, SPID: b.SPID, BlockRouting: b.BlockRouting, EffectiveDate: b.EffectiveDate.Time})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/blocks/"+string(blk.NPANXXX))
	return writeJSON(w, http.StatusCreated, blk)
}

func (s *Server) getBlock(w http.ResponseWriter, r *http.Request) error {
	x, err := pathBlock(r)
	if err != nil {
		return err
	}
	b, err := s.Blocks.Block(r.Context(), x)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, b)
}

// blockModifyBody is the body of a block change: npac.BlockModify with a
// request time. Absent fields stay as they are.
type blockModifyBody struct {
	LRN             *npac.LRN            `json:"lrn"`
	CLASS           *npac.SignalingPoint `json:"class"`
	LIDB            *npac.SignalingPoint `json:"lidb"`
	CNAM            *npac.SignalingPoint `json:"cnam"`
	ISVM            *npac.SignalingPoint `json:"isvm"`
	WSMSC           *npac.SignalingPoint `json:"wsmsc"`
	SVType          *npac.SVType         `json:"sv_type"`
	AlternativeSPID *npac.SPID           `json:"alternative_spid"`
	EffectiveDate   *jsonTime            `json:"effective_date"`
}

func (s *Server) modifyBlock(w http.ResponseWriter, r *http.Request) error {
	x, err := pathBlock(r)
	if err != nil {
		return err
	}
	var b blockModifyBody
	if err := decodeBody(w, r, &b, true); err != nil {
		return err
	}
	blk, err := s.Blocks.ModifyBlock(r.Context(), x, npac.BlockModify{
		LRN: b.LRN, CLASS: b.CLASS, LIDB: b.LIDB, CNAM: b.CNAM, ISVM: b.ISVM, WSMSC: b.WSMSC,
		SVType: b.SVType, AlternativeSPID: b.AlternativeSPID, EffectiveDate: b.EffectiveDate.ptr(),
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, blk)
}

// deleteBlock de-pools a block. It answers the block, not 204: a block in
// effect goes sending and then old rather than vanishing.
func (s *Server) deleteBlock(w http.ResponseWriter, r *http.Request) error {
	x, err := pathBlock(r)
	if err != nil {
		return err
	}
	b, err := s.Blocks.DeleteBlock(r.Context(), x)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, b)
}

func (s *Server) resendBlock(w http.ResponseWriter, r *http.Request) error {
	x, err := pathBlock(r)
	if err != nil {
		return err
	}
	// No parameters; an empty object is accepted, anything in it refused.
	if err := decodeBody(w, r, &struct{}{}, false); err != nil {
		return err
	}
	b, err := s.Blocks.ResendBlock(r.Context(), x)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, b)
}
