package crm

import (
	"context"
	"errors"
	"net/http"

	"rapport/internal/db"
	"rapport/internal/httpx"
)

const updateCompanySQL = `UPDATE companies SET name = $2, domain = $3 WHERE id = $1`

// UpdateCompany renames a company and sets its (normalised) domain. Companies have no
// owner: any rep may correct them. ErrDomainTaken when another company has the domain.
func UpdateCompany(ctx context.Context, q db.Querier, id, name string, domain *string) error {
	tag, err := q.Exec(ctx, updateCompanySQL, id, name, domain)
	if db.Unique(err, "companies_domain_unique") {
		return ErrDomainTaken
	}
	if err != nil {
		return db.Translate(err)
	}
	if tag.RowsAffected() == 0 {
		return db.ErrNotFound
	}
	return nil
}

// CompanyEdit shows the company form filled in (GET /crm/companies/{id}/edit).
func (s *Service) CompanyEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	c, err := CompanyByID(r.Context(), s.DB, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := companyForm{ID: c.ID, Name: c.Name}
	if c.Domain != nil {
		f.Domain = *c.Domain
	}
	s.Pages.Render(w, r, http.StatusOK, "Edit "+c.Name, companyFormPage(f))
}

// CompanyUpdate saves the company form (POST /crm/companies/{id}).
func (s *Service) CompanyUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	f := parseCompanyForm(r)
	f.ID = id
	f.Validate()
	if !f.Errors.OK() {
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, "Edit company", companyFormPage(f))
		return
	}
	err := UpdateCompany(r.Context(), s.DB, id, f.Name, f.domain)
	if errors.Is(err, ErrDomainTaken) {
		if err := s.domainTaken(r.Context(), &f); err != nil {
			s.fail(w, r, err)
			return
		}
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, "Edit company", companyFormPage(f))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "Company "+f.Name+" saved.")
	httpx.Redirect(w, r, companyPath(id))
}
