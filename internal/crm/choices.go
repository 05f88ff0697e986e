package crm

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// Choices are the reference lists the CRM's pages and forms offer: every pipeline with
// its stages, oldest first (the first is the board's default), and everyone a record
// can be assigned to, by name.
type Choices struct {
	Pipelines []Pipeline
	Owners    []Owner
	Fields    []CustomField // a list's custom fields (loadListChoices only)
}

// choiceRowsSQL is ListPipelines and ListOwners as the rows of one result, each marked
// with its kind. Rows rather than JSON arrays: a couple of hundred owners decode as fast
// as they did from a statement of their own.
const choiceRowsSQL = `
(SELECT 'pipeline' AS kind, p.id::text AS id, p.name, p.created_at, p.stages FROM (` + listPipelinesSQL + `) p)
UNION ALL
(SELECT 'owner', o.id, o.name, NULL, NULL FROM (` + ownersSQL + `) o)`

// choicesOrder puts each kind in its list's order: pipelines by creation, owners (who
// have no created_at here) by name.
const choicesOrder = `
ORDER BY kind DESC, created_at, name, id`

const choicesSQL = choiceRowsSQL + choicesOrder

// choiceRow is a row of choiceRowsSQL, or of a statement that adds other kinds to it.
type choiceRow struct {
	Kind      string          `db:"kind"`
	ID        string          `db:"id"`
	Name      string          `db:"name"`
	CreatedAt *time.Time      `db:"created_at"`
	Stages    []PipelineStage `db:"stages"` // a pipeline's, in board order
}

// collectChoices reads the rows of a choices statement into the lists, and returns the
// rest (other kinds) as they came.
func collectChoices(rows pgx.Rows) (Choices, []choiceRow, error) {
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[choiceRow])
	if err != nil {
		return Choices{}, nil, db.Translate(err)
	}
	var c Choices
	var rest []choiceRow
	for _, r := range list {
		switch {
		case r.Kind == "pipeline" && r.CreatedAt != nil:
			c.Pipelines = append(c.Pipelines, Pipeline{ID: r.ID, Name: r.Name, CreatedAt: *r.CreatedAt, Stages: r.Stages})
		case r.Kind == "owner":
			c.Owners = append(c.Owners, Owner{ID: r.ID, Name: r.Name})
		default:
			rest = append(rest, r)
		}
	}
	return c, rest, nil
}

// LoadChoices returns the pipelines and the owners in one statement.
func LoadChoices(ctx context.Context, q db.Querier) (Choices, error) {
	rows, err := q.Query(ctx, choicesSQL)
	if err != nil {
		return Choices{}, db.Translate(err)
	}
	c, _, err := collectChoices(rows)
	return c, err
}
