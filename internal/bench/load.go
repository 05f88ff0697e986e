package bench

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// Worker is one user in a closed loop: it asks, waits for the whole answer, asks again.
type Worker struct {
	User *User
	next func(*rand.Rand) *Page
	rng  *rand.Rand
}

// MixWorker asks for pages of its user's role mix at random; seed makes the sequence
// repeatable.
func MixWorker(u *User, seed uint64) *Worker {
	return &Worker{User: u, next: chooser(u.Role), rng: rand.New(rand.NewPCG(seed, 0x7261707))}
}

// SoloWorker asks for p only.
func SoloWorker(u *User, p *Page, seed uint64) *Worker {
	return &Worker{User: u, next: func(*rand.Rand) *Page { return p }, rng: rand.New(rand.NewPCG(seed, 0x736f6c6f))}
}

// Window is when a drive records: requests that start from From until Until count; the
// ones before From warm up the server and are dropped.
type Window struct {
	From, Until time.Time
}

// NewWindow starts recording after warmup and records for d.
func NewWindow(warmup, d time.Duration) Window {
	from := time.Now().Add(warmup)
	return Window{From: from, Until: from.Add(d)}
}

// Drive runs every worker in its own goroutine until w.Until (or ctx ends) and returns
// each page's tally of the requests that started inside the window.
func Drive(ctx context.Context, workers []*Worker, w Window, world *World) map[string]*Tally {
	ctx, cancel := context.WithDeadline(ctx, w.Until.Add(requestTimeout))
	defer cancel()
	var (
		mu  sync.Mutex
		all = map[string]*Tally{}
		wg  sync.WaitGroup
	)
	for _, wk := range workers {
		wg.Go(func() {
			mine := map[string]*Tally{}
			for ctx.Err() == nil {
				start := time.Now()
				if !start.Before(w.Until) {
					break
				}
				p := wk.next(wk.rng)
				a := p.do(ctx, wk.User, wk.rng, world)
				if start.Before(w.From) {
					continue
				}
				t := mine[p.Name]
				if t == nil {
					t = newTally()
					mine[p.Name] = t
				}
				detail := string(a.body)
				if a.location != "" {
					detail = "to " + a.location + " " + detail
				}
				t.add(a.status, p.Want, a.latency, a.err, detail)
			}
			mu.Lock()
			defer mu.Unlock()
			for name, t := range mine {
				if all[name] == nil {
					all[name] = newTally()
				}
				all[name].merge(t)
			}
		})
	}
	wg.Wait()
	return all
}

// sleepUntil waits until t or the end of ctx.
func sleepUntil(ctx context.Context, t time.Time) {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-timer.C:
	}
}
