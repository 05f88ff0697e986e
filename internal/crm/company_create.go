package crm

import (
	"context"
	"errors"
	"net/http"

	"rapport/internal/db"
	"rapport/internal/httpx"
)

const createCompanySQL = `
INSERT INTO companies (name, domain) VALUES ($1, $2)
RETURNING id, name, domain, created_at`

// CreateCompany inserts a company. Its domain, when given, must be normalised; a domain
// another company uses fails with ErrDomainTaken (the unique index decides, so two
// concurrent creates cannot both succeed).
func CreateCompany(ctx context.Context, q db.Querier, name string, domain *string) (*Company, error) {
	c := &Company{}
	err := q.QueryRow(ctx, createCompanySQL, name, domain).Scan(&c.ID, &c.Name, &c.Domain, &c.CreatedAt)
	if db.Unique(err, "companies_domain_unique") {
		return nil, ErrDomainTaken
	}
	if err != nil {
		return nil, db.Translate(err)
	}
	return c, nil
}

// CompanyNew shows the company form (GET /crm/companies/new).
func (s *Service) CompanyNew(w http.ResponseWriter, r *http.Request) {
	f := companyForm{Domain: r.URL.Query().Get("domain")}
	s.Pages.Render(w, r, http.StatusOK, "New company", companyFormPage(f))
}

// CompanyCreate adds a company (POST /crm/companies). A domain already in use
// offers the company that has it instead.
func (s *Service) CompanyCreate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := parseCompanyForm(r)
	f.Validate()
	if !f.Errors.OK() {
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, "New company", companyFormPage(f))
		return
	}
	c, err := CreateCompany(r.Context(), s.DB, f.Name, f.domain)
	if errors.Is(err, ErrDomainTaken) {
		if err := s.domainTaken(r.Context(), &f); err != nil {
			s.fail(w, r, err)
			return
		}
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, "New company", companyFormPage(f))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "Company "+c.Name+" added.")
	httpx.Redirect(w, r, companyPath(c.ID))
}
