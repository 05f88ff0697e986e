package desk

import (
	"strings"
	"testing"
	"time"

	"rapport/internal/live"
)

// next waits for an event of kind on msgs ("ready" for live.Message.Ready), skipping
// others; it returns the event and its raw payload.
func next(t *testing.T, msgs <-chan live.Message, kind string) (Event, string) {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case m, ok := <-msgs:
			if !ok {
				t.Fatalf("stream closed while waiting for %q", kind)
			}
			if m.Ready {
				if kind == "ready" {
					return Event{Kind: "ready"}, ""
				}
				continue
			}
			if ev, ok := decodeEvent(m.Payload); ok && ev.Kind == kind {
				return ev, m.Payload
			}
		case <-deadline:
			t.Fatalf("no %q event within 15s", kind)
		}
	}
}

// Ticket changes reach the desk's streams through internal/live, carry no message
// text, and keep coming after the LISTEN connection is killed (the listener reconnects).
func TestLiveEventsSurviveALostConnection(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	msgs, unsubscribe, ok := f.s.Live.Subscribe(EventsChannel, Watcher(f.agent))
	if !ok {
		t.Fatal("subscribe refused")
	}
	defer unsubscribe()
	next(t, msgs, "ready")

	id := f.ticket("Live", "The body of the request")
	ev, _ := next(t, msgs, "created")
	if ev.Ticket != id || ev.What != "filed" || ev.Actor != f.customer.ID || ev.Priority != "normal" {
		t.Fatalf("created event: %+v", ev)
	}
	if err := f.update(f.agent, id, ticketForm{Body: "SECRET-NOTE", Internal: true, Status: StatusOpen, Priority: "normal"}); err != nil {
		t.Fatal(err)
	}
	ev, raw := next(t, msgs, "updated")
	if ev.What != "added an internal note" || strings.Contains(raw, "SECRET") || strings.Contains(raw, "body of the request") {
		t.Fatalf("updated event: %s", raw)
	}

	// The listener's session dies; it comes back by itself and says so.
	if n := f.count(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = '` + live.ListenerName + `'`); n != 1 {
		t.Fatalf("terminated %d LISTEN sessions, want 1", n)
	}
	next(t, msgs, "ready")
	if err := f.update(f.agent, id, ticketForm{Body: "Back", Status: StatusPending, Priority: "normal"}); err != nil {
		t.Fatal(err)
	}
	if ev, _ := next(t, msgs, "updated"); ev.Status != string(StatusPending) || ev.What != "replied" {
		t.Fatalf("after reconnecting: %+v", ev)
	}
}

// Only the two kinds the desk sends come out of a notification: anything else on the
// channel (a hand-written NOTIFY) is dropped, not streamed.
func TestDecodeEventPassesOnlyTheDesksKinds(t *testing.T) {
	for payload, want := range map[string]bool{
		`{"kind":"created","ticket":"x"}`: true,
		`{"kind":"updated"}`:              true,
		`{"kind":"ready"}`:                false,
		`{"kind":"created\nevent: evil"}`: false,
		`not json`:                        false,
		`{"kind":"deleted","ticket":"x"}`: false,
	} {
		if _, ok := decodeEvent(payload); ok != want {
			t.Errorf("decodeEvent(%q) = %v, want %v", payload, ok, want)
		}
	}
}
