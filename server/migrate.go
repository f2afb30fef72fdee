package main

import (
	"context"
	"fmt"
	"io"

	"github.com/idplane/idplane/server/internal/app"
	"github.com/idplane/idplane/server/internal/store"
)

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg app.Config
	f := newFlagSet("migrate", stderr)
	f.String(&cfg.DatabaseURL, "database-url", "idplane.db", "postgres://... for PostgreSQL, else a SQLite file path")
	if err := f.parse(args); err != nil {
		return err
	}
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	applied, err := st.Migrate(ctx)
	if err != nil {
		return err
	}
	v, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintf(stdout, "schema is up to date at version %d\n", v)
		return nil
	}
	fmt.Fprintf(stdout, "applied migrations %v; schema is at version %d\n", applied, v)
	return nil
}
