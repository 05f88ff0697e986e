// Package jobs runs Rapport's background work on River (github.com/riverqueue/river), a
// maintained job queue kept in Postgres: scheduled clean-ups now, and reminders, SLA
// warnings, auto-close and mailbox polling as they arrive. One library for all of it, one
// client per process, every job registered in one place (internal/server/jobs.go, as
// routes.go is for routes), each job's code beside the capability it serves.
//
// River runs on the same pooled URL as every page, behind PgBouncer in transaction mode:
// the client is poll-only (no LISTEN), the pool speaks the simple protocol (River 0.31+
// adapts its JSON arguments to it), and the only locks River takes are transaction-scoped
// (pg_advisory_xact_lock), which a transaction pooler keeps correct. Periodic jobs are
// scheduled by the elected leader only (a row in river_leader), so with any number of
// replicas each runs once per period.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// Registry is every job a process knows: the workers (by kind) and the periodic
// schedules. internal/server/jobs.go builds it.
type Registry struct {
	Workers  *river.Workers
	Periodic []*river.PeriodicJob
}

// Options tune the runner; the zero value is production.
type Options struct {
	// Poll is how often a replica looks for available jobs (default 1s): poll-only mode
	// has no notifications, so a new job waits up to this long.
	Poll time.Duration
	// Concurrency is how many jobs one replica works at once (default 4).
	Concurrency int
	// ID names the client in River's tables and logs (default: River's own).
	ID string
}

// Runner is the process's River client.
type Runner struct {
	client *river.Client[pgx.Tx]
}

// New builds a runner on pool (the pooled URL's pool, simple protocol).
func New(pool *pgxpool.Pool, log *slog.Logger, reg Registry, opts Options) (*Runner, error) {
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	c, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		ID:                opts.ID,
		PollOnly:          true,
		FetchPollInterval: opts.Poll,
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: opts.Concurrency}},
		Workers:           reg.Workers,
		PeriodicJobs:      reg.Periodic,
		Logger:            log.With("component", "jobs"),
		// A job that runs past this is cancelled (and retried): none should come near it.
		JobTimeout: 5 * time.Minute,
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return &Runner{client: c}, nil
}

// Start begins working jobs until Stop.
func (r *Runner) Start(ctx context.Context) error {
	if err := r.client.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	return nil
}

// StartWhenReady starts the runner, retrying while the database cannot be reached (a
// replica that starts during an outage serves pages, which answer 503, and begins its
// jobs once Postgres is back). It returns at once; ctx ends the retries.
func (r *Runner) StartWhenReady(ctx context.Context, log *slog.Logger) {
	go func() {
		wait := time.Second
		for {
			err := r.Start(ctx)
			if err == nil || ctx.Err() != nil {
				return
			}
			log.Warn("jobs not started yet; retrying", "err", err, "in", wait.String())
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			wait = min(2*wait, 30*time.Second)
		}
	}()
}

// Stop lets running jobs finish (within ctx) and stops fetching new ones.
func (r *Runner) Stop(ctx context.Context) error {
	if err := r.client.Stop(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("jobs: stop: %w", err)
	}
	return nil
}

// Insert queues a job now (outside any transaction).
func (r *Runner) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	_, err := r.client.Insert(ctx, args, opts)
	return err
}

// InsertTx queues a job in tx: it exists only if tx commits (a job caused by a change is
// written with the change, like an outbox message).
func (r *Runner) InsertTx(ctx context.Context, tx pgx.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	_, err := r.client.InsertTx(ctx, tx, args, opts)
	return err
}

// Periodic makes a periodic job of args, run every interval (on the elected leader's
// clock), and once when a leader starts. id names the schedule (unique among periodic jobs).
func Periodic(id string, every time.Duration, args func() river.JobArgs) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every), func() (river.JobArgs, *river.InsertOpts) { return args(), nil },
		&river.PeriodicJobOpts{ID: id, RunOnStart: true})
}
