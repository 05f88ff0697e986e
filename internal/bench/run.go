package bench

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// Config is one run's settings.
type Config struct {
	Binary      string // the rapport binary, built from this checkout
	Scale       int    // seed --scale N
	Concurrency int    // simulated users at once, and pgbench clients
	Samples     int    // captured requests per page (pgbench scripts)
	Warmup      time.Duration
	Duration    time.Duration // the mixed load, measured
	Solo        time.Duration // each page alone
	Floor       time.Duration // pgbench per page
	FloorAlso   int           // pgbench clients of a second SQL-alone measurement; 0: none
	Profile     time.Duration // perf during a second mixed load; 0 skips it
	Reseed      bool
	ServerEnv   map[string]string // extra environment of the measured server (GOMEMLIMIT=…, DB_MAX_CONNS=…)
	WorkDir     string            // logs, pgbench scripts, perf data
	Command     string            // how the run was started, for the report
	Revision    string            // the code measured
	Logf        func(format string, args ...any)
}

// soloWarmup is how long each page alone runs before it is measured.
const soloWarmup = 500 * time.Millisecond

// repliesEach is how many open tickets each agent of the load replies to, in turn.
const repliesEach = 10

// PageResult is everything measured about one page.
type PageResult struct {
	Page      *Page
	Mixed     *Tally
	MixedRate float64    // requests/s in the mixed load
	MixedSQL  RouteDelta // /metrics over the mixed load
	Captured  [][]string // the statements of each captured request
	Solo      *Tally
	SoloRate  float64
	SoloSQL   RouteDelta // /metrics over the page's solo run: only this page ran
	Floor     Floor
	FloorAlso Floor // with Config.FloorAlso clients
	// The share of the machine other processes used while the page ran alone, and
	// while its SQL ran alone.
	SoloOther, FloorOther float64
}

// CPUUse is the CPU time each party used over a phase, and the wall time.
type CPUUse struct {
	Server, Postgres, Pooler, LoadGen, Machine, Wall time.Duration
}

// Other is the CPU time the rest of the machine used: processes that are not this run's.
func (c CPUUse) Other() time.Duration {
	return max(0, c.Machine-c.Server-c.Postgres-c.Pooler-c.LoadGen)
}

// OtherShare is Other as a share of the machine's capacity over the phase, 0 to 1.
func (c CPUUse) OtherShare(cpus int) float64 {
	if c.Wall <= 0 || cpus <= 0 {
		return 0
	}
	return float64(c.Other()) / (float64(c.Wall) * float64(cpus))
}

// sub is c minus an earlier reading.
func (c CPUUse) sub(o CPUUse) CPUUse {
	return CPUUse{Server: c.Server - o.Server, Postgres: c.Postgres - o.Postgres, Pooler: c.Pooler - o.Pooler,
		LoadGen: c.LoadGen - o.LoadGen, Machine: c.Machine - o.Machine, Wall: c.Wall - o.Wall}
}

// Result is a whole run, what Report renders.
type Result struct {
	Config      Config
	Date        time.Time
	Machine     Machine
	Database    string // how the data came to be
	Shares      map[Role]int
	Pages       []*PageResult
	MixedTotal  *Tally
	MixedRate   float64
	CPU         CPUUse
	PG          PGWork // Postgres's counters during the measured mixed load
	RSSSignInKB int64  // VmHWM once every user has signed in, before the load
	RSSMixedKB  int64  // VmHWM after the mixed load
	RSSPeakKB   int64  // VmHWM at the end (after the solo runs, sign-in floods included)
	Profile     Profile
	FloorIssue  string // why there is no SQL-alone column
	ServerConns string // the pool sizes in play
	OwnPostgres bool   // internal/testenv's throwaway cluster, not TEST_DATABASE_URL's
}

