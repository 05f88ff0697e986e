package crm

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/internal/httpx"
)

// The version check is in the statement: a save against another version changes no
// row (see edit_check.go).
const updateCompanySQL = `
UPDATE companies SET name = $2, domain = $3, website = $6, phone = $7, phone_digits = $8, industry = $9, size = $10,
       street = $11, city = $12, postcode = $13, region = $14, country = $15,
       version = version + 1, updated_at = now(), updated_by = $5
WHERE id = $1 AND ($4::integer = 0 OR version = $4)`

const companyExistsSQL = `SELECT EXISTS (SELECT 1 FROM companies WHERE id = $1)`

// UpdateCompany renames a company and sets its (normalised) domain, if it still is at
// version (0: whatever its version). Companies have no owner: any rep may correct
// them. ErrDomainTaken when another company has the domain, ErrStale when someone
// saved it since version, db.ErrNotFound when there is none.
func UpdateCompany(ctx context.Context, q db.Querier, by Actor, id string, version int, name string, domain *string, b CompanyBuiltin) error {
	args := append([]any{id, name, domain, version, by.ID}, b.args()...)
	tag, err := q.Exec(ctx, updateCompanySQL, args...)
	if db.Unique(err, "companies_domain_unique") {
		return ErrDomainTaken
	}
	if err != nil {
		return db.Translate(err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var exists bool
	if err := q.QueryRow(ctx, companyExistsSQL, id).Scan(&exists); err != nil {
		return db.Translate(err)
	}
	if exists {
		return ErrStale
	}
	return db.ErrNotFound
}

// companyForEdit is a company with its version and last save.
type companyForEdit struct {
	Company
	CompanyExtra
	Saved
}

var companyForEditSQL = `
SELECT co.id, co.name, co.domain, co.created_at, ` + companyExtraColumns + `, co.version, co.updated_at, ub.name AS updated_by_name
FROM companies co
LEFT JOIN "user" ub ON ub.id = co.updated_by
WHERE co.id = $1`

func loadCompanyForEdit(ctx context.Context, q db.Querier, id string) (*companyForEdit, error) {
	rows, err := q.Query(ctx, companyForEditSQL, id)
	if err != nil {
		return nil, db.Translate(err)
	}
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[companyForEdit])
	return c, db.Translate(err)
}

// companyFormOf is the form filled in with the company.
func companyFormOf(c *Company, x *CompanyExtra) companyForm {
	return companyForm{ID: c.ID, Name: c.Name, Domain: ShowDomain(deref(c.Domain)), Builtin: x.CompanyBuiltin,
		Custom: customOf(x.Fields, x.Custom)}
}

// editFields are the form's fields for the collision check.
func (f *companyForm) editFields() []formField {
	out := append([]formField{{"name", "Name", f.Name}, {"domain", "Domain", f.Domain}}, f.Builtin.editFields()...)
	return append(out, f.Custom.editFields()...)
}

// CompanyEdit shows the company form filled in (GET /crm/companies/{id}/edit).
func (s *Service) CompanyEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return
	}
	c, err := loadCompanyForEdit(r.Context(), s.DB, id)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	f := companyFormOf(&c.Company, &c.CompanyExtra)
	f.Check = loadedCheck(c.Saved, f.editFields())
	s.Pages.Render(w, r, http.StatusOK, "Edit "+c.Name, companyFormPage(f))
}

// CompanyUpdate saves the company form (POST /crm/companies/{id}); 409 with what
// changed when someone saved the company after the form was loaded.
func (s *Service) CompanyUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok || !s.Pages.ParseForm(w, r) {
		return
	}
	ctx := r.Context()
	fields, err := ListFields(ctx, s.DB, EntityCompany)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	f := parseCompanyForm(r, fields)
	f.ID = id
	if f.Check, ok = readEditCheck(r, f.editFields()); !ok {
		s.badVersion(w, r)
		return
	}
	f.Validate()
	if !f.Errors.OK() {
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, "Edit company", companyFormPage(f))
		return
	}
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if err := UpdateCompany(ctx, tx, ActorFrom(ctx), id, f.Check.Version, f.Name, f.domain, f.Builtin); err != nil {
			return err
		}
		return saveCustom(ctx, tx, id, f.Custom)
	})
	if errors.Is(err, ErrDomainTaken) {
		if err := s.domainTaken(ctx, &f); err != nil {
			s.Pages.Fail(w, r, err)
			return
		}
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, "Edit company", companyFormPage(f))
		return
	}
	if errors.Is(err, ErrStale) {
		var c *companyForEdit
		if c, err = loadCompanyForEdit(ctx, s.DB, id); err == nil {
			now := companyFormOf(&c.Company, &c.CompanyExtra)
			f.Check.staleAgainst(c.Saved, now.editFields(), f.editFields(), func(_, v string) string { return shown(v) })
			s.Pages.Render(w, r, http.StatusConflict, "Edit company", companyFormPage(f))
			return
		}
	}
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "Company "+f.Name+" saved.")
	httpx.Redirect(w, r, companyPath(id))
}
