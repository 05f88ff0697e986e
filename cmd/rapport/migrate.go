package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"rapport/internal/config"
	"rapport/internal/db"
	"rapport/internal/jobs"
)

// migrateCmd runs goose over the direct URL. up first looks at the database: a
// seed-stack database is adopted (db.Adopt) before goose carries on, and one that is
// neither empty, nor Rapport's, nor the seed stack's is refused before anything runs.
// River's tables (internal/jobs) follow ours up; down and status are goose's.
func migrateCmd(ctx context.Context, cfg *config.Config, command string, args []string, stdout io.Writer) error {
	lock := !cfg.DirectURLFallback
	switch command {
	case "adopt":
		fs := flag.NewFlagSet("migrate adopt", flag.ContinueOnError)
		dry := fs.Bool("dry-run", false, "print the plan; change nothing")
		admin := fs.String("admin", "", "email of the user to make the first admin")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			return errors.New("usage: rapport migrate adopt [--dry-run] [--admin EMAIL]")
		}
		if _, err := db.Adopt(ctx, cfg.DirectURL, db.AdoptOptions{DryRun: *dry, Admin: *admin}, stdout); err != nil {
			return err
		}
		if *dry {
			return nil
		}
		return migrateUp(ctx, cfg.DirectURL, lock, stdout)
	case "up":
		if len(args) > 0 {
			return errors.New("usage: rapport migrate up")
		}
		kind, reasons, err := db.Inspect(ctx, cfg.DirectURL)
		if err != nil {
			return err
		}
		switch kind {
		case db.KindForeign:
			return fmt.Errorf("the database is neither empty, nor Rapport's, nor the seed stack's; nothing was changed:\n  - %s",
				strings.Join(reasons, "\n  - "))
		case db.KindSeed:
			fmt.Fprintln(stdout, "a seed-stack database: adopting it (rapport migrate adopt --dry-run shows the plan without changing anything)")
			if _, err := db.Adopt(ctx, cfg.DirectURL, db.AdoptOptions{}, stdout); err != nil {
				return err
			}
		}
		return migrateUp(ctx, cfg.DirectURL, lock, stdout)
	case "down", "status":
		if len(args) > 0 {
			return fmt.Errorf("usage: rapport migrate %s", command)
		}
		return db.Migrate(ctx, cfg.DirectURL, command, lock, stdout)
	}
	return fmt.Errorf("unknown migrate command %q: use up, down, status or adopt", command)
}

func migrateUp(ctx context.Context, directURL string, lock bool, stdout io.Writer) error {
	if err := db.Migrate(ctx, directURL, "up", lock, stdout); err != nil {
		return err
	}
	return jobs.Migrate(ctx, directURL, stdout)
}
