package store_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/idplane/idplane/server/internal/store"
)

// Whatever the statement (an insert, a lookup, an update, raw SQL, the
// group commit's batch), text that is not UTF-8 or holds NUL is stored and
// looked up as valid text, never refused, on both databases; a sized
// column is cut on a character boundary.
func TestTextIsMadeValidForEveryStatement(t *testing.T) {
	eachDialect(t, migrated(t), func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		now := time.Now().UTC().Truncate(time.Second)
		org := store.Organization{ID: "o\xff", Name: "org\x00\xc3", CreatedAt: now}
		if err := st.DB.Create(&org).Error; err != nil {
			t.Fatalf("create: %v", err)
		}
		var got store.Organization
		if err := st.DB.Where("name = ?", "org\x00\xc3").Take(&got).Error; err != nil {
			t.Fatalf("look up by the same invalid text: %v", err)
		}
		if got.ID != "o\uFFFD" || got.Name != "org\uFFFD" {
			t.Errorf("stored %q %q, want %q %q", got.ID, got.Name, "o\uFFFD", "org\uFFFD")
		}
		if err := st.DB.Model(&store.Organization{}).Where("id = ?", "o\xff").Update("name", "renamed\xfe").Error; err != nil {
			t.Fatalf("update: %v", err)
		}
		if err := st.DB.Exec("UPDATE organizations SET name = ? WHERE id = ?", "raw\x00\xff", "o\xff").Error; err != nil {
			t.Fatalf("raw update: %v", err)
		}
		var name string
		if err := st.DB.Raw("SELECT name FROM organizations WHERE id = ?", "o\xff").Scan(&name).Error; err != nil || name != "raw\uFFFD" {
			t.Errorf("raw select: %q, %v; want %q", name, err, "raw\uFFFD")
		}
		if err := st.DB.Where("id = ?", "\xff\x00").Delete(&store.Organization{}).Error; err != nil {
			t.Errorf("delete: %v", err)
		}

		ua := "a" + strings.Repeat("é", 200) // 401 bytes: a cut at 256 halves an é
		gorm := store.AuditEvent{OrganizationID: "o", Time: now, ActorType: "anonymous", Action: "by-gorm", Outcome: "failure",
			UserAgent: ua, Reason: strings.Repeat("x", 5000) + "\xff", RequestID: "r\x00"}
		if err := st.DB.Create(&gorm).Error; err != nil {
			t.Fatalf("create audit event: %v", err)
		}
		g := store.NewGroupCommit(st, 1, 64, nil)
		err := g.Write(ctx, store.Writes{Events: []store.AuditEvent{{OrganizationID: "o", Time: now, ActorType: "anonymous",
			Action: "by-batch", Outcome: "failure", UserAgent: ua, TargetID: "id\xff\x00", Reason: "é\xc3"}}})
		g.Close()
		if err != nil {
			t.Fatalf("group commit: %v", err)
		}
		var events []store.AuditEvent
		st.DB.Order("action").Find(&events) // by-batch, by-gorm
		if len(events) != 2 {
			t.Fatalf("%d events, want 2", len(events))
		}
		want := "a" + strings.Repeat("é", 127)
		for _, e := range events {
			if e.UserAgent != want {
				t.Errorf("%s: user agent %q (%d bytes), want %d bytes cut before the halved é", e.Action, e.UserAgent, len(e.UserAgent), len(want))
			}
			for _, s := range []string{e.TargetID, e.Reason, e.RequestID} {
				if !utf8.ValidString(s) || strings.ContainsRune(s, 0) || len(s) > 1024 {
					t.Errorf("%s: stored %q", e.Action, s)
				}
			}
		}
		if e := events[0]; e.TargetID != "id\uFFFD" || e.Reason != "é\uFFFD" {
			t.Errorf("batch: target %q reason %q", e.TargetID, e.Reason)
		}
		if e := events[1]; len(e.Reason) != 1024 || e.RequestID != "r" {
			t.Errorf("gorm: reason of %d bytes, request ID %q; want 1024 and %q", len(e.Reason), e.RequestID, "r")
		}
	})
}
