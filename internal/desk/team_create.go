package desk

import (
	"context"

	"rapport/internal/db"
)

const createTeamSQL = `INSERT INTO teams (name) VALUES ($1) ON CONFLICT DO NOTHING`

// CreateTeam makes the team name (kept when it exists) so that it can be chosen before
// any agent is in it.
func CreateTeam(ctx context.Context, q db.Querier, name string) error {
	_, err := q.Exec(ctx, createTeamSQL, name)
	return db.Translate(err)
}
