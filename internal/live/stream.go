package live

import (
	"io"
	"net/http"
	"strings"
	"time"
)

const (
	// StreamLifetime bounds one stream. The browser's EventSource reconnects by itself,
	// and the new request checks the session again. A deactivation or role change ends
	// the user's streams at once (revoke.go); this is the bound behind it.
	StreamLifetime = 5 * time.Minute
	// heartbeat keeps proxies from timing the stream out and finds a vanished client.
	heartbeat = 15 * time.Second
)

// Event is one server-sent event: its name and its data (one line of JSON).
type Event struct {
	Name string
	Data string
}

// Serve writes msgs to w as server-sent events until the client goes away, the stream's
// lifetime ends, or msgs is closed. render turns each message into the event to send
// (false: send nothing); Ready arrives as the event "ready" with data "{}", whatever
// render says.
func Serve(w http.ResponseWriter, r *http.Request, msgs <-chan Message, render func(Message) (Event, bool)) {
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

	life := time.NewTimer(StreamLifetime)
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
		case m, open := <-msgs:
			if !open {
				return
			}
			ev, ok := Event{Name: "ready", Data: `{"kind":"ready"}`}, true
			if !m.Ready {
				ev, ok = render(m)
			}
			if !ok {
				continue
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

// writeEvent writes ev; a name or data with a line break (which would end the field
// early and let the rest pose as another field) is refused.
func writeEvent(w io.Writer, ev Event) error {
	if strings.ContainsAny(ev.Name, "\r\n") || strings.ContainsAny(ev.Data, "\r\n") {
		return nil
	}
	_, err := io.WriteString(w, "event: "+ev.Name+"\ndata: "+ev.Data+"\n\n")
	return err
}
