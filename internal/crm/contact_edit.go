package crm

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/internal/httpx"
)

// The owner scope and the version check are in the statement: a rep's update of
// someone else's contact, or a save against another version, changes no row.
const updateContactSQL = `
UPDATE contacts SET email = $3, name = $4, company_id = $5, owner_id = $6,
       job_title = $9, notes = $10, street = $11, city = $12, postcode = $13, region = $14, country = $15,
       version = version + 1, updated_at = now(), updated_by = $7
WHERE id = $1 AND ($2::boolean OR owner_id = $7) AND ($8::integer = 0 OR version = $8)`

// UpdateContact saves a contact's fields, reassigning it when OwnerID changes, if it
// still is at version (0: whatever its version). Only its owner or an admin may:
// ErrForbidden otherwise, db.ErrNotFound when there is none, ErrStale when someone
// saved it since version, ErrEmailTaken when another contact has the email.
func UpdateContact(ctx context.Context, q db.Querier, by Actor, id string, version int, c ContactFields) error {
	args := append([]any{id, by.Admin, c.Email, c.Name, c.CompanyID, c.OwnerID, by.ID, version}, c.builtinArgs()...)
	tag, err := q.Exec(ctx, updateContactSQL, args...)
	if db.Unique(err, "contacts_email_unique") {
		return ErrEmailTaken
	}
	if err != nil {
		return db.Translate(err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	return whyNotSaved(ctx, q, "contacts", by, id)
}

// notMine tells a row that is not there from one that is not the actor's.
func notMine(ctx context.Context, q db.Querier, existsSQL, id string) error {
	var exists bool
	if err := q.QueryRow(ctx, existsSQL, id).Scan(&exists); err != nil {
		return db.Translate(err)
	}
	if exists {
		return ErrForbidden
	}
	return db.ErrNotFound
}

// whyNotSaved is the error of an owner-scoped, version-checked update of table
// (contacts or deals, never anything typed) that changed no row: db.ErrNotFound,
// ErrForbidden or ErrStale.
func whyNotSaved(ctx context.Context, q db.Querier, table string, by Actor, id string) error {
	var allowed bool
	sql := `SELECT $2::boolean OR owner_id = $3 FROM ` + table + ` WHERE id = $1`
	if err := q.QueryRow(ctx, sql, id, by.Admin, by.ID).Scan(&allowed); err != nil {
		return db.Translate(err)
	}
	if !allowed {
		return ErrForbidden
	}
	return ErrStale
}

// contactForEdit is a contact with its version and last save.
type contactForEdit struct {
	ContactRow
	ContactExtra
	Saved
}

var contactForEditSQL = `SELECT ` + contactRowColumns + `, ` + contactExtraColumns + `, c.version, c.updated_at, ub.name AS updated_by_name
` + contactRowJoins + `
	LEFT JOIN "user" ub ON ub.id = c.updated_by
WHERE c.id = $1`

func loadContactForEdit(ctx context.Context, q db.Querier, id string) (*contactForEdit, error) {
	rows, err := q.Query(ctx, contactForEditSQL, id)
	if err != nil {
		return nil, db.Translate(err)
	}
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[contactForEdit])
	return c, db.Translate(err)
}

// contactFormOf is the form filled in with the contact.
func contactFormOf(c *ContactRow, x *ContactExtra) contactForm {
	f := contactForm{ID: c.ID, Email: c.Email, Name: c.Name, OwnerID: c.OwnerID, JobTitle: x.JobTitle, Notes: x.Notes,
		Address: x.Address, Phones: phoneInputsOf(x.Phones), Custom: customOf(x.Fields, x.Custom)}
	if c.CompanyID != nil {
		f.Company = companyRef(&Company{ID: *c.CompanyID, Domain: c.CompanyDomain})
	}
	return f
}

// editFields are the form's fields for the collision check.
func (f *contactForm) editFields() []formField {
	out := []formField{{"email", "Email", f.Email}, {"name", "Name", f.Name},
		{"company_id", "Company", f.Company}, {"owner_id", "Owner", f.OwnerID}, {"job_title", "Job title", f.JobTitle},
		{"notes", "Notes", f.Notes}}
	out = append(out, phonesEditFields(f.Phones)...)
	out = append(out, f.Address.editFields()...)
	return append(out, f.Custom.editFields()...)
}

// ownerLabel shows an owner field's value by the owner's name.
func ownerLabel(owners []Owner, name, v string) string {
	if name == "owner_id" {
		for _, o := range owners {
			if o.ID == v {
				return o.Name
			}
		}
	}
	return shown(v)
}

// ContactEdit shows the contact form filled in (GET /crm/contacts/{id}/edit), to its
// owner or an admin.
func (s *Service) ContactEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return
	}
	ctx := r.Context()
	c, err := loadContactForEdit(ctx, s.DB, id)
	if err == nil && !ActorFrom(ctx).CanChange(c.OwnerID) {
		err = ErrForbidden
	}
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	f := contactFormOf(&c.ContactRow, &c.ContactExtra)
	f.Check = loadedCheck(c.Saved, f.editFields())
	if err := s.withOwners(ctx, &f.Owners); err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Render(w, r, http.StatusOK, "Edit "+displayName(c.Name, c.Email), contactFormPage(f))
}

// ContactUpdate saves the contact form (POST /crm/contacts/{id}); 409 with what
// changed when someone saved the contact after the form was loaded.
func (s *Service) ContactUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok || !s.Pages.ParseForm(w, r) {
		return
	}
	ctx := r.Context()
	fields, err := ListFields(ctx, s.DB, EntityContact)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	f := parseContactForm(r, fields)
	f.ID = id
	if f.Check, ok = readEditCheck(r, f.editFields()); !ok {
		s.badVersion(w, r)
		return
	}
	err = f.Validate(ctx, s.DB)
	if err == nil && f.Errors.OK() {
		err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
			if err := UpdateContact(ctx, tx, ActorFrom(ctx), id, f.Check.Version, f.fields()); err != nil {
				return err
			}
			return saveContactExtras(ctx, tx, id, &f)
		})
		if errors.Is(err, ErrEmailTaken) {
			err = s.emailTaken(ctx, &f)
		}
	}
	if errors.Is(err, ErrStale) {
		var c *contactForEdit
		if c, err = loadContactForEdit(ctx, s.DB, id); err == nil {
			if err = s.withOwners(ctx, &f.Owners); err == nil {
				now := contactFormOf(&c.ContactRow, &c.ContactExtra)
				f.Check.staleAgainst(c.Saved, now.editFields(), f.editFields(), func(name, v string) string { return ownerLabel(f.Owners, name, v) })
				s.Pages.Render(w, r, http.StatusConflict, "Edit contact", contactFormPage(f))
				return
			}
		}
	}
	if err == nil && !f.Errors.OK() {
		// Someone else's contact is refused whatever was typed (a valid form would be
		// refused by the update's own scope).
		var c *ContactRow
		if c, err = ContactByID(ctx, s.DB, id); err == nil && !ActorFrom(ctx).CanChange(c.OwnerID) {
			err = ErrForbidden
		}
		if err == nil {
			if err = s.withOwners(ctx, &f.Owners); err == nil {
				s.Pages.Render(w, r, http.StatusUnprocessableEntity, "Edit contact", contactFormPage(f))
				return
			}
		}
	}
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "Contact "+displayName(f.Name, f.Email)+" saved.")
	httpx.Redirect(w, r, contactPath(id))
}
