package testenv

import (
	"context"
	"errors"
	"os/exec"
	"syscall"
	"time"
)

// Fault tests stop and start the binary's own Postgres and PgBouncer. Both keep their
// ports, data and settings across a restart, so every URL handed out stays valid.
// These functions affect every test in the binary: call them only from tests that do
// not run in parallel with others.

// ErrNotOurs means the process was not started by Main (TEST_DATABASE_URL or
// TEST_PGBOUNCER_URL names an outside one), so it cannot be stopped or started.
var ErrNotOurs = errors.New("testenv: the process is not ours to control (TEST_DATABASE_URL or TEST_PGBOUNCER_URL is set)")

// startTimeout bounds a restart: the process starts and answers a query within it.
const startTimeout = time.Minute

// stopGrace is how long a stopped process has to exit before it is killed.
const stopGrace = 10 * time.Second

// StopPooler shuts PgBouncer down at once (SIGTERM: its immediate shutdown), dropping
// every client and server connection, and waits for it to exit. Stopping a stopped
// pooler does nothing.
func StopPooler() error {
	c, err := controlled(func(c *cluster) []string { return c.pbArgs })
	if err != nil {
		return err
	}
	defer c.mu.Unlock()
	terminate(c.pb, syscall.SIGTERM, stopGrace)
	return nil
}

// StartPooler starts PgBouncer again on its port and returns once a query runs through
// it (so Postgres must be up). Starting a running pooler does nothing.
func StartPooler() error {
	c, err := controlled(func(c *cluster) []string { return c.pbArgs })
	if err != nil {
		return err
	}
	defer c.mu.Unlock()
	if running(c.pb) {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	pb, err := c.launchPgBouncer(ctx)
	c.replace(c.pb, pb)
	if pb != nil {
		c.pb = pb
	}
	return err
}

// RestartPooler stops PgBouncer and starts it again.
func RestartPooler() error {
	if err := StopPooler(); err != nil {
		return err
	}
	return StartPooler()
}

// StopPostgres shuts the server down in fast mode (SIGINT: open transactions are
// rolled back, sessions are ended, committed work is checkpointed) and waits for it to
// exit. Stopping a stopped server does nothing.
func StopPostgres() error {
	c, err := controlled(func(c *cluster) []string { return c.pgArgs })
	if err != nil {
		return err
	}
	defer c.mu.Unlock()
	terminate(c.pg, syscall.SIGINT, stopGrace)
	return nil
}

// StartPostgres starts the server again on its port and data directory and returns once
// it answers a query. Starting a running server does nothing.
func StartPostgres() error {
	c, err := controlled(func(c *cluster) []string { return c.pgArgs })
	if err != nil {
		return err
	}
	defer c.mu.Unlock()
	if running(c.pg) {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	pg, err := c.launchPostgres(ctx)
	c.replace(c.pg, pg)
	if pg != nil {
		c.pg = pg
	}
	return err
}

// RestartPostgres stops the server (fast mode) and starts it again.
func RestartPostgres() error {
	if err := StopPostgres(); err != nil {
		return err
	}
	return StartPostgres()
}

// PoolerPID is the process id of the running PgBouncer, or 0 when it is stopped or not ours.
func PoolerPID() int { return pidOf(func(c *cluster) *exec.Cmd { return c.pb }) }

// PostgresPID is the process id of the running postmaster, or 0 when it is stopped or not ours.
func PostgresPID() int { return pidOf(func(c *cluster) *exec.Cmd { return c.pg }) }

// controlled returns the cluster locked, when the process that args starts is ours.
func controlled(args func(*cluster) []string) (*cluster, error) {
	c := env
	if c == nil {
		return nil, errors.New("testenv: call testenv.Main(m) from TestMain")
	}
	c.mu.Lock()
	if len(args(c)) == 0 {
		c.mu.Unlock()
		return nil, ErrNotOurs
	}
	return c, nil
}

func pidOf(which func(*cluster) *exec.Cmd) int {
	c := env
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := which(c); running(p) {
		return p.Process.Pid
	}
	return 0
}

// running reports whether p was started and has not been waited for.
func running(p *exec.Cmd) bool { return p != nil && p.Process != nil && p.ProcessState == nil }

// replace puts p where old was in the processes stop ends, or adds it.
func (c *cluster) replace(old, p *exec.Cmd) {
	if p == nil {
		return
	}
	for i, q := range c.procs {
		if q == old {
			c.procs[i] = p
			return
		}
	}
	c.procs = append(c.procs, p)
}
