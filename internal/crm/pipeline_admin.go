package crm

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

const maxPipelineName = 100

// ErrPipelineNameTaken means another pipeline has the name.
var ErrPipelineNameTaken = errors.New("crm: a pipeline has this name")

// PipelineStats is a pipeline with its number of deals, for the admin's list.
type PipelineStats struct {
	Pipeline
	Deals int64 `db:"deals"`
}

const pipelineStatsSQL = `
SELECT p.id, p.name, p.created_at, ` + stagesOfSQL + ` AS stages, (SELECT count(*) FROM deals d WHERE d.pipeline_id = p.id) AS deals
FROM pipelines p
ORDER BY p.created_at, p.name, p.id`

// ListPipelineStats returns every pipeline with its number of deals.
func ListPipelineStats(ctx context.Context, q db.Querier) ([]PipelineStats, error) {
	rows, err := q.Query(ctx, pipelineStatsSQL)
	if err != nil {
		return nil, db.Translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[PipelineStats])
	return list, db.Translate(err)
}

// The form's key is claimed in the same statement (form.Claim).
const createPipelineSQL = `
WITH claim AS (
    INSERT INTO form_submission (user_id, key, redirect_to)
    SELECT $2, $3, $4 WHERE $3 <> ''
    ON CONFLICT (user_id, key) DO NOTHING RETURNING true
)
INSERT INTO pipelines (name) SELECT $1 WHERE $3 = '' OR EXISTS (SELECT FROM claim)
RETURNING id`

// CreatePipeline adds a pipeline that comes from no form (seeds, fixtures);
// ErrPipelineNameTaken when the name is in use.
func CreatePipeline(ctx context.Context, q db.Querier, name string) (string, error) {
	return createPipeline(ctx, q, form.Claim{}, name)
}

// createPipeline is CreatePipeline claiming the form's key in the same statement: a
// repeat of the key creates nothing and returns a *form.Repeat.
func createPipeline(ctx context.Context, q db.Querier, claim form.Claim, name string) (string, error) {
	var id string
	err := q.QueryRow(ctx, createPipelineSQL, name, claim.UserID, string(claim.Key), claim.To).Scan(&id)
	if db.Unique(err, "pipelines_name_unique") {
		return "", ErrPipelineNameTaken
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return "", claim.Repeated(ctx, q)
	}
	return id, db.Translate(err)
}

// renamePipelineSQL returns the name it replaced: the subquery locks the row first, so
// "was" is the name this update changed.
const renamePipelineSQL = `
UPDATE pipelines p SET name = $2
FROM (SELECT id, name FROM pipelines WHERE id = $1 FOR UPDATE) was
WHERE p.id = was.id
RETURNING was.name`

// RenamePipeline renames a pipeline; ErrPipelineNameTaken when another has the name.
func RenamePipeline(ctx context.Context, q db.Querier, id, name string) error {
	_, err := renamePipeline(ctx, q, id, name)
	return err
}

// renamePipeline is RenamePipeline returning the name it replaced.
func renamePipeline(ctx context.Context, q db.Querier, id, name string) (string, error) {
	var was string
	err := q.QueryRow(ctx, renamePipelineSQL, id, name).Scan(&was)
	if db.Unique(err, "pipelines_name_unique") {
		return "", ErrPipelineNameTaken
	}
	return was, db.Translate(err)
}

// pipelineEntry is the audit log's entry of a pipeline change by the signed-in admin.
func pipelineEntry(ctx context.Context, action audit.Action, id, name string) audit.Entry {
	by := auth.UserFrom(ctx)
	return audit.Entry{ActorID: by.ID, ActorEmail: by.Email, Action: action, TargetType: audit.TargetPipeline,
		TargetID: id, TargetLabel: name, After: map[string]string{"name": name}}
}

// pipelineForm is the create or rename form.
type pipelineForm struct {
	ID     string // "" when creating
	Name   string
	Errors form.Errors
	Key    form.Key // the create form's one-time key
}

