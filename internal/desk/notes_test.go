package desk

import (
	"context"
	"errors"
	"strings"
	"testing"

	"rapport/internal/auth"
	"rapport/internal/db"
)

// An internal note stays inside the desk at the store level: the requester's thread,
// their list's "last update" and "reply waiting", the outbox, and another customer's
// view of the same ticket.
func TestInternalNotesNeverLeaveTheDesk(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	const secret = "SECRET-NOTE: customer is on a legacy plan"
	id := f.ticket("Charged twice", "Please refund one charge.")

	if err := f.update(f.agent, id, ticketForm{Body: "We refunded the second charge.", Status: StatusPending, Priority: "normal"}); err != nil {
		t.Fatal(err)
	}
	list, _, err := listMyTickets(ctx, f.d.DB, f.customer.ID, nil)
	if err != nil || len(list) != 1 || !list[0].ReplyWaiting() {
		t.Fatalf("after a public reply: %v %+v", err, list)
	}
	lastPublic := list[0].LastUpdate

	if err := f.update(f.agent2, id, ticketForm{Body: secret, Internal: true, Status: StatusPending, Priority: "normal"}); err != nil {
		t.Fatal(err)
	}
	tk, thread, err := portalTicketWithThread(ctx, f.d.DB, f.customer.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	if tk.ID != id || len(thread) != 2 {
		t.Fatalf("requester's thread has %d messages, want the request and the public reply", len(thread))
	}
	for _, m := range thread {
		if m.IsInternal || strings.Contains(m.Body, "SECRET") {
			t.Fatalf("the requester's thread holds a note: %+v", m)
		}
	}
	list, _, _ = listMyTickets(ctx, f.d.DB, f.customer.ID, nil)
	if !list[0].LastUpdate.Equal(lastPublic) || !list[0].ReplyWaiting() {
		t.Fatalf("a note changed what the requester sees: last update %s (was %s)", list[0].LastUpdate, lastPublic)
	}

	// The desk sees it, marked.
	d, err := loadDeskTicket(ctx, f.d.DB, id)
	all := d.Thread
	if err != nil || len(all) != 3 || !all[2].IsInternal || all[2].Body != secret {
		t.Fatalf("desk thread: %v %+v", err, all)
	}

	// Solving and then assigning send mail; none of it carries the note.
	if err := f.update(f.agent, id, ticketForm{Status: StatusSolved, Priority: "normal", AssigneeID: f.agent2.ID}); err != nil {
		t.Fatal(err)
	}
	rows, err := f.d.DB.Query(ctx, `SELECT to_addr, subject, body FROM mail_outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var to []string
	for rows.Next() {
		var addr, subject, body string
		if err := rows.Scan(&addr, &subject, &body); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(subject+body, "SECRET") {
			t.Fatalf("email to %s carries the note:\n%s", addr, body)
		}
		to = append(to, addr+": "+strings.SplitN(subject, ":", 2)[0])
	}
	want := []string{"carol@example.com: Re", "carol@example.com: Solved", "morgan@example.com: Assigned to you"}
	if strings.Join(to, "|") != strings.Join(want, "|") {
		t.Fatalf("outbox: %q, want %q", to, want)
	}

	// Another customer gets nothing: not the ticket, not its thread, not a reply in.
	if _, _, err := portalTicketWithThread(ctx, f.d.DB, f.other.ID, id); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("another customer's view: %v", err)
	}
	if list, _, _ := listMyTickets(ctx, f.d.DB, f.other.ID, nil); len(list) != 0 {
		t.Fatalf("another customer's list: %+v", list)
	}
	if err := f.reply(f.other, id, "hijack"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("another customer's reply: %v", err)
	}
}

// An internal note alone emails nobody, even the requester of a ticket it solves.
func TestNoteEmailsNobody(t *testing.T) {
	t.Parallel()
	cur := lockedTicket{ID: "0b5e6d3c-1111-4222-8333-944455556666", Subject: "S", Status: StatusOpen,
		RequesterID: "req", RequesterName: "Carol", RequesterEmail: "carol@example.com"}
	f := &auth.User{ID: "agent", Name: "Jordan Lee", Role: auth.RoleAgent}
	msgs, err := ticketEmails(nil, cur, change{Actor: f, Body: "SECRET", Internal: true, Status: StatusPending})
	if err != nil || len(msgs) != 0 {
		t.Fatalf("a note sent %d emails", len(msgs))
	}
	msgs, err = ticketEmails(nil, cur, change{Actor: f, Body: "SECRET", Internal: true, Status: StatusSolved})
	if err != nil || len(msgs) != 1 || strings.Contains(msgs[0].Body, "SECRET") || !strings.HasPrefix(msgs[0].Subject, "Solved:") {
		t.Fatalf("note and solve: %+v", msgs)
	}
}
