package crm

import (
	"context"
	"errors"
	"net/http"

	"rapport/internal/db"
	"rapport/internal/httpx"
)

// The owner scope is in the statement: a rep's update of someone else's contact
// changes no row.
const updateContactSQL = `
UPDATE contacts SET email = $3, name = $4, company_id = $5, owner_id = $6
WHERE id = $1 AND ($2::boolean OR owner_id = $7)`

const contactExistsSQL = `SELECT EXISTS (SELECT 1 FROM contacts WHERE id = $1)`

// UpdateContact saves a contact's fields, reassigning it when OwnerID changes. Only its
// owner or an admin may: ErrForbidden otherwise, db.ErrNotFound when there is none,
// ErrEmailTaken when another contact has the email.
func UpdateContact(ctx context.Context, q db.Querier, by Actor, id string, c ContactFields) error {
	tag, err := q.Exec(ctx, updateContactSQL, id, by.Admin, c.Email, c.Name, c.CompanyID, c.OwnerID, by.ID)
	if db.Unique(err, "contacts_email_unique") {
		return ErrEmailTaken
	}
	if err != nil {
		return db.Translate(err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	return notMine(ctx, q, contactExistsSQL, id)
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

// ContactEdit shows the contact form filled in (GET /crm/contacts/{id}/edit), to its
// owner or an admin.
func (s *Service) ContactEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	c, err := ContactByID(ctx, s.DB, id)
	if err == nil && !ActorFrom(ctx).CanChange(c.OwnerID) {
		err = ErrForbidden
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := contactForm{ID: c.ID, Email: c.Email, Name: c.Name, OwnerID: c.OwnerID}
	if c.CompanyID != nil {
		f.Company = companyRef(&Company{ID: *c.CompanyID, Domain: c.CompanyDomain})
	}
	if err := s.withOwners(ctx, &f.Owners); err != nil {
		s.fail(w, r, err)
		return
	}
	s.Pages.Render(w, r, http.StatusOK, "Edit "+displayName(c.Name, c.Email), contactFormPage(f))
}

// ContactUpdate saves the contact form (POST /crm/contacts/{id}).
func (s *Service) ContactUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	f := parseContactForm(r)
	f.ID = id
	err := f.Validate(ctx, s.DB)
	if err == nil && f.Errors.OK() {
		err = UpdateContact(ctx, s.DB, ActorFrom(ctx), id, f.fields())
		if errors.Is(err, ErrEmailTaken) {
			err = s.emailTaken(ctx, &f)
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
		s.fail(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "Contact "+displayName(f.Name, f.Email)+" saved.")
	httpx.Redirect(w, r, contactPath(id))
}
