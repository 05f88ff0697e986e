package crm

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/web"
)

const maxDealTitle = 200

const dealByIDSQL = `SELECT ` + dealRowColumns + ` ` + dealRowJoins + ` WHERE d.id = $1`

// DealByID loads a deal with its contact, company, pipeline and owner.
func DealByID(ctx context.Context, q db.Querier, id string) (*DealRow, error) {
	rows, err := q.Query(ctx, dealByIDSQL, id)
	if err != nil {
		return nil, db.Translate(err)
	}
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[DealRow])
	return d, db.Translate(err)
}

// DealFields are a deal's editable columns. Stage (and StageID, one of the pipeline's
// stages of that kind; nil: the pipeline's first) is used on create, and on an update
// only when the deal moves to another pipeline: otherwise a deal changes stage by a
// move (MoveDeal), which records the change. Probability is the rep's own win
// probability (nil: the stage's).
type DealFields struct {
	Title       string
	ContactID   string
	PipelineID  string
	OwnerID     string
	AmountCents int64
	CloseDate   *time.Time
	Stage       Stage
	StageID     *string
	Probability *int
}

// dealForm is the deal form's typed values and problems.
type dealForm struct {
	Custom       customInputs // the deals' custom fields
	ID           string       // "" for a new deal
	Title        string
	Contact      string // contact_id as typed: the contact's email or id
	PipelineID   string
	OwnerID      string
	Amount       string
	CloseDate    string
	Stage        Stage  // the seeds' value, from a form that predates stage_id
	StageID      string // the deal's stage, on create
	Probability  string
	Pipelines    []Pipeline
	Owners       []Owner
	MissingEmail string // an address no contact has yet, to offer adding it
	Errors       form.Errors
	Key          form.Key // the new-deal form's one-time key
	Check        editCheck
	// An edit: the deal as it is, and the pipeline it moves to when the form names
	// another (nil otherwise), whose stages the form then offers: a deal's stage is never
	// remapped behind the rep's back.
	Current     *DealRow
	NewPipeline *Pipeline
	fields      DealFields
}

func parseDealForm(r *http.Request) dealForm {
	return dealForm{
		Title: form.Text(r, "title"), Contact: form.Text(r, "contact_id"), PipelineID: form.Text(r, "pipeline_id"),
		OwnerID: form.Text(r, "owner_id"), Amount: form.Text(r, "amount"), CloseDate: form.Text(r, "close_date"),
		Stage: Stage(form.Text(r, "stage")), StageID: form.Text(r, "stage_id"), Probability: form.Text(r, "probability"),
		Errors: form.Errors{},
	}
}

// Validate checks every field and fills the typed DealFields; the contact, pipeline and
// owner are looked up.
func (f *dealForm) Validate(ctx context.Context, q db.Querier) error {
	form.Required(f.Errors, "title", f.Title, "Title", maxDealTitle)
	f.fields = DealFields{Title: f.Title, PipelineID: f.PipelineID, OwnerID: f.OwnerID, Stage: f.Stage}
	if f.Amount != "" {
		cents, err := ParseMoney(f.Amount)
		if err != nil {
			f.Errors.Add("amount", err.Error())
		}
		f.fields.AmountCents = cents
	}
	if f.CloseDate != "" {
		d, ok := parseDate(f.CloseDate)
		if !ok {
			f.Errors.Add("close_date", "Enter a date like 2026-12-31.")
		} else {
			f.fields.CloseDate = &d
		}
	}
	if f.Probability != "" {
		if p, ok := wholeNumber(strings.TrimSuffix(f.Probability, "%"), 0, 100); ok {
			f.fields.Probability = &p
		} else {
			f.Errors.Add("probability", "Enter a whole number from 0 to 100, or leave it empty for the stage's.")
		}
	}
	id, missing, msg, err := resolveContact(ctx, q, f.Contact)
	if err != nil {
		return err
	}
	f.fields.ContactID, f.MissingEmail = id, missing
	if msg != "" {
		f.Errors.Add("contact_id", msg)
	}
	pipes, err := ListPipelines(ctx, q)
	if err != nil {
		return err
	}
	f.Pipelines = pipes
	pipe := findPipeline(pipes, f.PipelineID)
	if pipe == nil {
		f.Errors.Add("pipeline_id", "Choose a pipeline.")
	}
	if f.ID == "" {
		f.checkStage(pipe)
	} else if pipe != nil && f.Current != nil && f.Current.PipelineID != pipe.ID {
		f.checkNewPipelineStage(pipe)
	}
	msg, err = checkOwner(ctx, q, f.OwnerID)
	if msg != "" {
		f.Errors.Add("owner_id", msg)
	}
	return err
}

