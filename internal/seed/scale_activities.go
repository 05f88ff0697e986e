package seed

// The planned activities of Scale (issue 10), generated like the rest of scale_crm.go:
// an open deal has one or two planned activities (one open deal in six has none, so
// the board shows its warning), due from 15 days ago to 25 days ahead (about a third
// overdue), half of them at a time of day; a won or lost deal has one done on its close
// date. The assignee is the deal's owner. Then each deal's next activity is set, as
// internal/crm/activity keeps it.

// scalePlanned: $1 run, $2 deals.
const scalePlanned = `
INSERT INTO planned_activities (deal_id, contact_id, type, subject, due_date, due_time, time_zone, due_at, due_sort,
    duration_mins, assignee_id, created_by, created_at, done_at, done_by)
SELECT x.id, x.contact_id, x.type, x.subject, x.due_date, x.due_time, 'UTC',
       CASE WHEN x.due_time IS NOT NULL THEN (x.due_date + x.due_time) AT TIME ZONE 'UTC' END,
       (x.due_date + coalesce(x.due_time, time '00:00')) AT TIME ZONE 'UTC',
       CASE WHEN x.due_time IS NOT NULL THEN 30 END,
       x.owner_id, x.owner_id, x.created_at, x.done_at, CASE WHEN x.done_at IS NOT NULL THEN x.owner_id END
FROM (
    SELECT d.id, d.contact_id, d.owner_id, d.created_at,
           (ARRAY['call', 'meeting', 'email', 'task', 'deadline'])[1 + (hh.h + k) % 5] AS type,
           (ARRAY['Follow up on the proposal', 'Demo for the buying committee', 'Send the order form',
                  'Check in with the champion', 'Security review call', 'Pricing discussion',
                  'Contract redlines due', 'Quarterly business review'])[1 + (hh.h / 5 + k) % 8] AS subject,
           CASE WHEN d.stage IN ('won', 'lost') THEN (d.close_date AT TIME ZONE 'UTC')::date
                ELSE current_date + ((hh.h / 7 + 11 * k) % 40 - 15) END AS due_date,
           CASE WHEN (hh.h + k) % 2 = 0 THEN make_time(8 + (hh.h / 3 + k) % 10, ((hh.h + k) % 4) * 15, 0) END AS due_time,
           CASE WHEN d.stage IN ('won', 'lost') THEN d.close_date END AS done_at
    FROM generate_series(1, $2::int) g
    JOIN deals d ON d.id = md5($1::text || ':dl:' || g)::uuid
    CROSS JOIN LATERAL (SELECT hashint4(g # 61) & 2147483647 AS h) hh
    CROSS JOIN LATERAL generate_series(1, CASE WHEN d.stage IN ('won', 'lost') THEN 1
                                               WHEN hh.h % 6 = 0 THEN 0
                                               ELSE 1 + hh.h % 2 END) k
) x`

// scaleNextActivities: $1 run, $2 deals.
const scaleNextActivities = `
UPDATE deals d SET (next_activity_date, next_activity_at) = (
    SELECT p.due_date, p.due_at FROM planned_activities p
    WHERE p.deal_id = d.id AND p.done_at IS NULL
    ORDER BY p.due_date, p.due_sort, p.id LIMIT 1)
FROM generate_series(1, $2::int) g
WHERE d.id = md5($1::text || ':dl:' || g)::uuid AND d.stage IN ('lead', 'qualified')`
