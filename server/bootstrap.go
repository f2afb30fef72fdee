package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/idplane/idplane/server/internal/app"
	"github.com/idplane/idplane/server/internal/service"
	"github.com/idplane/idplane/server/internal/store"
)

func bootstrap(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var (
		cfg         app.Config
		org, output string
	)
	f := newFlagSet("bootstrap", stderr)
	databaseFlags(f, &cfg)
	f.String(&org, "organization", "default", "name of the organization to create")
	f.String(&output, "output", "text", "output format: json or text")
	if err := f.parse(args); err != nil {
		return err
	}
	if output != "json" && output != "text" {
		return fmt.Errorf("--output must be json or text, got %q", output)
	}
	where := describeDatabase(cfg)
	keys, err := app.MasterKeys(cfg)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := app.CheckSchema(ctx, st, true); err != nil {
		return err
	}
	res, err := service.Bootstrap(ctx, st, keys, org)
	if errors.Is(err, service.ErrAlreadyBootstrapped) {
		return fmt.Errorf("organization %q is already bootstrapped in %s; nothing was changed (use --organization to create another tenant)", org, where)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "bootstrapped organization %q in %s\n", org, where)
	if output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Fprintf(stdout, "Organization %q bootstrapped. Store the client secret now; it is not shown again.\n\n", org)
	fmt.Fprintf(stdout, "  organization ID: %s\n  identity ID:     %s\n  client ID:       %s\n  client secret:   %s\n",
		res.OrganizationID, res.IdentityID, res.ClientID, res.ClientSecret)
	return nil
}

// describeDatabase names the database and master key bootstrap works on,
// for stderr: a server started with other --database-url or
// --master-key-file values does not know the credentials bootstrap prints.
// PostgreSQL is named by host and database, never user or password; a
// SQLite file and a key file by their absolute paths, saying when they do
// not exist yet (bootstrap creates them).
func describeDatabase(cfg app.Config) string {
	var db string
	if store.DialectOf(cfg.DatabaseURL) == store.Postgres {
		db = "PostgreSQL database"
		if u, err := url.Parse(cfg.DatabaseURL); err == nil {
			db += " " + strings.TrimPrefix(u.Path, "/") + " on " + u.Host
		}
	} else {
		path, _, _ := strings.Cut(strings.TrimPrefix(cfg.DatabaseURL, "sqlite:"), "?")
		db = "SQLite database " + absNew(path)
	}
	if cfg.MasterKey != "" {
		return db + " with the master key from --master-key"
	}
	return db + " with master key file " + absNew(cfg.MasterKeyFile)
}

// absNew is path made absolute, with " (new)" when nothing exists there.
func absNew(path string) string {
	if abs, err := filepath.Abs(path); err == nil && path != ":memory:" && !strings.HasPrefix(path, "file:") {
		path = abs
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return path + " (new)"
	}
	return path
}