// checkStage checks a new deal's stage: one of the pipeline's open stages (stage_id),
// or, from a form that predates the pipeline's own stages, one of the seeds' values
// (stage), which names the pipeline's first stage of that kind. Without either, the
// pipeline's first stage.
func (f *dealForm) checkStage(pipe *Pipeline) {
	switch {
	case f.StageID != "":
		st := pipe.Stage(f.StageID)
		switch {
		case st == nil && pipe != nil:
			f.Errors.Add("stage_id", "Choose one of the "+pipe.Name+" pipeline's stages.") // another pipeline's, or none
		case st == nil:
			f.Errors.Add("stage_id", "Choose a stage.")
		case !st.Kind.Open():
			f.Errors.Add("stage_id", "A new deal starts in an open stage: mark it won or lost once it is added.")
		default:
			f.fields.Stage, f.fields.StageID = st.Kind, &st.ID
		}
	case f.Stage != "":
		if !f.Stage.Valid() {
			f.Errors.Add("stage_id", "Choose a stage.") // beside the stage the form shows
		}
		if st := pipe.FirstOf(f.Stage); st != nil {
			f.fields.StageID = &st.ID
		}
	default:
		f.fields.Stage = StageLead
		if pipe != nil && len(pipe.Stages) > 0 {
			st := pipe.Stages[0]
			f.fields.Stage, f.fields.StageID = st.Kind, &st.ID
		}
	}
}

// checkNewPipelineStage checks the stage an edited deal takes in the pipeline pipe it
// moves to: chosen on the form (stage_id), never guessed. An open deal takes one of its
// open stages; a won or lost one stays won or lost, in that pipeline's stage of the kind.
func (f *dealForm) checkNewPipelineStage(pipe *Pipeline) {
	f.NewPipeline = pipe
	st := pipe.Stage(f.StageID)
	switch {
	case f.StageID == "":
		f.Errors.Add("stage_id", "The deal moves to the "+pipe.Name+" pipeline: choose its stage there.")
	case st == nil:
		f.Errors.Add("stage_id", "Choose one of the "+pipe.Name+" pipeline's stages.")
	case f.Current.Stage.Open() && !st.Kind.Open():
		f.Errors.Add("stage_id", "Choose an open stage: mark the deal won or lost from its page.")
	case !f.Current.Stage.Open() && st.Kind != f.Current.Stage:
		f.Errors.Add("stage_id", "A "+string(f.Current.Stage)+" deal stays "+string(f.Current.Stage)+": reopen it first to move it to an open stage.")
	default:
		f.fields.Stage, f.fields.StageID = st.Kind, &st.ID
	}
}

// newPipelineStageOptions are the stages an edited deal may take in the pipeline it
// moves to (checkNewPipelineStage), after an empty choice: the rep must pick one.
func (f *dealForm) newPipelineStageOptions() []web.Option {
	o := []web.Option{{Value: "", Label: "Choose a stage"}}
	for _, st := range f.NewPipeline.Stages {
		if st.Kind.Open() == f.Current.Stage.Open() && (st.Kind.Open() || st.Kind == f.Current.Stage) {
			o = append(o, web.Option{Value: st.ID, Label: st.Name})
		}
	}
	return o
}

// vanished marks the field whose choice went away between the form's check and its
// save (a stage removed by an admin meanwhile, a contact deleted, an owner removed): the
// write's foreign key refused it and nothing was saved. It reports whether err was one;
// the form's choices are then loaded again, without the one that went.
func (f *dealForm) vanished(err error) bool {
	for _, v := range []struct{ constraint, field, msg string }{
		{"deals_stage_id_fk", "stage_id", "This stage was just removed from the pipeline: choose another."},
		{"deals_contact_id_contacts_id_fk", "contact_id", "This contact was just deleted: enter another."},
		{"deals_pipeline_id_pipelines_id_fk", "pipeline_id", "This pipeline was just removed: choose another."},
		{"deals_owner_id_user_id_fk", "owner_id", "This owner was just removed: choose another."},
	} {
		if db.ForeignKey(err, v.constraint) {
			f.Errors.Add(v.field, v.msg)
			f.Pipelines, f.Owners = nil, nil
			return true
		}
	}
	return false
}

// resolveContact reads a contact_id field: a contact's email (any case) or id.
func resolveContact(ctx context.Context, q db.Querier, ref string) (id, missing, msg string, err error) {
	if ref == "" {
		return "", "", "Enter the contact's email.", nil
	}
	if m := form.Check(ref, 254, false); m != "" {
		return "", "", m, nil
	}
	if db.ValidUUID(ref) {
		c, err := ContactByID(ctx, q, ref)
		if errors.Is(err, db.ErrNotFound) {
			return "", "", "No contact has this id.", nil
		}
		if err != nil {
			return "", "", "", err
		}
		return c.ID, "", "", nil
	}
	email := form.NormalizeEmail(ref)
	errs := form.Errors{}
	if form.Email(errs, "e", email); !errs.OK() {
		// A name: the picker's search-and-choose without JavaScript (pick.go).
		id, msg, err := pickByName(ctx, q, "contact", ref)
		if err != nil || id != "" || msg != "" {
			return id, "", msg, err
		}
		return "", "", "Enter the contact's email, like jane@acme.com.", nil
	}
	c, err := ContactByEmail(ctx, q, email)
	if errors.Is(err, db.ErrNotFound) {
		return "", email, "No contact has " + email + " yet: add the contact first.", nil
	}
	if err != nil {
		return "", "", "", err
	}
	return c.ID, "", "", nil
}

// loadChoices loads the pipelines and owners the form offers (one statement), or only
// the owners when validation has already read the pipelines.
func (s *Service) loadChoices(ctx context.Context, f *dealForm) error {
	if f.Pipelines != nil {
		return s.withOwners(ctx, &f.Owners)
	}
	c, err := LoadChoices(ctx, s.DB)
	f.Pipelines, f.Owners = c.Pipelines, c.Owners
	return err
}
