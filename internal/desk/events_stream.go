package desk

import (
	"encoding/json"
	"io"
	"net/http"
	"time"

	"rapport/internal/auth"
)

const (
	// streamLifetime bounds one stream. The browser's EventSource reconnects by itself,
	// and the new request checks the session again. A deactivation or role change ends
	// the user's streams at once (events_revoke.go); this is the bound behind it.
	streamLifetime = 5 * time.Minute
	// heartbeat keeps proxies from timing the stream out and finds a vanished client.
	heartbeat = 15 * time.Second
)

// Events streams ticket changes to an agent's queue or ticket page as server-sent events
// (GET /desk/events): "ready" when the stream is live (again: refresh once), then
// "created" and "updated" with the ticket id, status, priority and who acted. The pages
// work without it.
func (s *Service) Events(w http.ResponseWriter, r *http.Request) {
	ch, ok := s.subscribe(watcherOf(auth.UserFrom(r.Context())))
	if !ok {
		s.Pages.Error(w, r, http.StatusServiceUnavailable)
		return
	}
	defer s.events.unsubscribe(ch)

	// The server's read and write timeouts are sized for pages; a stream outlives them.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := io.WriteString(w, "retry: 3000\n\n"); err != nil || rc.Flush() != nil {
		return
	}

	life := time.NewTimer(streamLifetime)
	defer life.Stop()
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		var err error
		select {
		case <-r.Context().Done(): // the client went away
			return
		case <-life.C:
			return
		case ev, open := <-ch:
			if !open {
				return
			}
			err = writeEvent(w, ev)
		case <-tick.C:
			_, err = io.WriteString(w, ": ping\n\n")
		}
		if err != nil || rc.Flush() != nil {
			return
		}
	}
}

func writeEvent(w io.Writer, ev Event) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, "event: "+ev.Kind+"\ndata: "+string(b)+"\n\n")
	return err
}
