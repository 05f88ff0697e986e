package desk

import (
	"context"
	"testing"
	"time"

	"rapport/internal/auth"
)

// The automation with two replicas at it: a solved ticket closes once after the
// setting's days; a pending ticket gets one reminder after N days and is solved M days
// after it, each change in the status history under Automation; an answer in between
// starts the count again. Seen failing with the SKIP LOCKED claim replaced by a plain
// read: two history rows of one close.
func TestAutomationOnceAcrossReplicas(t *testing.T) {
	x := newFixture(t)
	x.exec(`UPDATE workspace_settings SET close_solved_after_days = 4, pending_remind_after_days = 3, pending_solve_after_days = 2`)
	solved := x.ticket("Thanks, fixed", "All good.")
	if err := x.update(x.agent, solved, ticketForm{Status: StatusSolved, Priority: PriorityNormal, Body: "Fixed it."}); err != nil {
		t.Fatal(err)
	}
	pending := x.ticket("Which printer?", "The printer.")
	if err := x.update(x.agent, pending, ticketForm{Status: StatusPending, Priority: PriorityNormal, Body: "Which one?"}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	c := &testClock{now: start.Add(2 * 24 * time.Hour)}
	rs := x.deskRunners(2, c)
	history := func(id string, to Status) int {
		return x.count(`SELECT count(*) FROM ticket_status_changes WHERE ticket_id = $1 AND to_status = $2 AND actor_id = $3`, id, to, AutomationID)
	}
	reminders := func() int {
		return x.count(`SELECT count(*) FROM mail_outbox WHERE to_addr = $1 AND starts_with(subject, 'Waiting for your answer')`, x.customer.Email)
	}
	x.work(rs, 6, AutomationArgs{})
	if x.facts(solved).Status != StatusSolved || reminders() != 0 {
		t.Fatalf("after 2 days: %s, %d reminders", x.facts(solved).Status, reminders())
	}
	c.set(start.Add(3*24*time.Hour + time.Minute))
	x.work(rs, 6, AutomationArgs{})
	if n := reminders(); n != 1 {
		t.Fatalf("after 3 days: %d reminders, want 1", n)
	}
	if n := x.count(`SELECT count(*) FROM ticket_messages WHERE ticket_id = $1 AND is_internal AND author_id = $2`, pending, AutomationID); n != 1 {
		t.Fatalf("%d notes of the reminder, want 1", n)
	}
	c.set(start.Add(4*24*time.Hour + time.Minute))
	x.work(rs, 6, AutomationArgs{})
	if f := x.facts(solved); f.Status != StatusClosed || history(solved, StatusClosed) != 1 {
		t.Fatalf("after 4 days: %s, %d closes in the history", f.Status, history(solved, StatusClosed))
	}
	if x.facts(pending).Status != StatusPending {
		t.Fatal("solved before 2 days after the reminder")
	}
	c.set(start.Add(5*24*time.Hour + 2*time.Minute))
	x.work(rs, 6, AutomationArgs{})
	f := x.facts(pending)
	if f.Status != StatusSolved || history(pending, StatusSolved) != 1 || reminders() != 1 {
		t.Fatalf("after the reminder and 2 days: %s, %d solves, %d reminders", f.Status, history(pending, StatusSolved), reminders())
	}
	if f.SolvedAt == nil || f.PausedSince == nil {
		t.Fatalf("solved without its clock bookkeeping: %+v", f)
	}
	if n := x.count(`SELECT count(*) FROM "user" WHERE id = $1 AND banned`, AutomationID); n != 1 {
		t.Fatal("the automation's user is not banned")
	}
}

// The settings form: days from 1 to 365 or empty; solving needs the reminder; a change
// is audited, a save of the same values is not.
func TestAutomationSettings(t *testing.T) {
	x := newFixture(t)
	for _, tc := range []struct{ close, remind, solve, field string }{
		{"0", "", "", "close_solved_after_days"},
		{"four", "", "", "close_solved_after_days"},
		{"4", "366", "", "pending_remind_after_days"},
		{"4", "", "2", "pending_solve_after_days"},
		{"<script>", "", "", "close_solved_after_days"},
	} {
		f := automationForm{CloseSolved: tc.close, PendingRemind: tc.remind, PendingSolve: tc.solve}
		f.Validate()
		if f.Errors[tc.field] == "" {
			t.Errorf("%+v: errors %v, want one beside %s", tc, f.Errors, tc.field)
		}
	}
	admin := x.user(auth.RoleAdmin, "admin@example.com", "")
	ctx := auth.WithUser(context.Background(), admin)
	f := automationForm{CloseSolved: "7", PendingRemind: "3", PendingSolve: "4"}
	f.Validate()
	for range 2 {
		if err := saveAutomation(ctx, x.d.DB, f.set); err != nil {
			t.Fatal(err)
		}
	}
	if n := x.count(`SELECT count(*) FROM audit_log WHERE action = 'desk_automation.update'`); n != 1 {
		t.Fatalf("%d audit entries, want 1", n)
	}
	set, err := loadAutomationSettings(ctx, x.d.DB)
	if err != nil || daysText(set.CloseSolvedDays) != "7" || daysText(set.PendingSolveDays) != "4" {
		t.Fatalf("settings %+v, %v", set, err)
	}
}
