package lsms

import (
	"encoding/json"
	"fmt"
	"net/http"

	npac "github.com/opennpac/npac"
)

// MaxBatch is the most TNs one batch dip may name.
const MaxBatch = 1000

// Answer is the HTTP dip answer for one TN.
type Answer struct {
	TN npac.TN `json:"tn"`
	*npac.Route
	Error *Problem `json:"error,omitempty"`
}

// Problem is an RFC 9457 problem document.
type Problem struct {
	Status int    `json:"status,omitempty"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

// DipHandler answers LNP dips over HTTP from r:
//
//	GET  /lnp/v1/{tn}   one TN
//	POST /lnp/v1        {"tns": [...]}, up to MaxBatch TNs
//	GET  /healthz, /readyz (ready once a sync completed), /status
func DipHandler(a *Agent) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /lnp/v1/{tn}", func(w http.ResponseWriter, r *http.Request) {
		ans := dip(a, r.PathValue("tn"))
		if ans.Error != nil {
			writeProblem(w, ans.Error)
			return
		}
		writeJSON(w, http.StatusOK, ans)
	})
	mux.HandleFunc("POST /lnp/v1", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			TNs []string `json:"tns"`
		}
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&body); err != nil {
			writeProblem(w, &Problem{Status: http.StatusBadRequest, Code: npac.EINVALID, Detail: "The body is {\"tns\": [\"6135550100\", …]}: " + err.Error()})
			return
		}
		if len(body.TNs) == 0 || len(body.TNs) > MaxBatch {
			writeProblem(w, &Problem{Status: http.StatusBadRequest, Code: npac.EINVALID, Detail: fmt.Sprintf("A batch dip names 1 to %d TNs; this one names %d.", MaxBatch, len(body.TNs))})
			return
		}
		out := make([]Answer, len(body.TNs))
		for i, s := range body.TNs {
			out[i] = dip(a, s)
		}
		writeJSON(w, http.StatusOK, map[string]any{"results": out})
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !a.Ready() {
			writeProblem(w, &Problem{Status: http.StatusServiceUnavailable, Code: npac.EUNAVAILABLE, Detail: "The LSMS has not completed its first sync with the NPAC."})
			return
		}
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		st := map[string]any{"spid": a.SPID, "synced": a.Ready(), "applied_seq": a.Applied()}
		if ix := a.Index(); ix != nil {
			st["ported_tns"], st["routes"], st["index_bytes"] = ix.Len(), ix.Values(), ix.Bytes()
		}
		writeJSON(w, http.StatusOK, st)
	})
	return mux
}

// dip resolves one TN given as text.
func dip(r npac.Resolver, s string) Answer {
	tn, err := npac.ParseTN(s)
	if err != nil {
		return Answer{TN: npac.TN(s), Error: &Problem{Status: http.StatusBadRequest, Code: npac.EINVALID, Detail: npac.ErrorMessage(err)}}
	}
	route, ok := r.Resolve(tn)
	if !ok {
		return Answer{TN: tn, Error: &Problem{Status: http.StatusNotFound, Code: npac.ENOTFOUND, Detail: fmt.Sprintf("NPA-NXX %s is not known to this LSMS.", tn.NPANXX())}}
	}
	return Answer{TN: tn, Route: route}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeProblem(w http.ResponseWriter, p *Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}
