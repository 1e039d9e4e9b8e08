package http

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"

	npac "github.com/opennpac/npac"
)

// svCreateParams is a create's parameters, shared by one TN's create and a
// range create.
type svCreateParams struct {
	NewSPID npac.SPID `json:"new_spid"`
	OldSPID npac.SPID `json:"old_spid"`
	As      npac.Side `json:"as"`
	npac.RoutingData
	DueDate        jsonTime       `json:"due_date"`
	TimerType      npac.TimerType `json:"timer_type"`
	PortToOriginal bool           `json:"port_to_original"`
	Authorization  *bool          `json:"authorization"`
	CauseCode      int            `json:"cause_code"`
}

// create returns the npac form of the parameters for a TN.
func (p *svCreateParams) create(tn npac.TN, idempotencyKey string) npac.SVCreate {
	return npac.SVCreate{
		TN: tn, NewSPID: p.NewSPID, OldSPID: p.OldSPID, As: p.As, RoutingData: p.RoutingData,
		DueDate: p.DueDate.Time, TimerType: p.TimerType, PortToOriginal: p.PortToOriginal,
		Authorization: p.Authorization, CauseCode: p.CauseCode, IdempotencyKey: idempotencyKey,
	}
}

// svCreateBody is the body of one TN's create.
type svCreateBody struct {
	TN string `json:"tn"`
	svCreateParams
}

// parseBodyTN validates a TN given in a body field.
func parseBodyTN(field, s string) (npac.TN, error) {
	if s == "" {
		return "", npac.Errorf(npac.EINVALID, "The request needs %s, the telephone number.", field)
	}
	tn, err := npac.ParseTN(s)
	if err != nil {
		return "", npac.Errorf(npac.EINVALID, "%s: %s", field, npac.ErrorMessage(err))
	}
	return tn, nil
}

// createSV records one side's create. It answers 201 when the create
// started a port and 200 when it concurred with the SV the other side
// created; Location names the SV either way.
func (s *Server) createSV(w http.ResponseWriter, r *http.Request) error {
	var b svCreateBody
	if err := decodeBody(w, r, &b, true); err != nil {
		return err
	}
	tn, err := parseBodyTN("tn", b.TN)
	if err != nil {
		return err
	}
	sv, err := s.SVs.CreateSV(r.Context(), b.create(tn, r.Header.Get("Idempotency-Key")))
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if sv.Concurred() && sv.OldSPID != sv.NewSPID {
		// Both sides' creates are in: this one was the second.
		status = http.StatusOK
	}
	w.Header().Set("Location", "/api/v1/svs/"+strconv.FormatInt(sv.ID, 10))
	return writeJSON(w, status, sv)
}

func (s *Server) listSVs(w http.ResponseWriter, r *http.Request) error {
	var (
		f   npac.SVFilter
		err error
		q   = r.URL.Query()
	)
	if tn := q.Get("tn"); tn != "" {
		if f.TN, err = npac.ParseTN(tn); err != nil {
			return err
		}
	}
	if st := q.Get("status"); st != "" {
		f.Status = npac.Status(st)
		if !slices.Contains(npac.Statuses, f.Status) {
			return npac.Errorf(npac.EINVALID, "status %q is unknown: use one of %v.", st, npac.Statuses)
		}
	}
	if f.SPID, f.AfterID, f.Limit, err = queryIDPage(r); err != nil {
		return err
	}
	svs, err := s.SVs.SVs(r.Context(), f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pageOf(svs, f.Limit, func(sv *npac.SV) string { return strconv.FormatInt(sv.ID, 10) }))
}

func (s *Server) getSV(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "subscription version")
	if err != nil {
		return err
	}
	sv, err := s.SVs.SV(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sv)
}

// actionParams is the body of an action on an SV.
type actionParams interface {
	action(npac.ActionKind) npac.Action
}

// sideParams is the body of the actions without parameters: only the side
// the caller speaks for, when it may act for both.
type sideParams struct {
	As npac.Side `json:"as"`
}

func (p *sideParams) action(k npac.ActionKind) npac.Action { return npac.Action{Kind: k, As: p.As} }

