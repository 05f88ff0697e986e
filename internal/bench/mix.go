package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strconv"

	rform "rapport/internal/form"
)

// Role is a simulated user's role; bench users are bench-<role>-<i>@example.com.
type Role string

// The roles the load simulates.
const (
	RoleSales    Role = "sales"
	RoleAgent    Role = "agent"
	RoleCustomer Role = "customer"
)

// World is what every user may pick from, found in the database before the load.
type World struct {
	SearchTerms []string // contact searches (names the seed uses)
	ViewTickets []string // open and pending tickets agents open from the queue
}

// Page is one kind of request in the load.
type Page struct {
	Name   string // short name, used in flags and file names
	Title  string // what it is, for the report
	Method string
	Route  string // its pattern in the server's /metrics
	Role   Role   // who requests it (its solo run signs in users of this role)
	Want   int    // the status it answers when it works
	do     func(ctx context.Context, u *User, rng *rand.Rand, w *World) answer
}

// Pages are the requests of the mix, in report order: the seven pages, then the writes.
var Pages = []*Page{
	{Name: "board", Title: "Board (`/crm`, a rep's pipeline)", Method: http.MethodGet, Route: "/crm", Role: RoleSales, Want: http.StatusOK,
		do: func(ctx context.Context, u *User, _ *rand.Rand, _ *World) answer {
			return u.do(ctx, http.MethodGet, "/crm", nil, false)
		}},
	{Name: "activities", Title: "My activities (`/crm/activities`, a rep's open ones)", Method: http.MethodGet, Route: "/crm/activities", Role: RoleSales, Want: http.StatusOK,
		do: func(ctx context.Context, u *User, _ *rand.Rand, _ *World) answer {
			return u.do(ctx, http.MethodGet, "/crm/activities", nil, false)
		}},
	{Name: "deal", Title: "Deal page (`/crm/deals/{id}`, own deal)", Method: http.MethodGet, Route: "/crm/deals/{id}", Role: RoleSales, Want: http.StatusOK,
		do: func(ctx context.Context, u *User, rng *rand.Rand, _ *World) answer {
			return u.do(ctx, http.MethodGet, "/crm/deals/"+pick(rng, u.Deals), nil, false)
		}},
	{Name: "search", Title: "Contact search (`/crm/contacts?q=`)", Method: http.MethodGet, Route: "/crm/contacts", Role: RoleSales, Want: http.StatusOK,
		do: func(ctx context.Context, u *User, rng *rand.Rand, w *World) answer {
			return u.do(ctx, http.MethodGet, "/crm/contacts?q="+url.QueryEscape(pick(rng, w.SearchTerms)), nil, false)
		}},
	{Name: "global-search", Title: "Global search (`/search?q=`, names, prefixes, common words, typos)", Method: http.MethodGet, Route: "/search", Role: RoleSales, Want: http.StatusOK,
		do: func(ctx context.Context, u *User, rng *rand.Rand, _ *World) answer {
			return u.do(ctx, http.MethodGet, "/search?q="+url.QueryEscape(pick(rng, globalSearchTerms)), nil, false)
		}},
	{Name: "queue", Title: "Queue (`/desk`)", Method: http.MethodGet, Route: "/desk", Role: RoleAgent, Want: http.StatusOK,
		do: func(ctx context.Context, u *User, _ *rand.Rand, _ *World) answer {
			return u.do(ctx, http.MethodGet, "/desk", nil, false)
		}},
	{Name: "ticket", Title: "Ticket page (`/desk/tickets/{id}`)", Method: http.MethodGet, Route: "/desk/tickets/{id}", Role: RoleAgent, Want: http.StatusOK,
		do: func(ctx context.Context, u *User, rng *rand.Rand, w *World) answer {
			return u.do(ctx, http.MethodGet, "/desk/tickets/"+pick(rng, w.ViewTickets), nil, false)
		}},
	{Name: "desk-search", Title: "Ticket search (`/desk/search?q=`, common and rare words)", Method: http.MethodGet, Route: "/desk/search", Role: RoleAgent, Want: http.StatusOK,
		do: func(ctx context.Context, u *User, rng *rand.Rand, _ *World) answer {
			return u.do(ctx, http.MethodGet, "/desk/search?q="+url.QueryEscape(pick(rng, deskSearchTerms)), nil, false)
		}},
	{Name: "support", Title: "Customer's tickets (`/support`)", Method: http.MethodGet, Route: "/support", Role: RoleCustomer, Want: http.StatusOK,
		do: func(ctx context.Context, u *User, _ *rand.Rand, _ *World) answer {
			return u.do(ctx, http.MethodGet, "/support", nil, false)
		}},
	{Name: "activity", Title: "Log an activity (POST `/crm/deals/{id}/activities`)", Method: http.MethodPost, Route: "/crm/deals/{id}/activities", Role: RoleSales, Want: http.StatusSeeOther,
		do: postActivity},
	{Name: "reply", Title: "Agent reply (POST `/desk/tickets/{id}`)", Method: http.MethodPost, Route: "/desk/tickets/{id}", Role: RoleAgent, Want: http.StatusSeeOther,
		do: postReply},
	{Name: "signin", Title: "Sign-in (POST `/signin`)", Method: http.MethodPost, Route: "/signin", Role: RoleCustomer, Want: http.StatusSeeOther,
		do: func(ctx context.Context, u *User, _ *rand.Rand, _ *World) answer { return u.SignIn(ctx) }},
}

