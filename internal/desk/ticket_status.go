package desk

// A ticket's status and priority: the values tickets.status and tickets.priority hold
// (the seed schema's check constraints), their labels, and the status changes allowed,
// in one place. Everything else in the desk uses these types, never bare strings.

// Status is a ticket's status, as stored in tickets.status.
type Status string

// The statuses a ticket goes through.
const (
	StatusOpen    Status = "open"
	StatusPending Status = "pending" // waiting on the requester
	StatusSolved  Status = "solved"
	StatusClosed  Status = "closed" // final
)

// Statuses lists the statuses in the order the queue's views show them.
var Statuses = []Status{StatusOpen, StatusPending, StatusSolved, StatusClosed}

var statusLabels = map[Status]string{StatusOpen: "Open", StatusPending: "Pending", StatusSolved: "Solved", StatusClosed: "Closed"}

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool {
	_, ok := statusLabels[s]
	return ok
}

// Label is the status for people ("Pending"); an unknown value is shown as is.
func (s Status) Label() string {
	if l, ok := statusLabels[s]; ok {
		return l
	}
	return string(s)
}

// transitions are the status changes an agent may make. A closed ticket is final; a
// ticket is closed only once solved; a requester's reply reopens a pending or solved one
// (support_reply.go, which moves it to open whatever an agent could do).
var transitions = map[Status][]Status{
	StatusOpen:    {StatusPending, StatusSolved},
	StatusPending: {StatusOpen, StatusSolved},
	StatusSolved:  {StatusOpen, StatusClosed},
	StatusClosed:  nil,
}

// Next lists the statuses an agent may move a ticket in status s to, itself excluded.
func (s Status) Next() []Status { return transitions[s] }

// CanMove reports whether a ticket may go from status from to status to. Staying put
// is always allowed, except on a closed ticket, which nothing changes.
func CanMove(from, to Status) bool {
	if from == StatusClosed {
		return false
	}
	if from == to {
		return to.Valid()
	}
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// moveProblem explains why from -> to is refused, for the form.
func moveProblem(from, to Status) string {
	switch {
	case from == StatusClosed:
		return "This ticket is closed: it can no longer change."
	case to == StatusClosed:
		return "Only a solved ticket can be closed: solve it first."
	case !to.Valid():
		return "Choose one of the statuses."
	}
	return "A " + string(from) + " ticket cannot become " + string(to) + "."
}

// Paused reports whether the resolution clock stands still in status s: while the
// ticket waits on the requester (pending) or is solved (and closed, which is final).
func (s Status) Paused() bool {
	return s == StatusPending || s == StatusSolved || s == StatusClosed
}

// Priority is a ticket's priority, as stored in tickets.priority (and an SLA policy's).
type Priority string

// The priorities, most urgent first.
const (
	PriorityUrgent Priority = "urgent"
	PriorityHigh   Priority = "high"
	PriorityNormal Priority = "normal"
	PriorityLow    Priority = "low"
)

// Priorities lists the priorities from the most urgent, the order of tickets.priority_rank.
var Priorities = []Priority{PriorityUrgent, PriorityHigh, PriorityNormal, PriorityLow}

var priorityLabels = map[Priority]string{PriorityUrgent: "Urgent", PriorityHigh: "High", PriorityNormal: "Normal", PriorityLow: "Low"}

// Valid reports whether p is one of the four priorities.
func (p Priority) Valid() bool {
	_, ok := priorityLabels[p]
	return ok
}

// Label is the priority for people ("Urgent"); an unknown value is shown as is.
func (p Priority) Label() string {
	if l, ok := priorityLabels[p]; ok {
		return l
	}
	return string(p)
}

// Rank is tickets.priority_rank for p (urgent 0 … low 3), or -1.
func (p Priority) Rank() int {
	for i, v := range Priorities {
		if v == p {
			return i
		}
	}
	return -1
}
