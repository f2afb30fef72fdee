package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

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
		return fmt.Errorf("organization %q is already bootstrapped; nothing was changed (use --organization to create another tenant)", org)
	}
	if err != nil {
		return err
	}
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
