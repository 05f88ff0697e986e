// Package live is Rapport's live updates: one LISTEN connection per process on the
// direct URL, fanned out to server-sent event streams. A domain announces a change with
// Notify in the transaction that makes it (NOTIFY is transactional and safe through a
// transaction-mode pooler); its stream handler subscribes to its channel and renders
// what it receives (Serve). The desk's live queue is the first user; the CRM board can be
// the next without a second connection.
//
// Every stream belongs to a user, filed with the access they had when it opened: a change
// to that access (announced by the database itself on AccessChannel, migration 00028)
// ends their streams on every replica within a moment, and a listener that reconnects
// rechecks every open stream's user once, since a change made meanwhile reached no one.
//
// The LISTEN loop is ours rather than jackc/pgxlisten's: it pings a quiet connection (a
// dead TCP peer otherwise looks like a quiet one) and backs off exponentially with
// jitter, neither of which pgxlisten does.
package live

import (
	"context"
	"log/slog"
	"sync"
)

// AccessChannel is where the database announces that a user's access changed.
const AccessChannel = "rapport_user_access"

// Watcher is who a stream belongs to, with the access they had when it opened.
type Watcher struct {
	User    string
	Version int
	Role    string
	Banned  bool
}

// Message is what a stream receives: a notification's payload on its channel, or Ready
// (the stream is live, again after a lost connection: what it shows may be stale).
type Message struct {
	Ready   bool
	Payload string
}

// Hub fans the LISTEN connection's notifications out to the open streams. The
// connection exists only while someone watches: the first stream starts it, the last one
// stops it.
type Hub struct {
	directURL string
	log       *slog.Logger
	channels  []string

	mu     sync.Mutex
	subs   map[chan Message]sub
	stop   context.CancelFunc // stops the running listener; nil when none runs
	live   bool               // the running listener is connected
	closed bool
}

type sub struct {
	channel string
	who     Watcher
}

// New makes a hub listening on channels (and AccessChannel) over directURL.
func New(directURL string, log *slog.Logger, channels ...string) *Hub {
	return &Hub{directURL: directURL, log: log, channels: channels}
}

// Subscribe opens a stream of channel's messages for who. It returns the stream and
// its unsubscribe; false once the hub is closed or for a channel the hub does not
// listen on. A stream that joins a connected listener gets Ready at once. The stream is
// closed when who's access changes or the hub closes.
func (h *Hub) Subscribe(channel string, who Watcher) (<-chan Message, func(), bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || !h.listensOn(channel) {
		return nil, nil, false
	}
	if h.subs == nil {
		h.subs = map[chan Message]sub{}
	}
	ch := make(chan Message, 64)
	h.subs[ch] = sub{channel: channel, who: who}
	if h.stop == nil {
		ctx, cancel := context.WithCancel(context.Background())
		h.stop = cancel
		go h.listen(ctx)
	} else if h.live {
		ch <- Message{Ready: true}
	}
	return ch, func() { h.unsubscribe(ch) }, true
}

func (h *Hub) listensOn(channel string) bool {
	for _, c := range h.channels {
		if c == channel {
			return true
		}
	}
	return false
}

func (h *Hub) unsubscribe(ch chan Message) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[ch]; !ok {
		return // already ended (revoked or closed)
	}
	delete(h.subs, ch)
	if len(h.subs) == 0 && h.stop != nil {
		h.stop()
		h.stop, h.live = nil, false
	}
}

// broadcast hands m to every stream of channel ("" with Ready: every stream), unless
// the listener that saw it was stopped. A stream too slow to take it misses it; its
// page refreshes on the next one.
func (h *Hub) broadcast(ctx context.Context, channel string, m Message) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if ctx.Err() != nil {
		return
	}
	if m.Ready {
		h.live = true
	}
	for ch, s := range h.subs {
		if !m.Ready && s.channel != channel {
			continue
		}
		select {
		case ch <- m:
		default:
		}
	}
}

// disconnected records that the listener lost its connection.
func (h *Hub) disconnected(ctx context.Context) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if ctx.Err() == nil {
		h.live = false
	}
}

// Close ends every stream and stops the LISTEN connection; Subscribe refuses from then
// on. Call it when the HTTP server shuts down (http.Server.RegisterOnShutdown), so that
// open streams do not hold the shutdown up.
func (h *Hub) Close() {
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
