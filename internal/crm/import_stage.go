package crm

import (
	"context"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/internal/form"
)

// checkRow validates and normalises one row of a file in Go; reason is why it is
// rejected, "" when the database has the last word (duplicates, matches, references).
func checkRow(kind ImportKind, r *ImportRow) (reason string) {
	r.Name = form.Clean(r.Name)
	if msg := form.Check(r.Name, maxCompanyName, false); msg != "" {
		return "name: " + msg
	}
	if r.Domain != "" {
		d, err := NormalizeDomain(r.Domain)
		if err != nil {
			return "domain: " + err.Error()
		}
		r.Domain = d
	}
	if kind == ImportCompanies {
		if r.Name == "" {
			return "name: a company needs a name."
		}
		return ""
	}
	r.Email = form.NormalizeEmail(r.Email)
	errs := form.Errors{}
	if form.Email(errs, "email", r.Email); !errs.OK() {
		return "email: " + errs["email"]
	}
	if r.CompanyID != "" && !db.ValidUUID(r.CompanyID) {
		return "company_id: not a company id (leave it empty and use domain instead)."
	}
	r.CompanyID = strings.ToLower(r.CompanyID)
	if msg := form.Check(r.OwnerID, 64, false); msg != "" {
		return "owner_id: " + msg
	}
	return ""
}

// maxExcerpt is how many characters of each cell a rejected row keeps. A cell that
// passed checkRow is bounded by its field's limit; one that did not can be as large as
// the file, and the preview only needs enough to find it.
const maxExcerpt = 100

// excerpt is v cut to maxExcerpt characters, with its full length said when it is cut:
// "xxxx… (12,345,678 characters)".
func excerpt(v string) string {
	n := utf8.RuneCountInString(v)
	if n <= maxExcerpt {
		return v
	}
	cut := 0
	for i := range v {
		if cut == maxExcerpt {
			return v[:i] + "… (" + groupThousands(int64(n)) + " characters)"
		}
		cut++
	}
	return v
}

// Companies: a row matches the company that already uses its domain, and a second row
// with a domain seen on an earlier line is rejected. Companies without a domain are
// always created.
const stageCompaniesSQL = `
WITH input AS (
    SELECT * FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::jsonb[]) AS v(line, name, domain, reason, extra)
), resolved AS (
    SELECT v.*, m.id AS match_id,
           row_number() OVER w AS nth, first_value(v.line) OVER w AS first_line
    FROM input v
    LEFT JOIN companies m ON v.reason IS NULL AND v.domain <> '' AND m.domain = v.domain
    WINDOW w AS (PARTITION BY v.domain, v.reason IS NULL, v.domain = '' ORDER BY v.line)
)
INSERT INTO crm_import_rows (import_id, line, name, domain, action, reason, match_id, extra)
SELECT $1, line, name, domain,
       CASE WHEN reason IS NOT NULL OR (domain <> '' AND nth > 1) THEN 'reject'
            WHEN match_id IS NOT NULL THEN 'match' ELSE 'create' END,
       CASE WHEN reason IS NOT NULL THEN reason
            WHEN domain <> '' AND nth > 1 THEN 'domain: same as line ' || first_line || '.' END,
       match_id, extra
FROM resolved`

