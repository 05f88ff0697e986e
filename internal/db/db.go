// Package db is Rapport's only way to Postgres: a pgx pool configured once for a
// transaction-mode pooler (simple protocol, nothing session-level), bounded waits for a
// connection, transactions, and translation of driver errors into errors handlers can
// act on.
package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Options are the pool thresholds; zero values take the seeds' defaults.
type Options struct {
	// MaxConns is the per-instance pool size (default 8). The shared pool lives in PgBouncer.
	MaxConns int32
	// AcquireTimeout bounds the wait for a free connection (default 3s).
	AcquireTimeout time.Duration
	// Tracer, when set, observes every statement (statement counting in benchmarks).
	Tracer pgx.QueryTracer
}

// The seeds' thresholds: idle connections go after ~20 s, connecting gives up after ~10 s.
const (
	maxConnIdleTime = 20 * time.Second
	connectTimeout  = 10 * time.Second
)

// Querier is what store code runs statements on: the pool or a transaction.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// DB is the pooled database. Every statement uses the simple protocol, so it is safe
// behind PgBouncer in transaction mode: no server-side prepared statement ever exists.
type DB struct {
	Pool           *pgxpool.Pool
	acquireTimeout time.Duration
}

var _ Querier = (*DB)(nil)

// PoolConfig parses url and applies Rapport's pool rules. It is the one place where
// the query mode and thresholds are set.
func PoolConfig(url string, opts Options) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", redact(err))
	}
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	cfg.ConnConfig.StatementCacheCapacity = 0
	cfg.ConnConfig.DescriptionCacheCapacity = 0
	if cfg.ConnConfig.ConnectTimeout == 0 || cfg.ConnConfig.ConnectTimeout > connectTimeout {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	cfg.MaxConns = opts.MaxConns
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 8
	}
	cfg.MinConns = 0
	cfg.MaxConnIdleTime = maxConnIdleTime
	cfg.MaxConnLifetime = 30 * time.Minute
	cfg.HealthCheckPeriod = 10 * time.Second
	if opts.Tracer != nil {
		cfg.ConnConfig.Tracer = opts.Tracer
	}
	return cfg, nil
}

// Open connects the pool. It does not fail when the database is down: the pool
// connects lazily, and /readyz reports the state.
func Open(ctx context.Context, url string, opts Options) (*DB, error) {
	cfg, err := PoolConfig(url, opts)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", redact(err))
	}
	at := opts.AcquireTimeout
	if at <= 0 {
		at = 3 * time.Second
	}
	return &DB{Pool: pool, acquireTimeout: at}, nil
}

// Close waits for connections in use and closes the pool.
func (db *DB) Close() { db.Pool.Close() }

// Ping checks that a statement can run now.
func (db *DB) Ping(ctx context.Context) error {
	_, err := db.Exec(ctx, "SELECT 1")
	return err
}

// acquire waits at most acquireTimeout for a connection, then fails with ErrBusy.
func (db *DB) acquire(ctx context.Context) (*pgxpool.Conn, error) {
	actx, cancel := context.WithTimeout(ctx, db.acquireTimeout)
	defer cancel()
	c, err := db.Pool.Acquire(actx)
	if err != nil {
		if ctx.Err() == nil && actx.Err() != nil {
			return nil, fmt.Errorf("%w: no connection within %s", ErrBusy, db.acquireTimeout)
		}
		return nil, Translate(err)
	}
	return c, nil
}

// Exec runs a statement that returns no rows.
func (db *DB) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	c, err := db.acquire(ctx)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	defer c.Release()
	return c.Exec(ctx, sql, args...)
}

// Query runs a statement; the connection returns to the pool when the rows are closed.
func (db *DB) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	c, err := db.acquire(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := c.Query(ctx, sql, args...)
	if err != nil {
		c.Release()
		return nil, err
	}
	return &pooledRows{Rows: rows, conn: c}, nil
}

// QueryRow runs a statement expected to return at most one row.
func (db *DB) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return errRow{err}
	}
	return rowFromRows{rows}
}

// InTx runs fn in a transaction: committed when fn returns nil, rolled back otherwise
// (and on panic). Use SET LOCAL inside fn for per-transaction settings; never SET.
func (db *DB) InTx(ctx context.Context, fn func(tx pgx.Tx) error) (err error) {
	c, err := db.acquire(ctx)
	if err != nil {
		return err
	}
	defer c.Release()
	tx, err := c.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Stats is a snapshot of the pool for /metrics.
func (db *DB) Stats() *pgxpool.Stat { return db.Pool.Stat() }

type pooledRows struct {
	pgx.Rows
	conn *pgxpool.Conn
}

func (r *pooledRows) Close() {
	r.Rows.Close()
	if r.conn != nil {
		r.conn.Release()
		r.conn = nil
	}
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

type rowFromRows struct{ rows pgx.Rows }

func (r rowFromRows) Scan(dest ...any) error {
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}

// redact keeps a connection string's password out of an error message.
func redact(err error) error {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		return errors.New("invalid connection string")
	}
	return err
}
