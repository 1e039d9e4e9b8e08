package http_test

import (
	"fmt"
	"net/http"
	"testing"

	npac "github.com/opennpac/npac"
)

// TestListTokens lists a user's tokens: its own, or anyone's for NPAC
// personnel, never with secrets.
func TestListTokens(t *testing.T) {
	e := newEnv(t)
	newTok, oldTok := e.fixture()
	var me struct {
		User npac.User `json:"user"`
	}
	e.do("GET", "/api/v1/me", newTok, nil).ok(t, http.StatusOK, &me)
	var made npac.Token
	e.do("POST", fmt.Sprintf("/api/v1/users/%d/tokens", me.User.ID), newTok, map[string]any{"name": "laptop", "ttl_seconds": 3600}).ok(t, http.StatusCreated, &made)
	var list struct {
		Items []map[string]any `json:"items"`
	}
	path := fmt.Sprintf("/api/v1/users/%d/tokens", me.User.ID)
	for _, tok := range []string{newTok, e.admin} {
		e.do("GET", path, tok, nil).ok(t, http.StatusOK, &list)
		if len(list.Items) != 2 || list.Items[1]["name"] != "laptop" || list.Items[1]["expires_at"] == nil || list.Items[0]["last_used_at"] == nil {
			t.Errorf("tokens: %v", list.Items)
		}
		for _, it := range list.Items {
			if _, ok := it["secret"]; ok {
				t.Errorf("a listed token carries its secret: %v", it)
			}
		}
	}
	e.do("GET", path, oldTok, nil).wantProblem(t, http.StatusForbidden, npac.EFORBIDDEN)
	e.do("GET", "/api/v1/users/424242/tokens", e.admin, nil).wantProblem(t, http.StatusNotFound, npac.ENOTFOUND)
}
