package desk

import (
	"errors"
	"time"
)

// Ticket statuses, as stored in tickets.status.
const (
	StatusOpen    = "open"
	StatusPending = "pending"
	StatusSolved  = "solved"
	StatusClosed  = "closed"
)

// Statuses lists the statuses in the order the queue's views show them.
var Statuses = []string{StatusOpen, StatusPending, StatusSolved, StatusClosed}

// Priorities lists the priorities from the most urgent, the order of tickets.priority_rank.
var Priorities = []string{"urgent", "high", "normal", "low"}

// validPriority reports whether p is one of the four priorities.
func validPriority(p string) bool {
	for _, v := range Priorities {
		if v == p {
			return true
		}
	}
	return false
}

// priorityRank is tickets.priority_rank for p (urgent 0 … low 3), or -1.
func priorityRank(p string) int {
	for i, v := range Priorities {
		if v == p {
			return i
		}
	}
	return -1
}

// transitions are the status changes an agent may make. A closed ticket is final; a
// ticket is closed only once solved; a requester's reply reopens a pending or solved one.
var transitions = map[string][]string{
	StatusOpen:    {StatusPending, StatusSolved},
	StatusPending: {StatusOpen, StatusSolved},
	StatusSolved:  {StatusOpen, StatusClosed},
	StatusClosed:  nil,
}

// CanMove reports whether a ticket may go from status from to status to. Staying put
// is always allowed, except on a closed ticket, which nothing changes.
func CanMove(from, to string) bool {
	if from == StatusClosed {
		return false
	}
	if from == to {
		_, ok := transitions[to]
		return ok
	}
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// moveProblem explains why from -> to is refused, for the form.
func moveProblem(from, to string) string {
	switch {
	case from == StatusClosed:
		return "This ticket is closed: it can no longer change."
	case to == StatusClosed:
		return "Only a solved ticket can be closed: solve it first."
	}
	if _, ok := transitions[to]; !ok {
		return "Choose one of the statuses."
	}
	return "A " + from + " ticket cannot become " + to + "."
}

// pausedStatus reports whether the resolution clock stands still in status s: while the
// ticket waits on the requester (pending) or is solved (and closed, which is final).
func pausedStatus(s string) bool {
	return s == StatusPending || s == StatusSolved || s == StatusClosed
}

var (
	// ErrClosed means the ticket is closed and takes no more replies or changes.
	ErrClosed = errors.New("ticket closed")
	// ErrStale means the ticket changed after the form was loaded: nothing was saved.
	ErrStale = errors.New("ticket changed since it was loaded")
)

// ShortRef is the ticket's reference as people quote it: # and the first 8 characters.
func ShortRef(id string) string {
	if len(id) < 8 {
		return "#" + id
	}
	return "#" + id[:8]
}

// Message is one entry of a thread (a row, or an object of a JSON array of rows).
type Message struct {
	ID         string    `db:"id" json:"id"`
	AuthorID   string    `db:"author_id" json:"author_id"`
	AuthorName string    `db:"author_name" json:"author_name"`
	Body       string    `db:"body" json:"body"`
	IsInternal bool      `db:"is_internal" json:"is_internal"`
	FromStaff  bool      `db:"from_staff" json:"from_staff"` // written by someone other than the requester
	CreatedAt  time.Time `db:"created_at" json:"created_at"`
}

// StatusChange is one row of a ticket's status history.
type StatusChange struct {
	ActorName string    `db:"actor_name" json:"actor_name"`
	From      *string   `db:"from_status" json:"from_status"`
	To        string    `db:"to_status" json:"to_status"`
	At        time.Time `db:"created_at" json:"created_at"`
}
