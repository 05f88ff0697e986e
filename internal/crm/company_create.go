package crm

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// The form's key is claimed in the same statement (form.Claim).
const createCompanySQL = `
WITH claim AS (
    INSERT INTO form_submission (user_id, key, redirect_to)
    SELECT $4, $5, $6 WHERE $5 <> ''
    ON CONFLICT (user_id, key) DO NOTHING RETURNING true
)
INSERT INTO companies (id, name, domain, website, phone, phone_digits, industry, size, street, city, postcode, region, country)
SELECT $1::uuid, $2, $3, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16 WHERE $5 = '' OR EXISTS (SELECT FROM claim)
RETURNING id, name, domain, created_at`

// CreateCompany inserts a company that comes from no form (seeds, fixtures). Its
// domain, when given, must be normalised; a domain another company uses fails with
// ErrDomainTaken (the unique index decides, so two concurrent creates cannot both
// succeed).
func CreateCompany(ctx context.Context, q db.Querier, name string, domain *string) (*Company, error) {
	return createCompany(ctx, q, form.Claim{}, db.NewUUID(), name, domain, CompanyBuiltin{})
}

// createCompany inserts company id as CreateCompany does, claiming the form's key in
// the same statement: a repeat of the key creates nothing and returns a *form.Repeat.
func createCompany(ctx context.Context, q db.Querier, claim form.Claim, id, name string, domain *string, b CompanyBuiltin) (*Company, error) {
	c := &Company{}
	args := append([]any{id, name, domain, claim.UserID, string(claim.Key), claim.To}, b.args()...)
	err := q.QueryRow(ctx, createCompanySQL, args...).Scan(&c.ID, &c.Name, &c.Domain, &c.CreatedAt)
	if db.Unique(err, "companies_domain_unique") {
		return nil, ErrDomainTaken
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, claim.Repeated(ctx, q)
	}
	if err != nil {
		return nil, db.Translate(err)
	}
	return c, nil
}

// CompanyNew shows the company form (GET /crm/companies/new).
func (s *Service) CompanyNew(w http.ResponseWriter, r *http.Request) {
	f := companyForm{Domain: r.URL.Query().Get("domain"), Key: form.NewKey()}
	fields, err := ListFields(r.Context(), s.DB, EntityCompany)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	f.Custom = customOf(fields, nil)
	s.Pages.Render(w, r, http.StatusOK, "New company", companyFormPage(f))
}

// CompanyCreate adds a company (POST /crm/companies). A domain already in use
// offers the company that has it instead.
func (s *Service) CompanyCreate(w http.ResponseWriter, r *http.Request) {
	if !s.Pages.ParseForm(w, r) {
		return
	}
	key, ok := s.Pages.FormKey(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	fields, err := ListFields(ctx, s.DB, EntityCompany)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	f := parseCompanyForm(r, fields)
	f.Key = key
	f.Validate()
	if !f.Errors.OK() {
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, "New company", companyFormPage(f))
		return
	}
	if !saveAnyway(r) { // a lookalike warns first (lookalike.go)
		l, err := CompanyLookalike(ctx, s.DB, f.Name, f.domain)
		if err != nil {
			s.Pages.Fail(w, r, err)
			return
		}
		if l != nil {
			// The same form sent again looks like the company its first submit made: a
			// repeat gets the first answer, not the warning.
			if s.Pages.Repeated(w, r, form.Claim{UserID: ActorFrom(ctx).ID, Key: key}.Repeated(ctx, s.DB)) {
				return
			}
		}
		if f.Lookalike = l; l != nil {
			f.Errors.Add("name", "Looks like "+l.Label+": tick “save anyway” if it is another company.")
			s.Pages.Render(w, r, http.StatusUnprocessableEntity, "New company", companyFormPage(f))
			return
		}
	}
	id := db.NewUUID()
	var c *Company
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		c, err = createCompany(ctx, tx, form.Claim{UserID: ActorFrom(ctx).ID, Key: key, To: companyPath(id)}, id, f.Name, f.domain, f.Builtin)
		if err != nil {
			return err
		}
		return saveCustom(ctx, tx, c.ID, f.Custom)
	})
	if s.Pages.Repeated(w, r, err) {
		return
	}
	if errors.Is(err, ErrDomainTaken) {
		if err := s.domainTaken(ctx, &f); err != nil {
			s.Pages.Fail(w, r, err)
			return
		}
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, "New company", companyFormPage(f))
		return
	}
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "Company "+c.Name+" added.")
	httpx.Redirect(w, r, companyPath(c.ID))
}
