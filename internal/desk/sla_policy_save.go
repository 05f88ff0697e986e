package desk

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

const (
	maxPolicyName = 100
	// maxTargetMins is a year: longer targets are typing mistakes.
	maxTargetMins = 525600
)

// policyForm is the SLA policy form, with the minutes as typed.
type policyForm struct {
	ID            string // "" for a new policy
	Name          string
	Priority      Priority
	FirstResponse string
	Resolve       string
	CalendarID    string // "" runs 24/7
	WarnBefore    string // minutes before a deadline the warning goes; "" sends none
	Errors        form.Errors
	// Calendars are the choices of business hours.
	Calendars []BusinessCalendar
	Key       form.Key // the new-policy form's one-time key

	firstMins, resolveMins int
	warnMins               *int
}

func parsePolicyForm(r *http.Request, id string) policyForm {
	return policyForm{ID: id, Name: form.Text(r, "name"), Priority: Priority(r.PostFormValue("priority")),
		FirstResponse: form.Text(r, "first_response_mins"), Resolve: form.Text(r, "resolve_mins"),
		CalendarID: form.Text(r, "calendar_id"), WarnBefore: form.Text(r, "warn_before_mins")}
}

// minutesField parses a target: a whole, positive number of minutes, at most a year.
func minutesField(errs form.Errors, field, v, label string) int {
	if v == "" {
		errs.Add(field, label+" is required: a whole number of minutes, like 240.")
		return 0
	}
	n, err := strconv.Atoi(strings.ReplaceAll(v, ",", ""))
	switch {
	case errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(v, "-"):
		errs.Add(field, label+" must be at most 525,600 minutes (a year).")
	case err != nil && strings.ContainsAny(v, ".eE"):
		errs.Add(field, label+" must be a whole number of minutes, without decimals.")
	case err != nil:
		errs.Add(field, label+" must be a whole number of minutes, like 240.")
	case n < 1:
		errs.Add(field, label+" must be at least 1 minute.")
	case n > maxTargetMins:
		errs.Add(field, label+" must be at most 525,600 minutes (a year).")
	default:
		return n
	}
	return 0
}

// Validate fills f.Errors and the parsed minutes.
func (f *policyForm) Validate() {
	f.Errors = form.Errors{}
	form.Required(f.Errors, "name", f.Name, "Name", maxPolicyName)
	if !f.Priority.Valid() {
		f.Errors.Add("priority", "Choose one of the priorities.")
	}
	f.firstMins = minutesField(f.Errors, "first_response_mins", f.FirstResponse, "The first response target")
	f.resolveMins = minutesField(f.Errors, "resolve_mins", f.Resolve, "The resolution target")
	if f.firstMins > 0 && f.resolveMins > 0 && f.resolveMins < f.firstMins {
		f.Errors.Add("resolve_mins", "The resolution target cannot be shorter than the first response target.")
	}
	f.warnMins = nil
	if f.WarnBefore != "" {
		n, err := strconv.Atoi(strings.ReplaceAll(f.WarnBefore, ",", ""))
		switch {
		case err != nil:
			f.Errors.Add("warn_before_mins", "The warning must be a whole number of minutes, like 60, or empty for none.")
		case n < 1 || n > 1440:
			f.Errors.Add("warn_before_mins", "The warning must be between 1 and 1,440 minutes (a day) before the deadline.")
		default:
			f.warnMins = &n
		}
	}
	if f.CalendarID != "" && !isUUID(f.CalendarID) {
		f.Errors.Add("calendar_id", "Choose one of the calendars, or 24/7.")
	}
}

// calendarArg is the policy's calendar as a statement argument (nil: 24/7).
func (f policyForm) calendarArg() *string {
	if f.CalendarID == "" {
		return nil
	}
	return &f.CalendarID
}

// The form's key is claimed in the same statement (form.Claim).
const insertPolicySQL = `
WITH claim AS (
    INSERT INTO form_submission (user_id, key, redirect_to)
    SELECT $5, $6, $7 WHERE $6 <> ''
    ON CONFLICT (user_id, key) DO NOTHING RETURNING true
)
INSERT INTO sla_policies (name, priority, first_response_mins, resolve_mins, calendar_id, warn_before_mins)
SELECT $1, $2, $3::int, $4::int, $8::uuid, $9::int WHERE $6 = '' OR EXISTS (SELECT FROM claim)
RETURNING id::text`

// updatePolicySQL returns the policy as it was, for the audit log: the subquery locks
// the row first, so "was" is what this update replaced.
const updatePolicySQL = `
UPDATE sla_policies p SET name = $2, priority = $3, first_response_mins = $4, resolve_mins = $5, calendar_id = $6::uuid,
       warn_before_mins = $7::int
FROM (SELECT id, name, priority, first_response_mins, resolve_mins, calendar_id, warn_before_mins FROM sla_policies WHERE id = $1 FOR UPDATE) was
WHERE p.id = was.id
RETURNING was.name, was.priority, was.first_response_mins, was.resolve_mins, coalesce(was.calendar_id::text, ''), coalesce(was.warn_before_mins, 0)`

// policyFields is what the audit log keeps of a policy, before and after a change.
type policyFields struct {
	Name              string   `json:"name"`
	Priority          Priority `json:"priority"`
	FirstResponseMins int      `json:"first_response_mins"`
	ResolveMins       int      `json:"resolve_mins"`
	CalendarID        string   `json:"calendar_id,omitempty"`      // "" runs 24/7
	WarnBeforeMins    int      `json:"warn_before_mins,omitempty"` // 0: no warning
}

