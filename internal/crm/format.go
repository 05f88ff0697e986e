package crm

import (
	"net/url"
)

func activityLabel(kind string) string {
	switch kind {
	case "call":
		return "Call"
	case "email":
		return "Email"
	}
	return "Note"
}

// companyRef is what the company_id field accepts for a company: its domain (as people
// read it), or its id when it has none.
func companyRef(c *Company) string {
	if c.Domain != nil {
		return ShowDomain(*c.Domain)
	}
	return c.ID
}

// withQuery is path with one query parameter, escaped.
func withQuery(path, key, value string) string {
	return path + "?" + url.Values{key: {value}}.Encode()
}
