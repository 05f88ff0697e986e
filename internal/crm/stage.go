package crm

import (
	"html"
	"strings"
	"time"

	"rapport/web"
)

// Stages are a deal's stages in board order, as the seeds' deals_stage_check allows.
var Stages = []string{"lead", "qualified", "won", "lost"}

// ValidStage reports whether s is one of Stages.
func ValidStage(s string) bool {
	for _, v := range Stages {
		if v == s {
			return true
		}
	}
	return false
}

// StageLabel is the stage's name for people.
func StageLabel(s string) string {
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// openStage reports whether a deal in stage s is still being worked.
func openStage(s string) bool { return s == "lead" || s == "qualified" }

// stageSelectOptions is the <option> list of the move control for a deal in each stage,
// built once: the board has a move control on each of its hundred cards. The labels
// are constants, escaped here all the same. An unknown stage selects nothing.
var stageSelectOptions = func() map[string]string {
	m := make(map[string]string, len(Stages))
	for _, current := range Stages {
		var b strings.Builder
		for _, st := range Stages {
			b.WriteString(`<option value="` + html.EscapeString(st) + `"`)
			if st == current {
				b.WriteString(" selected")
			}
			b.WriteString(">" + html.EscapeString(StageLabel(st)) + "</option>")
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
		o = append(o, web.Option{Value: s, Label: StageLabel(s)})
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
func overdue(stage string, close *time.Time, now time.Time) bool {
	return openStage(stage) && close != nil && close.UTC().Before(today(now))
}

// daysSince is the number of whole days from t to now.
func daysSince(t, now time.Time) int {
	d := int(now.Sub(t).Hours() / 24)
	if d < 0 {
		return 0
	}
	return d
}
