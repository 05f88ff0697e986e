package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rapport/internal/auth"
)

// sse is one server-sent event as read off the wire.
type sse struct {
	name string
	data string
}

// stream opens /desk/events as b with a plain HTTP client and returns its events.
// The stream closes when the test ends.
func stream(t *testing.T, b *browser) (*http.Response, <-chan sse) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.a.srv.URL+"/desk/events", nil)
	req.Header.Set("Accept", "text/event-stream") // what EventSource sends
	resp, err := b.c.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	events := make(chan sse, 64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(events)
		sc := bufio.NewScanner(resp.Body)
		var ev sse
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.data = strings.TrimPrefix(line, "data: ")
			case line == "" && ev.name != "":
				events <- ev
				ev = sse{}
			}
		}
	}()
	t.Cleanup(func() { cancel(); resp.Body.Close(); <-done })
	return resp, events
}

func waitEvent(t *testing.T, events <-chan sse, name string) sse {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("stream ended while waiting for %q", name)
			}
			if ev.name == name {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %q event within 15s", name)
		}
	}
}

// The live queue: an agent's stream, read with a plain HTTP client, delivers a
// notification after each change, with the ticket, who did what, and no message text.
func TestDeskEventStream(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	resp, events := stream(t, d.jordanB)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" ||
		resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("stream: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))
	}
	waitEvent(t, events, "ready")

	id := d.file(t, d.carolB, "Live ticket", "The text of the request, private to the thread.")
	ev := waitEvent(t, events, "created")
	var got map[string]string
	if err := json.Unmarshal([]byte(ev.data), &got); err != nil {
		t.Fatal(err)
	}
	if got["ticket"] != id || got["what"] != "filed" || got["actor_name"] != d.carol.Name || got["status"] != "open" {
		t.Fatalf("created event: %s", ev.data)
	}

	const secret = "SECRET-NOTE-e9: escalate quietly"
	wantRedirect(t, "note", d.submit(t, d.morganB, id, url.Values{"body": {secret}, "is_internal": {"1"}, "priority": {"urgent"}}), "/desk/tickets/"+id)
	ev = waitEvent(t, events, "updated")
	if !strings.Contains(ev.data, `"what":"added an internal note"`) || !strings.Contains(ev.data, `"priority":"urgent"`) ||
		strings.Contains(ev.data, "SECRET") || strings.Contains(ev.data, "private to the thread") {
		t.Fatalf("updated event: %s", ev.data)
	}
	wantRedirect(t, "reply", d.carolB.post("/support/tickets/"+id+"/reply", url.Values{"body": {"Any news?"}}), "/support/tickets/"+id)
	if ev := waitEvent(t, events, "updated"); !strings.Contains(ev.data, `"what":"replied"`) || strings.Contains(ev.data, "Any news") {
		t.Fatalf("reply event: %s", ev.data)
	}

	// Customers and sales reps cannot subscribe (the gates test covers the routes; here
	// the stream itself answers 403 at once rather than streaming).
	for _, b := range []*browser{d.carolB, d.samB} {
		if r := b.get("/desk/events"); r.status != http.StatusForbidden || strings.Contains(r.body, "event:") {
			t.Errorf("a non-agent's stream: %d", r.status)
		}
	}
}

// A stream outlives what bounds a page: the request deadline (REQUEST_TIMEOUT) and the
// HTTP server's read and write timeouts, as server.Run sets them.
func TestDeskEventStreamOutlivesPageTimeouts(t *testing.T) {
	t.Parallel()
	a := newDeskAppWith(t, map[string]string{"REQUEST_TIMEOUT": "1s"}, func(s *http.Server) {
		s.ReadTimeout, s.WriteTimeout = time.Second, time.Second
	})
	a.user(auth.RoleAgent, "jordan@example.com")
	a.user(auth.RoleCustomer, "carol@example.com")
	agent, customer := a.browser(), a.browser()
	agent.signIn("jordan@example.com")
	customer.signIn("carol@example.com")
	_, events := stream(t, agent)
	waitEvent(t, events, "ready")
	time.Sleep(2500 * time.Millisecond)
	r := customer.post("/support/tickets", url.Values{"subject": {"Late"}, "body": {"After the timeouts."}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("file: %d", r.status)
	}
	if ev := waitEvent(t, events, "created"); !strings.Contains(ev.data, `"what":"filed"`) {
		t.Fatalf("event after the timeouts: %s", ev.data)
	}
}
