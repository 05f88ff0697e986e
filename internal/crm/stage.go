package crm

import (
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

// Status is a deal's status in a stage of kind s: "open", "won" or "lost".
func (s Stage) Status() string {
	if s == StageWon || s == StageLost {
		return string(s)
	}
	return "open"
}

// dealStatus is Status for people: Open, Won or Lost.
func dealStatus(s Stage) string {
	switch s.Status() {
	case "won":
		return "Won"
	case "lost":
		return "Lost"
	}
	return "Open"
}

// CanMoveTo reports whether a deal in stage s may be moved to stage to: to any stage,
// in any order (a lost deal can come back, a won one can be reopened), since the board
// is a rep's picture of the pipeline; every move is recorded with who and when.
func (s Stage) CanMoveTo(to Stage) bool { return to.Valid() }

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