// Contacts: a row matches the contact that already has its email (any case); its
// company is named by company_id or by domain and must exist; its owner (the importer
// when empty) must be a sales rep or an admin.
const stageContactsSQL = `
WITH input AS (
    SELECT * FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::uuid[], $7::text[], $8::text[], $10::jsonb[])
        AS v(line, email, name, domain, company_ref, owner, reason, extra)
), resolved AS (
    SELECT v.*, coalesce(ci.id, cd.id) AS company_id, o.id AS owner_id, m.id AS match_id,
           row_number() OVER w AS nth, first_value(v.line) OVER w AS first_line
    FROM input v
    LEFT JOIN companies ci ON v.reason IS NULL AND ci.id = v.company_ref
    LEFT JOIN companies cd ON v.reason IS NULL AND v.company_ref IS NULL AND v.domain <> '' AND cd.domain = v.domain
    LEFT JOIN "user" o ON o.id = coalesce(nullif(v.owner, ''), $9) AND o.role IN ('sales', 'admin') AND NOT o.banned
    LEFT JOIN contacts m ON v.reason IS NULL AND lower(m.email) = v.email
    WINDOW w AS (PARTITION BY v.email, v.reason IS NULL ORDER BY v.line)
)
INSERT INTO crm_import_rows (import_id, line, name, domain, email, company, owner, company_id, owner_id, action, reason, match_id, extra)
SELECT $1, line, name, domain, email, coalesce(company_ref::text, ''), owner, company_id, owner_id,
       CASE WHEN reason IS NOT NULL OR nth > 1
              OR (company_ref IS NOT NULL OR domain <> '') AND company_id IS NULL
              OR owner_id IS NULL THEN 'reject'
            WHEN match_id IS NOT NULL THEN 'match' ELSE 'create' END,
       CASE WHEN reason IS NOT NULL THEN reason
            WHEN nth > 1 THEN 'email: same as line ' || first_line || '.'
            WHEN company_ref IS NOT NULL AND company_id IS NULL THEN 'company_id: no company has this id.'
            WHEN domain <> '' AND company_id IS NULL THEN 'domain: no company uses ' || domain || ' (import the companies first).'
            WHEN owner_id IS NULL THEN 'owner_id: not a sales rep or admin.' END,
       match_id, extra
FROM resolved`

const createImportSQL = `
INSERT INTO crm_imports (owner_id, kind, filename, columns, source) VALUES ($1, $2, $3, $4::jsonb, $5) RETURNING id`

// An import waits a day for its confirmation; older ones, anyone's, are dropped.
const dropOldImportsSQL = `DELETE FROM crm_imports WHERE created_at < now() - interval '1 day'`

// StageImport stores a parsed file for its preview, every row with its verdict (create,
// match or reject with the reason), and returns the import's id. The rows go in with
// one set-based statement, whatever their number. The upload form's key is claimed in
// the same transaction, with the new import's page as its answer (claim.To is set
// here): a repeat of the key stores nothing and returns a *form.Repeat.
func StageImport(ctx context.Context, d *db.DB, by Actor, claim form.Claim, filename string, f *ImportFile) (string, error) {
	n := len(f.Rows)
	lines := make([]int32, n)
	names, domains, emails, owners, reasons := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]*string, n)
	companies, extras := make([]*string, n), make([]*string, n)
	for i := range f.Rows {
		r := f.Rows[i]
		reason := checkRow(f.Kind, &r)
		if reason == "" {
			reason = checkExtra(f.Kind, f.Fields, &r)
		}
		extras[i] = r.extra
		if reason != "" {
			reasons[i] = &reason
			r.Name, r.Domain, r.Email, r.OwnerID = excerpt(r.Name), excerpt(r.Domain), excerpt(r.Email), excerpt(r.OwnerID)
		}
		lines[i], names[i], domains[i], emails[i], owners[i] = int32(r.Line), r.Name, r.Domain, r.Email, r.OwnerID
		if r.CompanyID != "" && reasons[i] == nil {
			companies[i] = &r.CompanyID
		}
	}
	var id string
	err := d.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, dropOldImportsSQL); err != nil {
			return err
		}
		columns, err := json.Marshal(f.Columns)
		if err != nil {
			return err
		}
		if f.Columns == nil {
			columns = []byte("[]")
		}
		if err := tx.QueryRow(ctx, createImportSQL, by.ID, string(f.Kind), filename, string(columns), f.Source).Scan(&id); err != nil {
			return err
		}
		claim.To = importPath(id)
		if err := claim.Take(ctx, tx); err != nil {
			return err
		}

		if f.Kind == ImportCompanies {
			_, err = tx.Exec(ctx, stageCompaniesSQL, id, lines, names, domains, reasons, extras)
		} else {
			_, err = tx.Exec(ctx, stageContactsSQL, id, lines, emails, names, domains, companies, owners, reasons, by.ID, extras)
		}
		return err
	})
	return id, db.Translate(err)
}
