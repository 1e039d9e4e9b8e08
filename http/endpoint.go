package http

import (
	"net/http"
	"strconv"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/outbound"
)

// Endpoints: a provider's webhooks and email recipients of its
// notification stream.

// endpointWithSecret answers a create or a secret rotation: the secret is
// shown this once.
type endpointWithSecret struct {
	Endpoint *outbound.Endpoint `json:"endpoint"`
	Secret   string             `json:"secret,omitempty"`
}

// endpointBody is the body of an endpoint's creation.
type endpointBody struct {
	Kind   string            `json:"kind"`
	URL    string            `json:"url"`
	To     []string          `json:"to"`
	Kinds  []npac.NoticeKind `json:"kinds"`
	Secret string            `json:"secret"`
}

func (s *Server) listEndpoints(w http.ResponseWriter, r *http.Request) error {
	spid, err := npac.ParseSPID(r.PathValue("spid"))
	if err != nil {
		return err
	}
	list, err := s.Endpoints.Endpoints(r.Context(), spid)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": list})
}

func (s *Server) createEndpoint(w http.ResponseWriter, r *http.Request) error {
	spid, err := npac.ParseSPID(r.PathValue("spid"))
	if err != nil {
		return err
	}
	var b endpointBody
	if err := decodeBody(w, r, &b, true); err != nil {
		return err
	}
	ep := &outbound.Endpoint{SPID: spid, Kind: b.Kind, URL: b.URL, To: b.To, Kinds: b.Kinds, Secret: b.Secret}
	if err := s.Endpoints.CreateEndpoint(r.Context(), ep); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/endpoints/"+strconv.FormatInt(ep.ID, 10))
	return writeJSON(w, http.StatusCreated, endpointWithSecret{ep, ep.Secret})
}

func (s *Server) getEndpoint(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "endpoint")
	if err != nil {
		return err
	}
	ep, err := s.Endpoints.Endpoint(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ep)
}

func (s *Server) updateEndpoint(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "endpoint")
	if err != nil {
		return err
	}
	var upd outbound.EndpointUpdate
	if err := decodeBody(w, r, &upd, true); err != nil {
		return err
	}
	ep, err := s.Endpoints.UpdateEndpoint(r.Context(), id, upd)
	if err != nil {
		return err
	}
	out := endpointWithSecret{Endpoint: ep}
	if upd.RotateSecret {
		out.Secret = ep.Secret
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) deleteEndpoint(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "endpoint")
	if err != nil {
		return err
	}
	if err := s.Endpoints.DeleteEndpoint(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) replayEndpoint(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "endpoint")
	if err != nil {
		return err
	}
	var b struct {
		From int64 `json:"from"`
	}
	if err := decodeBody(w, r, &b, true); err != nil {
		return err
	}
	ep, err := s.Endpoints.ReplayEndpoint(r.Context(), id, b.From)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ep)
}
