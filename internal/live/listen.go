package live

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// ListenerName is the LISTEN session's application_name, to find it in pg_stat_activity.
const ListenerName = "rapport_listen"

// listenIdle is how long the listener waits for a notification before checking that
// its connection is still alive: a dead TCP peer otherwise looks like a quiet one.
const listenIdle = 45 * time.Second

// listen keeps a LISTEN session on the direct URL until ctx ends, reconnecting with
// exponential backoff (1 s to 30 s, with jitter) when it drops. Pages never depend on
// it: only the live updates pause while it is down.
func (h *Hub) listen(ctx context.Context) {
	backoff := time.Second
	for {
		connected, err := h.listenOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		h.disconnected(ctx)
		if connected {
			backoff = time.Second
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		h.log.Warn("live: connection lost; reconnecting", "err", err, "in", wait.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

func (h *Hub) listenOnce(ctx context.Context) (connected bool, err error) {
	cfg, err := pgx.ParseConfig(h.directURL)
	if err != nil {
		return false, errors.New("invalid direct database url")
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	cfg.RuntimeParams["application_name"] = ListenerName
	if cfg.ConnectTimeout == 0 || cfg.ConnectTimeout > 10*time.Second {
		cfg.ConnectTimeout = 10 * time.Second
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return false, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	stmts := make([]string, 0, len(h.channels)+1)
	for _, c := range append([]string{AccessChannel}, h.channels...) {
		stmts = append(stmts, "LISTEN "+pgx.Identifier{c}.Sanitize())
	}
	if _, err := conn.Exec(ctx, strings.Join(stmts, "; ")); err != nil {
		return false, err
	}
	// Whatever happened while no connection listened is unknown: streams whose user's
	// access changed meanwhile end, and Ready tells every other page to refresh once.
	if err := h.recheck(ctx, conn); err != nil {
		return true, err
	}
	h.broadcast(ctx, "", Message{Ready: true})
	for {
		wctx, cancel := context.WithTimeout(ctx, listenIdle)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return true, ctx.Err()
		case err != nil && wctx.Err() != nil:
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			_, err = conn.Exec(pctx, "SELECT 1")
			cancel()
			if err != nil {
				return true, err
			}
			continue
		case err != nil:
			return true, err
		}
		if n.Channel == AccessChannel {
			h.revoke(n.Payload)
			continue
		}
		h.broadcast(ctx, n.Channel, Message{Payload: n.Payload})
	}
}
