package bench

import (
	"context"
	"path/filepath"
	"runtime"
)

// loadPhases starts the server straight on the pooler, signs every user in, and runs
// the mixed load, the profile and each page alone, filling res.
func loadPhases(ctx context.Context, cfg Config, env Env, name string, fx *Fixtures, res *Result) error {
	vars := map[string]string{"DATABASE_URL": env.PooledURL(name), "DATABASE_URL_UNPOOLED": env.DirectURL(name)}
	for k, v := range cfg.ServerEnv {
		vars[k] = v
	}
	srv, err := StartServer(ctx, cfg.Binary, filepath.Join(cfg.WorkDir, "serve.log"), vars)
	if err != nil {
		return err
	}
	defer srv.Stop()
	res.ServerConns = "DB_MAX_CONNS 8 (the default) in the server; "
	if v, ok := cfg.ServerEnv["DB_MAX_CONNS"]; ok {
		res.ServerConns = "DB_MAX_CONNS " + v + " in the server; "
	}
	if env.PoolerPID != nil && env.PoolerPID() > 0 {
		res.ServerConns += "internal/testenv's PgBouncer: transaction mode, default_pool_size 20, server_reset_query DISCARD ALL after every transaction"
	} else {
		res.ServerConns += "an existing PgBouncer (TEST_PGBOUNCER_URL)"
	}
	n := cfg.Concurrency
	cast := fx.Cast(srv.URL, n, cfg.Scale, fx.Open[:n*repliesEach], repliesEach)
	defer func() {
		for _, us := range cast {
			for _, u := range us {
				u.Close()
			}
		}
	}()
	if err := signInAll(ctx, cast); err != nil {
		return err
	}
	res.RSSSignInKB, _ = ProcStatus(srv.PID(), "VmHWM")
	cfg.Logf("%d users per role signed in", n)
	ph := &phaser{metrics: srv.MetricsURL, pid: srv.PID(), env: env, world: &fx.World, pgURL: env.DirectURL(name)}

	res.Shares = RoleShares(n)
	var workers []*Worker
	for _, role := range []Role{RoleSales, RoleAgent, RoleCustomer} {
		for i := range res.Shares[role] {
			workers = append(workers, MixWorker(cast[role][i], uint64(len(workers)+1)))
		}
	}
	if err := runMixed(ctx, cfg, ph, workers, res); err != nil {
		return err
	}
	if cfg.Profile > 0 {
		cfg.Logf("profile: perf on every processor during %s more of the mix", cfg.Profile)
		res.Profile = profileMix(ctx, cfg, ph, workers)
	}
	for _, pr := range res.Pages {
		if err := runSolo(ctx, cfg, ph, cast[pr.Page.Role], pr); err != nil {
			return err
		}
	}
	res.RSSPeakKB, _ = ProcStatus(srv.PID(), "VmHWM")
	return nil
}

// runMixed measures the mix of every role's pages.
func runMixed(ctx context.Context, cfg Config, ph *phaser, workers []*Worker, res *Result) error {
	cfg.Logf("mixed load: %d users (%d reps, %d agents, %d customers), %s warm-up, %s measured", len(workers),
		res.Shares[RoleSales], res.Shares[RoleAgent], res.Shares[RoleCustomer], cfg.Warmup, cfg.Duration)
	mixed, err := ph.measure(ctx, workers, cfg.Warmup, cfg.Duration)
	if err != nil {
		return err
	}
	res.CPU = mixed.cpu
	res.PG = mixed.pg
	res.MixedTotal = newTally()
	for _, pr := range res.Pages {
		pr.Mixed = mixed.tally(pr.Page.Name)
		pr.MixedRate = float64(pr.Mixed.Count()) / cfg.Duration.Seconds()
		pr.MixedSQL = Delta(mixed.before, mixed.after, pr.Page.Method, pr.Page.Route)
		res.MixedTotal.merge(pr.Mixed)
	}
	res.MixedRate = float64(res.MixedTotal.Count()) / cfg.Duration.Seconds()
	res.RSSMixedKB, _ = ProcStatus(ph.pid, "VmHWM")
	cfg.Logf("mixed load: %.0f requests/s, p99 %s, %d errors", res.MixedRate, res.MixedTotal.Percentile(99), res.MixedTotal.Errors)
	return nil
}

// runSolo measures one page alone, asked for by every user of its role. A measurement
// that other processes took more than a tenth of the machine from is made again, twice
// at most, and the least disturbed one is kept.
func runSolo(ctx context.Context, cfg Config, ph *phaser, users []*User, pr *PageResult) error {
	var solo []*Worker
	for i, u := range users {
		solo = append(solo, SoloWorker(u, pr.Page, uint64(1000+i)))
	}
	var best *phase
	for attempt := 0; attempt < retries && (best == nil || best.cpu.OtherShare(runtime.NumCPU()) > disturbed); attempt++ {
		r, err := ph.measure(ctx, solo, min(cfg.Warmup, soloWarmup), cfg.Solo)
		if err != nil {
			return err
		}
		if best == nil || r.cpu.OtherShare(runtime.NumCPU()) < best.cpu.OtherShare(runtime.NumCPU()) {
			best = &r
		}
	}
	pr.Solo = best.tally(pr.Page.Name)
	pr.SoloRate = float64(pr.Solo.Count()) / cfg.Solo.Seconds()
	pr.SoloSQL = Delta(best.before, best.after, pr.Page.Method, pr.Page.Route)
	pr.SoloOther = best.cpu.OtherShare(runtime.NumCPU())
	cfg.Logf("alone: %-8s %7.1f requests/s, p99 %s, %.2f statements/request, %d errors",
		pr.Page.Name, pr.SoloRate, pr.Solo.Percentile(99), pr.SoloSQL.PerRequest(), pr.Solo.Errors)
	return nil
}

// A short measurement that processes outside the run took more than disturbed of the
// machine from is made again, up to retries times in all.
const (
	disturbed = 0.10
	retries   = 3
)
