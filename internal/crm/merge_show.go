package crm

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// mergePage is the side-by-side merge page of two contacts (A, B) or two companies.
type mergePage struct {
	Kind string // "contact" or "company"
	A, B mergeSide
	// Survivor and Keep are the choices shown (the posted ones after a 409): the id of
	// the record that survives, and per field the id whose value is kept.
	Survivor string
	Keep     map[string]string
	Stale    bool   // one of them changed since the page was shown (409)
	With     string // the other record as typed, when it was not found
	Error    string // why With was not found
}

// mergeSide is one record of the merge page.
type mergeSide struct {
	ID, Label, Href string
	Version         int
	Fields          map[string]string // field -> the value shown
	Refs            string            // what moves with it: "3 deals", "12 contacts"
}

var contactMergeFields = []struct{ Name, Label string }{{"email", "Email"}, {"name", "Name"}, {"company", "Company"}, {"owner", "Owner"}}
var companyMergeFields = []struct{ Name, Label string }{{"name", "Name"}, {"domain", "Domain"}}

func contactSide(c *MergeContact) mergeSide {
	return mergeSide{ID: c.ID, Label: mergeContactLabel(c), Href: contactPath(c.ID), Version: c.Version,
		Fields: map[string]string{"email": c.Email, "name": c.Name, "company": deref(c.CompanyName), "owner": c.OwnerName},
		Refs:   strconv.FormatInt(c.Deals, 10) + " deals"}
}

func companySide(c *MergeCompany) mergeSide {
	return mergeSide{ID: c.ID, Label: c.Name, Href: companyPath(c.ID), Version: c.Version,
		Fields: map[string]string{"name": c.Name, "domain": ShowDomain(deref(c.Domain))},
		Refs:   strconv.FormatInt(c.Contacts, 10) + " contacts"}
}

// defaultKeep: the survivor is the record with more attached (deals, contacts), else
// the first; each field keeps the survivor's value unless it is empty.
func defaultKeep(p *mergePage, aRefs, bRefs int64, fields []struct{ Name, Label string }) {
	p.Survivor = p.A.ID
	if bRefs > aRefs {
		p.Survivor = p.B.ID
	}
	s, o := p.A, p.B
	if p.Survivor == p.B.ID {
		s, o = p.B, p.A
	}
	p.Keep = map[string]string{}
	for _, f := range fields {
		p.Keep[f.Name] = s.ID
		if s.Fields[f.Name] == "" && o.Fields[f.Name] != "" {
			p.Keep[f.Name] = o.ID
		}
	}
}

// mergeWith reads the other record's reference (?with= or the form's with): an id, or
// for contacts an email, for companies a domain.
func (s *Service) mergeWith(r *http.Request, kind, ref string) (string, string, error) {
	if ref == "" || db.ValidUUID(ref) {
		return ref, "", nil
	}
	if m := form.Check(ref, 320, false); m != "" {
		return "", m, nil
	}
	if kind == "contact" {
		c, err := ContactByEmail(r.Context(), s.DB, form.NormalizeEmail(ref))
		if errors.Is(err, db.ErrNotFound) {
			return "", "No contact has this email.", nil
		}
		if err != nil {
			return "", "", err
		}
		return c.ID, "", nil
	}
	d, err := NormalizeDomain(ref)
	if err != nil {
		return "", "Enter the other company's domain, like acme.com.", nil
	}
	c, err := CompanyByDomain(r.Context(), s.DB, d)
	if errors.Is(err, db.ErrNotFound) {
		return "", "No company uses " + ShowDomain(d) + ".", nil
	}
	if err != nil {
		return "", "", err
	}
	return c.ID, "", nil
}

// ContactMergeShow is the side-by-side merge page of two contacts (GET
// /crm/contacts/{id}/merge?with=): with names the other by id or email; without it, the
// page asks for it.
func (s *Service) ContactMergeShow(w http.ResponseWriter, r *http.Request) {
	s.mergeShow(w, r, "contact")
}

// CompanyMergeShow is the merge page of two companies (GET
// /crm/companies/{id}/merge?with=, the other by id or domain).
func (s *Service) CompanyMergeShow(w http.ResponseWriter, r *http.Request) {
	s.mergeShow(w, r, "company")
}

func (s *Service) mergeShow(w http.ResponseWriter, r *http.Request, kind string) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return
	}
	raw := r.URL.Query().Get("with")
	with, msg, err := s.mergeWith(r, kind, raw)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	p, err := s.loadMerge(r, kind, id, with, msg)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	status := http.StatusOK
	if msg != "" {
		p.With, status = raw, http.StatusUnprocessableEntity
	}
	s.Pages.Render(w, r, status, "Merge", mergeShowPage(p))
}

