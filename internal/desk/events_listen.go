package desk

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// notifyChannel is the Postgres channel the desk's writers signal ticket changes on.
const notifyChannel = "rapport_desk"

// listenerName is the LISTEN session's application_name, to find it in pg_stat_activity.
const listenerName = "rapport_listen"

// Event is a change to a ticket as the live queue learns of it. It carries no message
// text, so an internal note cannot leak through it; and only agents can subscribe.
type Event struct {
	// Kind is "created" or "updated"; the stream adds "ready" when it is live (again).
	Kind      string `json:"kind"`
	Ticket    string `json:"ticket,omitempty"`
	Status    string `json:"status,omitempty"`
	Priority  string `json:"priority,omitempty"`
	Actor     string `json:"actor,omitempty"`
	ActorName string `json:"actor_name,omitempty"`
	// What the actor did, for people: "filed", "replied", "added an internal note", "updated".
	What string `json:"what,omitempty"`
}

const notifySQL = `SELECT pg_notify('` + notifyChannel + `', $1)`

// notify signals ev to every live queue once q's transaction commits (NOTIFY is
// transactional, and safe through a transaction-mode pooler).
func notify(ctx context.Context, q db.Querier, ev Event) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, notifySQL, string(b))
	return db.Translate(err)
}

// hub fans the LISTEN connection's events out to the open streams. The connection
// exists only while someone watches: the first stream starts it, the last one stops it.
// Each stream is filed with the access its user had when it opened, so a change to
// that access ends it (events_revoke.go).
type hub struct {
	mu     sync.Mutex
	subs   map[chan Event]watcher
	stop   context.CancelFunc // stops the running listener; nil when none runs
	live   bool               // the running listener is connected
	closed bool
}

// subscribe registers a stream for who; false once the service is closed. A stream
// that joins a connected listener gets "ready" at once.
func (s *Service) subscribe(who watcher) (chan Event, bool) {
	h := &s.events
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, false
	}
	if h.subs == nil {
		h.subs = map[chan Event]watcher{}
	}
	ch := make(chan Event, 64)
	h.subs[ch] = who
	if h.stop == nil {
		ctx, cancel := context.WithCancel(context.Background())
		h.stop = cancel
		go s.listen(ctx)
	} else if h.live {
		ch <- Event{Kind: "ready"}
	}
	return ch, true
}

func (h *hub) unsubscribe(ch chan Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs, ch)
	if len(h.subs) == 0 && h.stop != nil {
		h.stop()
		h.stop, h.live = nil, false
	}
}

// broadcast hands ev to every stream, unless the listener that saw it was stopped. A
// stream too slow to take it misses it; its page refreshes on the next one.
func (h *hub) broadcast(ctx context.Context, ev Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if ctx.Err() != nil {
		return
	}
	if ev.Kind == "ready" {
		h.live = true
	}
	for ch := range h.subs {
		select {
		case ch <- ev:
		default:
		}
	}
}

// disconnected records that the listener lost its connection.
func (h *hub) disconnected(ctx context.Context) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if ctx.Err() == nil {
		h.live = false
	}
}

func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	if h.stop != nil {
		h.stop()
		h.stop, h.live = nil, false
	}
	for ch := range h.subs {
		close(ch)
	}
	h.subs = nil
}

// listen keeps a LISTEN session on the direct URL until ctx ends, reconnecting with
// exponential backoff (1 s to 30 s, with jitter) when it drops. Pages never depend on
// it: only the live updates pause while it is down.
func (s *Service) listen(ctx context.Context) {
	backoff := time.Second
	for {
		connected, err := s.listenOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		s.events.disconnected(ctx)
		if connected {
			backoff = time.Second
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		s.Log.Warn("desk: live queue connection lost; reconnecting", "err", err, "in", wait.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

// listenIdle is how long the listener waits for a notification before checking that
// its connection is still alive: a dead TCP peer otherwise looks like a quiet one.
const listenIdle = 45 * time.Second

func (s *Service) listenOnce(ctx context.Context) (connected bool, err error) {
	cfg, err := pgx.ParseConfig(s.DirectURL)
	if err != nil {
		return false, errors.New("invalid direct database url")
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	cfg.RuntimeParams["application_name"] = listenerName
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
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel+"; LISTEN "+accessChannel); err != nil {
		return false, err
	}
	// Whatever happened while no connection listened is unknown: streams whose user's
	// access changed meanwhile end, and "ready" tells every other page to refresh once.
	if err := s.events.recheck(ctx, conn); err != nil {
		return true, err
	}
	s.events.broadcast(ctx, Event{Kind: "ready"})
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
		if n.Channel == accessChannel {
			s.events.revoke(n.Payload)
			continue
		}
		var ev Event
		// The event name goes into the stream verbatim: only the two the desk sends pass.
		if json.Unmarshal([]byte(n.Payload), &ev) != nil || (ev.Kind != "created" && ev.Kind != "updated") {
			continue
		}
		s.events.broadcast(ctx, ev)
	}
}
