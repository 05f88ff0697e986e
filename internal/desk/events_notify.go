package desk

import (
	"context"
	"encoding/json"

	"rapport/internal/db"
	"rapport/internal/live"
)

// EventsChannel is the Postgres channel the desk's writers signal ticket changes on
// (internal/live listens and fans out).
const EventsChannel = "rapport_desk"

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

// notify signals ev to every live queue once q's transaction commits.
func notify(ctx context.Context, q db.Querier, ev Event) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	return live.Notify(ctx, q, EventsChannel, string(b))
}

// decodeEvent reads a notification back; only the two kinds the desk sends pass (the
// event name goes into the stream verbatim).
func decodeEvent(payload string) (Event, bool) {
	var ev Event
	if json.Unmarshal([]byte(payload), &ev) != nil || (ev.Kind != "created" && ev.Kind != "updated") {
		return Event{}, false
	}
	return ev, true
}
