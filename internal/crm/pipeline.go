package crm

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/web"
)

// Pipeline is a named sales pipeline deals move through, with its stages in board
// order.
type Pipeline struct {
	ID        string          `db:"id"`
	Name      string          `db:"name"`
	CreatedAt time.Time       `db:"created_at"`
	Stages    []PipelineStage `db:"stages"`
}

// stagesOfSQL is a pipeline p's stages as a JSON array in board order: a handful of rows
// of a small table, read by its (pipeline_id, position) index.
const stagesOfSQL = `coalesce((SELECT json_agg(s ORDER BY ` + stageOrder + `) FROM (
    SELECT s.id, s.pipeline_id, s.name, s.kind, s.position, s.probability, s.rotting_days
    FROM pipeline_stages s WHERE s.pipeline_id = p.id) s), '[]')`

const listPipelinesSQL = `SELECT p.id, p.name, p.created_at, ` + stagesOfSQL + ` AS stages
FROM pipelines p ORDER BY p.created_at, p.name, p.id`

// ListPipelines returns every pipeline with its stages, oldest first: the first is the
// board's default.
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

// Stage is the pipeline's stage id, nil when it has none of that id.
func (p *Pipeline) Stage(id string) *PipelineStage {
	if p == nil {
		return nil
	}
	for i := range p.Stages {
		if p.Stages[i].ID == id {
			return &p.Stages[i]
		}
	}
	return nil
}

// FirstOf is the pipeline's first stage of kind (every pipeline has one of each), nil
// when it has none.
func (p *Pipeline) FirstOf(kind Stage) *PipelineStage {
	if p == nil {
		return nil
	}
	for i := range p.Stages {
		if p.Stages[i].Kind == kind {
			return &p.Stages[i]
		}
	}
	return nil
}

// OpenStages are the pipeline's open stages, in board order.
func (p *Pipeline) OpenStages() []PipelineStage {
	var out []PipelineStage
	for _, s := range p.Stages {
		if s.Kind.Open() {
			out = append(out, s)
		}
	}
	return out
}
