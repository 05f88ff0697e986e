package crm

import (
	"net/url"
	"strings"
)

// The columns of an import file. Rapport's own names (the seeds' columns) always work;
// besides them, the headers that Pipedrive and HubSpot write in their CSV exports map
// without manual work:
//
//   - Pipedrive (Contacts > People or Organizations > Export, and the "Person - …" /
//     "Organization - …" headers of its deal and combined exports, as of 2026): Name,
//     Email (also "Email - Work", "Email - Home"), Organization, Website, Owner;
//   - HubSpot (the contacts and companies views' Export, as of 2026): Record ID, First
//     Name, Last Name, Email, Company Name, Company Domain Name, Website URL, Contact
//     owner / Company owner.
//
// The built-in fields (job title, phones, notes, address; a company's website, phone,
// industry, address) map by their names and the usual aliases, and custom fields by
// their label (any case). A column Rapport cannot use yet (owner by name, company by
// name) is listed on the preview as ignored, with why.

// ImportColumn is what one header of the file became: Field is the import field it
// fills ("" when the column is ignored), Note a word for the person.
type ImportColumn struct {
	Header string `json:"header"`
	Field  string `json:"field"`
	Note   string `json:"note"`
}

// Import sources recognised from a file's headers.
const (
	SourcePipedrive = "pipedrive"
	SourceHubSpot   = "hubspot"
)

// SourceLabel names a recognised source for people ("" for none).
func SourceLabel(s string) string {
	switch s {
	case SourcePipedrive:
		return "Pipedrive"
	case SourceHubSpot:
		return "HubSpot"
	}
	return ""
}

// importFields are the fields of each kind, Rapport's header for each, and the other
// headers (lower case, spaces collapsed) that fill it. "first name" and "last name"
// fill name together.
var importFields = map[ImportKind][]struct {
	field   string
	aliases []string
}{
	ImportCompanies: {
		{"name", []string{"company name", "organization", "organization name", "organization - name", "company"}},
		{"domain", []string{"company_domain", "company domain name", "domain name", "organization - domain"}},
		{"website", []string{"website", "website url", "organization - website", "url"}},
		{"phone", []string{"phone number", "company phone", "organization - phone"}},
		{"industry", []string{"organization - industry", "sector"}},
		{"street", addressAliases["street"]}, {"city", addressAliases["city"]}, {"postcode", addressAliases["postcode"]},
		{"region", addressAliases["region"]}, {"country", addressAliases["country"]},
	},
	ImportContacts: {
		{"email", []string{"email address", "e-mail", "email - work", "email - home", "email - other", "person - email",
			"person - email - work", "primary email", "work email"}},
		{"name", []string{"full name", "person - name", "contact name"}},
		{"first name", []string{"first name", "firstname", "person - first name"}},
		{"last name", []string{"last name", "lastname", "person - last name"}},
		{"company_id", nil},
		{"domain", []string{"company_domain", "company domain name", "organization - domain"}},
		{"owner_id", nil},
		{"job_title", []string{"title", "job title", "jobtitle", "person - job title", "position"}},
		{"phone", []string{"phone number", "work phone", "phone - work", "person - phone", "person - phone - work", "business phone"}},
		{"mobile", []string{"mobile phone", "mobile phone number", "mobile number", "cell", "phone - mobile", "person - phone - mobile"}},
		{"notes", []string{"note", "person - notes", "description"}},
		{"street", addressAliases["street"]}, {"city", addressAliases["city"]}, {"postcode", addressAliases["postcode"]},
		{"region", addressAliases["region"]}, {"country", addressAliases["country"]},
	},
}

// addressAliases are the address columns' other headers (HubSpot's and Pipedrive's).
var addressAliases = map[string][]string{
	"street":   {"address", "street address", "person - address", "organization - address", "address line 1"},
	"city":     {"town", "person - city", "organization - city"},
	"postcode": {"zip", "zip code", "postal code", "post code", "postal/zip code"},
	"region":   {"state", "state/region", "province", "county"},
	"country":  {"country/region"},
}

// partField: fields that make up another (name, domain) and are not Rapport's own headers.
var partField = map[string]bool{"first name": true, "last name": true, "website": true}

// ignoredNotes say why a well-known column is not used yet.
var ignoredNotes = map[string]string{
	"owner": "owners are matched by id only", "contact owner": "owners are matched by id only",
	"company owner": "owners are matched by id only", "person - owner": "owners are matched by id only",
	"organization": "companies are matched by domain only", "company name": "companies are matched by domain only",
	"person - organization": "companies are matched by domain only", "record id": "the other tool's id",
	"id": "the other tool's id", "label": "no labels yet",
}

// normalHeader is a header as matched: lower case, trimmed, inner spaces collapsed.
func normalHeader(h string) string { return strings.Join(strings.Fields(strings.ToLower(h)), " ") }

// mapHeader says which field of kind the header fills ("" for none).
func mapHeader(kind ImportKind, h string) string {
	for _, f := range importFields[kind] {
		if h == f.field {
			return f.field
		}
		for _, a := range f.aliases {
			if h == a {
				return f.field
			}
		}
	}
	return ""
}

// recogniseSource names the tool whose export the headers look like.
func recogniseSource(headers []string) string {
	has := map[string]bool{}
	for _, h := range headers {
		has[h] = true
		if strings.HasPrefix(h, "person - ") || strings.HasPrefix(h, "organization - ") || strings.HasPrefix(h, "email - ") {
			return SourcePipedrive
		}
	}
	switch {
	case has["record id"] && (has["contact owner"] || has["company owner"] || has["company domain name"] || has["first name"]):
		return SourceHubSpot
	case has["name"] && (has["organization"] || has["label"]) && has["owner"]:
		return SourcePipedrive
	}
	return ""
}

// websiteDomain is the host of a website cell ("https://www.Acme.com/about" → acme.com),
// or the cell itself when it is not a URL.
func websiteDomain(v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	s := v
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Hostname() == "" {
		return v
	}
	return strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
}

// importFieldLabel names an import field for people.
func importFieldLabel(field string) string {
	switch field {
	case "name":
		return "name"
	case "first name":
		return "name (first part)"
	case "last name":
		return "name (last part)"
	case "domain":
		return "domain"
	case "website":
		return "domain (from the website)"
	case "email":
		return "email"
	case "company_id":
		return "company (by id)"
	case "owner_id":
		return "owner (by id)"
	case "job_title":
		return "job title"
	case "mobile":
		return "phone (mobile)"
	}
	return field
}
