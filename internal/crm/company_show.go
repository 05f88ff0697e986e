package crm

import (
	"context"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// companyPage is what the company page shows.
type companyPage struct {
	Company      *Company
	Extra        *CompanyExtra
	Contacts     []ContactRow
	MoreContacts bool
	OpenDeals    []DealRow
	OpenCount    int
	OpenTotal    int64
	Activity     []ActivityRow
	CanReadDeals bool
}

const pageLimit = 100

// The company page's sections, each a statement of its own inside companyPageSQL: $1 is
// the company, $2, $3 and $4 the sections' limits.

// Its contacts by name.
const companyContactsSQL = `SELECT ` + contactRowColumns + ` ` + contactRowJoins + `
WHERE c.company_id = $1
ORDER BY lower(coalesce(c.name, '')), c.id
LIMIT $2`

// Its contacts' open deals (lead or qualified) by close date.
const companyOpenDealsSQL = `SELECT ` + dealRowColumns + ` ` + dealRowJoins + `
WHERE c.company_id = $1 AND d.stage IN ('lead', 'qualified')
ORDER BY d.close_date NULLS LAST, d.id
LIMIT $3`

// The latest activities on its contacts' deals.
const companyActivitySQL = `SELECT ` + activityRowColumns + `
FROM contacts c
JOIN deals d ON d.contact_id = c.id
JOIN activities a ON a.deal_id = d.id
JOIN "user" u ON u.id = a.actor_id
WHERE c.company_id = $1
ORDER BY a.occurred_at DESC, a.id DESC
LIMIT $4`

// The company page in one statement: the company, its sections as JSON arrays, and the
// count and summed amount of every open deal (past the limit too).
var companyPageSQL = `
SELECT co.id, co.name, co.domain, co.created_at, ` + companyExtraColumns + `,
       coalesce((SELECT json_agg(x ORDER BY lower(x.name), x.id) FROM (` + companyContactsSQL + `) x), '[]') AS contacts,
       coalesce((SELECT json_agg(x ORDER BY x.close_date NULLS LAST, x.id) FROM (` + companyOpenDealsSQL + `) x), '[]') AS open_deals,
       n.open_count, n.open_total,
       coalesce((SELECT json_agg(x ORDER BY x.occurred_at DESC, x.id DESC) FROM (` + companyActivitySQL + `) x), '[]') AS activity
FROM companies co
CROSS JOIN LATERAL (
    SELECT count(*) AS open_count, coalesce(sum(d.amount_cents), 0) AS open_total
    FROM contacts c
    JOIN deals d ON d.contact_id = c.id
    WHERE c.company_id = $1 AND d.stage IN ('lead', 'qualified')
) n
WHERE co.id = $1`

// CompanyLimits are how many rows of each section a company's details hold.
type CompanyLimits struct {
	Contacts  int
	OpenDeals int
	Activity  int
}

// CompanyDetails is a company with its contacts, its contacts' open deals (and the
// count and amount of them all) and the latest activity on their deals.
type CompanyDetails struct {
	Company
	CompanyExtra
	Contacts  []ContactRow  `db:"contacts"`
	OpenDeals []DealRow     `db:"open_deals"`
	OpenCount int           `db:"open_count"`
	OpenTotal int64         `db:"open_total"`
	Activity  []ActivityRow `db:"activity"`
}

// LoadCompanyDetails reads the company id and its sections, each up to its limit, in one
// statement; db.ErrNotFound when there is no such company.
func LoadCompanyDetails(ctx context.Context, q db.Querier, id string, lim CompanyLimits) (*CompanyDetails, error) {
	rows, err := q.Query(ctx, companyPageSQL, id, lim.Contacts, lim.OpenDeals, lim.Activity)
	if err != nil {
		return nil, db.Translate(err)
	}
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[CompanyDetails])
	return c, db.Translate(err)
}

// CompanyShow is the company page: its contacts, open deals with their total value, and
// recent activity (GET /crm/companies/{id}; agents may read it). One statement.
func (s *Service) CompanyShow(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return
	}
	ctx := r.Context()
	c, err := LoadCompanyDetails(ctx, s.DB, id, CompanyLimits{Contacts: pageLimit + 1, OpenDeals: pageLimit, Activity: 20})
	if err != nil {
		if s.redirectMerged(w, r, "company", id, err) { // merged into another (merge.go)
			return
		}
		s.Pages.Fail(w, r, err)
		return
	}
	p := companyPage{Company: &c.Company, Extra: &c.CompanyExtra, Contacts: c.Contacts, OpenDeals: c.OpenDeals, OpenCount: c.OpenCount,
		OpenTotal: c.OpenTotal, Activity: c.Activity, CanReadDeals: canReadDeals(ctx)}
	if len(p.Contacts) > pageLimit {
		p.Contacts, p.MoreContacts = p.Contacts[:pageLimit], true
	}
	s.Pages.Render(w, r, http.StatusOK, c.Name, companyShowPage(p))
}
