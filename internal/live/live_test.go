package live

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"rapport/internal/db"
	"rapport/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const testChannel = "rapport_live_test"

type fixture struct {
	t   *testing.T
	d   *testenv.Database
	hub *Hub
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	d := testenv.NewDB(t)
	h := New(d.DirectURL(), slog.New(slog.NewTextHandler(io.Discard, nil)), testChannel)
	t.Cleanup(h.Close)
	return &fixture{t: t, d: d, hub: h}
}

// user inserts a user and returns its watcher as a stream would file it.
func (f *fixture) user(email string) Watcher {
	f.t.Helper()
	w := Watcher{User: db.NewUUID(), Role: "agent"}
	err := f.d.DB.QueryRow(context.Background(), `INSERT INTO "user" (id, name, email, role)
		VALUES ($1, 'U', $2, 'agent') RETURNING session_version, banned`, w.User, email).Scan(&w.Version, &w.Banned)
	if err != nil {
		f.t.Fatal(err)
	}
	return w
}

func (f *fixture) exec(sql string, args ...any) {
	f.t.Helper()
	if _, err := f.d.DB.Exec(context.Background(), sql, args...); err != nil {
		f.t.Fatal(err)
	}
}

// wait returns the next message, or fails; closed reports a closed stream.
func wait(t *testing.T, msgs <-chan Message) (m Message, closed bool) {
	t.Helper()
	select {
	case m, ok := <-msgs:
		return m, !ok
	case <-time.After(15 * time.Second):
		t.Fatal("nothing within 15s")
		return Message{}, false
	}
}

// waitClosed fails unless msgs closes within 15s (messages before that are skipped).
func waitClosed(t *testing.T, msgs <-chan Message, why string) {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case _, ok := <-msgs:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatalf("the stream is still open: %s", why)
		}
	}
}

// A notification reaches the streams of its channel, after the Ready that says the
// stream is live; a stream that joins a connected listener gets Ready at once.
func TestNotifyReachesTheChannelsStreams(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a, stopA, ok := f.hub.Subscribe(testChannel, f.user("a@example.com"))
	if !ok {
		t.Fatal("subscribe refused")
	}
	defer stopA()
	if m, _ := wait(t, a); !m.Ready {
		t.Fatalf("first message %+v, want Ready", m)
	}
	b, stopB, _ := f.hub.Subscribe(testChannel, f.user("b@example.com"))
	defer stopB()
	if m, _ := wait(t, b); !m.Ready {
		t.Fatalf("a late stream's first message %+v, want Ready", m)
	}
	if err := Notify(context.Background(), f.d.DB, testChannel, `{"hello":"world"}`); err != nil {
		t.Fatal(err)
	}
	for _, s := range []<-chan Message{a, b} {
		if m, _ := wait(t, s); m.Payload != `{"hello":"world"}` {
			t.Fatalf("got %+v", m)
		}
	}
}

// A channel the hub does not listen on is refused, as is any subscription after Close;
// Close ends the open streams.
func TestSubscribeRefusesUnknownChannelsAndAfterClose(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if _, _, ok := f.hub.Subscribe("rapport_other", f.user("x@example.com")); ok {
		t.Fatal("an unknown channel was accepted")
	}
	s, _, _ := f.hub.Subscribe(testChannel, f.user("y@example.com"))
	wait(t, s)
	f.hub.Close()
	waitClosed(t, s, "after Close")
	if _, _, ok := f.hub.Subscribe(testChannel, f.user("z@example.com")); ok {
		t.Fatal("subscribe after Close")
	}
}

// The database's access notification (migration 00028's trigger) ends the streams of
// that user, and only theirs.
func TestAccessChangeEndsTheUsersStreams(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	victim, other := f.user("v@example.com"), f.user("o@example.com")
	vs, stopV, _ := f.hub.Subscribe(testChannel, victim)
	defer stopV()
	os, stopO, _ := f.hub.Subscribe(testChannel, other)
	defer stopO()
	wait(t, vs)
	wait(t, os)
	f.exec(`UPDATE "user" SET banned = true WHERE id = $1`, victim.User)
	waitClosed(t, vs, "the user was deactivated")
	if err := Notify(context.Background(), f.d.DB, testChannel, "still here"); err != nil {
		t.Fatal(err)
	}
	if m, closed := wait(t, os); closed || m.Payload != "still here" {
		t.Fatalf("the other user's stream: %+v closed=%v", m, closed)
	}
}

// A change made while no listener was connected reached no one: when the listener
// (re)connects it compares every open stream's user with the database once and ends the
// streams whose access changed (a stream opened on a session older than the user's
// session_version), before it says Ready to the others.
func TestListenerRechecksAccessOnConnect(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	stale := f.user("stale@example.com")
	stale.Version--
	old, stopOld, _ := f.hub.Subscribe(testChannel, stale)
	defer stopOld()
	fresh, stopFresh, _ := f.hub.Subscribe(testChannel, f.user("fresh@example.com"))
	defer stopFresh()
	if m, _ := wait(t, fresh); !m.Ready {
		t.Fatalf("fresh stream: %+v", m)
	}
	for {
		m, closed := wait(t, old)
		if closed {
			return
		}
		if m.Ready {
			t.Fatalf("the stale stream got Ready")
		}
	}
}

// A field with a line break would end the event early and let the rest pose as another
// field: it is not written.
func TestWriteEventRefusesLineBreaks(t *testing.T) {
	var b strings.Builder
	for _, ev := range []Event{{Name: "x\nevent: y", Data: "{}"}, {Name: "x", Data: "{}\r\nid: 1"}} {
		if err := writeEvent(&b, ev); err != nil {
			t.Fatal(err)
		}
	}
	if b.Len() != 0 {
		t.Fatalf("written: %q", b.String())
	}
	if err := writeEvent(&b, Event{Name: "updated", Data: `{"a":1}`}); err != nil || b.String() != "event: updated\ndata: {\"a\":1}\n\n" {
		t.Fatalf("got %q, %v", b.String(), err)
	}
}
