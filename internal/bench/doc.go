// Package bench is Rapport's load benchmark (make bench): the real binary, on a
// database seeded at scale, behind PgBouncer in transaction mode, driven by simulated
// sales reps, agents and customers, and measured against the floor of its own SQL.
//
// A run, from TestLoad (load_test.go, gated by RAPPORT_BENCH=1 so that go test ./...
// passes at once without it):
//
//  1. Seed: a database with the demo data and seed --scale N (internal/testenv starts
//     the throwaway Postgres and PgBouncer; an already seeded database is reused when
//     the server outlives the run, TEST_DATABASE_URL).
//  2. Capture: the binary runs once behind Capture, a proxy that records the SQL text it
//     sends, while each page is requested a few times in turn; each request's
//     statements become a pgbench script.
//  3. Mixed load: the binary runs straight on PgBouncer; one signed-in session per
//     simulated user drives the mix of pages (Mix) for the duration, measured from the
//     client (latency, errors) and from the server's /metrics (statements per request),
//     with the CPU each process used and the server's peak RSS.
//  4. Profile: the same mix again while perf samples the whole machine.
//  5. Solo: each page alone at the same concurrency, for its requests/s and its exact
//     statements per request.
//  6. Floor: pgbench replays each page's captured statements through the same PgBouncer
//     at the same concurrency; a page's solo requests/s over that rate is how close the
//     application comes to its SQL.
//
// The report (Report) is a markdown file under results/, named by date, scale and
// machine.
package bench
