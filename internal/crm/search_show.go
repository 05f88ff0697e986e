package crm

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"rapport/internal/auth"
	"rapport/internal/form"
)

// searchShown is how many hits a group shows on the search page.
const searchShown = 10

// searchGroup is one type's hits on the search page.
type searchGroup struct {
	Kind, Label string
	Hits        []SearchHit
	More        bool   // the group had more hits than it shows
	MoreHref    string // the type's list filtered by the query ("" for none)
}

// searchPage is what the search page shows.
type searchPage struct {
	Query  string
	Error  string // why the query was not searched (too long, not text)
	Words  []string
	Groups []searchGroup
	Ran    bool // a query was searched
}

// searchQuery reads and checks the q parameter: "" and no message when it is empty,
// a message when it is too long or not text.
func searchQuery(raw string) (string, string) {
	q := strings.TrimSpace(raw)
	if q == "" {
		return "", ""
	}
	if !utf8.ValidString(q) || !form.Lookup(q, 1<<30, false) {
		return "", "Search for letters, digits and punctuation only."
	}
	if n := utf8.RuneCountInString(q); n > SearchMaxQuery {
		return "", "Search for at most " + strconv.Itoa(SearchMaxQuery) + " characters (this has " + strconv.Itoa(n) + ")."
	}
	return form.Clean(q), ""
}

// SearchShow is the global search (GET /search?q=): companies, contacts, deals (for
// those who may read deals) and tickets (for agents and admins, when the desk's hook is
// wired), grouped by type, best first, each with the field that matched. A query too
// long or not text is a 422 with the message beside the box. Two statements (the
// session, the search), three with tickets.
func (s *Service) SearchShow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	raw := r.URL.Query().Get("q")
	q, msg := searchQuery(raw)
	v := searchPage{Query: q, Error: msg}
	if msg != "" {
		if len(raw) <= 4*SearchMaxQuery && utf8.ValidString(raw) {
			v.Query = raw
		}
		s.Pages.Render(w, r, http.StatusUnprocessableEntity, "Search", searchShowPage(v))
		return
	}
	if q != "" {
		groups, err := s.search(ctx, q)
		if err != nil {
			s.Pages.Fail(w, r, err)
			return
		}
		v.Groups, v.Ran, v.Words = groups, true, searchWords(q)
	}
	title := "Search"
	if q != "" {
		title = "Search: " + q
	}
	s.Pages.Render(w, r, http.StatusOK, title, searchShowPage(v))
}

// search runs the CRM's search and the desk's ticket search (SearchTickets) and groups
// the hits.
func (s *Service) search(ctx context.Context, q string) ([]searchGroup, error) {
	u := auth.UserFrom(ctx)
	deals := u.Can(auth.RoleSales)
	hits, err := Search(ctx, s.DB, q, SearchOptions{Deals: deals, Limit: searchShown + 1})
	if err != nil {
		return nil, err
	}
	groups := []searchGroup{
		{Kind: "company", Label: "Companies", MoreHref: withQuery("/crm/companies", "q", q)},
		{Kind: "contact", Label: "Contacts", MoreHref: "/crm/contacts?" + url.Values{"q": {q}, "owner_id": {"any"}}.Encode()},
	}
	if !u.Can(auth.RoleSales) { // agents have no lists
		groups[0].MoreHref, groups[1].MoreHref = "", ""
	}
	if deals {
		groups = append(groups, searchGroup{Kind: "deal", Label: "Deals", MoreHref: "/crm/deals?" + url.Values{"q": {q}, "owner_id": {"any"}}.Encode()})
	}
	if s.SearchTickets != nil && u.Can(auth.RoleAgent) {
		t, err := s.SearchTickets(ctx, q, searchShown+1)
		if err != nil {
			return nil, err
		}
		for i := range t {
			t[i].Kind = "ticket"
		}
		hits = append(hits, t...)
		groups = append(groups, searchGroup{Kind: "ticket", Label: "Tickets", MoreHref: "/desk/search?" + url.Values{"q": {q}}.Encode()})
	}
	for i := range groups {
		g := &groups[i]
		for _, h := range hits {
			if h.Kind == g.Kind {
				g.Hits = append(g.Hits, h)
			}
		}
		if len(g.Hits) > searchShown {
			g.Hits, g.More = g.Hits[:searchShown], true
		}
	}
	return groups, nil
}

// searchHref is a hit's page.
func searchHref(h SearchHit) string {
	switch h.Kind {
	case "company":
		return companyPath(h.ID)
	case "contact":
		return contactPath(h.ID)
	case "deal":
		return dealPath(h.ID)
	case "ticket":
		return "/desk/tickets/" + url.PathEscape(h.ID)
	}
	return "/search"
}

// searchExtra is the line under a hit: a contact's company, a deal's contact and stage.
func searchExtra(h SearchHit) string {
	switch h.Kind {
	case "contact":
		if h.Extra != "" {
			return h.Detail + " · " + h.Extra
		}
		return h.Detail
	case "deal":
		if l, ok := stageLabels[Stage(h.Extra)]; ok {
			return h.Detail + " · " + l
		}
		return h.Detail
	}
	return h.Detail
}
