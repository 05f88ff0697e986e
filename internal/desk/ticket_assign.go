package desk

import (
	"context"
	"time"

	"rapport/internal/db"
)

// assignReason is why a ticket's assignee or team changed (ticket_assignment_changes).
type assignReason string

const (
	reasonManual      assignReason = "manual"      // the ticket page's form
	reasonTake        assignReason = "take"        // "Take it"
	reasonRoundRobin  assignReason = "round_robin" // a team's round robin, at creation
	reasonDeactivated assignReason = "deactivated" // the assignee was deactivated
)

// Label is the reason in words, for the ticket's history.
func (r assignReason) Label() string {
	switch r {
	case reasonTake:
		return "took it"
	case reasonRoundRobin:
		return "round robin"
	case reasonDeactivated:
		return "agent deactivated"
	}
	return "assigned"
}

const insertAssignmentSQL = `
INSERT INTO ticket_assignment_changes (ticket_id, actor_id, from_assignee, to_assignee, from_team, to_team, reason)
VALUES ($1, $2, $3, $4, $5, $6, $7)`

// recordAssignment writes the assignment history's row for ch on cur, when ch changes
// the assignee or the team.
func recordAssignment(ctx context.Context, q db.Querier, cur lockedTicket, ch change) error {
	if deref(cur.AssigneeID) == deref(ch.AssigneeID) && deref(cur.Team) == deref(ch.Team) {
		return nil
	}
	reason := ch.Reason
	if reason == "" {
		reason = reasonManual
	}
	_, err := q.Exec(ctx, insertAssignmentSQL, cur.ID, ch.Actor.ID, cur.AssigneeID, ch.AssigneeID, cur.Team, ch.Team, reason)
	return db.Translate(err)
}

// assignmentChange is one row of a ticket's assignment history, as the page shows it.
type assignmentChange struct {
	ActorName *string      `json:"actor_name"` // nil: round robin
	FromName  *string      `json:"from_name"`
	ToName    *string      `json:"to_name"`
	FromTeam  *string      `json:"from_team"`
	ToTeam    *string      `json:"to_team"`
	Reason    assignReason `json:"reason"`
	At        time.Time    `json:"created_at"`
}

// assignmentHistorySQL is ticket $1's assignment history (idx_assignment_change_ticket),
// for the ticket page's statement.
const assignmentHistorySQL = `
SELECT c.id, ac.name AS actor_name, fa.name AS from_name, ta.name AS to_name, c.from_team, c.to_team,
       c.reason, c.created_at
FROM ticket_assignment_changes c
LEFT JOIN "user" ac ON ac.id = c.actor_id
LEFT JOIN "user" fa ON fa.id = c.from_assignee
LEFT JOIN "user" ta ON ta.id = c.to_assignee
WHERE c.ticket_id = $1`

// Text is the change in words: "Sam took it", "Round robin: Sam", "Sam left the desk
// (…): back to Tier 1".
func (c assignmentChange) Text() string {
	to := derefOr(c.ToName, "nobody")
	if deref(c.ToTeam) != deref(c.FromTeam) {
		to += " (" + derefOr(c.ToTeam, "no team") + ")"
	}
	switch c.Reason {
	case reasonTake:
		return derefOr(c.ActorName, "Someone") + " took it"
	case reasonRoundRobin:
		return "Round robin: " + to
	case reasonDeactivated:
		return derefOr(c.FromName, "An agent") + " left the desk (deactivated or no longer an agent): back to " + derefOr(c.ToTeam, "the queue")
	}
	return derefOr(c.ActorName, "Someone") + " assigned it to " + to
}
