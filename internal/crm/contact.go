package crm

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/internal/form"
)

// ErrEmailTaken means another contact already has the email (in any case).
var ErrEmailTaken = errors.New("crm: a contact already has this email")

const maxContactName = 200

const contactByIDSQL = `SELECT ` + contactRowColumns + ` ` + contactRowJoins + ` WHERE c.id = $1`

// ContactByID loads a contact with its company and owner; db.ErrNotFound when none.
func ContactByID(ctx context.Context, q db.Querier, id string) (*ContactRow, error) {
	rows, err := q.Query(ctx, contactByIDSQL, id)
	if err != nil {
		return nil, db.Translate(err)
	}
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[ContactRow])
	return c, db.Translate(err)
}

const contactByEmailSQL = `SELECT ` + contactRowColumns + ` ` + contactRowJoins + ` WHERE lower(c.email) = lower($1)`

// ContactByEmail loads the contact with the email, whatever its case.
func ContactByEmail(ctx context.Context, q db.Querier, email string) (*ContactRow, error) {
	rows, err := q.Query(ctx, contactByEmailSQL, email)
	if err != nil {
		return nil, db.Translate(err)
	}
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[ContactRow])
	return c, db.Translate(err)
}

// ContactFields are a contact's editable columns. Email must be normalised.
type ContactFields struct {
	Email     string
	Name      *string
	CompanyID *string
	OwnerID   string
	// The built-in fields of migration 00068 ("" is none).
	JobTitle string
	Notes    string
	Address
}

// builtinArgs are the built-in fields' columns: job_title, notes and the address.
func (c ContactFields) builtinArgs() []any {
	return append([]any{orNull(c.JobTitle), orNull(c.Notes)}, c.Address.args()...)
}

// contactForm is the contact form's typed values and problems.
type contactForm struct {
	ID            string // "" for a new contact
	Email         string
	Name          string
	Company       string // company_id as typed: a company's domain or id
	OwnerID       string
	JobTitle      string
	Notes         string
	Address       Address
	Phones        []phoneInput
	Custom        customInputs
	Owners        []Owner
	MissingDomain string      // a domain no company uses yet, to offer adding it
	Existing      *ContactRow // the contact that already has the email
	Lookalike     *Lookalike  // a contact it looks like (lookalike.go)
	Errors        form.Errors
	Key           form.Key // the new-contact form's one-time key
	Check         editCheck
	companyID     *string
	phones        []Phone
}

// parseContactForm reads the posted form; fields are the contacts' custom fields.
func parseContactForm(r *http.Request, fields []CustomField) contactForm {
	return contactForm{
		Email: form.NormalizeEmail(r.PostFormValue("email")), Name: form.Text(r, "name"),
		Company: form.Text(r, "company_id"), OwnerID: form.Text(r, "owner_id"), Errors: form.Errors{},
		JobTitle: form.Text(r, "job_title"), Notes: form.Body(r, "notes"), Address: parseAddress(r),
		Phones: parsePhones(r), Custom: parseCustom(r, fields),
	}
}

// Validate checks the fields; the company and owner are looked up.
func (f *contactForm) Validate(ctx context.Context, q db.Querier) error {
	form.Email(f.Errors, "email", f.Email)
	if msg := form.Check(f.Name, maxContactName, false); msg != "" {
		f.Errors.Add("name", msg)
	}
	checkText(f.Errors, "job_title", f.JobTitle, maxJobTitle)
	if msg := form.Check(f.Notes, maxNotes, true); msg != "" {
		f.Errors.Add("notes", msg)
	}
	f.Address.check(f.Errors)
	f.phones = checkPhones(f.Errors, f.Phones)
	f.Custom.check(f.Errors)
	id, missing, msg, err := resolveCompany(ctx, q, f.Company)
	if err != nil {
		return err
	}
	f.companyID, f.MissingDomain = id, missing
	if msg != "" {
		f.Errors.Add("company_id", msg)
	}
	msg, err = checkOwner(ctx, q, f.OwnerID)
	if msg != "" {
		f.Errors.Add("owner_id", msg)
	}
	return err
}

func (f *contactForm) fields() ContactFields {
	c := ContactFields{Email: f.Email, CompanyID: f.companyID, OwnerID: f.OwnerID, JobTitle: f.JobTitle,
		Notes: f.Notes, Address: f.Address}
	if f.Name != "" {
		c.Name = &f.Name
	}
	return c
}

