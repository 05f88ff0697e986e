package desk

import (
	"embed"
	"errors"
	netmail "net/mail"
	"net/url"
	"strings"

	"rapport/internal/mail"
)

// The desk's emails, one file each in emails/: their whole wording is there.
//
//go:embed emails/*.tmpl
var emailFiles embed.FS

var emails = mail.MustTemplates(emailFiles, "emails/*.tmpl")

// Outbound is how the desk's emails link, sign and address themselves.
type Outbound struct {
	// Base, when set, makes emails carry a link to the ticket.
	Base *url.URL
	// Support is the desk's address (config SUPPORT_ADDRESS): the requester's mail
	// answers to support+<ticket token>@domain. "" sets no Reply-To.
	Support string
	// Sender is the display name of the configured sender (SMTP_FROM's, "Rapport
	// Support"): a mail an agent causes comes from "Ann at Rapport Support".
	Sender string
	// Domain is where the emails' Message-IDs are minted (SMTP_FROM's domain).
	Domain string
	// CSATKey signs the satisfaction links of a solve's email (CSATKey); nil sends none.
	CSATKey []byte
}

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
	Link      string     // the ticket's page for the recipient, or "" without a base URL
	Files     []fileLink // a public reply's attachments
	// Into, IntoSubject and Cross describe a merge (ticket_merged): the ticket this one
	// went into, and whether it is someone else's.
	Into        string
	IntoSubject string
	Cross       bool
	// Good and Bad are the solve's satisfaction links (csat_link.go), "" without them.
	Good, Bad string
}

// fileLink is an attachment as an email lists it: its name and, with a base URL, the
// address that downloads it after signing in.
type fileLink struct {
	Name string
	Link string
}

// ticketMail is one email a change sends, and whether the requester's thread holds it.
type ticketMail struct {
	mail.Message
	// Public is true for mail to the requester (and the ticket's copies): its thread
	// never references mail only staff saw.
	Public bool
}

// ticketEmails composes the emails one change sends: the requester hears of a public reply
// from the desk and of their ticket being solved (one email when both happen at once);
// a newly assigned agent hears of the assignment unless they assigned themselves.
// Nothing here ever reads an internal note: the only body quoted is ch.Body, and only
// when it is public, and only a public reply's files are listed. The requester's mail
// keeps the ticket's copies and answers to the ticket's reply address; the thread ids
// are added by threadEmails.
func ticketEmails(out Outbound, cur lockedTicket, ch change) ([]ticketMail, error) {
	var msgs []ticketMail
	var err error
	add := func(name, to string, e ticketEmail, public bool) {
		m, e2 := emails.Message(name, to, e)
		if ch.Actor.Name != "" && out.Sender != "" {
			m.FromName = ch.Actor.Name + " at " + out.Sender
		}
		if public {
			m.Cc = copies(cur.CcAddrs, cur.RequesterEmail, out.Support)
			m.ReplyTo = replyAddress(out.Support, cur.ReplyToken)
		}
		msgs, err = append(msgs, ticketMail{Message: m, Public: public}), errors.Join(err, e2)
	}
	e := ticketEmail{Ref: ShortRef(cur.ID), Subject: cur.Subject, Requester: cur.RequesterName, Actor: ch.Actor.Name,
		Priority: ch.Priority, Status: ch.Status, Link: link(out.Base, "/support/tickets/"+cur.ID)}
	fromDesk := ch.Actor.ID != cur.RequesterID
	e.Solved = ch.Status == StatusSolved && cur.Status != StatusSolved
	e.Good, e.Bad = ch.RateGood, ch.RateBad
	switch {
	case fromDesk && ch.Body != "" && !ch.Internal:
		e.Reply = ch.Body
		for _, f := range ch.Files {
			e.Files = append(e.Files, fileLink{Name: f.Name, Link: link(out.Base, "/support/attachments/"+f.ID)})
		}
		add("ticket_reply", cur.RequesterEmail, e, true)
	case fromDesk && e.Solved:
		add("ticket_solved", cur.RequesterEmail, e, true)
	}
	if ch.Assignee != nil && ch.Assignee.ID != ch.Actor.ID && ch.Assignee.NotifyAssigned {
		e.Files = nil
		e.Assignee, e.Link = ch.Assignee.Name, link(out.Base, "/desk/tickets/"+cur.ID)
		add("ticket_assigned", ch.Assignee.Email, e, false)
	}
	return msgs, err
}

// copies are the ticket's copies a reply keeps: each a valid address, once, never the
// requester (already the recipient) nor the desk's own address in any +tag form (a
// copy to ourselves would come back as mail to the ticket), at most maxCopies.
func copies(cc []string, requester, support string) []string {
	seen := map[string]bool{strings.ToLower(requester): true}
	local, domain, _ := strings.Cut(strings.ToLower(support), "@")
	var out []string
	for _, c := range cc {
		a, err := netmail.ParseAddress(c)
		if err != nil || strings.ContainsAny(c, "\r\n") {
			continue
		}
		addr := strings.ToLower(a.Address)
		l, d, _ := strings.Cut(addr, "@")
		l, _, _ = strings.Cut(l, "+")
		if seen[addr] || (support != "" && l == local && d == domain) || len(out) == maxCopies {
			continue
		}
		seen[addr] = true
		out = append(out, a.String())
	}
	return out
}

// maxCopies bounds a reply's copies.
const maxCopies = 20

// replyAddress is support's +token form (support+tok@example.com), or "" without
// either.
func replyAddress(support string, token *string) string {
	at := strings.LastIndexByte(support, '@')
	if at <= 0 || token == nil || *token == "" {
		return ""
	}
	return support[:at] + "+" + *token + support[at:]
}

// link is the absolute URL of path under base for an email, or "" without a base.
func link(base *url.URL, path string) string {
	if base == nil {
		return ""
	}
	return base.String() + path
}