// conflictParams is the body of a conflict.
type conflictParams struct {
	As        npac.Side `json:"as"`
	CauseCode int       `json:"cause_code"`
}

func (p *conflictParams) action(k npac.ActionKind) npac.Action {
	return npac.Action{Kind: k, As: p.As, CauseCode: p.CauseCode}
}

// disconnectParams is the body of a disconnect.
type disconnectParams struct {
	As                     npac.Side `json:"as"`
	CustomerDisconnectDate *jsonTime `json:"customer_disconnect_date"`
	EffectiveReleaseDate   *jsonTime `json:"effective_release_date"`
}

func (p *disconnectParams) action(k npac.ActionKind) npac.Action {
	return npac.Action{Kind: k, As: p.As,
		CustomerDisconnectDate: p.CustomerDisconnectDate.ptr(), EffectiveReleaseDate: p.EffectiveReleaseDate.ptr()}
}

// modifyParams is the body of a modify: npac.SVModify with request times,
// and the side.
type modifyParams struct {
	As                     npac.Side            `json:"as"`
	LRN                    *npac.LRN            `json:"lrn"`
	CLASS                  *npac.SignalingPoint `json:"class"`
	LIDB                   *npac.SignalingPoint `json:"lidb"`
	CNAM                   *npac.SignalingPoint `json:"cnam"`
	ISVM                   *npac.SignalingPoint `json:"isvm"`
	WSMSC                  *npac.SignalingPoint `json:"wsmsc"`
	BillingID              *string              `json:"billing_id"`
	EndUserLocationValue   *string              `json:"end_user_location_value"`
	EndUserLocationType    *string              `json:"end_user_location_type"`
	SVType                 *npac.SVType         `json:"sv_type"`
	AlternativeSPID        *npac.SPID           `json:"alternative_spid"`
	VoiceURI               *string              `json:"voice_uri"`
	MMSURI                 *string              `json:"mms_uri"`
	SMSURI                 *string              `json:"sms_uri"`
	DueDate                *jsonTime            `json:"due_date"`
	CustomerDisconnectDate *jsonTime            `json:"customer_disconnect_date"`
	EffectiveReleaseDate   *jsonTime            `json:"effective_release_date"`
}

func (p *modifyParams) action(k npac.ActionKind) npac.Action {
	return npac.Action{Kind: k, As: p.As, Modify: &npac.SVModify{
		LRN: p.LRN, CLASS: p.CLASS, LIDB: p.LIDB, CNAM: p.CNAM, ISVM: p.ISVM, WSMSC: p.WSMSC,
		BillingID: p.BillingID, EndUserLocationValue: p.EndUserLocationValue, EndUserLocationType: p.EndUserLocationType,
		SVType: p.SVType, AlternativeSPID: p.AlternativeSPID, VoiceURI: p.VoiceURI, MMSURI: p.MMSURI, SMSURI: p.SMSURI,
		DueDate: p.DueDate.ptr(), CustomerDisconnectDate: p.CustomerDisconnectDate.ptr(), EffectiveReleaseDate: p.EffectiveReleaseDate.ptr(),
	}}
}

// paramsOf returns an empty body of an action, and whether the action needs
// one: a modify names what to change and a conflict its cause code.
func paramsOf(k npac.ActionKind) (actionParams, bool) {
	switch k {
	case npac.ActModify:
		return &modifyParams{}, true
	case npac.ActConflict:
		return &conflictParams{}, true
	case npac.ActDisconnect:
		return &disconnectParams{}, false
	}
	return &sideParams{}, false
}

// act returns the handler of an action on one SV.
func act(k npac.ActionKind) handlerFunc {
	return func(s *Server, w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "subscription version")
		if err != nil {
			return err
		}
		p, required := paramsOf(k)
		if err := decodeBody(w, r, p, required); err != nil {
			return err
		}
		sv, err := s.SVs.Act(r.Context(), id, p.action(k))
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, sv)
	}
}

// tnSet is the TN part of a range request: a list, or the first and last
// TN of a span within one NPA-NXX.
type tnSet struct {
	TNs     []string `json:"tns"`
	StartTN string   `json:"start_tn"`
	EndTN   string   `json:"end_tn"`
}

