package crm

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// ErrImportStale means the database changed since the preview in a way the import
// collides with (someone added one of its companies or contacts): nothing was imported.
var ErrImportStale = errors.New("crm: the import collides with a change made since its preview")

// ErrImportApplied means the import was confirmed before: it is not applied again.
var ErrImportApplied = errors.New("crm: the import is already applied")

// Import is an uploaded file's preview or result, with its counts per verdict.
type Import struct {
	ID        string     `db:"id"`
	Kind      string     `db:"kind"`
	Filename  string     `db:"filename"`
	Status    string     `db:"status"` // previewed or applied
	CreatedAt time.Time  `db:"created_at"`
	AppliedAt *time.Time `db:"applied_at"`
	Creates   int64      `db:"creates"`
	Matches   int64      `db:"matches"`
	Rejects   int64      `db:"rejects"`
	// Columns is what each header of the file became; Source the tool recognised.
	Columns []ImportColumn `db:"columns"`
	Source  string         `db:"source"`
}

// Rows is the number of data rows in the file.
func (i *Import) Rows() int64 { return i.Creates + i.Matches + i.Rejects }

const importByIDSQL = `
SELECT i.id, i.kind, i.filename, i.status, i.created_at, i.applied_at, i.columns, i.source,
       count(*) FILTER (WHERE r.action = 'create') AS creates,
       count(*) FILTER (WHERE r.action = 'match') AS matches,
       count(*) FILTER (WHERE r.action = 'reject') AS rejects
FROM crm_imports i
LEFT JOIN crm_import_rows r ON r.import_id = i.id
WHERE i.id = $1 AND i.owner_id = $2
GROUP BY i.id`

// ImportByID loads one of the actor's imports with its counts; db.ErrNotFound for
// anyone else's.
func ImportByID(ctx context.Context, q db.Querier, by Actor, id string) (*Import, error) {
	rows, err := q.Query(ctx, importByIDSQL, id, by.ID)
	if err != nil {
		return nil, db.Translate(err)
	}
	imp, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Import])
	return imp, db.Translate(err)
}

// ImportLine is one row of a preview.
type ImportLine struct {
	Line   int    `db:"line"`
	Action string `db:"action"`
	Reason string `db:"reason"`
	Name   string `db:"name"`
	Domain string `db:"domain"`
	Email  string `db:"email"`
}

const importSampleSQL = `
SELECT line, action, coalesce(reason, '') AS reason, coalesce(name, '') AS name,
       coalesce(domain, '') AS domain, coalesce(email, '') AS email
FROM (SELECT r.*, row_number() OVER (PARTITION BY r.action ORDER BY r.line) AS nth
      FROM crm_import_rows r WHERE r.import_id = $1) x
WHERE nth <= $2
ORDER BY CASE action WHEN 'reject' THEN 0 WHEN 'create' THEN 1 ELSE 2 END, line`

// ImportSample returns the first perAction rows of each verdict, rejections first.
func ImportSample(ctx context.Context, q db.Querier, importID string, perAction int) ([]ImportLine, error) {
	rows, err := q.Query(ctx, importSampleSQL, importID, perAction)
	if err != nil {
		return nil, db.Translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[ImportLine])
	return list, db.Translate(err)
}

const lockImportSQL = `SELECT kind, status FROM crm_imports WHERE id = $1 AND owner_id = $2 FOR UPDATE`

// The rows to create, each with the id it gets, and their custom values (extra's
// "custom", checked when staged). custom_values refers to no table: the values go in
// beside the rows, in the same statement.
const applySourceSQL = `
WITH src AS MATERIALIZED (
    SELECT gen_random_uuid() AS id, r.line, r.name, r.domain, r.email, r.company_id, r.owner_id, r.extra
    FROM crm_import_rows r
    WHERE r.import_id = $1 AND r.action = 'create'
), cv AS (
    INSERT INTO custom_values (field_id, record_id, value_text, value_num, value_date, value_bool, value_choices)
    SELECT x.field_id, src.id, x.text, x.num, x.date, x.bool, x.choices
    FROM src, jsonb_to_recordset(src.extra->'custom')
        AS x(field_id uuid, text text, num numeric, date date, bool boolean, choices text[], empty boolean)
    WHERE src.extra ? 'custom' AND NOT x.empty
)`

var applyCompaniesSQL = applySourceSQL + `, ins AS (
    INSERT INTO companies (id, name, domain, website, phone, phone_digits, industry, street, city, postcode, region, country)
    SELECT id, name, nullif(domain, ''), extra->'builtin'->>'website', extra->'builtin'->>'phone', extra->'builtin'->>'phone_digits',
           extra->'builtin'->>'industry', extra->'builtin'->>'street', extra->'builtin'->>'city', extra->'builtin'->>'postcode',
           extra->'builtin'->>'region', extra->'builtin'->>'country'
    FROM src ORDER BY line
    RETURNING 1
)
SELECT count(*) FROM ins`

// A contact's phone numbers refer to it: the foreign key is checked at the end of the
// statement, once both are in.
var applyContactsSQL = applySourceSQL + `, ins AS (
    INSERT INTO contacts (id, email, name, company_id, owner_id, job_title, notes, street, city, postcode, region, country)
    SELECT id, email, nullif(name, ''), company_id, owner_id, extra->'builtin'->>'job_title', extra->'builtin'->>'notes',
           extra->'builtin'->>'street', extra->'builtin'->>'city', extra->'builtin'->>'postcode',
           extra->'builtin'->>'region', extra->'builtin'->>'country'
    FROM src ORDER BY line
    RETURNING 1
), ph AS (
    INSERT INTO contact_phones (contact_id, position, kind, number, digits)
    SELECT src.id, (p.ord - 1)::smallint, p.kind, p.number, p.digits
    FROM src, ROWS FROM (jsonb_to_recordset(src.extra->'phones') AS (kind text, number text, digits text))
        WITH ORDINALITY AS p(kind, number, digits, ord)
    WHERE src.extra ? 'phones'
)
SELECT count(*) FROM ins`

const markAppliedSQL = `UPDATE crm_imports SET status = 'applied', applied_at = now() WHERE id = $1`

// ApplyImport creates every row of the preview marked "create", in one transaction:
// all of them or none. Matched rows are left as they are. A row that collides with a
// record added since the preview fails the whole import with ErrImportStale; an import
// already applied is not applied again (ErrImportApplied).
func ApplyImport(ctx context.Context, d *db.DB, by Actor, id string) (applied int64, err error) {
	err = d.InTx(ctx, func(tx pgx.Tx) error {
		var kind, status string
		if err := tx.QueryRow(ctx, lockImportSQL, id, by.ID).Scan(&kind, &status); err != nil {
			return db.Translate(err)
		}
		if status == "applied" {
			return ErrImportApplied
		}
		apply := applyCompaniesSQL
		if ImportKind(kind) == ImportContacts {
			apply = applyContactsSQL
		}
		err := tx.QueryRow(ctx, apply, id).Scan(&applied)
		if db.Unique(err, "") || isForeignKey(err) {
			return ErrImportStale
		}
		if err != nil {
			return db.Translate(err)
		}
		_, err = tx.Exec(ctx, markAppliedSQL, id)
		return db.Translate(err)
	})
	if err != nil {
		return 0, err
	}
	return applied, nil
}

func isForeignKey(err error) bool {
	var ce *db.ConstraintError
	return errors.As(db.Translate(err), &ce) && ce.Code == "23503"
}
