package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/servertest"
)

// A backup taken while the server serves is a database another server can
// serve with the same master key: tokens issued before verify, client
// secrets log in, and what was created is there.
func TestBackupOfARunningServerServes(t *testing.T) {
	ctx := context.Background()
	srv := servertest.Start(t, servertest.Options{Backend: servertest.SQLite})
	admin := srv.Admin(t)
	ident, err := admin.CreateIdentity(ctx, api.IdentityInput{Name: "ci", Role: "member"})
	if err != nil {
		t.Fatal(err)
	}
	ua, err := admin.PutUniversalAuth(ctx, ident.ID, 0, api.UniversalAuthInput{})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := admin.CreateClientSecret(ctx, ident.ID, api.ClientSecretInput{Description: "ci"})
	if err != nil {
		t.Fatal(err)
	}
	login, err := srv.Client(t).Login(ctx, api.UniversalAuthLoginRequest{ClientID: ua.ClientID, ClientSecret: cs.ClientSecret})
	if err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(t.TempDir(), "copy.db")
	code, stdout, stderr := runCLI(t, ctx, "backup", "--database-url", srv.DatabaseURL, "--output", out)
	if code != 0 || !strings.Contains(stdout, "wrote a consistent copy") {
		t.Fatalf("backup: exit %d, %q %q", code, stdout, stderr)
	}
	if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v, %v; want it readable by its owner only", st, err)
	}
	code, _, stderr = runCLI(t, ctx, "backup", "--database-url", srv.DatabaseURL, "--output", out)
	if code != 1 || !strings.Contains(stderr, "already exists") {
		t.Errorf("backup over an existing file: exit %d, %q", code, stderr)
	}

	restored := servertest.Start(t, servertest.Options{DatabaseURL: out, MasterKey: srv.MasterKey})
	self, err := restored.Client(t, api.WithToken(login.AccessToken)).TokenSelf(ctx)
	if err != nil || self.IdentityID != ident.ID {
		t.Errorf("token issued before the backup, on the restored copy: %+v, %v", self, err)
	}
	again, err := restored.Client(t).Login(ctx, api.UniversalAuthLoginRequest{ClientID: ua.ClientID, ClientSecret: cs.ClientSecret})
	if err != nil {
		t.Fatalf("client secret on the restored copy: %v", err)
	}
	got, err := restored.Client(t, api.WithToken(again.AccessToken)).GetIdentity(ctx, ident.ID)
	if err != nil || got.Name != "ci" {
		t.Errorf("identity on the restored copy: %+v, %v", got, err)
	}
}

func TestBackupRefusesPostgreSQL(t *testing.T) {
	code, _, stderr := runCLI(t, context.Background(), "backup", "--database-url", "postgres://idplane@db.internal/idplane", "--output", filepath.Join(t.TempDir(), "x"))
	if code != 1 || !strings.Contains(stderr, "pg_dump") {
		t.Errorf("backup of PostgreSQL: exit %d, %q; want a pointer to pg_dump", code, stderr)
	}
	if code, _, stderr := runCLI(t, context.Background(), "backup"); code != 1 || !strings.Contains(stderr, "--output FILE is required") {
		t.Errorf("backup without --output: exit %d, %q", code, stderr)
	}
}
