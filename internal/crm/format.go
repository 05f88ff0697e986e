package crm

import (
	"net/url"
	"strconv"
	"time"
)

// plural is "1 deal" or "3 deals".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// showTime is a moment for people, in UTC: "Mar 4, 2026 14:05 UTC".
func showTime(t time.Time) string { return t.UTC().Format("Jan 2, 2006 15:04 UTC") }

func activityLabel(kind string) string {
	switch kind {
	case "call":
		return "Call"
	case "email":
		return "Email"
	}
	return "Note"
}

// companyRef is what the company_id field accepts for a company: its domain, or its id
// when it has none.
func companyRef(c *Company) string {
	if c.Domain != nil {
		return *c.Domain
	}
	return c.ID
}

// withQuery is path with one query parameter, escaped.
func withQuery(path, key, value string) string {
	return path + "?" + url.Values{key: {value}}.Encode()
}
