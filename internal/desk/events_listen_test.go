package desk

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// next waits for an event of kind on ch, skipping others.
func next(t *testing.T, ch chan Event, kind string) Event {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("stream closed while waiting for %q", kind)
			}
			if ev.Kind == kind {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %q event within 15s", kind)
		}
	}
}

// Changes reach subscribers through LISTEN on the direct URL, carry no message text,
// and keep coming after the LISTEN connection is killed (the listener reconnects).
func TestLiveEventsSurviveALostConnection(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ch, ok := f.s.subscribe(watcherOf(f.agent))
	if !ok {
		t.Fatal("subscribe refused")
	}
	defer f.s.events.unsubscribe(ch)
	next(t, ch, "ready")

	id := f.ticket("Live", "The body of the request")
	ev := next(t, ch, "created")
	if ev.Ticket != id || ev.What != "filed" || ev.Actor != f.customer.ID || ev.Priority != "normal" {
		t.Fatalf("created event: %+v", ev)
	}
	if err := f.update(f.agent, id, ticketForm{Body: "SECRET-NOTE", Internal: true, Status: StatusOpen, Priority: "normal"}); err != nil {
		t.Fatal(err)
	}
	ev = next(t, ch, "updated")
	b, _ := json.Marshal(ev)
	if ev.What != "added an internal note" || strings.Contains(string(b), "SECRET") || strings.Contains(string(b), "body of the request") {
		t.Fatalf("updated event: %s", b)
	}

	// The listener's session dies; it comes back by itself and says so.
	if n := f.count(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = '` + listenerName + `'`); n != 1 {
		t.Fatalf("terminated %d LISTEN sessions, want 1", n)
	}
	next(t, ch, "ready")
	if err := f.update(f.agent, id, ticketForm{Body: "Back", Status: StatusPending, Priority: "normal"}); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ch, "updated"); ev.Status != string(StatusPending) || ev.What != "replied" {
		t.Fatalf("after reconnecting: %+v", ev)
	}

	// The last stream to leave stops the listener; Close ends the streams.
	ch2, _ := f.s.subscribe(watcherOf(f.agent))
	next(t, ch2, "ready")
	f.s.Close()
	if _, open := <-ch2; open {
		for range ch2 {
		}
	}
	if _, ok := f.s.subscribe(watcherOf(f.agent)); ok {
		t.Fatal("subscribe after Close")
	}
	_ = context.Background()
}

// A change made while no listener was connected reached no one: when the listener
// (re)connects it compares every open stream's user with the database once and ends
// the streams whose access changed (here a stream opened on a session older than the
// user's session_version), before it says "ready" to the others.
func TestListenerRechecksAccessOnConnect(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	stale := watcherOf(f.agent)
	stale.version--
	old, ok := f.s.subscribe(stale)
	if !ok {
		t.Fatal("subscribe refused")
	}
	defer f.s.events.unsubscribe(old)
	fresh, _ := f.s.subscribe(watcherOf(f.agent2))
	defer f.s.events.unsubscribe(fresh)
	next(t, fresh, "ready")
	timeout := time.After(time.Minute)
	for {
		select {
		case ev, open := <-old:
			if !open {
				return
			}
			if ev.Kind == "ready" {
				t.Fatalf("the stale stream got %+v", ev)
			}
		case <-timeout:
			t.Fatal("the stale stream is still open")
		}
	}
}
