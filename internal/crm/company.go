package crm

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/internal/form"
)

// Company is an account: the organisation a set of contacts belongs to.
type Company struct {
	ID        string    `db:"id"`
	Name      string    `db:"name"`
	Domain    *string   `db:"domain"`
	CreatedAt time.Time `db:"created_at"`
}

// ErrDomainTaken means another company already uses the normalised domain.
var ErrDomainTaken = errors.New("crm: a company already uses this domain")

const maxCompanyName = 200

const companyByIDSQL = `SELECT id, name, domain, created_at FROM companies WHERE id = $1`

// CompanyByID loads a company; db.ErrNotFound when there is none.
func CompanyByID(ctx context.Context, q db.Querier, id string) (*Company, error) {
	rows, err := q.Query(ctx, companyByIDSQL, id)
	if err != nil {
		return nil, db.Translate(err)
	}
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Company])
	return c, db.Translate(err)
}

const companyByDomainSQL = `SELECT id, name, domain, created_at FROM companies WHERE domain = $1`

// CompanyByDomain loads the company using a normalised domain; db.ErrNotFound when none.
func CompanyByDomain(ctx context.Context, q db.Querier, domain string) (*Company, error) {
	rows, err := q.Query(ctx, companyByDomainSQL, domain)
	if err != nil {
		return nil, db.Translate(err)
	}
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Company])
	return c, db.Translate(err)
}

// companyForm is the company form's typed values and problems.
type companyForm struct {
	ID        string // "" for a new company
	Name      string
	Domain    string // as typed
	Builtin   CompanyBuiltin
	Custom    customInputs
	Errors    form.Errors
	Existing  *Company   // the company that already uses the domain
	Lookalike *Lookalike // a company it looks like (lookalike.go)
	Key       form.Key   // the new-company form's one-time key
	Check     editCheck
	domain    *string // normalised; nil for none
}

// parseCompanyForm reads the posted form; fields are the companies' custom fields.
func parseCompanyForm(r *http.Request, fields []CustomField) companyForm {
	return companyForm{Name: form.Text(r, "name"), Domain: form.Text(r, "domain"), Errors: form.Errors{},
		Builtin: parseCompanyBuiltin(r), Custom: parseCustom(r, fields)}
}

// Validate checks the name and normalises the domain (optional).
func (f *companyForm) Validate() {
	form.Required(f.Errors, "name", f.Name, "Name", maxCompanyName)
	f.Builtin.check(f.Errors)
	f.Custom.check(f.Errors)
	if f.Domain == "" {
		return
	}
	if msg := form.Check(f.Domain, 2048, false); msg != "" {
		f.Errors.Add("domain", msg)
		return
	}
	d, err := NormalizeDomain(f.Domain)
	if err != nil {
		f.Errors.Add("domain", err.Error())
		return
	}
	f.domain = &d
}

// domainTaken fills the form's answer to a duplicate domain: the message beside the
// field and the existing company, to open instead.
func (s *Service) domainTaken(ctx context.Context, f *companyForm) error {
	existing, err := CompanyByDomain(ctx, s.DB, *f.domain)
	if err != nil {
		return err
	}
	f.Existing = existing
	f.Errors.Add("domain", existing.Name+" already uses "+ShowDomain(*f.domain)+".")
	return nil
}

func companyPath(id string) string { return "/crm/companies/" + url.PathEscape(id) }
