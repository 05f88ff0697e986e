package seed

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// demoPlanned plans the next step on three in four of the demo's open deals, by their
// owner, some overdue, some today (one at 16:00 UTC), some later, so that the board,
// "My activities" and the morning email have something to show. A deal that has a
// planned activity is left alone, so the seed can run again.
const demoPlanned = `
WITH open AS (
    SELECT d.id, d.owner_id, d.contact_id, row_number() OVER (ORDER BY d.title, d.id) AS n
    FROM deals d
    WHERE d.title = ANY($1) AND d.stage IN ('lead', 'qualified')
), plan AS (
    SELECT o.*, current_date + (o.n % 6)::int - 2 AS due_date,
           CASE WHEN o.n % 3 = 0 THEN time '16:00' END AS due_time
    FROM open o
    WHERE o.n % 4 <> 0 AND NOT EXISTS (SELECT 1 FROM planned_activities p WHERE p.deal_id = o.id)
)
INSERT INTO planned_activities (deal_id, contact_id, type, subject, due_date, due_time, time_zone, due_at, due_sort,
    duration_mins, assignee_id, created_by)
SELECT p.id, p.contact_id, (ARRAY['call', 'meeting', 'email', 'task', 'deadline'])[1 + p.n % 5],
       (ARRAY['Follow up on the proposal', 'Demo for the buying committee', 'Send the order form',
              'Check in with the champion', 'Pricing discussion', 'Contract redlines due'])[1 + p.n % 6],
       p.due_date, p.due_time, 'UTC',
       CASE WHEN p.due_time IS NOT NULL THEN (p.due_date + p.due_time) AT TIME ZONE 'UTC' END,
       (p.due_date + coalesce(p.due_time, time '00:00')) AT TIME ZONE 'UTC',
       CASE WHEN p.due_time IS NOT NULL THEN 30 END, p.owner_id, p.owner_id
FROM plan p`

// demoNextActivities sets the demo deals' next activity, as internal/crm/activity does.
const demoNextActivities = `
UPDATE deals d SET (next_activity_date, next_activity_at) = (
    SELECT p.due_date, p.due_at FROM planned_activities p
    WHERE p.deal_id = d.id AND p.done_at IS NULL
    ORDER BY p.due_date, p.due_sort, p.id LIMIT 1)
WHERE d.title = ANY($1)`

func demoActivitiesPlanned(ctx context.Context, tx pgx.Tx, titles []string, added *tally) error {
	tag, err := tx.Exec(ctx, demoPlanned, titles)
	if err != nil {
		return fmt.Errorf("planned activities: %w", err)
	}
	added.add("planned activities", tag.RowsAffected())
	if _, err := tx.Exec(ctx, demoNextActivities, titles); err != nil {
		return fmt.Errorf("next activities: %w", err)
	}
	return nil
}