// savePolicyRow creates (id "") or updates the policy on q and logs it there (the
// handler runs both in one transaction): a repeat of the create form's claim creates
// nothing and returns a *form.Repeat, an unknown id db.ErrNotFound, and a save that
// changes nothing is not logged.
func savePolicyRow(ctx context.Context, q db.Querier, claim form.Claim, id string, f policyForm) error {
	after := policyFields{Name: f.Name, Priority: f.Priority, FirstResponseMins: f.firstMins, ResolveMins: f.resolveMins, CalendarID: f.CalendarID, WarnBeforeMins: derefInt(f.warnMins)}
	by := auth.UserFrom(ctx)
	e := audit.Entry{ActorID: by.ID, ActorEmail: by.Email, TargetType: audit.TargetSLAPolicy, TargetID: id,
		TargetLabel: f.Name, After: after}
	if id == "" {
		err := q.QueryRow(ctx, insertPolicySQL, f.Name, f.Priority, f.firstMins, f.resolveMins,
			claim.UserID, string(claim.Key), claim.To, f.calendarArg(), f.warnMins).Scan(&e.TargetID)
		if errors.Is(err, pgx.ErrNoRows) {
			return claim.Repeated(ctx, q)
		}
		if err != nil {
			return db.Translate(err)
		}
		e.Action = audit.SLAPolicyCreated
		return audit.Record(ctx, q, e)
	}
	var was policyFields
	if err := q.QueryRow(ctx, updatePolicySQL, id, f.Name, f.Priority, f.firstMins, f.resolveMins, f.calendarArg(), f.warnMins).
		Scan(&was.Name, &was.Priority, &was.FirstResponseMins, &was.ResolveMins, &was.CalendarID, &was.WarnBeforeMins); err != nil {
		return db.Translate(err)
	}
	if was == after {
		return nil
	}
	// Business hours apply to the promises already made: the open tickets' deadlines
	// move with the calendar (their targets stay as they were copied).
	if was.CalendarID != after.CalendarID {
		if err := recomputePolicies(ctx, q, []string{id}); err != nil {
			return err
		}
	}
	e.Action, e.Before = audit.SLAPolicyUpdated, was
	return audit.Record(ctx, q, e)
}

// PolicyNew shows the form for a new policy (GET /admin/sla/new).
func (s *Service) PolicyNew(w http.ResponseWriter, r *http.Request) {
	cals, err := ListCalendars(r.Context(), s.DB)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Render(w, r, http.StatusOK, "New SLA policy", policyPage(policyForm{Priority: PriorityNormal, Errors: form.Errors{}, Key: form.NewKey(),
		Calendars: cals, WarnBefore: "60"}))
}

// PolicyEdit shows a policy's form (GET /admin/sla/{id}).
func (s *Service) PolicyEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return
	}
	p, err := policyByID(r.Context(), s.DB, id)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	cals, err := ListCalendars(r.Context(), s.DB)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	f := policyForm{ID: p.ID, Name: p.Name, Priority: p.Priority, Errors: form.Errors{},
		FirstResponse: strconv.Itoa(p.FirstResponseMins), Resolve: strconv.Itoa(p.ResolveMins),
		CalendarID: deref(p.CalendarID), Calendars: cals}
	if p.WarnBeforeMins != nil {
		f.WarnBefore = strconv.Itoa(*p.WarnBeforeMins)
	}
	s.Pages.Render(w, r, http.StatusOK, p.Name, policyPage(f))
}

// PolicyCreate adds a policy (POST /admin/sla).
func (s *Service) PolicyCreate(w http.ResponseWriter, r *http.Request) { s.savePolicy(w, r, "") }

// PolicyUpdate changes a policy (POST /admin/sla/{id}). Tickets keep the targets they
// were given; new tickets, and tickets whose priority changes, get the new ones.
func (s *Service) PolicyUpdate(w http.ResponseWriter, r *http.Request) {
	if id, ok := s.Pages.PathID(w, r, "id"); ok {
		s.savePolicy(w, r, id)
	}
}

func (s *Service) savePolicy(w http.ResponseWriter, r *http.Request, id string) {
	if !s.Pages.ParseForm(w, r) {
		return
	}
	f := parsePolicyForm(r, id)
	var claim form.Claim
	if id == "" {
		key, ok := s.Pages.FormKey(w, r)
		if !ok {
			return
		}
		f.Key = key
		claim = form.Claim{UserID: auth.UserFrom(r.Context()).ID, Key: key, To: "/admin/sla"}
	}
	f.Validate()
	title := "New SLA policy"
	if id != "" {
		title = "Edit SLA policy"
	}
	// The calendars are read for the form shown again only: a save checks its choice
	// by the foreign key.
	again := func() {
		cals, err := ListCalendars(r.Context(), s.DB)
		if err != nil {
			s.Pages.Fail(w, r, err)
			return
		}
		f.Calendars = cals
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, title, policyPage(f))
	}
	if !f.Errors.OK() {
		again()
		return
	}
	ctx := r.Context()
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error { return savePolicyRow(ctx, tx, claim, id, f) })
	if s.Pages.Repeated(w, r, err) {
		return
	}
	if db.ForeignKey(err, "sla_policies_calendar_id_fk") {
		f.Errors.Add("calendar_id", "Choose one of the calendars, or 24/7.")
		again()
		return
	}
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "SLA policy “"+f.Name+"” saved.")
	httpx.Redirect(w, r, "/admin/sla")
}

func derefInt(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// isUUID reports whether s is written as a UUID.
func isUUID(s string) bool { return uuidRE.MatchString(s) }