// deskSearchTerms are the ticket searches: words of the seed's messages from a third of
// them ("this") to a few percent ("screenshot", "escalate"), a phrase, a word of the
// subjects, and words no message has.
var deskSearchTerms = []string{"this", "help", "screenshot", "escalate", `"known issue"`, "invoice", "zebra", "xylophone"}

// globalSearchTerms are the top bar's searches (issue 11): a surname of the seed's
// contacts, a prefix, two words, a word in every email ("com"), a typo (the trigram
// fallback) and a word no record has.
var globalSearchTerms = []string{"chen", "pat", "olivia chen", "com", "rossii", "xylophone"}

// PageNamed returns the page called name, or nil.
func PageNamed(name string) *Page {
	for _, p := range Pages {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Mix is each role's choice of request, by weight: a closed loop, every user asking again
// as soon as they have an answer (no think time), so the weights set shares of each
// role's requests, not of the time.
var Mix = map[Role][]Weighted{
	RoleSales:    {{"board", 35}, {"activities", 10}, {"deal", 25}, {"search", 10}, {"global-search", 10}, {"activity", 9}, {"signin", 1}},
	RoleAgent:    {{"queue", 40}, {"ticket", 39}, {"desk-search", 5}, {"reply", 15}, {"signin", 1}},
	RoleCustomer: {{"support", 99}, {"signin", 1}},
}

// Weighted is a page and its weight in a role's mix.
type Weighted struct {
	Page   string
	Weight int
}

// chooser returns a function picking a page of role's mix at random by weight.
func chooser(role Role) func(*rand.Rand) *Page {
	mix := Mix[role]
	total := 0
	pages := make([]*Page, len(mix))
	for i, m := range mix {
		total += m.Weight
		pages[i] = PageNamed(m.Page)
	}
	return func(rng *rand.Rand) *Page {
		n := rng.IntN(total)
		for i, m := range mix {
			if n < m.Weight {
				return pages[i]
			}
			n -= m.Weight
		}
		return pages[len(pages)-1]
	}
}

// RoleShares splits n users among the roles: 3/8 sales reps, 3/8 agents, the rest
// customers, at least one of each when n allows.
func RoleShares(n int) map[Role]int {
	sales := max(1, (n*3+4)/8)
	agents := max(1, (n*3+4)/8)
	if sales+agents >= n {
		sales, agents = max(1, n/3), max(1, n/3)
	}
	return map[Role]int{RoleSales: sales, RoleAgent: agents, RoleCustomer: max(0, n-sales-agents)}
}

var activityKinds = []string{"call", "email", "note"}

func postActivity(ctx context.Context, u *User, rng *rand.Rand, _ *World) answer {
	kind := pick(rng, activityKinds)
	// Every submit is a fresh form: a new one-time key, as the deal page renders it.
	form := url.Values{"type": {kind}, "body": {"Bench " + kind + ": checked in on the timeline."},
		rform.KeyField: {string(rform.NewKey())}}
	return u.do(ctx, http.MethodPost, "/crm/deals/"+pick(rng, u.Deals)+"/activities", form, false)
}

// postReply answers one of the user's own open tickets with the form as the ticket page
// gives it (status, priority, assignee and team unchanged, the version last seen, a
// fresh one-time key). A
// 409 (the version moved) reloads the version from the ticket page for the next reply.
func postReply(ctx context.Context, u *User, rng *rand.Rand, _ *World) answer {
	t := &u.Replies[rng.IntN(len(u.Replies))]
	form := url.Values{
		"body": {"Bench reply: thanks, we are on it."}, "status": {t.Status}, "priority": {t.Priority},
		"assignee_id": {t.Assignee}, "team": {t.Team}, "version": {strconv.Itoa(t.Version)},
		rform.KeyField: {string(rform.NewKey())},
	}
	a := u.do(ctx, http.MethodPost, "/desk/tickets/"+t.ID, form, false)
	switch {
	case a.err == nil && a.status == http.StatusSeeOther:
		t.Version++
	case a.err == nil && a.status == http.StatusConflict:
		if v, err := u.ticketVersion(ctx, t.ID); err == nil {
			t.Version = v
		}
	}
	return a
}

var versionField = regexp.MustCompile(`name="version" value="(\d+)"`)

// ticketVersion reads the version the ticket page's form carries.
func (u *User) ticketVersion(ctx context.Context, id string) (int, error) {
	a := u.do(ctx, http.MethodGet, "/desk/tickets/"+id, nil, true)
	if a.err != nil {
		return 0, a.err
	}
	m := versionField.FindSubmatch(a.body)
	if a.status != http.StatusOK || m == nil {
		return 0, fmt.Errorf("ticket %s: %d, no version field", id, a.status)
	}
	return strconv.Atoi(string(m[1]))
}

func pick[T any](rng *rand.Rand, s []T) T { return s[rng.IntN(len(s))] }
