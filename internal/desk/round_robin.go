package desk

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// Round robin: a team with round_robin on gives each new ticket to the next of its
// available agents after the one who got the last (teams.rr_last_user_id), in agent id
// order and wrapping: active, not away, and under their capacity of open and pending
// tickets when they have one. The team's row is locked (FOR UPDATE) in the ticket's
// transaction, so concurrent tickets on any replica take turns: each waits for the one
// before to commit, then reads its cursor and its assignment in a fresh snapshot
// (READ COMMITTED: the pick is a second statement, after the lock).

const lockTeamSQL = `SELECT name FROM teams WHERE name = $1 AND round_robin FOR UPDATE`

const roundRobinSQL = `
WITH cand AS (
    SELECT a.user_id
    FROM agents a
    JOIN "user" u ON u.id = a.user_id
    WHERE a.team = $1 AND u.role IN ('agent', 'admin') AND NOT u.banned AND NOT a.away
      AND (a.capacity IS NULL OR a.capacity > (
          SELECT count(*) FROM tickets t WHERE t.assignee_id = a.user_id AND t.status IN ('open', 'pending')))
), pick AS (
    SELECT c.user_id FROM cand c
    ORDER BY c.user_id <= coalesce((SELECT rr_last_user_id FROM teams WHERE name = $1), ''), c.user_id
    LIMIT 1
), cur AS (
    UPDATE teams SET rr_last_user_id = pick.user_id FROM pick WHERE teams.name = $1 RETURNING pick.user_id
), t AS (
    UPDATE tickets SET assignee_id = cur.user_id FROM cur WHERE tickets.id = $2 AND tickets.assignee_id IS NULL
    RETURNING tickets.id, cur.user_id
), h AS (
    INSERT INTO ticket_assignment_changes (ticket_id, from_team, to_team, to_assignee, reason)
    SELECT id, $1, $1, user_id, 'round_robin' FROM t
)
SELECT user_id FROM t`

// roundRobin gives the new ticket id of team to the team's next available agent, in
// tx, when the team assigns by round robin; it returns the agent's id, "" when the team
// does not or nobody is available (the ticket stays unassigned).
func roundRobin(ctx context.Context, tx pgx.Tx, id string, team *string) (string, error) {
	if team == nil || *team == "" {
		return "", nil
	}
	var name string
	err := tx.QueryRow(ctx, lockTeamSQL, *team).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", db.Translate(err)
	}
	var agent string
	err = tx.QueryRow(ctx, roundRobinSQL, *team, id).Scan(&agent)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return agent, db.Translate(err)
}