// loadMerge builds the merge page of id and with ("" or a message: the page asks for
// the other record, with id's side only).
func (s *Service) loadMerge(r *http.Request, kind, id, with, msg string) (mergePage, error) {
	p := mergePage{Kind: kind, Error: msg}
	ctx := r.Context()
	other := with
	if other == "" {
		other = id
	}
	if kind == "contact" {
		if with == "" {
			c, err := ContactByID(ctx, s.DB, id)
			if err != nil {
				return p, err
			}
			p.A = mergeSide{ID: c.ID, Label: displayName(c.Name, c.Email), Href: contactPath(c.ID)}
			return p, nil
		}
		a, b, err := ContactPair(ctx, s.DB, id, other, false)
		if err != nil {
			return p, err
		}
		p.A, p.B = contactSide(a), contactSide(b)
		defaultKeep(&p, a.Deals, b.Deals, contactMergeFields)
		return p, nil
	}
	if with == "" {
		c, err := CompanyByID(ctx, s.DB, id)
		if err != nil {
			return p, err
		}
		p.A = mergeSide{ID: c.ID, Label: c.Name, Href: companyPath(c.ID)}
		return p, nil
	}
	a, b, err := CompanyPair(ctx, s.DB, id, other, false)
	if err != nil {
		return p, err
	}
	p.A, p.B = companySide(a), companySide(b)
	defaultKeep(&p, a.Contacts, b.Contacts, companyMergeFields)
	return p, nil
}

// ContactMerge merges two contacts (POST /crm/contacts/{id}/merge): the survivor and
// each field's value as chosen; the other's deals and planned activities move to the
// survivor, its URL redirects there. 409 when either changed since the page was shown.
func (s *Service) ContactMerge(w http.ResponseWriter, r *http.Request) { s.merge(w, r, "contact") }

// CompanyMerge merges two companies (POST /crm/companies/{id}/merge): the other's
// contacts move to the survivor.
func (s *Service) CompanyMerge(w http.ResponseWriter, r *http.Request) { s.merge(w, r, "company") }

func (s *Service) merge(w http.ResponseWriter, r *http.Request, kind string) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok || !s.Pages.ParseForm(w, r) {
		return
	}
	with := r.PostFormValue("with")
	if !db.ValidUUID(with) {
		s.Pages.Fail(w, r, &httpx.PageError{Status: http.StatusBadRequest, Heading: "This form is out of date",
			Message: "Open the merge page again and choose the records there."})
		return
	}
	survivor := r.PostFormValue("survivor")
	one := func(v string) bool { return v == id || v == with }
	va, errA := strconv.Atoi(r.PostFormValue("version_a"))
	vb, errB := strconv.Atoi(r.PostFormValue("version_b"))
	fields := contactMergeFields
	if kind == "company" {
		fields = companyMergeFields
	}
	keep := map[string]string{}
	valid := one(survivor) && errA == nil && errB == nil
	for _, f := range fields {
		keep[f.Name] = r.PostFormValue("keep_" + f.Name)
		valid = valid && one(keep[f.Name])
	}
	if !valid {
		s.Pages.Fail(w, r, &httpx.PageError{Status: http.StatusBadRequest, Heading: "This form is out of date",
			Message: "Open the merge page again and choose the values there."})
		return
	}
	loser, sv, lv := with, va, vb
	if survivor == with {
		loser, sv, lv = id, vb, va
	}
	by := ActorFrom(r.Context())
	var res MergeResult
	err := s.DB.InTx(r.Context(), func(tx pgx.Tx) error {
		var err error
		if kind == "contact" {
			res, err = MergeContacts(r.Context(), tx, by, ContactMergeChoice{Survivor: survivor, Loser: loser,
				SurvivorVersion: sv, LoserVersion: lv, Email: keep["email"], Name: keep["name"], Company: keep["company"], Owner: keep["owner"]})
		} else {
			res, err = MergeCompanies(r.Context(), tx, by, CompanyMergeChoice{Survivor: survivor, Loser: loser,
				SurvivorVersion: sv, LoserVersion: lv, Name: keep["name"], Domain: keep["domain"]})
		}
		return err
	})
	if errors.Is(err, ErrMergeStale) {
		p, lerr := s.loadMerge(r, kind, id, with, "")
		if lerr != nil {
			s.Pages.Fail(w, r, lerr)
			return
		}
		p.Stale, p.Survivor, p.Keep = true, survivor, keep
		s.Pages.Render(w, r, http.StatusConflict, "Merge", mergeShowPage(p))
		return
	}
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	if kind == "contact" {
		s.Pages.Flash(w, r, "success", "Contacts merged: "+strconv.FormatInt(res.Moved, 10)+" deals and "+
			strconv.FormatInt(res.Planned, 10)+" planned activities moved.")
		httpx.Redirect(w, r, contactPath(survivor))
		return
	}
	s.Pages.Flash(w, r, "success", "Companies merged: "+strconv.FormatInt(res.Moved, 10)+" contacts moved.")
	httpx.Redirect(w, r, companyPath(survivor))
}

func mergeFieldsOf(kind string) []struct{ Name, Label string } {
	if kind == "company" {
		return companyMergeFields
	}
	return contactMergeFields
}

func mergeAction(p mergePage) string {
	if p.Kind == "company" {
		return companyPath(p.A.ID) + "/merge"
	}
	return contactPath(p.A.ID) + "/merge"
}