// resolveCompany reads a company_id field: empty for none, a company's id, or its
// domain in any form NormalizeDomain accepts. missing is a well-formed domain no company
// uses; msg is the problem for the person.
func resolveCompany(ctx context.Context, q db.Querier, ref string) (id *string, missing, msg string, err error) {
	cr := readCompanyLookup(ref)
	if cr.Name != "" { // a name: the picker's search-and-choose without JavaScript (pick.go)
		id, msg, err := pickByName(ctx, q, "company", cr.Name)
		if err != nil || id != "" {
			return &id, "", "", err
		}
		if msg != "" {
			return nil, "", msg, nil
		}
	}
	switch {
	case cr.Problem != "" || (cr.ID == nil && cr.Domain == nil):
		return nil, "", cr.Problem, nil
	case cr.ID != nil:
		c, err := CompanyByID(ctx, q, *cr.ID)
		if errors.Is(err, db.ErrNotFound) {
			return nil, "", cr.notFound(), nil
		}
		if err != nil {
			return nil, "", "", err
		}
		return &c.ID, "", "", nil
	}
	c, err := CompanyByDomain(ctx, q, *cr.Domain)
	if errors.Is(err, db.ErrNotFound) {
		return nil, *cr.Domain, cr.notFound(), nil
	}
	if err != nil {
		return nil, "", "", err
	}
	return &c.ID, "", "", nil
}

// companyLookup is a company_id field read without the database: a company's id, a
// normalised domain, nothing (empty), or a Problem for the person (then neither).
type companyLookup struct {
	ID      *string
	Domain  *string
	Problem string
	Name    string // not a domain: perhaps a name, for the picker (pick.go)
}

// readCompanyLookup reads a company_id field as typed.
func readCompanyLookup(ref string) companyLookup {
	if ref == "" {
		return companyLookup{}
	}
	if m := form.Check(ref, 2048, false); m != "" {
		return companyLookup{Problem: m}
	}
	if db.ValidUUID(ref) {
		return companyLookup{ID: &ref}
	}
	domain, err := NormalizeDomain(ref)
	if err != nil {
		return companyLookup{Name: ref, Problem: "Enter the company's domain, like acme.com, or leave this empty."}
	}
	return companyLookup{Domain: &domain}
}

// notFound is the message for a well-formed reference no company answers to.
func (cr companyLookup) notFound() string {
	if cr.ID != nil {
		return "No company has this id."
	}
	return "No company uses " + ShowDomain(deref(cr.Domain)) + " yet: add the company first."
}

// emailTaken fills the form's answer to a duplicate email: the message beside the field
// and the contact that has it.
func (s *Service) emailTaken(ctx context.Context, f *contactForm) error {
	existing, err := ContactByEmail(ctx, s.DB, f.Email)
	if err != nil {
		return err
	}
	f.Existing = existing
	f.Errors.Add("email", displayName(existing.Name, existing.Email)+" already has this email.")
	return nil
}

// withOwners loads the owner choices for re-rendering the form.
func (s *Service) withOwners(ctx context.Context, owners *[]Owner) error {
	list, err := ListOwners(ctx, s.DB)
	*owners = list
	return err
}

// ownersFieldsSQL is ListOwners and an entity's custom fields ($1) in one statement.
var ownersFieldsSQL = `SELECT coalesce((SELECT json_agg(json_build_object('id', o.id, 'name', o.name) ORDER BY o.name, o.id)
	FROM (` + ownersSQL + `) o), '[]') AS owners, ` + fieldsJSON("$1") + ` AS fields`

// loadOwnersFields returns the owners and entity e's custom fields in one statement.
func loadOwnersFields(ctx context.Context, q db.Querier, e Entity) ([]Owner, []CustomField, error) {
	var owners []Owner
	var fields []CustomField
	err := q.QueryRow(ctx, ownersFieldsSQL, string(e)).Scan(&owners, &fields)
	return owners, fields, db.Translate(err)
}

// saveContactExtras writes a contact's phone numbers and custom values (in the
// transaction of the contact's own save).
func saveContactExtras(ctx context.Context, q db.Querier, id string, f *contactForm) error {
	if err := SaveContactPhones(ctx, q, id, f.phones); err != nil {
		return err
	}
	return saveCustom(ctx, q, id, f.Custom)
}
