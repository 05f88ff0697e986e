package activity

import (
	"net/http"
	"strconv"
	"time"

	"rapport/internal/form"
	"rapport/web"
)

// Limits of what an activity holds (the database checks them too).
const (
	maxSubject = 200
	maxNote    = 10000
)

// earliestDue is the first day an activity may be planned on; the last is
// maxYearsAhead years after today.
var earliestDue = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

const maxYearsAhead = 10

// durations and reminders are the choices of those fields, in minutes ("" none).
var (
	durations = []web.Option{{Value: "", Label: "None"}, {Value: "15", Label: "15 minutes"}, {Value: "30", Label: "30 minutes"},
		{Value: "45", Label: "45 minutes"}, {Value: "60", Label: "1 hour"}, {Value: "90", Label: "1½ hours"},
		{Value: "120", Label: "2 hours"}, {Value: "240", Label: "4 hours"}, {Value: "480", Label: "A working day (8 hours)"}}
	reminders = []web.Option{{Value: "", Label: "No reminder"}, {Value: "0", Label: "At the time"}, {Value: "5", Label: "5 minutes before"},
		{Value: "15", Label: "15 minutes before"}, {Value: "30", Label: "30 minutes before"}, {Value: "60", Label: "1 hour before"},
		{Value: "1440", Label: "1 day before"}}
)

func allowed(opts []web.Option, v string) bool {
	for _, o := range opts {
		if o.Value == v {
			return true
		}
	}
	return false
}

// activityForm is the schedule and edit form's typed values and problems.
type activityForm struct {
	ID         string // "" when scheduling a new one
	DealID     string
	ContactID  string
	Type       string
	Subject    string
	DueDate    string // 2026-12-31
	DueTime    string // 14:30, "" all day
	Duration   string // minutes, "" none
	Remind     string // minutes before, "" none
	AssigneeID string
	Note       string
	Next       string // where to go back to (a local path)
	Errors     form.Errors
	Key        form.Key // the schedule form's one-time key
	Version    int      // the edit form's check: the activity's version when it was loaded
	Stale      *Stale   // the 409 form's notice of someone else's edit
	Choices    choices

	fields fields
}

// fields are a valid form's values as stored.
type fields struct {
	Type       string
	Subject    string
	Note       string
	ContactID  *string
	DueDate    time.Time
	DueTime    string
	TimeZone   string
	DueAt      *time.Time
	DueSort    time.Time
	Duration   *int
	Remind     *int
	RemindAt   *time.Time
	AssigneeID string
}

func parseActivityForm(r *http.Request) activityForm {
	return activityForm{
		DealID: form.Text(r, "deal_id"), ContactID: form.Text(r, "contact_id"), Type: form.Text(r, "type"),
		Subject: form.Text(r, "subject"), DueDate: form.Text(r, "due_date"), DueTime: form.Text(r, "due_time"),
		Duration: form.Text(r, "duration"), Remind: form.Text(r, "remind"), AssigneeID: form.Text(r, "assignee_id"),
		Note: form.Body(r, "note"), Next: form.Text(r, "next"), Errors: form.Errors{},
	}
}

// Validate checks every field against the choices (loaded for the form's deal) and
// fills the stored values; loc is the planner's zone, in which a time of day is meant,
// and today the planner's day. An empty subject takes the type's name, as Pipedrive does.
func (f *activityForm) Validate(c choices, loc *time.Location, today time.Time) {
	f.Choices = c
	if f.ID == "" {
		switch {
		case f.DealID == "":
			f.Errors.Add("deal_id", "Choose the deal to plan this on.")
		case c.Deal == nil:
			f.Errors.Add("deal_id", "No deal has this id: open the deal and plan the activity from its page.")
		}
	}
	if c.Deal != nil && f.ContactID != "" && f.ContactID != c.Deal.ContactID {
		f.Errors.Add("contact_id", "Choose the deal's contact, or none.")
	}
	t := c.activeType(f.Type)
	if t == nil && (f.ID == "" || f.Type != f.fields.Type) {
		f.Errors.Add("type", "Choose a type from the list.")
	}
	if f.Subject == "" && t != nil {
		f.Subject = t.Label
	}
	form.Required(f.Errors, "subject", f.Subject, "Subject", maxSubject)
	if msg := form.Check(f.Note, maxNote, true); msg != "" {
		f.Errors.Add("note", msg)
	}
	var date time.Time
	if f.DueDate == "" {
		f.Errors.Add("due_date", "Choose the day it is due.")
	} else if d, err := time.Parse(time.DateOnly, f.DueDate); err != nil || len(f.DueDate) != 10 {
		f.Errors.Add("due_date", "Enter a date like 2026-12-31.")
	} else if last := today.AddDate(maxYearsAhead, 0, 0); d.Before(earliestDue) || d.After(last) {
		f.Errors.Add("due_date", "Choose a day from 2000-01-01 to "+last.Format(time.DateOnly)+".")
	} else {
		date = d
	}
	if f.DueTime != "" {
		if _, err := time.Parse("15:04", f.DueTime); err != nil || len(f.DueTime) != 5 {
			f.Errors.Add("due_time", "Enter a time like 14:30, or leave it empty for the whole day.")
		}
	}
	minutes := func(field, v string, opts []web.Option) *int {
		if v == "" {
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || !allowed(opts, v) {
			f.Errors.Add(field, "Choose one from the list.")
			return nil
		}
		return &n
	}
	f.fields.Duration = minutes("duration", f.Duration, durations)
	f.fields.Remind = minutes("remind", f.Remind, reminders)
	if f.fields.Remind != nil && f.DueTime == "" {
		f.Errors.Add("remind", "A reminder needs a time: choose the time it is due, or no reminder.")
	}
	switch {
	case f.AssigneeID == "":
		f.Errors.Add("assignee_id", "Choose who does it.")
	case !c.assignee(f.AssigneeID):
		f.Errors.Add("assignee_id", "Choose someone from the list: an active sales rep or an admin.")
	}
	if !f.Errors.OK() {
		return
	}
	f.fields.Type, f.fields.Subject, f.fields.Note, f.fields.AssigneeID = f.Type, f.Subject, f.Note, f.AssigneeID
	if f.ContactID != "" {
		id := f.ContactID
		f.fields.ContactID = &id
	}
	f.fields.DueDate, f.fields.DueTime, f.fields.TimeZone = date, f.DueTime, loc.String()
	f.fields.DueAt, f.fields.DueSort = schedule(date, f.DueTime, loc)
	if f.fields.Remind != nil && f.fields.DueAt != nil {
		at := f.fields.DueAt.Add(-time.Duration(*f.fields.Remind) * time.Minute)
		f.fields.RemindAt = &at
	}
}

// formOf is the edit form of an activity, its time shown in its own zone.
func formOf(p Planned) activityForm {
	f := activityForm{ID: p.ID, DealID: p.DealID, Type: p.Type, Subject: p.Subject, DueDate: day(p.DueDate).Format(time.DateOnly),
		DueTime: p.DueTime, AssigneeID: p.AssigneeID, Note: p.Note, Version: p.Version, Errors: form.Errors{}}
	if p.ContactID != nil {
		f.ContactID = *p.ContactID
	}
	if p.DurationMins != nil {
		f.Duration = strconv.Itoa(*p.DurationMins)
	}
	if p.RemindMins != nil {
		f.Remind = strconv.Itoa(*p.RemindMins)
	}
	f.fields.Type, f.fields.TimeZone = p.Type, p.TimeZone
	return f
}
