package crm

import (
	"html"
	"strings"
	"time"

	"rapport/web"
)

// Stage is a deal's stage, as stored in deals.stage (the values the seeds'
// deals_stage_check allows). Its values, labels and moves are all here; everything
// else in the CRM uses the type, never a bare string.
type Stage string

// The stages a deal goes through: worked while lead or qualified, then won or lost.
const (
	StageLead      Stage = "lead"
	StageQualified Stage = "qualified"
	StageWon       Stage = "won"
	StageLost      Stage = "lost"
)

// Stages are a deal's stages in board order.
var Stages = []Stage{StageLead, StageQualified, StageWon, StageLost}

var stageLabels = map[Stage]string{StageLead: "Lead", StageQualified: "Qualified", StageWon: "Won", StageLost: "Lost"}

// Valid reports whether s is one of Stages.
func (s Stage) Valid() bool {
	_, ok := stageLabels[s]
	return ok
}

// Label is the stage's name for people ("Qualified"); an unknown value is shown as is.
func (s Stage) Label() string {
	if l, ok := stageLabels[s]; ok {
		return l
	}
	return string(s)
}

// Open reports whether a deal in stage s is still being worked.
func (s Stage) Open() bool { return s == StageLead || s == StageQualified }

// CanMoveTo reports whether a deal in stage s may be moved to stage to: to any stage,
// in any order (a lost deal can come back, a won one can be reopened), since the board
// is a rep's picture of the pipeline; every move is recorded with who and when.
func (s Stage) CanMoveTo(to Stage) bool { return to.Valid() }

// stageTexts is stages as the text[] parameter of the board's statements.
func stageTexts(stages []Stage) []string {
	out := make([]string, len(stages))
	for i, st := range stages {
		out[i] = string(st)
	}
	return out
}

// stageSelectOptions is the <option> list of the move control for a deal in each stage,
// built once: the board has a move control on each of its hundred cards. The labels
// are constants, escaped here all the same. An unknown stage selects nothing.
var stageSelectOptions = func() map[Stage]string {
	m := make(map[Stage]string, len(Stages))
	for _, current := range Stages {
		var b strings.Builder
		for _, st := range Stages {
			b.WriteString(`<option value="` + html.EscapeString(string(st)) + `"`)
			if st == current {
				b.WriteString(" selected")
			}
			b.WriteString(">" + html.EscapeString(st.Label()) + "</option>")
		}
		m[current] = b.String()
	}
	return m
}()

func stageOptions(withAll bool) []web.Option {
	var o []web.Option
	if withAll {
		o = append(o, web.Option{Value: "", Label: "Any stage"})
	}
	for _, s := range Stages {
		o = append(o, web.Option{Value: string(s), Label: s.Label()})
	}
	return o
}

// Dates: a deal's close_date is a day, stored as midnight UTC in the seeds' timestamptz
// column and always shown as that UTC date.

const dateLayout = "2006-01-02"

// parseDate reads a date input's value ("2026-12-31") as midnight UTC.
func parseDate(s string) (time.Time, bool) {
	t, err := time.ParseInLocation(dateLayout, s, time.UTC)
	if err != nil || t.Year() < 1900 || t.Year() > 9999 {
		return time.Time{}, false
	}
	return t, true
}

// dateInput is the value of a date input for t, "" for none.
func dateInput(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(dateLayout)
}

// closeDay is a close date for people ("Wed 4 Mar 2026"), or "—" when there is none.
func closeDay(d *time.Time) string {
	if d == nil {
		return "—"
	}
	return web.CalendarDay(*d)
}

// today is the current UTC day at midnight.
func today(now time.Time) time.Time {
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// overdue reports whether an open deal's close date is a day already past.
func overdue(stage Stage, close *time.Time, now time.Time) bool {
	return stage.Open() && close != nil && close.UTC().Before(today(now))
}

// daysSince is the number of whole days from t to now.
func daysSince(t, now time.Time) int {
	d := int(now.Sub(t).Hours() / 24)
	if d < 0 {
		return 0
	}
	return d
}
