package crm

import (
	"context"
	"net/http"
	"strings"

	"rapport/internal/db"
)

// The pickers (issue 11, part 0): the contact form's company field and the deal form's
// contact field take a company's domain or a contact's email as before, and now also a
// name. With JavaScript, typing shows the search's matches under the field
// (GET /search/pick, an HTML fragment; choosing one fills in its domain or email) and a
// "create new" link; without it, a name that matches one record is that record, and
// one that matches several is a 422 listing them (type one's domain or email).

// pickShown is how many matches a picker offers.
const pickShown = 6

// pickByName resolves a name typed in a picker field (kind company or contact):
// the id when exactly one record matches, else the message for the person.
func pickByName(ctx context.Context, q db.Querier, kind, ref string) (string, string, error) {
	if strings.TrimSpace(ref) == "" || len([]rune(ref)) > SearchMaxQuery {
		return "", "", nil
	}
	hits, err := Search(ctx, q, ref, SearchOptions{Only: kind, Limit: pickShown})
	if err != nil {
		return "", "", err
	}
	var words []string
	exact := ""
	n := 0
	for _, h := range hits {
		words = append(words, h.Title+" ("+pickValue(h)+")")
		if searchFold(h.Title) == searchFold(strings.TrimSpace(ref)) {
			exact, n = h.ID, n+1
		}
	}
	switch {
	case n == 1: // exactly one record has this name (whatever its case and accents)
		return exact, "", nil
	case len(words) > 0:
		what := "companies match"
		if kind == "contact" {
			what = "contacts match"
		}
		if len(words) == 1 {
			what = "Did you mean"
			return "", what + " " + words[0] + "? Enter its " + pickWhat(kind) + ".", nil
		}
		return "", "Several " + what + " “" + ref + "”: enter one's " + pickWhat(kind) + ": " + strings.Join(words, ", ") + ".", nil
	}
	return "", "", nil
}

func pickWhat(kind string) string {
	if kind == "contact" {
		return "email"
	}
	return "domain"
}

// pickValue is what choosing a hit puts in the field: a company's domain (its id when it
// has none), a contact's email.
func pickValue(h SearchHit) string {
	if h.Detail != "" {
		return h.Detail
	}
	return h.ID
}

// pickList is the picker's fragment.
type pickList struct {
	Kind, Query string
	Hits        []SearchHit
	NewHref     string
}

// SearchPick is the pickers' type-ahead (GET /search/pick?type=company|contact&q=):
// an HTML fragment of up to pickShown matches, each a button carrying the value it
// fills in, and a link to create a new one. Sales and admins. Two statements.
func (s *Service) SearchPick(w http.ResponseWriter, r *http.Request) {
	kind := r.URL.Query().Get("type")
	if kind != "company" && kind != "contact" {
		s.Pages.Error(w, r, http.StatusNotFound)
		return
	}
	q, msg := searchQuery(r.URL.Query().Get("q"))
	v := pickList{Kind: kind, Query: q}
	if msg == "" && q != "" {
		hits, err := Search(r.Context(), s.DB, q, SearchOptions{Only: kind, Limit: pickShown})
		if err != nil {
			s.Pages.Fail(w, r, err)
			return
		}
		v.Hits = hits
	}
	v.NewHref = "/crm/companies/new"
	if kind == "contact" {
		v.NewHref = "/crm/contacts/new"
		if strings.Contains(q, "@") {
			v.NewHref = withQuery(v.NewHref, "email", q)
		}
	} else if strings.Contains(q, ".") {
		v.NewHref = withQuery(v.NewHref, "domain", q)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	status := http.StatusOK
	if msg != "" {
		status = http.StatusUnprocessableEntity
	}
	w.WriteHeader(status)
	_ = pickFragment(v).Render(r.Context(), w)
}
