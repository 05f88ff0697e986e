package crm

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// The admin's handlers of a pipeline's stages, on the pipeline's page
// (/admin/pipelines/{id}): add, edit, reorder and remove.

// pipelineEditPage is the admin's page of one pipeline: the rename form, the stages
// and the add-a-stage form.
type pipelineEditPage struct {
	Pipeline *PipelineAdmin
	Rename   pipelineForm
	Add      stageForm
}

// renderPipelineEdit shows the pipeline's page (one statement) with the forms as given.
func (s *Service) renderPipelineEdit(w http.ResponseWriter, r *http.Request, status int, id string, p pipelineEditPage) {
	pl, err := LoadPipelineAdmin(r.Context(), s.DB, id)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	p.Pipeline = pl
	if p.Rename.Errors == nil {
		p.Rename = pipelineForm{ID: id, Name: pl.Name, Errors: form.Errors{}}
	}
	if p.Add.Errors == nil {
		p.Add = stageForm{PipelineID: id, Kind: StageQualified, Probability: "50", Errors: form.Errors{}, Key: form.NewKey()}
	}
	s.Pages.Render(w, r, status, pl.Name+" pipeline", pipelineEditView(p))
}

func stagesPath(pipelineID string) string { return "/admin/pipelines/" + url.PathEscape(pipelineID) }

func stagePath(pipelineID, stageID string) string {
	return stagesPath(pipelineID) + "/stages/" + url.PathEscape(stageID)
}

// stageEntry is the audit log's entry of a change to a pipeline's stages: the
// pipeline is the target, the stage's fields are what changed.
func stageEntry(ctx context.Context, action audit.Action, pipelineID, pipelineName string, before, after map[string]string) audit.Entry {
	e := pipelineEntry(ctx, action, pipelineID, pipelineName)
	e.After = after
	if before != nil {
		e.Before = before
	}
	return e
}

func (f stageFields) audit() map[string]string {
	m := map[string]string{"stage": f.Name, "kind": f.Kind.Label(), "probability": strconv.Itoa(f.Probability), "rotting_days": ""}
	if f.RottingDays != nil {
		m["rotting_days"] = strconv.Itoa(*f.RottingDays)
	}
	return m
}

func parseStageForm(r *http.Request) stageForm {
	return stageForm{Name: form.Text(r, "stage_name"), Kind: Stage(form.Text(r, "kind")), Probability: form.Text(r, "probability"),
		RottingDays: form.Text(r, "rotting_days"), Errors: form.Errors{}}
}

// StageCreate adds an open stage to the pipeline (POST /admin/pipelines/{id}/stages).
func (s *Service) StageCreate(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok || !s.Pages.ParseForm(w, r) {
		return
	}
	key, ok := s.Pages.FormKey(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	f := parseStageForm(r)
	f.PipelineID, f.Key = id, key
	f.Validate(false)
	if f.Errors.OK() {
		claim := form.Claim{UserID: ActorFrom(ctx).ID, Key: key, To: stagesPath(id)}
		err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
			if _, err := CreateStage(ctx, tx, claim, id, f.fields); err != nil {
				return err
			}
			name, err := lockPipeline(ctx, tx, id)
			if err != nil {
				return err
			}
			return audit.Record(ctx, tx, stageEntry(ctx, audit.StageCreated, id, name, nil, f.fields.audit()))
		})
		if s.Pages.Repeated(w, r, err) {
			return
		}
		switch {
		case errors.Is(err, ErrStageNameTaken):
			f.Errors.Add("stage_name", "A stage of this pipeline is already called "+f.Name+".")
		case err != nil:
			s.Pages.Fail(w, r, err)
			return
		default:
			s.Pages.Flash(w, r, "success", "Stage "+f.Name+" added.")
			httpx.Redirect(w, r, stagesPath(id))
			return
		}
	}
	s.renderPipelineEdit(w, r, http.StatusUnprocessableEntity, id, pipelineEditPage{Add: f})
}

// stageEditPage is the edit form of one stage.
type stageEditPage struct {
	Pipeline *PipelineAdmin
	Stage    *StageStats
	Form     stageForm
}

// stageRoute reads the route's pipeline and stage ids (404 for a malformed one).
func (s *Service) stageRoute(w http.ResponseWriter, r *http.Request) (string, string, bool) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return "", "", false
	}
	stage, ok := s.Pages.PathID(w, r, "stage")
	return id, stage, ok
}

