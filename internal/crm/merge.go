package crm

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/db"
	"rapport/internal/httpx"
)

// Merging two duplicates (issue 11, part 3): one survives with the values chosen field
// by field, everything that referenced the other moves to it, and the other is deleted
// and remembered in crm_merges (its old URL redirects; migration 00072). Both rows are
// locked FOR UPDATE in id order (two merges of the same pair, or a merge and an edit,
// queue instead of deadlocking), and each must still be at the version the merge page
// showed (ErrMergeStale, 409), so a concurrent edit is never lost.
//
// What moves: a contact's deals (their activities and stage history go with them) and
// planned activities; a company's contacts. Tickets are linked to a contact by email
// (the contact page lists the tickets of the email it has), so they follow the email
// the survivor keeps.

// ErrMergeStale means one of the two records changed since the merge page was shown.
var ErrMergeStale = errors.New("crm: a record changed since the merge page was shown")

// ErrMergeSelf means the two records are the same one.
var ErrMergeSelf error = &httpx.PageError{Status: http.StatusUnprocessableEntity, Heading: "That is the same record",
	Message: "Choose two different records to merge."}

// MergeContact is a contact as the merge page shows and locks it.
type MergeContact struct {
	ID          string  `db:"id" json:"id"`
	Email       string  `db:"email" json:"email"`
	Name        string  `db:"name" json:"name"`
	CompanyID   *string `db:"company_id" json:"company_id"`
	CompanyName *string `db:"company_name" json:"company_name"`
	OwnerID     string  `db:"owner_id" json:"owner_id"`
	OwnerName   string  `db:"owner_name" json:"owner_name"`
	Version     int     `db:"version" json:"version"`
	Deals       int64   `db:"deals" json:"deals"`
}

const mergeContactsSQL = `
SELECT c.id, c.email, coalesce(c.name, '') AS name, c.company_id, co.name AS company_name,
       c.owner_id, o.name AS owner_name, c.version,
       (SELECT count(*) FROM deals d WHERE d.contact_id = c.id) AS deals
FROM contacts c
LEFT JOIN companies co ON co.id = c.company_id
JOIN "user" o ON o.id = c.owner_id
WHERE c.id IN ($1, $2)
ORDER BY c.id`

// ContactPair loads two contacts, in the order asked; db.ErrNotFound unless both exist.
// With lock (in a transaction) both rows are locked FOR UPDATE, in id order.
func ContactPair(ctx context.Context, q db.Querier, a, b string, lock bool) (*MergeContact, *MergeContact, error) {
	if a == b {
		return nil, nil, ErrMergeSelf
	}
	sql := mergeContactsSQL
	if lock {
		sql += " FOR UPDATE OF c"
	}
	rows, err := q.Query(ctx, sql, a, b)
	if err != nil {
		return nil, nil, db.Translate(err)
	}
	cs, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[MergeContact])
	if err != nil {
		return nil, nil, db.Translate(err)
	}
	if len(cs) != 2 {
		return nil, nil, db.ErrNotFound
	}
	if cs[0].ID != a {
		cs[0], cs[1] = cs[1], cs[0]
	}
	return cs[0], cs[1], nil
}

// ContactMergeChoice is what survives a contact merge: the survivor's id, and for each
// field the id of the contact whose value is kept.
type ContactMergeChoice struct {
	Survivor, Loser             string
	SurvivorVersion             int // the versions the merge page showed
	LoserVersion                int
	Email, Name, Company, Owner string // the id of the contact whose value is kept
}

// MergeResult says what a merge moved.
type MergeResult struct {
	Moved   int64 // deals (contacts) or contacts (companies)
	Planned int64 // planned activities (contacts)
}

const moveContactDealsSQL = `
WITH moved AS (
    UPDATE deals SET contact_id = $2 WHERE contact_id = $1 RETURNING id
), note AS (
    INSERT INTO activities (deal_id, actor_id, type, body)
    SELECT id, $3, 'note', $4 FROM moved
)
SELECT count(*) FROM moved`

const movePlannedSQL = `UPDATE planned_activities SET contact_id = $2 WHERE contact_id = $1`

