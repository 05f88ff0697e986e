package desk

import (
	"strings"

	"github.com/a-h/templ"

	"rapport/web"
)

func macroFormAction(id string) templ.SafeURL {
	if id == "" {
		return "/desk/macros"
	}
	return templ.SafeURL(macroURL(id))
}

// macroStatusOptions are the statuses a macro may set, after "leave as it is".
func macroStatusOptions() []web.Option {
	o := []web.Option{{Value: "", Label: "Leave as it is"}}
	for _, s := range macroStatuses {
		o = append(o, web.Option{Value: string(s), Label: s.Label()})
	}
	return o
}

// macroAssigneeOptions are the active agents (and the macro's own assignee).
func macroAssigneeOptions(agents []agent, selected string) []web.Option {
	o := []web.Option{{Value: "", Label: "Leave as it is"}}
	for _, a := range agents {
		if !a.Banned || a.ID == selected {
			o = append(o, web.Option{Value: a.ID, Label: a.Name})
		}
	}
	return o
}

func macroTeamOptions(teams []string, selected string) []web.Option {
	o := teamOptions(teams, selected)
	o[0].Label = "Leave as it is"
	return o
}

// macroSets sums up what a macro does besides its reply.
func macroSets(m macro) string {
	var parts []string
	if strings.TrimSpace(m.Body) != "" {
		parts = append(parts, "reply")
	}
	if m.Status != nil {
		parts = append(parts, "status "+m.Status.Label())
	}
	if m.Priority != nil {
		parts = append(parts, "priority "+m.Priority.Label())
	}
	if m.AssigneeName != nil {
		parts = append(parts, "assignee "+*m.AssigneeName)
	}
	if m.Team != nil {
		parts = append(parts, "team "+*m.Team)
	}
	if m.Tags != "" {
		parts = append(parts, "tags "+m.Tags)
	}
	return strings.Join(parts, " · ")
}
