package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"path/filepath"
	"time"
)

// capturePages runs the binary behind a Capture and requests each page cfg.Samples
// times, one request at a time, each by another user on other records, and returns
// every request's statements by page. Agents reply to tickets of their own (replies).
func capturePages(ctx context.Context, cfg Config, env Env, name string, fx *Fixtures, replies []ReplyTicket) (map[string][][]string, error) {
	pooled, err := url.Parse(env.PooledURL(name))
	if err != nil {
		return nil, err
	}
	capt, err := NewCapture(pooled.Host)
	if err != nil {
		return nil, err
	}
	defer capt.Close()
	viaCapture, err := withHost(pooled.String(), capt.Addr())
	if err != nil {
		return nil, err
	}
	srv, err := StartServer(ctx, cfg.Binary, filepath.Join(cfg.WorkDir, "capture.log"), map[string]string{
		"DATABASE_URL": viaCapture, "DATABASE_URL_UNPOOLED": env.DirectURL(name),
	})
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	if err := waitQuiet(ctx, srv.MetricsURL, time.Minute); err != nil {
		return nil, err
	}
	cast := fx.Cast(srv.URL, cfg.Samples, cfg.Scale, replies, 1)
	if err := signInAll(ctx, cast); err != nil {
		return nil, err
	}
	out := map[string][][]string{}
	for _, p := range Pages {
		for i := range cfg.Samples {
			rng := rand.New(rand.NewPCG(uint64(i), 0x63617074))
			stmts, err := captureOne(ctx, srv.MetricsURL, capt, p, cast[p.Role][i], rng, &fx.World)
			if err != nil {
				return nil, err
			}
			out[p.Name] = append(out[p.Name], stmts)
		}
		cfg.Logf("captured %-8s %d requests, %d statements in the first", p.Name, cfg.Samples, len(out[p.Name][0]))
	}
	return out, nil
}

// captureOne makes one request of p and returns the statements it sent. The capture
// sees every statement on the wire, the mail worker's too: a request is kept only when
// the server's own count for its route agrees and nothing ran in the background
// meanwhile; otherwise it is made again.
func captureOne(ctx context.Context, metrics string, capt *Capture, p *Page, u *User, rng *rand.Rand, world *World) ([]string, error) {
	var last string
	for range 20 {
		before, err := scrape(ctx, metrics)
		if err != nil {
			return nil, err
		}
		capt.Take()
		a := p.do(ctx, u, rng, world)
		stmts := capt.Take()
		after, err := scrape(ctx, metrics)
		if err != nil {
			return nil, err
		}
		if a.err != nil {
			return nil, fmt.Errorf("capture %s as %s: %w", p.Name, u.Email, a.err)
		}
		if a.status != p.Want {
			return nil, fmt.Errorf("capture %s as %s: status %d, want %d: %.300s", p.Name, u.Email, a.status, p.Want, a.body)
		}
		d := Delta(before, after, p.Method, p.Route)
		bg := after.Statements["background"] - before.Statements["background"]
		if d.Requests == 1 && bg == 0 && int(d.Statements) == len(stmts) {
			return stmts, nil
		}
		last = fmt.Sprintf("captured %d, the server counted %.0f on %.0f requests, %.0f in the background",
			len(stmts), d.Statements, d.Requests, bg)
		time.Sleep(100 * time.Millisecond)
	}
	return nil, fmt.Errorf("capture %s: the statements never matched the server's count (%s)", p.Name, last)
}

// waitQuiet waits, up to timeout, until the server's background work (the mail worker
// delivering what an earlier run left in the outbox) is down to its idle polling: at
// most a pass's few statements in a second.
func waitQuiet(ctx context.Context, metrics string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	prev, err := scrape(ctx, metrics)
	if err != nil {
		return err
	}
	for time.Now().Before(deadline) {
		sleepUntil(ctx, time.Now().Add(time.Second))
		cur, err := scrape(ctx, metrics)
		if err != nil {
			return err
		}
		if cur.Statements["background"]-prev.Statements["background"] <= 4 {
			return nil
		}
		prev = cur
	}
	return nil
}
