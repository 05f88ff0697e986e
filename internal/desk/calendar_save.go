package desk

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/desk/hours"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

const (
	maxCalendarName = 100
	maxHolidays     = 500
	maxHolidaysText = 20000
)

// calendarDays are the form's weekday fields, Monday first.
var calendarDays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

func dayField(d time.Weekday) string { return "day_" + strings.ToLower(d.String()[:3]) }

// calendarForm is the business calendar form, its fields as typed.
type calendarForm struct {
	ID       string // "" for a new calendar
	Name     string
	Zone     string
	Days     [7]string // by time.Weekday, as typed ("09:00-12:00, 13:00-17:00")
	Holidays string    // dates, one a line
	Version  int
	Key      form.Key
	Errors   form.Errors
	// Stale is set when the calendar was saved by someone else after the form was loaded.
	Stale bool

	loc      *time.Location
	week     hours.Week
	holidays []time.Time
}

func parseCalendarForm(r *http.Request, id string) (calendarForm, bool) {
	f := calendarForm{ID: id, Name: form.Text(r, "name"), Zone: form.Text(r, "zone"),
		Holidays: form.Body(r, "holidays")}
	for _, d := range calendarDays {
		f.Days[d] = form.Text(r, dayField(d))
	}
	if id != "" {
		n, err := strconv.Atoi(r.PostFormValue("version"))
		if err != nil || n <= 0 {
			return f, false
		}
		f.Version = n
	}
	return f, true
}

// Validate fills f.Errors and the parsed zone, week and holidays.
func (f *calendarForm) Validate() {
	f.Errors = form.Errors{}
	form.Required(f.Errors, "name", f.Name, "Name", maxCalendarName)
	if f.Zone == "" {
		f.Errors.Add("zone", "The time zone is required: an IANA name like Europe/Berlin.")
	} else if loc, ok := auth.LoadZone(f.Zone); !ok || f.Zone != loc.String() {
		f.Errors.Add("zone", "Not a time zone this server knows: use an IANA name like Europe/Berlin or America/New_York.")
	} else {
		f.loc = loc
	}
	var any bool
	for _, d := range calendarDays {
		field := dayField(d)
		if msg := form.Check(f.Days[d], 400, false); msg != "" {
			f.Errors.Add(field, msg)
			continue
		}
		day, err := hours.ParseDay(f.Days[d])
		if err != nil {
			f.Errors.Add(field, d.String()+": "+err.Error()+".")
			continue
		}
		f.week[d] = day
		any = any || len(day) > 0
	}
	if !any && f.Errors.OK() {
		f.Errors.Add(dayField(time.Monday), "Give opening hours on at least one day, like 09:00-17:00.")
	}
	f.holidays = nil
	if len(f.Holidays) > maxHolidaysText {
		f.Errors.Add("holidays", "Too long: at most 500 dates.")
		return
	}
	seen := map[hours.Date]bool{}
	for _, line := range strings.FieldsFunc(f.Holidays, func(r rune) bool { return r == '\n' || r == ',' || r == ';' }) {
		word, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		if word == "" {
			continue
		}
		d, err := hours.ParseDate(word)
		if err != nil || d.Year < 2000 || d.Year > 2200 {
			f.Errors.Add("holidays", "“"+clipText(word, 30)+"” is not a date like 2026-12-25 (years 2000 to 2200).")
			return
		}
		if !seen[d] {
			seen[d] = true
			f.holidays = append(f.holidays, time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC))
		}
	}
	if len(f.holidays) > maxHolidays {
		f.Errors.Add("holidays", "At most 500 holidays.")
	}
	slices.SortFunc(f.holidays, func(a, b time.Time) int { return a.Compare(b) })
}