const recordMergeSQL = `
WITH repoint AS (
    UPDATE crm_merges SET survivor_id = $3 WHERE survivor_id = $1
)
INSERT INTO crm_merges (loser_id, kind, survivor_id, loser, merged_by) VALUES ($1, $2, $3, $4::jsonb, $5)`

const updateMergedContactSQL = `
UPDATE contacts SET email = $2, name = nullif($3, ''), company_id = $4, owner_id = $5,
       version = version + 1, updated_at = now(), updated_by = $6
WHERE id = $1`

// MergeContacts merges ch.Loser into ch.Survivor in tx (see the top of this file): only
// an admin or the owner of both may (ErrForbidden); ErrMergeStale when either changed.
// It records the merge in the audit log and as a note on every deal it moves.
func MergeContacts(ctx context.Context, tx pgx.Tx, by Actor, ch ContactMergeChoice) (MergeResult, error) {
	var res MergeResult
	s, l, err := ContactPair(ctx, tx, ch.Survivor, ch.Loser, true)
	if err != nil {
		return res, err
	}
	if !by.CanChange(s.OwnerID) || !by.CanChange(l.OwnerID) {
		return res, ErrForbidden
	}
	if s.Version != ch.SurvivorVersion || l.Version != ch.LoserVersion {
		return res, ErrMergeStale
	}
	pick := func(id string) *MergeContact {
		if id == l.ID {
			return l
		}
		return s
	}
	after := MergeContact{ID: s.ID, Email: pick(ch.Email).Email, Name: pick(ch.Name).Name,
		CompanyID: pick(ch.Company).CompanyID, CompanyName: pick(ch.Company).CompanyName,
		OwnerID: pick(ch.Owner).OwnerID, OwnerName: pick(ch.Owner).OwnerName}
	note := "Merged contact " + mergeContactLabel(l) + " into " + mergeContactLabel(&after) + "."
	if err := tx.QueryRow(ctx, moveContactDealsSQL, l.ID, s.ID, by.ID, note).Scan(&res.Moved); err != nil {
		return res, db.Translate(err)
	}
	tag, err := tx.Exec(ctx, movePlannedSQL, l.ID, s.ID)
	if err != nil {
		return res, db.Translate(err)
	}
	res.Planned = tag.RowsAffected()
	loser, _ := json.Marshal(l)
	if _, err := tx.Exec(ctx, recordMergeSQL, l.ID, "contact", s.ID, string(loser), by.ID); err != nil {
		return res, db.Translate(err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM contacts WHERE id = $1`, l.ID); err != nil {
		return res, db.Translate(err)
	}
	if _, err := tx.Exec(ctx, updateMergedContactSQL, s.ID, after.Email, after.Name, after.CompanyID, after.OwnerID, by.ID); err != nil {
		return res, db.Translate(err)
	}
	return res, audit.Record(ctx, tx, audit.Entry{ActorID: by.ID, Action: audit.ContactMerged, TargetType: audit.TargetContact,
		TargetID: s.ID, TargetLabel: after.Email,
		Before: map[string]any{"survivor": s, "merged": l},
		After:  map[string]any{"email": after.Email, "name": after.Name, "company_id": after.CompanyID, "owner_id": after.OwnerID, "deals_moved": res.Moved}})
}

func mergeContactLabel(c *MergeContact) string {
	if c.Name != "" {
		return c.Name + " <" + c.Email + ">"
	}
	return c.Email
}

// MergeCompany is a company as the merge page shows and locks it.
type MergeCompany struct {
	ID       string  `db:"id" json:"id"`
	Name     string  `db:"name" json:"name"`
	Domain   *string `db:"domain" json:"domain"`
	Version  int     `db:"version" json:"version"`
	Contacts int64   `db:"contacts" json:"contacts"`
}

const mergeCompaniesSQL = `
SELECT co.id, co.name, co.domain, co.version,
       (SELECT count(*) FROM contacts c WHERE c.company_id = co.id) AS contacts
FROM companies co
WHERE co.id IN ($1, $2)
ORDER BY co.id`

// CompanyPair loads two companies, in the order asked (locked FOR UPDATE in id order
// with lock); db.ErrNotFound unless both exist.
func CompanyPair(ctx context.Context, q db.Querier, a, b string, lock bool) (*MergeCompany, *MergeCompany, error) {
	if a == b {
		return nil, nil, ErrMergeSelf
	}
	sql := mergeCompaniesSQL
	if lock {
		sql += " FOR UPDATE OF co"
	}
	rows, err := q.Query(ctx, sql, a, b)
	if err != nil {
		return nil, nil, db.Translate(err)
	}
	cs, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[MergeCompany])
	if err != nil {
		return nil, nil, db.Translate(err)
	}
	if len(cs) != 2 {
		return nil, nil, db.ErrNotFound
	}
	if cs[0].ID != a {
		cs[0], cs[1] = cs[1], cs[0]
	}
	return cs[0], cs[1], nil
}

// CompanyMergeChoice is what survives a company merge.
type CompanyMergeChoice struct {
	Survivor, Loser               string
	SurvivorVersion, LoserVersion int
	Name, Domain                  string // the id of the company whose value is kept
}

const moveCompanyContactsSQL = `UPDATE contacts SET company_id = $2 WHERE company_id = $1`

const updateMergedCompanySQL = `
UPDATE companies SET name = $2, domain = $3, version = version + 1, updated_at = now(), updated_by = $4
WHERE id = $1`

// MergeCompanies merges ch.Loser into ch.Survivor in tx: any rep may (every rep
// corrects a company); ErrMergeStale when either changed since the page was shown.
func MergeCompanies(ctx context.Context, tx pgx.Tx, by Actor, ch CompanyMergeChoice) (MergeResult, error) {
	var res MergeResult
	s, l, err := CompanyPair(ctx, tx, ch.Survivor, ch.Loser, true)
	if err != nil {
		return res, err
	}
	if s.Version != ch.SurvivorVersion || l.Version != ch.LoserVersion {
		return res, ErrMergeStale
	}
	name, domain := s.Name, s.Domain
	if ch.Name == l.ID {
		name = l.Name
	}
	if ch.Domain == l.ID {
		domain = l.Domain
	}
	tag, err := tx.Exec(ctx, moveCompanyContactsSQL, l.ID, s.ID)
	if err != nil {
		return res, db.Translate(err)
	}
	res.Moved = tag.RowsAffected()
	loser, _ := json.Marshal(l)
	if _, err := tx.Exec(ctx, recordMergeSQL, l.ID, "company", s.ID, string(loser), by.ID); err != nil {
		return res, db.Translate(err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM companies WHERE id = $1`, l.ID); err != nil {
		return res, db.Translate(err)
	}
	if _, err := tx.Exec(ctx, updateMergedCompanySQL, s.ID, name, domain, by.ID); err != nil {
		return res, db.Translate(err)
	}
	return res, audit.Record(ctx, tx, audit.Entry{ActorID: by.ID, Action: audit.CompanyMerged, TargetType: audit.TargetCompany,
		TargetID: s.ID, TargetLabel: name,
		Before: map[string]any{"survivor": s, "merged": l},
		After:  map[string]any{"name": name, "domain": domain, "contacts_moved": res.Moved}})
}

const mergedIntoSQL = `SELECT survivor_id::text FROM crm_merges WHERE loser_id = $1 AND kind = $2`

// MergedInto is the record a merged contact or company now lives in; db.ErrNotFound
// when id was never merged.
func MergedInto(ctx context.Context, q db.Querier, kind, id string) (string, error) {
	var to string
	err := q.QueryRow(ctx, mergedIntoSQL, id, kind).Scan(&to)
	return to, db.Translate(err)
}

// redirectMerged answers a show page whose record is gone: a 301 to the record it was
// merged into, or the usual 404. It reports whether it answered.
func (s *Service) redirectMerged(w http.ResponseWriter, r *http.Request, kind, id string, err error) bool {
	if !errors.Is(err, db.ErrNotFound) {
		return false
	}
	to, lerr := MergedInto(r.Context(), s.DB, kind, id)
	if lerr != nil {
		return false
	}
	path := contactPath(to)
	if kind == "company" {
		path = companyPath(to)
	}
	http.Redirect(w, r, path, http.StatusMovedPermanently)
	return true
}
