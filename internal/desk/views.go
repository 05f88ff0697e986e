package desk

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"rapport/web"
)

// statusClass is a status badge's classes (colours in desk.css).
func statusClass(s Status) string { return "badge status-" + string(s) }

// priorityClass is a priority badge's classes.
func priorityClass(p Priority) string { return "badge prio-" + string(p) }

// slaClass colours an SLA label by its state ("ok", "warn", "bad" or "").
func slaClass(state string) string {
	if state == "" {
		return "sla"
	}
	return "sla sla-" + state
}

// ago is how long before now t was, in words: "just now", "5m ago", "3h10m ago".
func ago(now, t time.Time) string {
	d := now.Sub(t)
	if d < time.Minute {
		return "just now"
	}
	return FormatDuration(d) + " ago"
}

func ticketURL(id string) templ.SafeURL { return templ.SafeURL("/desk/tickets/" + url.PathEscape(id)) }
func myTicketURL(id string) templ.SafeURL {
	return templ.SafeURL("/support/tickets/" + url.PathEscape(id))
}
func replyURL(id string) templ.SafeURL {
	return templ.SafeURL("/support/tickets/" + url.PathEscape(id) + "/reply")
}
func solveURL(id string) templ.SafeURL {
	return templ.SafeURL("/support/tickets/" + url.PathEscape(id) + "/solve")
}
func itoa(n int) string              { return strconv.Itoa(n) }
func pageURL(u string) templ.SafeURL { return templ.SafeURL(u) }

// deref is *s, or "" for nil.
func deref(s *string) string { return derefOr(s, "") }

// derefOr is *s, or def when s is nil or empty.
func derefOr(s *string, def string) string {
	if s == nil || *s == "" {
		return def
	}
	return *s
}

// money is an amount in cents as the side panel shows it: "$12,000".
func money(cents int64) string {
	neg := cents < 0
	if neg {
		cents = -cents
	}
	whole := strconv.FormatInt(cents/100, 10)
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	s := "$" + b.String()
	if cents%100 != 0 {
		s += "." + strconv.FormatInt(100+cents%100, 10)[1:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// viewURL is the queue's view st with query's filters (and no page position).
func viewURL(query map[string][]string, st Status) string {
	q := map[string][]string{}
	for k, v := range query {
		if k != "after" {
			q[k] = v
		}
	}
	return queueURL(q, "status", string(st))
}

// countLabel is a view's count: "1,000+" once it reaches the cap.
func countLabel(n int) string {
	if n > countCap {
		return "1,000+"
	}
	return strconv.Itoa(n)
}

// priorityOptions lists the priorities, most urgent first, after an "any" choice when
// anyLabel is set.
func priorityOptions(anyLabel string) []web.Option {
	var o []web.Option
	if anyLabel != "" {
		o = append(o, web.Option{Value: "", Label: anyLabel})
	}
	for _, p := range Priorities {
		o = append(o, web.Option{Value: string(p), Label: p.Label()})
	}
	return o
}

// teamFilterOptions lists the teams to filter by, keeping a selected one that no agent
// is in any more.
func teamFilterOptions(teams []string, selected string) []web.Option {
	o := []web.Option{{Value: "", Label: "Any team"}, {Value: "_none", Label: "No team"}}
	found := selected == "" || selected == "_none"
	for _, t := range teams {
		o = append(o, web.Option{Value: t, Label: t})
		found = found || t == selected
	}
	if !found {
		o = append(o, web.Option{Value: selected, Label: selected})
	}
	return o
}

var assigneeFilterOptions = []web.Option{
	{Value: "", Label: "Anyone"}, {Value: "mine", Label: "Mine"}, {Value: "none", Label: "Unassigned"},
}

// statusOptions are the statuses a ticket in status cur may be given: its own and the
// ones it may move to.
func statusOptions(cur Status) []web.Option {
	o := []web.Option{{Value: string(cur), Label: cur.Label()}}
	for _, s := range cur.Next() {
		o = append(o, web.Option{Value: string(s), Label: s.Label()})
	}
	return o
}

// assigneeOptions lists the active agents, and the ticket's assignee even if they are
// no longer one, after "Unassigned".
func assigneeOptions(agents []agent, t deskTicket) []web.Option {
	o := []web.Option{{Value: "", Label: "Unassigned"}}
	found := t.AssigneeID == nil
	for _, a := range agents {
		if a.Banned && (t.AssigneeID == nil || *t.AssigneeID != a.ID) {
			continue
		}
		label := a.Name
		if a.Team != nil && *a.Team != "" {
			label += " (" + *a.Team + ")"
		}
		if a.Away {
			label += " — away"
		}
		o = append(o, web.Option{Value: a.ID, Label: label})
		found = found || *t.AssigneeID == a.ID
	}
	if !found {
		o = append(o, web.Option{Value: *t.AssigneeID, Label: derefOr(t.AssigneeName, "Former agent")})
	}
	return o
}

// teamOptions lists the teams after "No team", keeping selected when no agent is in it.
func teamOptions(teams []string, selected string) []web.Option {
	o := []web.Option{{Value: "", Label: "No team"}}
	found := selected == ""
	for _, t := range teams {
		o = append(o, web.Option{Value: t, Label: t})
		found = found || t == selected
	}
	if !found {
		o = append(o, web.Option{Value: selected, Label: selected})
	}
	return o
}

// byline is " by Name", or "" when nobody is recorded.
func byline(name *string) string {
	if name == nil || *name == "" {
		return ""
	}
	return " by " + *name
}

// attainmentText is "93.5% (187 of 200)", or "—" when nothing was settled.
func attainmentText(s timeStats) string {
	a := s.Attainment()
	if a < 0 {
		return "—"
	}
	return strconv.FormatFloat(a, 'f', 1, 64) + "% (" + strconv.Itoa(s.Met) + " of " + strconv.Itoa(s.Met+s.Missed) + ")"
}

func agentURL(id string) templ.SafeURL  { return templ.SafeURL("/admin/agents/" + url.PathEscape(id)) }
func policyURL(id string) templ.SafeURL { return templ.SafeURL("/admin/sla/" + url.PathEscape(id)) }

// policyFormAction is where the policy form posts: the policy, or the list for a new one.
func policyFormAction(id string) templ.SafeURL {
	if id == "" {
		return "/admin/sla"
	}
	return policyURL(id)
}

func takeURL(id string) templ.SafeURL {
	return templ.SafeURL("/desk/tickets/" + url.PathEscape(id) + "/take")
}

func savedViewURL(id string) templ.SafeURL { return templ.SafeURL("/desk/views/" + url.PathEscape(id)) }

// statusFilterOptions lists the statuses, for a saved view's form.
func statusFilterOptions() []web.Option {
	var o []web.Option
	for _, s := range Statuses {
		o = append(o, web.Option{Value: string(s), Label: s.Label()})
	}
	return o
}

var (
	dueOptions    = []web.Option{{Value: "", Label: "Any deadline"}, {Value: "soon", Label: "Breaching within an hour, or breached"}}
	solvedOptions = []web.Option{{Value: "", Label: "Any time"}, {Value: "7d", Label: "Solved in the last 7 days"}}
	sortOptions   = []web.Option{{Value: "", Label: "Urgency, then deadline"}, {Value: "updated", Label: "Last updated first"}}
)

// capacityText is an agent's capacity in its field: "" for no limit.
func capacityText(c *int) string {
	if c == nil {
		return ""
	}
	return strconv.Itoa(*c)
}
