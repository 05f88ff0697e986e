package desk

import (
	"context"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// Policy is an SLA policy: response and resolution targets, in minutes, for a priority.
type Policy struct {
	ID                string   `db:"id"`
	Name              string   `db:"name"`
	Priority          Priority `db:"priority"`
	FirstResponseMins int      `db:"first_response_mins"`
	ResolveMins       int      `db:"resolve_mins"`
	// Applies is true for the policy the rule chooses for its priority (desk_sla_policy).
	Applies bool `db:"applies"`
	// CalendarID and CalendarName are its business hours (nil: 24/7).
	CalendarID   *string `db:"calendar_id"`
	CalendarName *string `db:"calendar_name"`
	// WarnBeforeMins is how long before a deadline its warning is emailed (nil: never).
	WarnBeforeMins *int `db:"warn_before_mins"`
}

const policyColumnsSQL = `
SELECT p.id, p.name, p.priority, p.first_response_mins, p.resolve_mins,
       p.id = (desk_sla_policy(p.priority)).id AS applies,
       p.calendar_id::text, c.name AS calendar_name, p.warn_before_mins
FROM sla_policies p
LEFT JOIN business_calendars c ON c.id = p.calendar_id`

const policiesSQL = policyColumnsSQL + `
ORDER BY CASE p.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END,
         p.first_response_mins, p.resolve_mins, p.name, p.id`

// ListPolicies returns every SLA policy, by priority (most urgent first) and then in
// the order the rule prefers them.
func ListPolicies(ctx context.Context, q db.Querier) ([]Policy, error) {
	rows, err := q.Query(ctx, policiesSQL)
	if err != nil {
		return nil, db.Translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[Policy])
	return list, db.Translate(err)
}

const policySQL = policyColumnsSQL + ` WHERE p.id = $1`

func policyByID(ctx context.Context, q db.Querier, id string) (Policy, error) {
	rows, err := q.Query(ctx, policySQL, id)
	if err != nil {
		return Policy{}, db.Translate(err)
	}
	p, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Policy])
	return p, db.Translate(err)
}

// PolicyList lists the SLA policies and the rule that picks a ticket's (GET /admin/sla).
func (s *Service) PolicyList(w http.ResponseWriter, r *http.Request) {
	list, err := ListPolicies(r.Context(), s.DB)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Render(w, r, http.StatusOK, "SLA policies", policiesPage(list))
}
