package jobs

import (
	"context"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// migrateLock serialises River's migrations between concurrent migrators (two replicas
// starting at once): a session advisory lock, held on its own connection of the DIRECT
// url while the migrations run. The key is arbitrary and only ours.
const migrateLock = 0x7261707269766572

// Migrate brings River's own tables (river_job, river_leader, river_queue, …) to the
// version this binary's River needs, over the DIRECT url. River owns its schema and its
// versions (rivermigrate), each version in its own transaction (some add an enum value
// and then use it, which one transaction cannot do); ours stay in goose (migrations/).
func Migrate(ctx context.Context, directURL string, out io.Writer) error {
	cfg, err := pgxpool.ParseConfig(directURL)
	if err != nil {
		return fmt.Errorf("jobs: parse direct url: %w", err)
	}
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	cfg.MaxConns = 2
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("jobs: connect: %w", err)
	}
	defer pool.Close()
	lock, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("jobs: connect: %w", err)
	}
	defer lock.Release()
	if _, err := lock.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrateLock)); err != nil {
		return fmt.Errorf("jobs: migrate lock: %w", err)
	}
	defer func() {
		_, _ = lock.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(migrateLock))
	}()

	m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	for _, v := range res.Versions {
		fmt.Fprintf(out, "applied river %03d %s\n", v.Version, v.Name)
	}
	return nil
}
