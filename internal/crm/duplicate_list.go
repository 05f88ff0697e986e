package crm

import (
	"context"
	"net/http"
	"strconv"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// The duplicates page (issue 11, part 3): likely duplicate contacts and companies
// among the newest duplicateWindow records of each, with the reason, in one bounded
// statement. Each of the newest records probes an index for older records like it
// (at most 3 each): contacts at the same company with the same or a similar name
// (pg_trgm similarity ≥ 0.6, compared among that company's contacts, idx_contact_company);
// companies with the same name whatever its case (companies_name_idx) or the same
// domain name with another ending, acme.com and acme.io (companies_domain_label_idx).
// Two contacts with the same email in another case cannot exist: the database keeps
// emails unique whatever their case (contacts_email_unique), as it keeps normalised
// domains unique; creating one is refused with a link to the existing record.

// duplicateWindow is how many of the newest contacts and companies are checked.
const duplicateWindow = 500

// duplicateShown is how many pairs of each kind the page lists.
const duplicateShown = 50

// DuplicatePair is two records that look like one, the newer (A) first.
type DuplicatePair struct {
	Kind    string `db:"kind"` // contact or company
	AID     string `db:"a_id"`
	ALabel  string `db:"a_label"`
	ADetail string `db:"a_detail"`
	BID     string `db:"b_id"`
	BLabel  string `db:"b_label"`
	BDetail string `db:"b_detail"`
	Reason  string `db:"reason"`
}

var duplicatesSQL = `
WITH ct AS (
    SELECT c.id, c.name, c.email, c.company_id, c.created_at
    FROM contacts c
    ORDER BY c.created_at DESC, c.id DESC
    LIMIT ` + strconv.Itoa(duplicateWindow) + `
), co AS (
    SELECT c.id, c.name, c.domain, c.created_at
    FROM companies c
    ORDER BY c.created_at DESC, c.id DESC
    LIMIT ` + strconv.Itoa(duplicateWindow) + `
)
(SELECT 'contact' AS kind, a.id::text AS a_id, coalesce(nullif(a.name, ''), a.email) AS a_label, a.email AS a_detail,
        b.id::text AS b_id, coalesce(nullif(b.name, ''), b.email) AS b_label, b.email AS b_detail,
        CASE WHEN lower(a.name) = lower(b.name) THEN 'Same name at ' ELSE 'Similar name at ' END
            || coalesce((SELECT co.name FROM companies co WHERE co.id = a.company_id), 'the same company') AS reason
 FROM ct a
 CROSS JOIN LATERAL (
     SELECT b.id, b.name, b.email FROM contacts b
     WHERE b.company_id = a.company_id AND (b.created_at, b.id) < (a.created_at, a.id)
       AND a.name <> '' AND similarity(lower(coalesce(b.name, '')), lower(a.name)) >= 0.6
     ORDER BY similarity(lower(coalesce(b.name, '')), lower(a.name)) DESC, b.id
     LIMIT 3
 ) b
 WHERE a.company_id IS NOT NULL AND a.name IS NOT NULL
 ORDER BY a.created_at DESC, a.id DESC, b.id
 LIMIT ` + strconv.Itoa(duplicateShown) + `)
UNION ALL
(SELECT 'company', a.id::text, a.name, coalesce(a.domain, ''), b.id::text, b.name, coalesce(b.domain, ''), b.reason
 FROM co a
 CROSS JOIN LATERAL (
     (SELECT b.id, b.name, b.domain, 'Same name' AS reason FROM companies b
      WHERE lower(b.name) = lower(a.name) AND (b.created_at, b.id) < (a.created_at, a.id)
      LIMIT 3)
     UNION ALL
     (SELECT b.id, b.name, b.domain, 'Same domain name, another ending' FROM companies b
      WHERE a.domain IS NOT NULL AND b.domain IS NOT NULL AND split_part(b.domain, '.', 1) = split_part(a.domain, '.', 1)
        AND lower(b.name) <> lower(a.name) AND (b.created_at, b.id) < (a.created_at, a.id)
      LIMIT 3)
 ) b
 ORDER BY a.created_at DESC, a.id DESC, b.id
 LIMIT ` + strconv.Itoa(duplicateShown) + `)`

// ListDuplicates returns the likely duplicate pairs, contacts first.
func ListDuplicates(ctx context.Context, q db.Querier) ([]DuplicatePair, error) {
	rows, err := q.Query(ctx, duplicatesSQL)
	if err != nil {
		return nil, db.Translate(err)
	}
	pairs, err := pgx.CollectRows(rows, pgx.RowToStructByName[DuplicatePair])
	return pairs, db.Translate(err)
}

// duplicatesPage is what the duplicates page shows.
type duplicatesPage struct {
	Contacts, Companies []DuplicatePair
	Window              int
}

// DuplicateList lists likely duplicate contacts and companies with the reason and a
// link to compare and merge each pair (GET /crm/duplicates). Two statements.
func (s *Service) DuplicateList(w http.ResponseWriter, r *http.Request) {
	pairs, err := ListDuplicates(r.Context(), s.DB)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	v := duplicatesPage{Window: duplicateWindow}
	for _, p := range pairs {
		if p.Kind == "contact" {
			v.Contacts = append(v.Contacts, p)
		} else {
			v.Companies = append(v.Companies, p)
		}
	}
	s.Pages.Render(w, r, http.StatusOK, "Duplicates", duplicatesShowPage(v))
}

func duplicateMergeHref(p DuplicatePair) string {
	if p.Kind == "company" {
		return withQuery(companyPath(p.AID)+"/merge", "with", p.BID)
	}
	return withQuery(contactPath(p.AID)+"/merge", "with", p.BID)
}

func duplicateHref(kind, id string) string {
	if kind == "company" {
		return companyPath(id)
	}
	return contactPath(id)
}
