package desk

import (
	"net/url"
	"strings"
	"testing"

	"rapport/internal/auth"
	"rapport/internal/mail"
)

// The wording of every desk email, whole: with and without a base URL for the links.
// (Written against the emails as string concatenation built them, before they moved to
// templates; seen failing with the blank line after the reply dropped from its file.)
func TestTicketEmailWording(t *testing.T) {
	t.Parallel()
	base, _ := url.Parse("http://rapport.test")
	cur := lockedTicket{ID: "0b5e6d3c-1111-4222-8333-944455556666", Subject: `Charged "twice" <for> March`, Status: StatusOpen,
		RequesterID: "req", RequesterName: "Carol Chen", RequesterEmail: "carol@example.com"}
	jordan := &auth.User{ID: "agent", Name: "Jordan Lee", Role: auth.RoleAgent}
	morgan := &agent{ID: "agent2", Name: "Morgan Diaz", Email: "morgan@example.com", NotifyAssigned: true}
	quiet := &agent{ID: "agent3", Name: "Quinn Quiet", Email: "quinn@example.com"} // turned the email off
	const (
		portal     = "You can answer by replying to this email, or see the whole conversation here:\nhttp://rapport.test/support/tickets/0b5e6d3c-1111-4222-8333-944455556666\n"
		portalNone = "You can answer by replying to this email.\n"
	)
	sent := map[string]bool{}
	for _, c := range []struct {
		name string
		base *url.URL
		ch   change
		want []mail.Message
	}{
		{"reply", base, change{Actor: jordan, Body: "We refunded\nthe second charge.", Status: StatusPending, Priority: PriorityHigh},
			[]mail.Message{{To: "carol@example.com", Subject: `Re: Charged "twice" <for> March [#0b5e6d3c]`,
				Body: "Hello Carol Chen,\n\nJordan Lee replied to your ticket \"Charged \"twice\" <for> March\":\n\nWe refunded\nthe second charge.\n\n" + portal}}},
		{"reply and solve, no base URL", nil, change{Actor: jordan, Body: "Done.", Status: StatusSolved, Priority: PriorityHigh},
			[]mail.Message{{To: "carol@example.com", Subject: `Re: Charged "twice" <for> March [#0b5e6d3c]`,
				Body: "Hello Carol Chen,\n\nJordan Lee replied to your ticket \"Charged \"twice\" <for> March\":\n\nDone.\n\n" +
					"We have marked the ticket solved. If anything is still wrong, reply to this email and it opens again.\n\n" + portalNone}}},
		{"solve", base, change{Actor: jordan, Status: StatusSolved, Priority: PriorityHigh},
			[]mail.Message{{To: "carol@example.com", Subject: `Solved: Charged "twice" <for> March [#0b5e6d3c]`,
				Body: "Hello Carol Chen,\n\nYour ticket \"Charged \"twice\" <for> March\" has been solved by Jordan Lee. If anything is still wrong, reply to this email and it opens again.\n\n" +
					"See the whole conversation here:\nhttp://rapport.test/support/tickets/0b5e6d3c-1111-4222-8333-944455556666\n"}}},
		{"assign", base, change{Actor: jordan, Status: StatusOpen, Priority: PriorityUrgent, Assignee: morgan},
			[]mail.Message{{To: "morgan@example.com", Subject: `Assigned to you: Charged "twice" <for> March [#0b5e6d3c]`,
				Body: "Hello Morgan Diaz,\n\nJordan Lee assigned you ticket #0b5e6d3c \"Charged \"twice\" <for> March\" from Carol Chen (priority urgent, status open).\n\n" +
					"http://rapport.test/desk/tickets/0b5e6d3c-1111-4222-8333-944455556666\n"}}},
		{"reply, solve and assign, no base URL", nil, change{Actor: jordan, Body: "Done.", Status: StatusSolved, Priority: PriorityLow, Assignee: morgan},
			[]mail.Message{{To: "carol@example.com", Subject: `Re: Charged "twice" <for> March [#0b5e6d3c]`,
				Body: "Hello Carol Chen,\n\nJordan Lee replied to your ticket \"Charged \"twice\" <for> March\":\n\nDone.\n\n" +
					"We have marked the ticket solved. If anything is still wrong, reply to this email and it opens again.\n\n" + portalNone},
				{To: "morgan@example.com", Subject: `Assigned to you: Charged "twice" <for> March [#0b5e6d3c]`,
					Body: "Hello Morgan Diaz,\n\nJordan Lee assigned you ticket #0b5e6d3c \"Charged \"twice\" <for> March\" from Carol Chen (priority low, status solved).\n\n" +
						"It is in your queue in Rapport (assignee: mine).\n"}}},
		{"solve with rating links", base, change{Actor: jordan, Status: StatusSolved, Priority: PriorityHigh, RateGood: "http://rapport.test/csat/x?r=good", RateBad: "http://rapport.test/csat/x?r=bad"},
			[]mail.Message{{To: "carol@example.com", Subject: `Solved: Charged "twice" <for> March [#0b5e6d3c]`,
				Body: "Hello Carol Chen,\n\nYour ticket \"Charged \"twice\" <for> March\" has been solved by Jordan Lee. If anything is still wrong, reply to this email and it opens again.\n\n" +
					"How did we do? One click tells us:\nGood: http://rapport.test/csat/x?r=good\nBad:  http://rapport.test/csat/x?r=bad\n\n" +
					"See the whole conversation here:\nhttp://rapport.test/support/tickets/0b5e6d3c-1111-4222-8333-944455556666\n"}}},
		{"assigned to someone who turned the email off", base, change{Actor: jordan, Status: StatusOpen, Priority: PriorityUrgent, Assignee: quiet}, nil},
		{"self-assigned note", base, change{Actor: jordan, Body: "SECRET", Internal: true, Status: StatusOpen, Priority: PriorityLow, Assignee: &agent{ID: "agent"}}, nil},
	} {
		got, err := ticketEmails(Outbound{Base: c.base}, cur, c.ch)
		if err != nil || len(got) != len(c.want) {
			t.Errorf("%s: %d emails (%v), want %d: %+v", c.name, len(got), err, len(c.want), got)
			continue
		}
		for i := range got {
			sent[strings.Fields(got[i].Subject)[0]] = true
			g := mail.Message{To: got[i].To, Subject: got[i].Subject, Body: got[i].Body}
			if g.To != c.want[i].To || g.Subject != c.want[i].Subject || g.Body != c.want[i].Body {
				t.Errorf("%s, email %d:\n got %+v\nwant %+v", c.name, i, g, c.want[i])
			}
			if !strings.Contains(got[i].HTML, "Charged &#34;twice&#34; &lt;for&gt; March") || strings.Contains(got[i].HTML, "<for>") {
				t.Errorf("%s, email %d: HTML part does not escape the subject: %s", c.name, i, got[i].HTML)
			}
		}
	}
	// A merge's notice (ticket_merge.go composes it).
	m, err := emails.Message("ticket_merged", "carol@example.com", ticketEmail{Ref: "#0b5e6d3c", Subject: cur.Subject,
		Requester: "Carol Chen", Actor: "Jordan Lee", Into: "#1c2d3e4f", IntoSubject: "Charged twice", Link: "http://rapport.test/support/tickets/1"})
	wantMerged := "Hello Carol Chen,\n\nJordan Lee merged your ticket \"Charged \"twice\" <for> March\" into ticket #1c2d3e4f (\"Charged twice\"): the conversation continues there, and answering this email adds to it.\n\nSee it here:\nhttp://rapport.test/support/tickets/1\n"
	if err != nil || m.Subject != `Merged: Charged "twice" <for> March [#0b5e6d3c]` || m.Body != wantMerged {
		t.Errorf("merged: %v\n got %q\nwant %q", err, m.Body, wantMerged)
	}
	sent["Merged:"] = true
	// A new ticket's receipt and the team's notice (ticket_new_mail.go composes them).
	e := ticketEmail{Ref: "#0b5e6d3c", Subject: cur.Subject, Requester: "Carol Chen", Priority: PriorityHigh, Status: StatusOpen,
		Link: "http://rapport.test/support/tickets/1"}
	m, err = emails.Message("ticket_received", "carol@example.com", e)
	wantReceipt := "Hello Carol Chen,\n\nWe have your request \"Charged \"twice\" <for> March\": its number is #0b5e6d3c. Someone from the team will answer you soon. To add anything, reply to this email.\n\nFollow it here:\nhttp://rapport.test/support/tickets/1\n"
	if err != nil || m.Subject != `Received: Charged "twice" <for> March [#0b5e6d3c]` || m.Body != wantReceipt ||
		!strings.Contains(m.HTML, "&lt;for&gt;") {
		t.Errorf("received: %v\n got %q\nwant %q", err, m.Body, wantReceipt)
	}
	sent["Received:"] = true
	e.Assignee, e.Link = "Morgan Diaz", ""
	m, err = emails.Message("ticket_new", "morgan@example.com", e)
	wantNew := "Hello Morgan Diaz,\n\nCarol Chen opened ticket #0b5e6d3c \"Charged \"twice\" <for> March\" (priority high). Nobody has it yet.\n\nIt is in the queue in Rapport (Unassigned).\n\nYou get these emails for new unassigned tickets; turn them off on your account page.\n"
	if err != nil || m.Subject != `New ticket: Charged "twice" <for> March [#0b5e6d3c]` || m.Body != wantNew {
		t.Errorf("new: %v\n got %q\nwant %q", err, m.Body, wantNew)
	}
	sent["New"] = true
	// The jobs' emails (sla_*, pending_*) have their own wording test (TestJobEmailWording).
	var names []string
	for _, n := range emails.Names() {
		if strings.HasPrefix(n, "ticket_") {
			names = append(names, n)
		}
	}
	if len(sent) != len(names) {
		t.Errorf("the cases send %d kinds of email (%v); the files are %v", len(sent), sent, names)
	}
}