func clipText(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// calendarFormOf is the form of a stored calendar.
func calendarFormOf(c BusinessCalendar) calendarForm {
	f := calendarForm{ID: c.ID, Name: c.Name, Zone: c.Zone, Version: c.Version, Errors: form.Errors{}}
	w := c.Week.toWeek()
	for _, d := range calendarDays {
		f.Days[d] = hours.FormatDay(w[d])
	}
	lines := make([]string, len(c.Holidays))
	for i, h := range c.Holidays {
		lines[i] = h.UTC().Format(time.DateOnly)
	}
	f.Holidays = strings.Join(lines, "\n")
	return f
}

// calendarFields is what the audit log keeps of a calendar.
type calendarFields struct {
	Name     string   `json:"name"`
	Zone     string   `json:"zone"`
	Hours    string   `json:"hours"`
	Holidays []string `json:"holidays"`
}

func (f calendarForm) fields() calendarFields {
	hol := make([]string, len(f.holidays))
	for i, h := range f.holidays {
		hol[i] = h.Format(time.DateOnly)
	}
	return calendarFields{Name: f.Name, Zone: f.Zone, Hours: f.week.Summary(), Holidays: hol}
}

func (c BusinessCalendar) fields() calendarFields {
	hol := make([]string, len(c.Holidays))
	for i, h := range c.Holidays {
		hol[i] = h.UTC().Format(time.DateOnly)
	}
	return calendarFields{Name: c.Name, Zone: c.Zone, Hours: c.Week.toWeek().Summary(), Holidays: hol}
}

const insertCalendarSQL = `
WITH claim AS (
    INSERT INTO form_submission (user_id, key, redirect_to)
    SELECT $5, $6, $7 WHERE $6 <> ''
    ON CONFLICT (user_id, key) DO NOTHING RETURNING true
)
INSERT INTO business_calendars (name, zone, week, holidays)
SELECT $1, $2, $3::jsonb, $4::date[] WHERE $6 = '' OR EXISTS (SELECT FROM claim)
RETURNING id::text`

// The version check is in the WHERE: a save against another version updates nothing.
const updateCalendarSQL = `
UPDATE business_calendars SET name = $2, zone = $3, week = $4::jsonb, holidays = $5::date[],
       version = version + 1, updated_at = now()
WHERE id = $1 AND version = $6`

// errCalendarStale is a save against another version of the calendar.
var errCalendarStale = errors.New("desk: the calendar changed since its form was loaded")

// saveCalendarRow creates (f.ID "") or updates the calendar on q, logs it, and
// recomputes the deadlines of the open tickets of the policies that use it.
func saveCalendarRow(ctx context.Context, q db.Querier, claim form.Claim, f calendarForm) (string, error) {
	by := auth.UserFrom(ctx)
	after := f.fields()
	e := audit.Entry{ActorID: by.ID, ActorEmail: by.Email, TargetType: audit.TargetCalendar, TargetID: f.ID,
		TargetLabel: f.Name, After: after}
	weekJS, err := json.Marshal(weekOf(f.week))
	if err != nil {
		return "", err
	}
	week, hol := string(weekJS), "{"+strings.Join(after.Holidays, ",")+"}"
	if f.ID == "" {
		err := q.QueryRow(ctx, insertCalendarSQL, f.Name, f.Zone, week, hol,
			claim.UserID, string(claim.Key), claim.To).Scan(&e.TargetID)
		if errors.Is(err, pgx.ErrNoRows) {
			return "", claim.Repeated(ctx, q)
		}
		if err != nil {
			return "", db.Translate(err)
		}
		e.Action = audit.CalendarCreated
		return e.TargetID, audit.Record(ctx, q, e)
	}
	was, err := calendarByID(ctx, q, f.ID)
	if err != nil {
		return "", err
	}
	tag, err := q.Exec(ctx, updateCalendarSQL, f.ID, f.Name, f.Zone, week, hol, f.Version)
	if err != nil {
		return "", db.Translate(err)
	}
	if tag.RowsAffected() == 0 {
		return "", errCalendarStale
	}
	before := was.fields()
	if slices.Equal(before.Holidays, after.Holidays) && before.Name == after.Name && before.Zone == after.Zone && before.Hours == after.Hours {
		return f.ID, nil
	}
	e.Action, e.Before = audit.CalendarUpdated, before
	if err := audit.Record(ctx, q, e); err != nil {
		return "", err
	}
	policies, err := calendarPolicies(ctx, q, f.ID)
	if err != nil {
		return "", err
	}
	return f.ID, recomputePolicies(ctx, q, policies)
}

// CalendarNew shows the form for a new calendar (GET /admin/calendars/new): office
// hours, Monday to Friday, to start from.
func (s *Service) CalendarNew(w http.ResponseWriter, r *http.Request) {
	f := calendarForm{Zone: auth.UserFrom(r.Context()).Location().String(), Errors: form.Errors{}, Key: form.NewKey()}
	for _, d := range calendarDays[:5] {
		f.Days[d] = "09:00-17:00"
	}
	s.Pages.Render(w, r, http.StatusOK, "New business calendar", calendarPage(f))
}

// CalendarEdit shows a calendar's form (GET /admin/calendars/{id}).
func (s *Service) CalendarEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return
	}
	c, err := calendarByID(r.Context(), s.DB, id)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Render(w, r, http.StatusOK, c.Name, calendarPage(calendarFormOf(c)))
}

// CalendarCreate adds a calendar (POST /admin/calendars).
func (s *Service) CalendarCreate(w http.ResponseWriter, r *http.Request) { s.saveCalendar(w, r, "") }

// CalendarUpdate changes a calendar (POST /admin/calendars/{id}); the open tickets of
// the policies that use it get their deadlines recomputed.
func (s *Service) CalendarUpdate(w http.ResponseWriter, r *http.Request) {
	if id, ok := s.Pages.PathID(w, r, "id"); ok {
		s.saveCalendar(w, r, id)
	}
}

func (s *Service) saveCalendar(w http.ResponseWriter, r *http.Request, id string) {
	if !s.Pages.ParseForm(w, r) {
		return
	}
	f, ok := parseCalendarForm(r, id)
	if !ok {
		s.Pages.Fail(w, r, &httpx.PageError{Status: http.StatusBadRequest, Heading: "This form is out of date",
			Message: "Open the calendar again and make your change there."})
		return
	}
	var claim form.Claim
	title := "Edit business calendar"
	if id == "" {
		key, ok := s.Pages.FormKey(w, r)
		if !ok {
			return
		}
		f.Key, title = key, "New business calendar"
		claim = form.Claim{UserID: auth.UserFrom(r.Context()).ID, Key: key, To: "/admin/calendars"}
	}
	f.Validate()
	if !f.Errors.OK() {
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, title, calendarPage(f))
		return
	}
	ctx := r.Context()
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
		_, err := saveCalendarRow(ctx, tx, claim, f)
		return err
	})
	if s.Pages.Repeated(w, r, err) {
		return
	}
	switch {
	case db.Unique(err, "business_calendars_name_unique"):
		f.Errors.Add("name", "Another calendar has this name.")
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, title, calendarPage(f))
		return
	case errors.Is(err, errCalendarStale):
		cur, err := calendarByID(ctx, s.DB, id)
		if err != nil {
			s.Pages.Fail(w, r, err)
			return
		}
		f.Version, f.Stale = cur.Version, true
		s.Pages.Render(w, r, http.StatusConflict, title, calendarPage(f))
		return
	case err != nil:
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "Business calendar “"+f.Name+"” saved.")
	httpx.Redirect(w, r, "/admin/calendars")
}
