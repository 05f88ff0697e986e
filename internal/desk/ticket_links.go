package desk

import (
	"strings"
	"time"
)

// ticketLink is one entry of a ticket's merge and split history (ticket_links).
type ticketLink struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"` // merged_into, merged_from, split_to, split_from
	OtherID   *string   `json:"other_id"`
	OtherRef  string    `json:"other_ref"`
	ActorName *string   `json:"actor_name"`
	At        time.Time `json:"created_at"`
}

// Text is the entry in words, without the other ticket's reference.
func (l ticketLink) Text() string {
	switch l.Kind {
	case "merged_into":
		return "merged into"
	case "merged_from":
		return "merged in:"
	case "split_to":
		return "split a message out to"
	case "split_from":
		return "split out of"
	}
	return l.Kind
}

// ticketRating is a solve's satisfaction survey as the ticket page shows it.
type ticketRating struct {
	Rating   *string    `json:"rating"` // good, bad, or nil: not answered
	Comment  *string    `json:"comment"`
	RatedAt  *time.Time `json:"rated_at"`
	SolvedAt time.Time  `json:"solved_at"`
}

// mergeView is the merge step on the ticket page: the target typed, and once found the
// confirmation it needs.
type mergeView struct {
	Target  string // as typed: an id or a reference
	Error   string
	Found   *mergeTarget
	Confirm bool // the cross-requester warning was shown
}

// mergeTarget is the ticket a merge would go into, as the confirmation shows it.
type mergeTarget struct {
	ID            string `db:"id"`
	Subject       string `db:"subject"`
	Status        Status `db:"status"`
	RequesterID   string `db:"requester_id"`
	RequesterName string `db:"requester_name"`
	Version       int    `db:"version"`
}

func mergeTyped(m *mergeView) string {
	if m == nil {
		return ""
	}
	return m.Target
}

func mergeError(m *mergeView) string {
	if m == nil {
		return ""
	}
	return m.Error
}

// splittable are the requester's own messages of a ticket with more than one message:
// those a split can take out.
func splittable(v deskTicketView) []Message {
	if len(v.Thread) < 2 {
		return nil
	}
	var out []Message
	for i, m := range v.Thread {
		if i > 0 && !m.FromStaff && !m.IsInternal {
			out = append(out, m)
		}
	}
	return out
}

// excerpt is the start of s, at most n characters, on one line.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
