package desk

import (
	"embed"
	"errors"
	"net/url"

	"rapport/internal/mail"
)

// The desk's emails, one file each in emails/: their whole wording is there.
//
//go:embed emails/*.tmpl
var emailFiles embed.FS

var emails = mail.MustTemplates(emailFiles, "emails/*.tmpl")

// ticketEmail is what the desk's emails say about a ticket and a change to it.
type ticketEmail struct {
	Ref       string // "#0b5e6d3c"
	Subject   string
	Requester string
	Actor     string
	Reply     string // a public reply's body
	Solved    bool   // the change solved the ticket
	Assignee  string
	Priority  Priority
	Status    Status
	Link      string // the ticket's page for the recipient, or "" without a base URL
}

// ticketEmails composes the emails one change sends: the requester hears of a public reply
// from the desk and of their ticket being solved (one email when both happen at once);
// a newly assigned agent hears of the assignment unless they assigned themselves.
// Nothing here ever reads an internal note: the only body quoted is ch.Body, and only
// when it is public. Links are under base (none when nil).
func ticketEmails(base *url.URL, cur lockedTicket, ch change) ([]mail.Message, error) {
	var out []mail.Message
	var err error
	add := func(name, to string, e ticketEmail) {
		m, e2 := emails.Message(name, to, e)
		out, err = append(out, m), errors.Join(err, e2)
	}
	e := ticketEmail{Ref: ShortRef(cur.ID), Subject: cur.Subject, Requester: cur.RequesterName, Actor: ch.Actor.Name,
		Priority: ch.Priority, Status: ch.Status, Link: link(base, "/support/tickets/"+cur.ID)}
	fromDesk := ch.Actor.ID != cur.RequesterID
	e.Solved = ch.Status == StatusSolved && cur.Status != StatusSolved
	switch {
	case fromDesk && ch.Body != "" && !ch.Internal:
		e.Reply = ch.Body
		add("ticket_reply", cur.RequesterEmail, e)
	case fromDesk && e.Solved:
		add("ticket_solved", cur.RequesterEmail, e)
	}
	if ch.Assignee != nil && ch.Assignee.ID != ch.Actor.ID {
		e.Assignee, e.Link = ch.Assignee.Name, link(base, "/desk/tickets/"+cur.ID)
		add("ticket_assigned", ch.Assignee.Email, e)
	}
	return out, err
}

// link is the absolute URL of path under base for an email, or "" without a base.
func link(base *url.URL, path string) string {
	if base == nil {
		return ""
	}
	return base.String() + path
}
