package crm

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// The form's key is claimed in the same statement (form.Claim).
const createContactSQL = `
WITH claim AS (
    INSERT INTO form_submission (user_id, key, redirect_to)
    SELECT $6, $7, $8 WHERE $7 <> ''
    ON CONFLICT (user_id, key) DO NOTHING RETURNING true
)
INSERT INTO contacts (id, email, name, company_id, owner_id, job_title, notes, street, city, postcode, region, country)
SELECT $1::uuid, $2, $3, $4::uuid, $5, $9, $10, $11, $12, $13, $14, $15 WHERE $7 = '' OR EXISTS (SELECT FROM claim)
RETURNING id`

// CreateContact inserts a contact that comes from no form (seeds, fixtures) and returns
// its id; ErrEmailTaken when another contact has the email in any case.
func CreateContact(ctx context.Context, q db.Querier, c ContactFields) (string, error) {
	return createContact(ctx, q, form.Claim{}, db.NewUUID(), c)
}

// createContact inserts contact id as CreateContact does, claiming the form's key in
// the same statement: a repeat of the key creates nothing and returns a *form.Repeat.
func createContact(ctx context.Context, q db.Querier, claim form.Claim, id string, c ContactFields) (string, error) {
	args := append([]any{id, c.Email, c.Name, c.CompanyID, c.OwnerID, claim.UserID, string(claim.Key), claim.To},
		c.builtinArgs()...)
	err := q.QueryRow(ctx, createContactSQL, args...).Scan(&id)
	if db.Unique(err, "contacts_email_unique") {
		return "", ErrEmailTaken
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return "", claim.Repeated(ctx, q)
	}
	return id, db.Translate(err)
}

// ContactNew shows the contact form (GET /crm/contacts/new); ?company_id= and ?email=
// pre-fill it, and the owner is the rep by default.
func (s *Service) ContactNew(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	f := contactForm{Company: q.Get("company_id"), Email: form.NormalizeEmail(q.Get("email")), OwnerID: auth.UserFrom(ctx).ID,
		Key: form.NewKey(), Phones: phoneInputsOf(nil)}
	owners, fields, err := loadOwnersFields(ctx, s.DB, EntityContact)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	f.Owners, f.Custom = owners, customOf(fields, nil)
	s.Pages.Render(w, r, http.StatusOK, "New contact", contactFormPage(f))
}

// ContactCreate adds a contact (POST /crm/contacts).
func (s *Service) ContactCreate(w http.ResponseWriter, r *http.Request) {
	if !s.Pages.ParseForm(w, r) {
		return
	}
	key, ok := s.Pages.FormKey(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	fields, err := ListFields(ctx, s.DB, EntityContact)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	f := parseContactForm(r, fields)
	f.Key = key
	err = f.Validate(ctx, s.DB)
	var id string
	if err == nil && f.Errors.OK() && !saveAnyway(r) { // a lookalike warns first (lookalike.go)
		f.Lookalike, err = ContactLookalike(ctx, s.DB, f.companyID, f.Name, f.Email)
		if err == nil && f.Lookalike != nil {
			// A repeat of a form that was saved looks like its own contact: the first answer.
			if s.Pages.Repeated(w, r, form.Claim{UserID: ActorFrom(ctx).ID, Key: key}.Repeated(ctx, s.DB)) {
				return
			}
			f.Errors.Add("name", "Looks like "+f.Lookalike.Label+": tick “save anyway” if it is another person.")
		}
	}
	if err == nil && f.Errors.OK() {
		id = db.NewUUID()
		claim := form.Claim{UserID: ActorFrom(ctx).ID, Key: key, To: contactPath(id)}
		err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
			var err error
			if id, err = createContact(ctx, tx, claim, id, f.fields()); err != nil {
				return err
			}
			return saveContactExtras(ctx, tx, id, &f)
		})
		if s.Pages.Repeated(w, r, err) {
			return
		}
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
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "Contact "+displayName(f.Name, f.Email)+" added.")
	httpx.Redirect(w, r, contactPath(id))
}
