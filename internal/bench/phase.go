package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// phaser measures phases of load on one running server.
type phaser struct {
	metrics string // the server's metrics listener
	pid     int    // the server's; 0 when none runs
	env     Env
	world   *World
	tree    bool   // count this process's children (pgbench) as the load generator
	pgURL   string // the measured database's direct URL, for Postgres's counters; "" reads none
}

// phase is one measured stretch of load.
type phase struct {
	tallies       map[string]*Tally
	before, after Snapshot
	cpu           CPUUse
	pg            PGWork
}

func (p phase) tally(page string) *Tally {
	if t := p.tallies[page]; t != nil {
		return t
	}
	return newTally()
}

// measure drives workers through a warm-up and d, and reads the server's /metrics and
// every party's CPU time at both ends of d.
func (ph *phaser) measure(ctx context.Context, workers []*Worker, warmup, d time.Duration) (phase, error) {
	w := NewWindow(warmup, d)
	done := make(chan map[string]*Tally, 1)
	go func() { done <- Drive(ctx, workers, w, ph.world) }()
	sleepUntil(ctx, w.From)
	before, errBefore := scrape(ctx, ph.metrics)
	cpu0 := ph.cpu()
	pg0 := readPGWork(ctx, ph.pgURL)
	sleepUntil(ctx, w.Until)
	after, errAfter := scrape(ctx, ph.metrics)
	cpu1 := ph.cpu()
	pg1 := readPGWork(ctx, ph.pgURL)
	r := phase{tallies: <-done, before: before, after: after, pg: pg1.sub(pg0)}
	if err := errors.Join(errBefore, errAfter, ctx.Err()); err != nil {
		return r, fmt.Errorf("measure: %w", err)
	}
	r.cpu = cpu1.sub(cpu0)
	return r, nil
}

// cpu reads every party's CPU time so far, and the time of the reading as Wall.
func (ph *phaser) cpu() CPUUse {
	pg, pb := 0, 0
	if ph.env.PostgresPID != nil {
		pg = ph.env.PostgresPID()
	}
	if ph.env.PoolerPID != nil {
		pb = ph.env.PoolerPID()
	}
	return CPUUse{
		Server: CPUTime(ph.pid, false), Postgres: CPUTime(pg, true), Pooler: CPUTime(pb, false),
		LoadGen: CPUTime(os.Getpid(), ph.tree), Machine: MachineCPU(), Wall: time.Duration(time.Now().UnixNano()),
	}
}

// signInAll signs every user in, a few at a time (each sign-in hashes a password).
func signInAll(ctx context.Context, cast map[Role][]*User) error {
	users := make(chan *User)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for u := range users {
				if err := u.MustSignIn(ctx); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		})
	}
	for _, us := range cast {
		for _, u := range us {
			users <- u
		}
	}
	close(users)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

// profileMix runs the mix again while perf samples the machine.
func profileMix(ctx context.Context, cfg Config, ph *phaser, workers []*Worker) Profile {
	bin, err := PerfBin()
	if err != nil {
		return Profile{Problem: err.Error()}
	}
	file := filepath.Join(cfg.WorkDir, "perf.data")
	perf, err := StartPerf(ctx, bin, file, cfg.Profile)
	if err != nil {
		return Profile{Problem: "perf record: " + err.Error()}
	}
	Drive(ctx, workers, NewWindow(0, cfg.Profile+time.Second), ph.world)
	if err := perf.Wait(); err != nil {
		return Profile{Problem: "perf record: " + err.Error()}
	}
	who := Parties{Server: ph.pid, LoadGen: os.Getpid()}
	if ph.env.PoolerPID != nil {
		who.Pooler = ph.env.PoolerPID()
	}
	if ph.env.PostgresPID != nil {
		if pg := ph.env.PostgresPID(); pg > 0 {
			who.Postgres = append([]int{pg}, Children(pg)...)
		}
	}
	p := ReadProfile(ctx, bin, file, who)
	p.Seconds = cfg.Profile.Seconds()
	return p
}
