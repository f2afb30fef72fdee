package main

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idplane/idplane/server/internal/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// bootstrap says on stderr which database and master key it wrote to, by
// absolute path, and that they are new: run in the wrong directory, it
// would otherwise create a database the running server never reads.
func TestBootstrapNamesItsSQLiteDatabase(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	t.Chdir(dir)
	code, out, errOut := runCLI(t, ctx, "bootstrap", "--organization", "acme", "--output", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	db, key := filepath.Join(dir, "idplane.db"), filepath.Join(dir, "idplane.key")
	want := `bootstrapped organization "acme" in SQLite database ` + db + " (new) with master key file " + key + " (new)\n"
	if errOut != want {
		t.Errorf("stderr = %q, want %q", errOut, want)
	}
	if !strings.HasPrefix(out, "{") {
		t.Errorf("stdout holds more than the JSON: %q", out)
	}
	code, _, errOut = runCLI(t, ctx, "bootstrap", "--organization", "globex", "--database-url", "sqlite:idplane.db")
	if code != 0 || !strings.Contains(errOut, "SQLite database "+db+" with master key file "+key+"\n") {
		t.Errorf("second tenant in the same files: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = runCLI(t, ctx, "bootstrap", "--organization", "acme")
	if code != 1 || !strings.Contains(errOut, `organization "acme" is already bootstrapped in SQLite database `+db+" with master key file "+key) {
		t.Errorf("refusal: exit %d, stderr %q", code, errOut)
	}
}

// A PostgreSQL database is named by database and host, never by user or
// password.
func TestBootstrapNamesItsPostgresDatabase(t *testing.T) {
	dsn := dbtest.Postgres(t, "bootstrap-empty", func(context.Context, string) error { return nil })
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	const password = "pw-Zx81!never-printed"
	u.User = url.UserPassword(u.User.Username(), password) // the test cluster trusts loopback: any password works
	code, _, errOut := runCLI(t, context.Background(), "bootstrap", "--organization", "acme", "--database-url", u.String(), "--master-key", strings.Repeat("k", 44))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := `bootstrapped organization "acme" in PostgreSQL database ` + strings.TrimPrefix(u.Path, "/") + " on " + u.Host + " with the master key from --master-key\n"
	if errOut != want {
		t.Errorf("stderr = %q, want %q", errOut, want)
	}
	if strings.Contains(errOut, password) || strings.Contains(errOut, u.User.Username()+"@") {
		t.Errorf("stderr names the user or the password: %q", errOut)
	}
	if _, err := os.Stat("idplane.key"); err == nil {
		t.Errorf("bootstrap with --master-key created idplane.key in the working directory")
	}
}
