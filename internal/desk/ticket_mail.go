package desk

import (
	"rapport/internal/mail"
)

// emailsFor composes the emails one change sends: the requester hears of a public reply
// from the desk and of their ticket being solved (one email when both happen at once);
// a newly assigned agent hears of the assignment unless they assigned themselves.
// Nothing here ever reads an internal note: the only body quoted is ch.Body, and only
// when it is public.
func (s *Service) emailsFor(cur lockedTicket, ch change) []mail.Message {
	var out []mail.Message
	ref := ShortRef(cur.ID)
	fromDesk := ch.Actor.ID != cur.RequesterID
	solvedNow := ch.Status == StatusSolved && cur.Status != StatusSolved
	switch {
	case fromDesk && ch.Body != "" && !ch.Internal:
		body := "Hello " + cur.RequesterName + ",\n\n" + ch.Actor.Name + " replied to your ticket \"" + cur.Subject + "\":\n\n" +
			ch.Body + "\n\n"
		if solvedNow {
			body += "We have marked the ticket solved. If anything is still wrong, reply and it opens again.\n\n"
		}
		out = append(out, mail.Message{
			To:      cur.RequesterEmail,
			Subject: "Re: " + cur.Subject + " [" + ref + "]",
			Body:    body + s.portalLine(cur.ID),
		})
	case fromDesk && solvedNow:
		out = append(out, mail.Message{
			To:      cur.RequesterEmail,
			Subject: "Solved: " + cur.Subject + " [" + ref + "]",
			Body: "Hello " + cur.RequesterName + ",\n\nYour ticket \"" + cur.Subject + "\" has been solved by " + ch.Actor.Name +
				". If anything is still wrong, reply and it opens again.\n\n" + s.portalLine(cur.ID),
		})
	}
	if ch.Assignee != nil && ch.Assignee.ID != ch.Actor.ID {
		link := s.link("/desk/tickets/" + cur.ID)
		if link == "" {
			link = "It is in your queue in Rapport (assignee: mine)."
		}
		out = append(out, mail.Message{
			To:      ch.Assignee.Email,
			Subject: "Assigned to you: " + cur.Subject + " [" + ref + "]",
			Body: "Hello " + ch.Assignee.Name + ",\n\n" + ch.Actor.Name + " assigned you ticket " + ref + " \"" + cur.Subject +
				"\" from " + cur.RequesterName + " (priority " + string(ch.Priority) + ", status " + string(ch.Status) + ").\n\n" + link + "\n",
		})
	}
	return out
}

// portalLine is the closing line of an email to a requester.
func (s *Service) portalLine(id string) string {
	if link := s.link("/support/tickets/" + id); link != "" {
		return "See the whole conversation and reply here:\n" + link + "\n"
	}
	return "Sign in to Rapport to see the whole conversation and reply.\n"
}
