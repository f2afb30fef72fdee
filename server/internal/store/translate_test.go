package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/idplane/idplane/server/internal/store"
)

// A row naming a parent that is gone (deleted on another replica between
// a cached lookup and the write) is not found, never a server error.
func TestTranslateMissingParentIsNotFound(t *testing.T) {
	for dialect, st := range migrated(t) {
		t.Run(dialect, func(t *testing.T) {
			now := time.Now().UTC()
			err := st.DB.Create(&store.Environment{ID: "env", OrganizationID: "o", ProjectID: "deleted-project", Name: "prod", Slug: "prod",
				CreatedAt: now, UpdatedAt: now}).Error
			if err == nil {
				t.Fatal("an environment of a project that does not exist was written")
			}
			if got := store.Translate(err, "create environment"); !errors.Is(got, store.ErrNotFound) {
				t.Fatalf("Translate(%v) = %v, want ErrNotFound", err, got)
			}
		})
	}
}
