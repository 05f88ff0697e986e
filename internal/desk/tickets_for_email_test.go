package desk

import (
	"context"
	"strings"
	"testing"
)

func TestTicketsForEmail(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	older := f.ticket("First", "one")
	newer := f.ticket("Second", "two")
	f.exec(`UPDATE tickets SET created_at = created_at - interval '1 hour', paused_secs = 0 WHERE id = $1`, older)
	if err := f.update(f.agent, older, ticketForm{Body: "Answer", Status: StatusSolved, Priority: "normal"}); err != nil {
		t.Fatal(err)
	}

	list, err := TicketsForEmail(ctx, f.d.DB, "  Carol@Example.COM ", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != newer || list[1].ID != older {
		t.Fatalf("tickets: %+v", list)
	}
	if !strings.HasPrefix(list[0].SLA, "first reply due in") || list[0].SLAState != "ok" || list[0].Status != StatusOpen {
		t.Errorf("open ticket: %q %q", list[0].SLA, list[0].SLAState)
	}
	if list[1].SLA != "met" || list[1].SLAState != "ok" || list[1].Status != StatusSolved {
		t.Errorf("solved ticket: %q %q %s", list[1].SLA, list[1].SLAState, list[1].Status)
	}
	if one, _ := TicketsForEmail(ctx, f.d.DB, "carol@example.com", 1); len(one) != 1 || one[0].ID != newer {
		t.Errorf("limit 1: %+v", one)
	}
	if none, err := TicketsForEmail(ctx, f.d.DB, "nobody@example.com", 5); err != nil || len(none) != 0 {
		t.Errorf("unknown email: %v %+v", err, none)
	}
}