func (f *pipelineForm) Validate() {
	form.Required(f.Errors, "name", f.Name, "Name", maxPipelineName)
}

// pipelinesPage is the admin's pipeline list with the create form.
type pipelinesPage struct {
	Pipelines []PipelineStats
	Form      pipelineForm
}

// PipelineList lists the pipelines with a form to add one (GET /admin/pipelines).
func (s *Service) PipelineList(w http.ResponseWriter, r *http.Request) {
	s.renderPipelines(w, r, http.StatusOK, pipelineForm{Errors: form.Errors{}, Key: form.NewKey()})
}

func (s *Service) renderPipelines(w http.ResponseWriter, r *http.Request, status int, f pipelineForm) {
	list, err := ListPipelineStats(r.Context(), s.DB)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Render(w, r, status, "Pipelines", pipelinesAdminPage(pipelinesPage{Pipelines: list, Form: f}))
}

// PipelineCreate adds a pipeline (POST /admin/pipelines).
func (s *Service) PipelineCreate(w http.ResponseWriter, r *http.Request) {
	if !s.Pages.ParseForm(w, r) {
		return
	}
	key, ok := s.Pages.FormKey(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	f := pipelineForm{Name: form.Text(r, "name"), Errors: form.Errors{}, Key: key}
	f.Validate()
	if f.Errors.OK() {
		claim := form.Claim{UserID: ActorFrom(ctx).ID, Key: key, To: "/admin/pipelines"}
		err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
			id, err := createPipeline(ctx, tx, claim, f.Name)
			if err != nil {
				return err
			}
			return audit.Record(ctx, tx, pipelineEntry(ctx, audit.PipelineCreated, id, f.Name))
		})
		if s.Pages.Repeated(w, r, err) {
			return
		}
		switch {
		case errors.Is(err, ErrPipelineNameTaken):
			f.Errors.Add("name", "A pipeline is already called "+f.Name+".")
		case err != nil:
			s.Pages.Fail(w, r, err)
			return
		default:
			s.Pages.Flash(w, r, "success", "Pipeline "+f.Name+" created.")
			httpx.Redirect(w, r, "/admin/pipelines")
			return
		}
	}
	s.renderPipelines(w, r, http.StatusUnprocessableEntity, f)
}

// PipelineEdit is a pipeline's page (GET /admin/pipelines/{id}): its name, its
// stages with their deals, and the forms to rename it and to add, edit, reorder and
// remove stages. One statement.
func (s *Service) PipelineEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return
	}
	s.renderPipelineEdit(w, r, http.StatusOK, id, pipelineEditPage{})
}

// PipelineUpdate renames a pipeline (POST /admin/pipelines/{id}).
func (s *Service) PipelineUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok || !s.Pages.ParseForm(w, r) {
		return
	}
	f := pipelineForm{ID: id, Name: form.Text(r, "name"), Errors: form.Errors{}}
	f.Validate()
	if f.Errors.OK() {
		ctx := r.Context()
		err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
			was, err := renamePipeline(ctx, tx, id, f.Name)
			if err != nil || was == f.Name {
				return err
			}
			e := pipelineEntry(ctx, audit.PipelineRenamed, id, f.Name)
			e.Before = map[string]string{"name": was}
			return audit.Record(ctx, tx, e)
		})
		switch {
		case errors.Is(err, ErrPipelineNameTaken):
			f.Errors.Add("name", "A pipeline is already called "+f.Name+".")
		case err != nil:
			s.Pages.Fail(w, r, err)
			return
		default:
			s.Pages.Flash(w, r, "success", "Pipeline renamed to "+f.Name+".")
			httpx.Redirect(w, r, "/admin/pipelines")
			return
		}
	}
	s.renderPipelineEdit(w, r, http.StatusUnprocessableEntity, id, pipelineEditPage{Rename: f})
}
