package crm

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// Lookalikes (issue 11, part 3): creating a company or contact that looks like an
// existing one is answered 422 with a link to it and a "save anyway" box, before
// anything is saved. Exact duplicates (an email, a normalised domain) are refused by
// the unique indexes as before; these are the near ones the duplicates page would list.

// Lookalike is an existing record a new one looks like.
type Lookalike struct {
	Kind   string `db:"kind"`
	ID     string `db:"id"`
	Label  string `db:"label"`
	Detail string `db:"detail"`
	Reason string `db:"reason"`
}

// Href is the existing record's page.
func (l Lookalike) Href() string { return duplicateHref(l.Kind, l.ID) }

const companyLookalikeSQL = `
SELECT 'company' AS kind, id::text AS id, name AS label, coalesce(domain, '') AS detail,
       CASE WHEN lower(name) = lower($1) THEN 'has the same name' ELSE 'has the same domain name' END AS reason
FROM companies
WHERE (lower(name) = lower($1)
       OR ($2::text IS NOT NULL AND domain IS NOT NULL AND split_part(domain, '.', 1) = split_part($2::text, '.', 1)))
  AND NOT EXISTS (SELECT FROM companies t WHERE t.domain = $2::text)
ORDER BY lower(name) = lower($1) DESC, created_at, id
LIMIT 1`

// CompanyLookalike is an existing company with the same name (whatever its case) or
// the same domain name with another ending; nil when none, and when a company has the
// domain itself (the create is then refused as a duplicate, with its link).
func CompanyLookalike(ctx context.Context, q db.Querier, name string, domain *string) (*Lookalike, error) {
	return lookalike(ctx, q, companyLookalikeSQL, name, domain)
}

const contactLookalikeSQL = `
SELECT 'contact' AS kind, id::text AS id, coalesce(nullif(name, ''), email) AS label, email AS detail,
       CASE WHEN lower(name) = lower($2) THEN 'has the same name at this company' ELSE 'has a similar name at this company' END AS reason
FROM contacts
WHERE company_id = $1 AND similarity(lower(coalesce(name, '')), lower($2)) >= 0.6
  AND NOT EXISTS (SELECT FROM contacts t WHERE lower(t.email) = lower($3))
ORDER BY similarity(lower(coalesce(name, '')), lower($2)) DESC, id
LIMIT 1`

// ContactLookalike is an existing contact at the same company with the same or a
// similar name (trigram similarity ≥ 0.6); nil when none, or without a company or name.
func ContactLookalike(ctx context.Context, q db.Querier, companyID *string, name, email string) (*Lookalike, error) {
	if companyID == nil || name == "" {
		return nil, nil
	}
	return lookalike(ctx, q, contactLookalikeSQL, *companyID, name, email)
}

func lookalike(ctx context.Context, q db.Querier, sql string, args ...any) (*Lookalike, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, db.Translate(err)
	}
	l, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Lookalike])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return l, db.Translate(err)
}

// saveAnyway reports whether the create form's "save anyway" box is ticked.
func saveAnyway(r *http.Request) bool { return r.PostFormValue("anyway") == "1" }
