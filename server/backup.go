package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/idplane/idplane/server/internal/app"
	"github.com/idplane/idplane/server/internal/store"
)

func backup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg app.Config
	var output string
	f := newFlagSet("backup", stderr)
	f.String(&cfg.DatabaseURL, "database-url", "idplane.db", "the SQLite database file to copy (PostgreSQL: use pg_dump)")
	f.String(&output, "output", "", "file to write the copy to; must not exist")
	if err := f.parse(args); err != nil {
		return err
	}
	if output == "" {
		return errors.New("--output FILE is required")
	}
	if store.DialectOf(cfg.DatabaseURL) == store.Postgres {
		return errors.New("backup copies the embedded SQLite database; for PostgreSQL use pg_dump " +
			"(pg_dump --format=custom --file=idplane.dump \"$IDPLANE_DATABASE_URL\", restored with pg_restore), see README.md")
	}
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Backup(ctx, output); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote a consistent copy of %s to %s; restore by serving it with the same master key\n", cfg.DatabaseURL, output)
	return nil
}
