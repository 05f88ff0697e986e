package desk

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// automationForm is the desk automation form, its days as typed ("" turns a rule off).
type automationForm struct {
	CloseSolved   string
	PendingRemind string
	PendingSolve  string
	Errors        form.Errors

	set AutomationSettings
}

func daysText(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

func automationFormOf(s AutomationSettings) automationForm {
	return automationForm{CloseSolved: daysText(s.CloseSolvedDays), PendingRemind: daysText(s.PendingRemindDays),
		PendingSolve: daysText(s.PendingSolveDays), Errors: form.Errors{}, set: s}
}

// daysField parses a rule's days: empty (off) or a whole number from 1 to 365.
func daysField(errs form.Errors, field, v, label string) *int {
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	switch {
	case err != nil:
		errs.Add(field, label+" must be a whole number of days, like 4, or empty to turn it off.")
	case n < 1 || n > 365:
		errs.Add(field, label+" must be between 1 and 365 days.")
	default:
		return &n
	}
	return nil
}

// Validate fills f.Errors and the parsed settings.
func (f *automationForm) Validate() {
	f.Errors = form.Errors{}
	f.set = AutomationSettings{
		CloseSolvedDays:   daysField(f.Errors, "close_solved_after_days", f.CloseSolved, "Closing solved tickets"),
		PendingRemindDays: daysField(f.Errors, "pending_remind_after_days", f.PendingRemind, "The pending reminder"),
		PendingSolveDays:  daysField(f.Errors, "pending_solve_after_days", f.PendingSolve, "Solving after the reminder"),
	}
	if f.set.PendingSolveDays != nil && f.set.PendingRemindDays == nil && f.Errors["pending_remind_after_days"] == "" {
		f.Errors.Add("pending_solve_after_days", "A pending ticket is solved only after its reminder: set the reminder's days too.")
	}
}

// The settings before, for the audit log; no row when nothing changes.
const updateAutomationSQL = `
UPDATE workspace_settings ws SET close_solved_after_days = $1::int, pending_remind_after_days = $2::int,
       pending_solve_after_days = $3::int, updated_at = now()
FROM (SELECT close_solved_after_days, pending_remind_after_days, pending_solve_after_days
      FROM workspace_settings WHERE id FOR UPDATE) old
WHERE ws.id AND (old.close_solved_after_days, old.pending_remind_after_days, old.pending_solve_after_days)
      IS DISTINCT FROM ($1::int, $2::int, $3::int)
RETURNING old.close_solved_after_days, old.pending_remind_after_days, old.pending_solve_after_days`

// automationFields is what the audit log keeps of the settings.
type automationFields struct {
	CloseSolved   *int `json:"close_days"`
	PendingRemind *int `json:"remind_days"`
	PendingSolve  *int `json:"solve_days"`
}

func saveAutomation(ctx context.Context, q db.Querier, s AutomationSettings) error {
	rows, err := q.Query(ctx, updateAutomationSQL, s.CloseSolvedDays, s.PendingRemindDays, s.PendingSolveDays)
	if err != nil {
		return db.Translate(err)
	}
	was, err := pgx.CollectRows(rows, pgx.RowToStructByName[AutomationSettings])
	if err != nil || len(was) == 0 {
		return db.Translate(err)
	}
	by := auth.UserFrom(ctx)
	return audit.Record(ctx, q, audit.Entry{ActorID: by.ID, ActorEmail: by.Email, Action: audit.AutomationChanged,
		TargetType: "workspace", TargetID: "settings", TargetLabel: "Desk automation",
		Before: automationFields{was[0].CloseSolvedDays, was[0].PendingRemindDays, was[0].PendingSolveDays},
		After:  automationFields{s.CloseSolvedDays, s.PendingRemindDays, s.PendingSolveDays}})
}

// AutomationShow shows the desk's automation rules (GET /admin/automation).
func (s *Service) AutomationShow(w http.ResponseWriter, r *http.Request) {
	set, err := loadAutomationSettings(r.Context(), s.DB)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Render(w, r, http.StatusOK, "Desk automation", automationPage(automationFormOf(set)))
}

// AutomationUpdate changes them (POST /admin/automation); audited.
func (s *Service) AutomationUpdate(w http.ResponseWriter, r *http.Request) {
	if !s.Pages.ParseForm(w, r) {
		return
	}
	f := automationForm{CloseSolved: form.Text(r, "close_solved_after_days"), PendingRemind: form.Text(r, "pending_remind_after_days"),
		PendingSolve: form.Text(r, "pending_solve_after_days")}
	f.Validate()
	if !f.Errors.OK() {
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, "Desk automation", automationPage(f))
		return
	}
	ctx := r.Context()
	if err := s.DB.InTx(ctx, func(tx pgx.Tx) error { return saveAutomation(ctx, tx, f.set) }); err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "Desk automation saved.")
	httpx.Redirect(w, r, "/admin/automation")
}
