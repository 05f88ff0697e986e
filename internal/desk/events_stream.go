package desk

import (
	"encoding/json"
	"net/http"

	"rapport/internal/auth"
	"rapport/internal/live"
)

// Watcher is who a live stream belongs to, with the access they have now.
func Watcher(u *auth.User) live.Watcher {
	return live.Watcher{User: u.ID, Version: u.SessionVersion, Role: string(u.Role), Banned: u.Banned}
}

// EventsStream streams ticket changes to an agent's queue or ticket page as server-sent events
// (GET /desk/events): "ready" when the stream is live (again: refresh once), then
// "created" and "updated" with the ticket id, status, priority and who acted. The pages
// work without it. A deactivation or role change ends the stream (internal/live).
func (s *Service) EventsStream(w http.ResponseWriter, r *http.Request) {
	msgs, unsubscribe, ok := s.Live.Subscribe(EventsChannel, Watcher(auth.UserFrom(r.Context())))
	if !ok {
		s.Pages.Error(w, r, http.StatusServiceUnavailable)
		return
	}
	defer unsubscribe()
	live.Serve(w, r, msgs, func(m live.Message) (live.Event, bool) {
		ev, ok := decodeEvent(m.Payload)
		if !ok {
			return live.Event{}, false
		}
		b, err := json.Marshal(ev)
		if err != nil {
			return live.Event{}, false
		}
		return live.Event{Name: ev.Kind, Data: string(b)}, true
	})
}
