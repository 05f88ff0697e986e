package desk

import (
	"context"
	"testing"
	"time"
)

// Several named policies share a priority: the strictest first response wins, then the
// strictest resolution, then the name; the ticket keeps the targets it was given.
func TestPolicyChoice(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.exec(`INSERT INTO sla_policies (name, priority, first_response_mins, resolve_mins) VALUES
		('Enterprise – Urgent', 'urgent', 15, 480),
		('Gold – Urgent', 'urgent', 15, 300),
		('Aardvark – Urgent', 'urgent', 15, 300)`)

	id := f.ticket("Outage", "Everything is down.")
	if err := f.update(f.agent, id, ticketForm{Status: StatusOpen, Priority: "urgent"}); err != nil {
		t.Fatal(err)
	}
	x := f.facts(id)
	if deref(x.PolicyName) != "Aardvark – Urgent" || *x.FirstResponseMins != 15 || *x.ResolveMins != 300 {
		t.Fatalf("urgent ticket got %q %d/%d", deref(x.PolicyName), *x.FirstResponseMins, *x.ResolveMins)
	}
	if !x.FirstResponseDueAt.Equal(x.CreatedAt.Add(15 * time.Minute)) {
		t.Fatalf("first response due %s for created %s", x.FirstResponseDueAt, x.CreatedAt)
	}

	list, err := ListPolicies(ctx, f.d.DB)
	if err != nil {
		t.Fatal(err)
	}
	applies := map[string]bool{}
	for _, p := range list {
		if p.Applies {
			applies[p.Name] = true
		}
	}
	if len(applies) != 4 || !applies["Aardvark – Urgent"] || !applies["Standard – Normal"] || applies["Standard – Urgent"] {
		t.Fatalf("policies marked as applying: %v", applies)
	}
	if list[0].Priority != "urgent" || list[len(list)-1].Priority != "low" {
		t.Fatalf("list order: %s … %s", list[0].Priority, list[len(list)-1].Priority)
	}

	// Editing the policy does not move a promise already made.
	f.exec(`UPDATE sla_policies SET first_response_mins = 5 WHERE name = 'Aardvark – Urgent'`)
	if err := f.update(f.agent, id, ticketForm{Body: "Looking.", Internal: true, Status: StatusOpen, Priority: "urgent"}); err != nil {
		t.Fatal(err)
	}
	if x := f.facts(id); *x.FirstResponseMins != 15 {
		t.Fatalf("editing the policy changed the ticket's target to %d", *x.FirstResponseMins)
	}
	// A new priority is a new choice, which sees the edit.
	if err := f.update(f.agent, id, ticketForm{Status: StatusOpen, Priority: "high"}); err != nil {
		t.Fatal(err)
	}
	if x := f.facts(id); deref(x.PolicyName) != "Standard – High" || *x.ResolveMins != 480 {
		t.Fatalf("high: %q %d", deref(x.PolicyName), *x.ResolveMins)
	}

	// Without a policy for its priority a ticket has no deadline: it sorts last and says so.
	f.exec(`DELETE FROM sla_policies WHERE priority = 'low'`)
	if err := f.update(f.agent, id, ticketForm{Status: StatusOpen, Priority: "low"}); err != nil {
		t.Fatal(err)
	}
	x = f.facts(id)
	if x.PolicyName != nil || x.NextDueAt != nil || x.FirstResponseDueAt != nil {
		t.Fatalf("no policy: %q next due %v", deref(x.PolicyName), x.NextDueAt)
	}
	if c := Compute(x.input(), x.Now); c.HasPolicy() || c.NextLabel() != "no SLA" {
		t.Fatalf("no policy: clock %q", c.NextLabel())
	}
}

// Rows written outside the desk (the seeds, an import) get their policy, deadlines and
// thread facts from the triggers.
func TestTriggersKeepFactsForOtherWriters(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// Fixed moments (not each statement's now()), so that the differences are exact.
	old := time.Now().Add(-10 * 24 * time.Hour).Truncate(time.Second)
	recent := time.Now().Add(-24 * time.Hour).Truncate(time.Second)
	f.exec(`INSERT INTO tickets (id, requester_id, subject, status, priority, created_at) VALUES
		('00000000-0000-0000-0000-000000000001', $1, 'Solved long ago', 'solved', 'high', $2),
		('00000000-0000-0000-0000-000000000002', $1, 'Waiting on them', 'pending', 'urgent', $3)`, f.customer.ID, old, recent)
	f.exec(`INSERT INTO ticket_messages (ticket_id, author_id, body, is_internal, created_at) VALUES
		('00000000-0000-0000-0000-000000000001', $1, 'Help', false, $3::timestamptz),
		('00000000-0000-0000-0000-000000000001', $2, 'Note', true, $3::timestamptz + interval '5 minutes'),
		('00000000-0000-0000-0000-000000000001', $2, 'Answer', false, $3::timestamptz + interval '50 minutes'),
		('00000000-0000-0000-0000-000000000001', $1, 'Thanks', false, $3::timestamptz + interval '2 hours'),
		('00000000-0000-0000-0000-000000000002', $1, 'Down', false, $4::timestamptz),
		('00000000-0000-0000-0000-000000000002', $2, 'Send logs?', false, $4::timestamptz + interval '10 minutes')`,
		f.customer.ID, f.agent.ID, old, recent)

	solved := f.facts("00000000-0000-0000-0000-000000000001")
	if deref(solved.PolicyName) != "Standard – High" || solved.FirstResponseAt == nil ||
		solved.FirstResponseAt.Sub(solved.CreatedAt) != 50*time.Minute {
		t.Fatalf("solved ticket: policy %q first response %v", deref(solved.PolicyName), solved.FirstResponseAt)
	}
	if solved.SolvedAt == nil || solved.SolvedAt.Sub(solved.CreatedAt) != 2*time.Hour || !solved.PausedSince.Equal(*solved.SolvedAt) {
		t.Fatalf("solved ticket: solved %v paused since %v", solved.SolvedAt, solved.PausedSince)
	}
	pending := f.facts("00000000-0000-0000-0000-000000000002")
	if pending.PausedSince == nil || pending.PausedSince.Sub(pending.CreatedAt) != 10*time.Minute || pending.SolvedAt != nil {
		t.Fatalf("pending ticket: paused since %v", pending.PausedSince)
	}
	if c := Compute(pending.input(), pending.Now); !c.Resolution.Paused || c.Resolution.Left != 230*time.Minute {
		t.Fatalf("pending ticket's clock: %q left %s", c.Resolution.Label(), c.Resolution.Left)
	}
}