// Run does the whole benchmark (see the package comment) on env.
func Run(ctx context.Context, cfg Config, env Env) (*Result, error) {
	res := &Result{Config: cfg, Date: time.Now(), OwnPostgres: env.PostgresPID != nil && env.PostgresPID() > 0}
	name := fmt.Sprintf("rapport_bench_s%d", cfg.Scale)
	var err error
	if res.Database, err = PrepareDatabase(ctx, cfg.Binary, env, name, cfg.Scale, cfg.Reseed, cfg.Logf); err != nil {
		return nil, err
	}
	cfg.Logf("%s", res.Database)
	fx, version, err := readDatabase(ctx, cfg, env.DirectURL(name))
	if err != nil {
		return nil, err
	}
	res.Machine = DescribeMachine(ctx, version)

	n := cfg.Concurrency
	captured, err := capturePages(ctx, cfg, env, name, fx, fx.Open[n*repliesEach:n*repliesEach+cfg.Samples])
	if err != nil {
		return nil, err
	}
	for _, p := range Pages {
		res.Pages = append(res.Pages, &PageResult{Page: p, Captured: captured[p.Name]})
	}
	if err := loadPhases(ctx, cfg, env, name, fx, res); err != nil {
		return nil, err
	}
	floors(ctx, cfg, env, name, res)
	return res, nil
}

// readDatabase reads the fixtures and the server's version.
func readDatabase(ctx context.Context, cfg Config, url string) (*Fixtures, string, error) {
	conn, err := connect(ctx, url)
	if err != nil {
		return nil, "", err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var version string
	if err := conn.QueryRow(ctx, "SELECT 'PostgreSQL ' || current_setting('server_version')").Scan(&version); err != nil {
		return nil, "", err
	}
	fx, err := LoadFixtures(ctx, conn, RepEmails(max(cfg.Concurrency, cfg.Samples), cfg.Scale),
		cfg.Concurrency*repliesEach+cfg.Samples)
	return fx, version, err
}

// floors replays each page's captured statements with pgbench through the pooler.
func floors(ctx context.Context, cfg Config, env Env, name string, res *Result) {
	bin, err := PgbenchBin()
	if err != nil {
		res.FloorIssue = err.Error()
		return
	}
	dir := filepath.Join(cfg.WorkDir, "pgbench")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		res.FloorIssue = err.Error()
		return
	}
	// pgbench is this process's child: its CPU counts as the load generator's.
	ph := &phaser{env: env, tree: true}
	run := PgbenchRun{Bin: bin, URL: env.PooledURL(name), Clients: cfg.Concurrency, Threads: runtime.NumCPU(), Duration: cfg.Floor}
	for _, pr := range res.Pages {
		scripts, err := WriteScripts(dir, pr.Page.Name, pr.Captured)
		if err != nil {
			pr.Floor.Problem = err.Error()
			continue
		}
		pr.Floor, pr.FloorOther = quietFloor(ctx, ph, run, scripts)
		cfg.Logf("SQL alone: %-8s %8.1f scripts/s %s", pr.Page.Name, pr.Floor.TPS, pr.Floor.Problem)
		if cfg.FloorAlso > 0 {
			also := run
			also.Clients = cfg.FloorAlso
			pr.FloorAlso = also.Run(ctx, scripts)
			cfg.Logf("SQL alone: %-8s %8.1f scripts/s with %d clients %s", pr.Page.Name, pr.FloorAlso.TPS, cfg.FloorAlso, pr.FloorAlso.Problem)
		}
	}
}

// quietFloor runs pgbench, again when other processes took more than disturbed of the
// machine (up to retries in all), and keeps the least disturbed run.
func quietFloor(ctx context.Context, ph *phaser, run PgbenchRun, scripts []string) (Floor, float64) {
	var best Floor
	bestOther := 2.0
	for attempt := 0; attempt < retries && bestOther > disturbed; attempt++ {
		before := ph.cpu()
		f := run.Run(ctx, scripts)
		if other := ph.cpu().sub(before).OtherShare(runtime.NumCPU()); other < bestOther {
			best, bestOther = f, other
		}
	}
	return best, bestOther
}

// withHost is url u with its host:port replaced.
func withHost(u, host string) (string, error) {
	p, err := url.Parse(u)
	if err != nil {
		return "", err
	}
	p.Host = host
	return p.String(), nil
}