// loadStage loads the pipeline's page data and its stage; db.ErrNotFound when the
// pipeline has no such stage.
func (s *Service) loadStage(ctx context.Context, id, stageID string) (*PipelineAdmin, *StageStats, error) {
	pl, err := LoadPipelineAdmin(ctx, s.DB, id)
	if err != nil {
		return nil, nil, err
	}
	st := pl.Stage(stageID)
	if st == nil {
		return nil, nil, db.ErrNotFound
	}
	return pl, st, nil
}

// StageEdit shows a stage's form (GET /admin/pipelines/{id}/stages/{stage}).
func (s *Service) StageEdit(w http.ResponseWriter, r *http.Request) {
	id, stageID, ok := s.stageRoute(w, r)
	if !ok {
		return
	}
	pl, st, err := s.loadStage(r.Context(), id, stageID)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	f := stageForm{ID: st.ID, PipelineID: id, Name: st.Name, Kind: st.Kind, Probability: strconv.Itoa(st.Probability),
		RottingDays: rottingInput(st.RottingDays), Errors: form.Errors{}}
	s.Pages.Render(w, r, http.StatusOK, "Edit "+st.Name, stageEditView(stageEditPage{Pipeline: pl, Stage: st, Form: f}))
}

// StageUpdate saves a stage (POST /admin/pipelines/{id}/stages/{stage}). The won and
// lost stages keep their kind and probability; the others may change kind between lead
// and qualified, which moves their deals' deals.stage with them.
func (s *Service) StageUpdate(w http.ResponseWriter, r *http.Request) {
	id, stageID, ok := s.stageRoute(w, r)
	if !ok || !s.Pages.ParseForm(w, r) {
		return
	}
	ctx := r.Context()
	pl, st, err := s.loadStage(ctx, id, stageID)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	f := parseStageForm(r)
	f.ID, f.PipelineID = stageID, id
	closed := !st.Kind.Open()
	if closed {
		f.Kind = st.Kind
	}
	f.Validate(closed)
	if f.Errors.OK() {
		err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
			was, err := UpdateStage(ctx, tx, id, stageID, f.fields)
			if err != nil {
				return err
			}
			before, after := was.audit(), f.fields.audit()
			for k, v := range after {
				if before[k] == v {
					delete(before, k)
					delete(after, k)
				}
			}
			if len(after) == 0 {
				return nil
			}
			after["stage"], before["stage"] = f.Name, was.Name
			return audit.Record(ctx, tx, stageEntry(ctx, audit.StageUpdated, id, pl.Name, before, after))
		})
		switch {
		case errors.Is(err, ErrStageNameTaken):
			f.Errors.Add("stage_name", "A stage of this pipeline is already called "+f.Name+".")
		case errors.Is(err, ErrLastOfKind):
			f.Errors.Add("kind", "This is the pipeline's only "+st.Kind.Label()+" stage: it keeps counting as "+st.Kind.Label()+".")
		case err != nil:
			s.Pages.Fail(w, r, err)
			return
		default:
			s.Pages.Flash(w, r, "success", "Stage "+f.Name+" saved.")
			httpx.Redirect(w, r, stagesPath(id))
			return
		}
	}
	s.Pages.Render(w, r, http.StatusUnprocessableEntity, "Edit "+st.Name, stageEditView(stageEditPage{Pipeline: pl, Stage: st, Form: f}))
}

// StageReorder moves an open stage one place up or down the board
// (POST /admin/pipelines/{id}/stages/{stage}/reorder, direction=up|down).
func (s *Service) StageReorder(w http.ResponseWriter, r *http.Request) {
	id, stageID, ok := s.stageRoute(w, r)
	if !ok || !s.Pages.ParseForm(w, r) {
		return
	}
	dir := form.Text(r, "direction")
	if dir != "up" && dir != "down" {
		s.Pages.ErrorWith(w, r, http.StatusUnprocessableEntity, "Choose up or down",
			"A stage moves one place up or down the board. Go back and use its arrows.")
		return
	}
	ctx := r.Context()
	var moved bool
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		if moved, err = ReorderStage(ctx, tx, id, stageID, dir == "up"); err != nil || !moved {
			return err
		}
		name, err := lockPipeline(ctx, tx, id)
		if err != nil {
			return err
		}
		var stage string
		if err := tx.QueryRow(ctx, stageNameSQL, stageID).Scan(&stage); err != nil {
			return db.Translate(err)
		}
		return audit.Record(ctx, tx, stageEntry(ctx, audit.StageReordered, id, name, nil,
			map[string]string{"stage": stage, "order": dir}))
	})
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	if moved {
		s.Pages.Flash(w, r, "success", "Stage moved "+dir+".")
	} else {
		s.Pages.Flash(w, r, "info", "The stage already is "+map[string]string{"up": "first", "down": "last"}[dir]+
			" of the open stages (won and lost always come last).")
	}
	httpx.Redirect(w, r, stagesPath(id))
}

