// Package faults runs the fault scenarios of issue 5 on the real binary: kill -9 during
// writes, PgBouncer and Postgres restarts under load, SIGTERM under load, 5x overload
// of a small pool, and two replicas behind a reverse proxy. TestMain builds cmd/rapport
// once; each scenario starts it as a child process on a database of its own
// (internal/testenv), drives it over HTTP, and asserts on what the clients saw and on
// what the database holds. Each logs a one-line summary of its numbers.
//
// The scenarios take about a minute, so they run only with RAPPORT_FAULTS=1 (make
// faults); otherwise the package passes at once.
package faults
