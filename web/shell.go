package web

import (
	"strconv"
	"strings"
	"time"
)

func zeroTime() time.Time { return time.Time{} }

// Shell is what every page's layout needs: the title, who is signed in, the navigation
// for their role, and a flash message left by the previous request.
type Shell struct {
	Title     string
	UserName  string
	UserRole  string // "" when signed out
	RoleLabel string
	Nav       []NavItem
	Flash     Flash
	Path      string // the current path, to mark the active nav item
	// DueActivities is the viewer's count of planned activities overdue or due today,
	// shown beside the Activities item (ActivitiesHref); 0 shows nothing.
	DueActivities int
}

// ActivitiesHref is the CRM's "My activities" page, whose nav item carries the count of
// due activities.
const ActivitiesHref = "/crm/activities"

// DueBadge is the nav item's count for href: "" for none, "99+" past the cap of the
// count (auth.DueActivitiesCap).
func (s Shell) DueBadge(href string) string {
	switch {
	case href != ActivitiesHref || s.DueActivities <= 0:
		return ""
	case s.DueActivities >= 100:
		return "99+"
	}
	return strconv.Itoa(s.DueActivities)
}

// Flash is a one-time message shown at the top of the next page.
type Flash struct {
	Kind    string // "success", "error" or "info"
	Message string
}

// NavItem is one link in the top navigation.
type NavItem struct {
	Label string
	Href  string
}

// NavFor returns the navigation a role sees. The menu is a convenience: every route
// checks the role again on the server.
func NavFor(role string) []NavItem {
	switch role {
	case "customer":
		return []NavItem{{"My tickets", "/support"}, {"New ticket", "/support/new"}}
	case "sales":
		return crmNav
	case "agent":
		return deskNav
	case "admin":
		nav := append([]NavItem{}, crmNav...)
		nav = append(nav, deskNav...)
		return append(nav, NavItem{"Admin", "/admin"})
	}
	return nil
}

var (
	crmNav = []NavItem{{"Pipeline", "/crm"}, {"Activities", ActivitiesHref}, {"Overview", "/crm/overview"}, {"Forecast", "/crm/forecast"}, {"Deals", "/crm/deals"},
		{"Contacts", "/crm/contacts"}, {"Companies", "/crm/companies"}, {"Import", "/crm/import"}}
	deskNav = []NavItem{{"Queue", "/desk"}, {"Reports", "/desk/reports"}}
)

// Active reports whether href is the nav item for the current page: the longest
// nav href that is the path or a parent of it.
func (s Shell) Active(href string) bool {
	best := ""
	for _, n := range s.Nav {
		if (s.Path == n.Href || strings.HasPrefix(s.Path, strings.TrimSuffix(n.Href, "/")+"/")) && len(n.Href) > len(best) {
			best = n.Href
		}
	}
	return best != "" && best == href
}
