package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	npac "github.com/opennpac/npac"
)

// testWebSessions stores, reads, replaces and deletes the web UI's
// sessions: one, a user's but one, and the expired.
func testWebSessions(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	ctx := context.Background()
	users, err := w.S.Users(w.Admin)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, u := range users {
		ids[u.Name] = u.ID
	}
	at := Start.UTC()
	put := func(key, user string, created, seen time.Time) *npac.WebSession {
		t.Helper()
		ws := &npac.WebSession{Key: key, UserID: ids[user], UserName: user, Stamp: "s-" + key, CSRF: "c-" + key, Created: created, LastSeen: seen}
		if err := w.S.PutWebSession(ctx, ws); err != nil {
			t.Fatal(err)
		}
		return ws
	}
	exists := func(key string) bool {
		t.Helper()
		_, err := w.S.WebSession(ctx, key)
		if err != nil && npac.ErrorCode(err) != npac.ENOTFOUND {
			t.Fatal(err)
		}
		return err == nil
	}

	one := put("k1", "bravo-soa", at, at)
	got, err := w.S.WebSession(ctx, "k1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(one, got); diff != "" {
		t.Fatalf("session read back (-put +got):\n%s", diff)
	}
	one.Flash, one.LastSeen = "SV 1 created", at.Add(time.Minute)
	if err := w.S.PutWebSession(ctx, one); err != nil {
		t.Fatal(err)
	}
	if got, _ := w.S.WebSession(ctx, "k1"); got.Flash != "SV 1 created" || !got.LastSeen.Equal(at.Add(time.Minute)) {
		t.Fatalf("replaced session: %+v", got)
	}
	_, err = w.S.WebSession(ctx, "nope")
	WantCode(t, err, npac.ENOTFOUND)

	put("k2", "bravo-soa", at, at)
	put("k3", "alpha-soa", at, at)
	if err := w.S.DeleteUserWebSessions(ctx, ids["bravo-soa"], "k2"); err != nil {
		t.Fatal(err)
	}
	if exists("k1") || !exists("k2") || !exists("k3") {
		t.Fatalf("after ending bravo-soa's sessions but k2: k1 %v, k2 %v, k3 %v", exists("k1"), exists("k2"), exists("k3"))
	}
	if err := w.S.DeleteWebSession(ctx, "k2"); err != nil || exists("k2") {
		t.Fatalf("k2 not deleted (%v)", err)
	}
	if err := w.S.DeleteWebSession(ctx, "k2"); err != nil {
		t.Fatalf("deleting a session twice: %v", err)
	}

	put("idle", "alpha-soa", at, at.Add(-2*time.Hour))
	put("old", "alpha-soa", at.Add(-13*time.Hour), at)
	n, err := w.S.DeleteExpiredWebSessions(ctx, at.Add(-time.Hour), at.Add(-12*time.Hour))
	if err != nil || n != 2 || exists("idle") || exists("old") || !exists("k3") {
		t.Fatalf("expired sessions: deleted %d (%v); idle %v, old %v, k3 %v", n, err, exists("idle"), exists("old"), exists("k3"))
	}
}
