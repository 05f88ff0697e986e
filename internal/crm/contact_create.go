package crm

import (
	"context"
	"errors"
	"net/http"

	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

const createContactSQL = `
INSERT INTO contacts (email, name, company_id, owner_id) VALUES ($1, $2, $3, $4)
RETURNING id`

// CreateContact inserts a contact and returns its id; ErrEmailTaken when another
// contact has the email in any case.
func CreateContact(ctx context.Context, q db.Querier, c ContactFields) (string, error) {
	var id string
	err := q.QueryRow(ctx, createContactSQL, c.Email, c.Name, c.CompanyID, c.OwnerID).Scan(&id)
	if db.Unique(err, "contacts_email_unique") {
		return "", ErrEmailTaken
	}
	return id, db.Translate(err)
}

// ContactNew shows the contact form (GET /crm/contacts/new); ?company_id= and ?email=
// pre-fill it, and the owner is the rep by default.
func (s *Service) ContactNew(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	f := contactForm{Company: q.Get("company_id"), Email: form.NormalizeEmail(q.Get("email")), OwnerID: auth.UserFrom(ctx).ID}
	if err := s.withOwners(ctx, &f.Owners); err != nil {
		s.fail(w, r, err)
		return
	}
	s.Pages.Render(w, r, http.StatusOK, "New contact", contactFormPage(f))
}

// ContactCreate adds a contact (POST /crm/contacts).
func (s *Service) ContactCreate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	f := parseContactForm(r)
	err := f.Validate(ctx, s.DB)
	var id string
	if err == nil && f.Errors.OK() {
		id, err = CreateContact(ctx, s.DB, f.fields())
		if errors.Is(err, ErrEmailTaken) {
			err = s.emailTaken(ctx, &f)
		}
	}
	if err == nil && !f.Errors.OK() {
		err = s.withOwners(ctx, &f.Owners)
		if err == nil {
			s.Pages.Render(w, r, http.StatusUnprocessableEntity, "New contact", contactFormPage(f))
			return
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "Contact "+displayName(f.Name, f.Email)+" added.")
	httpx.Redirect(w, r, contactPath(id))
}
