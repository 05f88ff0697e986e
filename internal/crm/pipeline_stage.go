package crm

import (
	"html"
	"strconv"
	"strings"
	"time"

	"rapport/internal/form"
	"rapport/web"
)

// PipelineStage is one of a pipeline's own stages (pipeline_stages): its name, the
// seeds' stage it counts as (Kind, what deals.stage holds for its deals), its place,
// its win probability and after how many idle days its deals are rotting.
type PipelineStage struct {
	ID          string `db:"id" json:"id"`
	PipelineID  string `db:"pipeline_id" json:"pipeline_id"`
	Name        string `db:"name" json:"name"`
	Kind        Stage  `db:"kind" json:"kind"`
	Position    int    `db:"position" json:"position"`
	Probability int    `db:"probability" json:"probability"`
	RottingDays *int   `db:"rotting_days" json:"rotting_days"`
}

// stageOrder is board order in SQL over a pipeline_stages row s: open stages by
// position, then won, then lost.
const stageOrder = `CASE s.kind WHEN 'won' THEN 1 WHEN 'lost' THEN 2 ELSE 0 END, s.position, s.id`

// Limits of a stage's fields, as the database's checks hold them (00050).
const (
	maxStageName   = 60
	maxRottingDays = 3650
)

// RotBefore is when a deal must have entered this stage, at the latest, to be rotting
// now: nil when the stage never rots (no rotting days, or won or lost).
func (s PipelineStage) RotBefore(now time.Time) *time.Time {
	if s.RottingDays == nil || !s.Kind.Open() {
		return nil
	}
	t := now.Add(-time.Duration(*s.RottingDays) * 24 * time.Hour)
	return &t
}

// stageIDs, stageProbabilities and stageRotBefore are stages as the array parameters
// of the board's statements.
func stageIDs(stages []PipelineStage) []string {
	out := make([]string, len(stages))
	for i, s := range stages {
		out[i] = s.ID
	}
	return out
}

func stageProbabilities(stages []PipelineStage) []int32 {
	out := make([]int32, len(stages))
	for i, s := range stages {
		out[i] = int32(s.Probability)
	}
	return out
}

func stageRotBefore(stages []PipelineStage, now time.Time) []*time.Time {
	out := make([]*time.Time, len(stages))
	for i, s := range stages {
		out[i] = s.RotBefore(now)
	}
	return out
}

// stageSelect is the <option> list of a move control for a deal in stage current, for
// one pipeline's stages. The board renders a hundred cards, so it is built once per
// stage of the page (moveOptions), names escaped here.
func stageSelect(stages []PipelineStage, current string) string {
	var b strings.Builder
	for _, st := range stages {
		b.WriteString(`<option value="` + html.EscapeString(st.ID) + `"`)
		if st.ID == current {
			b.WriteString(" selected")
		}
		b.WriteString(">" + html.EscapeString(st.Name) + "</option>")
	}
	return b.String()
}

// moveOptions is stageSelect for a deal in each of the stages.
func moveOptions(stages []PipelineStage) map[string]string {
	m := make(map[string]string, len(stages))
	for _, s := range stages {
		m[s.ID] = stageSelect(stages, s.ID)
	}
	return m
}

// stageChoiceOptions are the stages a deal form offers: the open stages of every
// pipeline, named "Pipeline · Stage" when there is more than one pipeline.
func stageChoiceOptions(pipes []Pipeline) []web.Option {
	var o []web.Option
	for _, p := range pipes {
		for _, s := range p.OpenStages() {
			label := s.Name
			if len(pipes) > 1 {
				label = p.Name + " · " + s.Name
			}
			o = append(o, web.Option{Value: s.ID, Label: label})
		}
	}
	return o
}

// stageForm is the add-a-stage and edit-a-stage form of the admin's pipeline page.
type stageForm struct {
	ID          string // "" when adding
	PipelineID  string
	Name        string
	Kind        Stage
	Probability string
	RottingDays string
	Errors      form.Errors
	Key         form.Key // the add form's one-time key
	fields      stageFields
}

// stageFields are a stage's editable values, checked.
type stageFields struct {
	Name        string
	Kind        Stage
	Probability int
	RottingDays *int
}

// Validate checks the form. closed says the stage edited is the pipeline's won or lost
// stage: its kind and probability are fixed (100 and 0) and it never rots.
func (f *stageForm) Validate(closed bool) {
	form.Required(f.Errors, "stage_name", f.Name, "Name", maxStageName)
	f.fields.Name = f.Name
	if closed {
		f.fields.Kind = f.Kind
		f.fields.Probability = 0
		if f.Kind == StageWon {
			f.fields.Probability = 100
		}
		if f.RottingDays != "" {
			f.Errors.Add("rotting_days", "Won and lost deals do not rot: leave this empty.")
		}
		return
	}
	if !f.Kind.Open() {
		f.Errors.Add("kind", "Choose Lead or Qualified.")
	}
	f.fields.Kind = f.Kind
	if p, ok := wholeNumber(f.Probability, 0, 100); ok {
		f.fields.Probability = p
	} else {
		f.Errors.Add("probability", "Enter a whole number from 0 to 100.")
	}
	if f.RottingDays != "" {
		if d, ok := wholeNumber(f.RottingDays, 1, maxRottingDays); ok {
			f.fields.RottingDays = &d
		} else {
			f.Errors.Add("rotting_days", "Enter a number of days from 1 to "+strconv.Itoa(maxRottingDays)+", or leave it empty.")
		}
	}
}

// wholeNumber reads a whole number from lo to hi, as typed (spaces around allowed).
func wholeNumber(v string, lo, hi int) (int, bool) {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > 6 {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi || strings.HasPrefix(v, "+") {
		return 0, false
	}
	return n, true
}

// stageKindOptions are the kinds an open stage can count as.
func stageKindOptions() []web.Option {
	return []web.Option{{Value: string(StageLead), Label: "Lead"}, {Value: string(StageQualified), Label: "Qualified"}}
}

// rottingInput is a stage's rotting days as the form shows them.
func rottingInput(d *int) string {
	if d == nil {
		return ""
	}
	return strconv.Itoa(*d)
}
