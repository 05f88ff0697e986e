package db

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"rapport/migrations"
)

// Migrate runs goose ("up", "down" or "status") over the DIRECT url. goose's session
// advisory lock needs a real session; when only a pooled url is available (sessionLock
// false) it runs without the lock and the caller must ensure a single migrator.
func Migrate(ctx context.Context, directURL, command string, sessionLock bool, out io.Writer) error {
	cc, err := pgx.ParseConfig(directURL)
	if err != nil {
		return fmt.Errorf("parse direct url: %w", redact(err))
	}
	cc.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	sqlDB := stdlib.OpenDB(*cc)
	defer sqlDB.Close()
	return migrateDB(ctx, sqlDB, command, sessionLock, out)
}

func migrateDB(ctx context.Context, sqlDB *sql.DB, command string, sessionLock bool, out io.Writer) error {
	opts := []goose.ProviderOption{goose.WithLogger(goose.NopLogger())}
	if sessionLock {
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.FS, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	switch command {
	case "up":
		res, err := p.Up(ctx)
		for _, r := range res {
			fmt.Fprintf(out, "applied %s (%s)\n", r.Source.Path, r.Duration.Round(1e6))
		}
		if err != nil {
			return err
		}
		if len(res) == 0 {
			fmt.Fprintln(out, "schema is up to date")
		}
	case "down":
		r, err := p.Down(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "rolled back %s\n", r.Source.Path)
	case "status":
		st, err := p.Status(ctx)
		if err != nil {
			return err
		}
		for _, s := range st {
			at := "pending"
			if s.State == goose.StateApplied {
				at = "applied " + s.AppliedAt.Format("2006-01-02 15:04:05")
			}
			fmt.Fprintf(out, "%-28s %s\n", s.Source.Path, at)
		}
	default:
		return fmt.Errorf("unknown migrate command %q: use up, down or status", command)
	}
	slog.Debug("migrate", "command", command)
	return nil
}