const stageNameSQL = `SELECT name FROM pipeline_stages WHERE id = $1`

// stageRemovalPage asks where a removed stage's deals go.
type stageRemovalPage struct {
	Pipeline *PipelineAdmin
	Stage    *StageStats
	MoveTo   string
	Error    string // beside the move-to choice
	Refusal  string // why the stage cannot be removed at all
}

// targets are the stages a removed stage's deals can move to: the pipeline's other
// open stages.
func (p stageRemovalPage) targets() []PipelineStage {
	var out []PipelineStage
	for _, s := range p.Pipeline.Stages {
		if s.ID != p.Stage.ID && s.Kind.Open() {
			out = append(out, s.PipelineStage)
		}
	}
	return out
}

func (p *stageRemovalPage) refuse() {
	switch {
	case !p.Stage.Kind.Open():
		p.Refusal = "The " + p.Stage.Name + " stage is where deals go when they are " + p.Stage.Kind.Label() +
			": every pipeline keeps it. You can rename it."
	case p.Pipeline.OfKind(p.Stage.Kind) < 2:
		p.Refusal = p.Stage.Name + " is the pipeline's only stage that counts as " + p.Stage.Kind.Label() +
			": add another one first, or make another stage count as " + p.Stage.Kind.Label() + "."
	}
}

// StageRemovalShow asks whether to remove a stage and, when it holds deals, where they
// go (GET /admin/pipelines/{id}/stages/{stage}/delete).
func (s *Service) StageRemovalShow(w http.ResponseWriter, r *http.Request) {
	id, stageID, ok := s.stageRoute(w, r)
	if !ok {
		return
	}
	pl, st, err := s.loadStage(r.Context(), id, stageID)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	p := stageRemovalPage{Pipeline: pl, Stage: st}
	p.refuse()
	s.Pages.Render(w, r, http.StatusOK, "Remove "+st.Name, stageRemovalView(p))
}

// StageDelete removes a stage, its deals moved to the stage chosen first
// (POST /admin/pipelines/{id}/stages/{stage}/delete, move_to).
func (s *Service) StageDelete(w http.ResponseWriter, r *http.Request) {
	id, stageID, ok := s.stageRoute(w, r)
	if !ok || !s.Pages.ParseForm(w, r) {
		return
	}
	ctx := r.Context()
	moveTo := form.Text(r, "move_to")
	var rm StageRemoval
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		if rm, err = DeleteStage(ctx, tx, ActorFrom(ctx), id, stageID, moveTo); err != nil {
			return err
		}
		name, err := lockPipeline(ctx, tx, id)
		if err != nil {
			return err
		}
		after := map[string]string{"stage": rm.Stage.Name, "deals_moved": strconv.FormatInt(rm.Moved, 10)}
		if rm.To != nil {
			after["moved_to"] = rm.To.Name
		}
		return audit.Record(ctx, tx, stageEntry(ctx, audit.StageDeleted, id, name, nil, after))
	})
	if errors.Is(err, ErrMoveToNeeded) || errors.Is(err, ErrLastOfKind) {
		pl, st, lerr := s.loadStage(ctx, id, stageID)
		if lerr != nil {
			s.Pages.Fail(w, r, lerr)
			return
		}
		p := stageRemovalPage{Pipeline: pl, Stage: st, MoveTo: moveTo}
		p.refuse()
		if errors.Is(err, ErrMoveToNeeded) {
			p.Error = "Choose the stage its " + strconv.FormatInt(st.Deals, 10) + " deals move to."
		}
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, "Remove "+st.Name, stageRemovalView(p))
		return
	}
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	msg := "Stage " + rm.Stage.Name + " removed."
	if rm.To != nil {
		msg = "Stage " + rm.Stage.Name + " removed; its deals moved to " + rm.To.Name + "."
	}
	s.Pages.Flash(w, r, "success", msg)
	httpx.Redirect(w, r, stagesPath(id))
}
