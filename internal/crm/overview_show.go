package crm

import (
	"context"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// Overview is a rep's figures: the open pipeline by stage, this month's won and lost,
// what closes in the next 14 days and what is overdue.
type Overview struct {
	LeadCount      int64 `db:"lead_count"`
	LeadCents      int64 `db:"lead_cents"`
	QualifiedCount int64 `db:"qualified_count"`
	QualifiedCents int64 `db:"qualified_cents"`
	WonCount       int64 `db:"won_count"`
	WonCents       int64 `db:"won_cents"`
	LostCount      int64 `db:"lost_count"`
	LostCents      int64 `db:"lost_cents"`
	SoonCount      int64 `db:"soon_count"`
	SoonCents      int64 `db:"soon_cents"`
	OverdueCount   int64 `db:"overdue_count"`
	OverdueCents   int64 `db:"overdue_cents"`
}

// A deal is won or lost "this month" when it moved into that stage this month (UTC).
const overviewFiguresSQL = `
SELECT count(*) FILTER (WHERE stage = 'lead') AS lead_count,
       coalesce(sum(amount_cents) FILTER (WHERE stage = 'lead'), 0)::bigint AS lead_cents,
       count(*) FILTER (WHERE stage = 'qualified') AS qualified_count,
       coalesce(sum(amount_cents) FILTER (WHERE stage = 'qualified'), 0)::bigint AS qualified_cents,
       count(*) FILTER (WHERE stage = 'won' AND stage_changed_at >= $2) AS won_count,
       coalesce(sum(amount_cents) FILTER (WHERE stage = 'won' AND stage_changed_at >= $2), 0)::bigint AS won_cents,
       count(*) FILTER (WHERE stage = 'lost' AND stage_changed_at >= $2) AS lost_count,
       coalesce(sum(amount_cents) FILTER (WHERE stage = 'lost' AND stage_changed_at >= $2), 0)::bigint AS lost_cents,
       count(*) FILTER (WHERE stage IN ('lead', 'qualified') AND close_date >= $3 AND close_date < $4) AS soon_count,
       coalesce(sum(amount_cents) FILTER (WHERE stage IN ('lead', 'qualified') AND close_date >= $3 AND close_date < $4), 0)::bigint AS soon_cents,
       count(*) FILTER (WHERE stage IN ('lead', 'qualified') AND close_date < $3) AS overdue_count,
       coalesce(sum(amount_cents) FILTER (WHERE stage IN ('lead', 'qualified') AND close_date < $3), 0)::bigint AS overdue_cents
FROM deals
WHERE ($1::text IS NULL OR owner_id = $1)`

// The figures, and the owner filter's choices (ListOwners) as two arrays in its order:
// one row for the whole statement.
const overviewSQL = `
SELECT f.*, o.owner_ids, o.owner_names
FROM (` + overviewFiguresSQL + `) f,
     (SELECT array_agg(o.id ORDER BY o.name, o.id) AS owner_ids, array_agg(o.name ORDER BY o.name, o.id) AS owner_names
      FROM (` + ownersSQL + `) o) o`

type overviewRow struct {
	Overview
	OwnerIDs   []string `db:"owner_ids"`
	OwnerNames []string `db:"owner_names"`
}

// LoadOverview computes the figures of owner's deals (nil: everyone's) as of now, and
// lists the owners the overview's filter offers (ListOwners), in one statement.
func LoadOverview(ctx context.Context, q db.Querier, owner *string, now time.Time) (*Overview, []Owner, error) {
	day := today(now)
	month := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
	rows, err := q.Query(ctx, overviewSQL, owner, month, day, day.AddDate(0, 0, 14))
	if err != nil {
		return nil, nil, db.Translate(err)
	}
	o, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[overviewRow])
	if err != nil {
		return nil, nil, db.Translate(err)
	}
	owners := make([]Owner, min(len(o.OwnerIDs), len(o.OwnerNames)))
	for i := range owners {
		owners[i] = Owner{ID: o.OwnerIDs[i], Name: o.OwnerNames[i]}
	}
	return &o.Overview, owners, nil
}

// DueDeal is an open deal in the overview's lists.
type DueDeal struct {
	DealRow
	Bucket string `db:"bucket"` // "soon" or "overdue"
}

// Each branch reads the partial index of open deals by close date.
const dueDealsSQL = `
SELECT * FROM (
    (SELECT ` + dealRowColumns + `, 'soon' AS bucket ` + dealRowJoins + `
     WHERE d.stage IN ('lead', 'qualified') AND ($1::text IS NULL OR d.owner_id = $1)
       AND d.close_date >= $2 AND d.close_date < $3
     ORDER BY d.close_date, d.id
     LIMIT $4)
    UNION ALL
    (SELECT ` + dealRowColumns + `, 'overdue' ` + dealRowJoins + `
     WHERE d.stage IN ('lead', 'qualified') AND ($1::text IS NULL OR d.owner_id = $1)
       AND d.close_date < $2
     ORDER BY d.close_date DESC, d.id
     LIMIT $4)
) due`

// DueDeals returns up to limit open deals closing in the next 14 days (soonest first)
// and up to limit overdue ones (most recently due first).
func DueDeals(ctx context.Context, q db.Querier, owner *string, now time.Time, limit int) (soon, late []DealRow, err error) {
	day := today(now)
	rows, err := q.Query(ctx, dueDealsSQL, owner, day, day.AddDate(0, 0, 14), limit)
	if err != nil {
		return nil, nil, db.Translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[DueDeal])
	if err != nil {
		return nil, nil, db.Translate(err)
	}
	for _, d := range list {
		if d.Bucket == "soon" {
			soon = append(soon, d.DealRow)
		} else {
			late = append(late, d.DealRow)
		}
	}
	return soon, late, nil
}

// overviewPage is what the overview shows.
type overviewPage struct {
	Figures *Overview
	Soon    []DealRow
	Overdue []DealRow
	Owner   string
	Owners  []Owner
	Month   string
}

// OverviewShow is a rep's overview (GET /crm/overview; owner_id as on the lists, "mine"
// by default for reps): figures drawn as server-rendered SVG, with the numbers beside.
func (s *Service) OverviewShow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	now := time.Now()
	p := overviewPage{Month: now.UTC().Format("January 2006")}
	owner, ownerID := ownerFilter(ctx, r.URL.Query().Get("owner_id"))
	p.Owner = owner
	var err error
	if p.Figures, p.Owners, err = LoadOverview(ctx, s.DB, ownerID, now); err == nil {
		p.Soon, p.Overdue, err = DueDeals(ctx, s.DB, ownerID, now, 10)
	}
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Render(w, r, http.StatusOK, "Overview", overviewShowPage(p))
}
