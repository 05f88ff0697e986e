package desk

import (
	"context"

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