// list validates the TN set and returns its TNs. The first bad TN fails
// the whole request.
func (t *tnSet) list() ([]npac.TN, error) {
	span := t.StartTN != "" || t.EndTN != ""
	switch {
	case t.TNs != nil && span:
		return nil, npac.Errorf(npac.EINVALID, "Name the TNs either as tns or as start_tn and end_tn, not both.")
	case t.TNs != nil:
		if len(t.TNs) == 0 {
			return nil, npac.Errorf(npac.EINVALID, "tns is empty: a range request names at least one TN.")
		}
		if len(t.TNs) > npac.MaxRange {
			return nil, npac.Errorf(npac.ETOOLARGE, "A range request names at most %d TNs; this one names %d. Split it.", npac.MaxRange, len(t.TNs))
		}
		out := make([]npac.TN, len(t.TNs))
		for i, s := range t.TNs {
			var err error
			if out[i], err = parseBodyTN(fmt.Sprintf("tns[%d]", i), s); err != nil {
				return nil, err
			}
		}
		return out, nil
	case !span:
		return nil, npac.Errorf(npac.EINVALID, "A range request names its TNs: give tns, or start_tn and end_tn.")
	}
	start, err := parseBodyTN("start_tn", t.StartTN)
	if err != nil {
		return nil, err
	}
	end, err := parseBodyTN("end_tn", t.EndTN)
	if err != nil {
		return nil, err
	}
	return npac.TNSpan(start, end)
}

// rangeResult is the outcome for one TN of a range request: the SV, or the
// problem that TN met.
type rangeResult struct {
	TN    npac.TN  `json:"tn"`
	SV    *npac.SV `json:"sv,omitempty"`
	Error *problem `json:"error,omitempty"`
}

// rangeResponse answers a range request.
type rangeResponse struct {
	Results   []rangeResult `json:"results"`
	Succeeded int           `json:"succeeded"`
	Failed    int           `json:"failed"`
}

func writeRange(w http.ResponseWriter, results []npac.RangeResult) error {
	out := rangeResponse{Results: make([]rangeResult, len(results))}
	for i, res := range results {
		out.Results[i] = rangeResult{TN: res.TN, SV: res.SV}
		if res.Error != nil {
			p := problemOf(res.Error)
			out.Results[i].Error = &p
			out.Failed++
		} else {
			out.Succeeded++
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

// createRange creates SVs for a set of TNs with the same parameters.
func (s *Server) createRange(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		tnSet
		svCreateParams
	}
	if err := decodeBody(w, r, &b, true); err != nil {
		return err
	}
	tns, err := b.list()
	if err != nil {
		return err
	}
	results, err := s.SVs.CreateRange(r.Context(), b.create("", r.Header.Get("Idempotency-Key")), tns)
	if err != nil {
		return err
	}
	return writeRange(w, results)
}

// rangeParams is the body of an action on a range: the TN set and the
// action's parameters.
type rangeParams interface {
	actionParams
	list() ([]npac.TN, error)
}

// rangeParamsOf returns an empty range body of an action.
func rangeParamsOf(k npac.ActionKind) rangeParams {
	switch k {
	case npac.ActModify:
		return &struct {
			tnSet
			modifyParams
		}{}
	case npac.ActConflict:
		return &struct {
			tnSet
			conflictParams
		}{}
	case npac.ActDisconnect:
		return &struct {
			tnSet
			disconnectParams
		}{}
	}
	return &struct {
		tnSet
		sideParams
	}{}
}

// actRange returns the handler of an action on a range of TNs.
func actRange(k npac.ActionKind) handlerFunc {
	return func(s *Server, w http.ResponseWriter, r *http.Request) error {
		p := rangeParamsOf(k)
		if err := decodeBody(w, r, p, true); err != nil {
			return err
		}
		tns, err := p.list()
		if err != nil {
			return err
		}
		results, err := s.SVs.ActRange(r.Context(), tns, p.action(k))
		if err != nil {
			return err
		}
		return writeRange(w, results)
	}
}
