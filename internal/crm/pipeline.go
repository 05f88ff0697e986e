package crm

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/web"
)

// Pipeline is a named sales pipeline deals move through.
type Pipeline struct {
	ID        string    `db:"id"`
	Name      string    `db:"name"`
	CreatedAt time.Time `db:"created_at"`
}

const listPipelinesSQL = `SELECT id, name, created_at FROM pipelines ORDER BY created_at, name, id`

// ListPipelines returns every pipeline, oldest first: the first is the board's default.
func ListPipelines(ctx context.Context, q db.Querier) ([]Pipeline, error) {
	rows, err := q.Query(ctx, listPipelinesSQL)
	if err != nil {
		return nil, db.Translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[Pipeline])
	return list, db.Translate(err)
}

func pipelineOptions(pipes []Pipeline, all string) []web.Option {
	var o []web.Option
	if all != "" {
		o = append(o, web.Option{Value: "", Label: all})
	}
	for _, p := range pipes {
		o = append(o, web.Option{Value: p.ID, Label: p.Name})
	}
	return o
}

func findPipeline(pipes []Pipeline, id string) *Pipeline {
	for i := range pipes {
		if pipes[i].ID == id {
			return &pipes[i]
		}
	}
	return nil
}
