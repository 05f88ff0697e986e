package desk

// Applying a macro on the ticket page (GET /desk/tickets/{id}?macro=<id>): the page is
// rendered again with the reply prefilled (placeholders filled) and the fields the macro
// sets preset; nothing is saved until the agent sends the form, which records the macro
// on the message (ticket_messages.macro_id and macro_name). Works without JavaScript:
// the picker is a GET form.

// macroChoicesSQL is the macros viewer (a placeholder) may apply, as a JSON array of
// macroChoice: shared ones first, then their own, by name; at most 500.
func macroChoicesSQL(viewer string) string {
	return `coalesce((SELECT json_agg(json_build_object('id', m.id, 'name', m.name, 'shared', m.owner_id IS NULL)
                          ORDER BY m.owner_id IS NOT NULL, lower(m.name), m.id) FROM (
           SELECT m.id, m.name, m.owner_id FROM macros m
           WHERE (m.owner_id IS NULL OR m.owner_id = ` + viewer + `)
           ORDER BY m.owner_id IS NOT NULL, lower(m.name), m.id LIMIT 500) m), '[]')`
}

// macroChoice is a macro as the ticket page's picker lists it.
type macroChoice struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Shared bool   `json:"shared"`
}

// macroApplied is the macro chosen on the ticket page.
type macroApplied struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Body       string    `json:"body"`
	Status     *Status   `json:"status"`
	Priority   *Priority `json:"priority"`
	AssigneeID *string   `json:"assignee_id"`
	Team       *string   `json:"team"`
	Tags       string    `json:"tags"` // comma-separated, added when the form is sent
}

// applyTo presets f from m for ticket t, applied by the agent named agentName, and
// says what it could not preset ("" when everything was).
func (m macroApplied) applyTo(f *ticketForm, t deskTicket, agentName string) string {
	f.MacroID = m.ID
	if m.Body != "" {
		f.Body = fillPlaceholders(m.Body, macroValues(t, agentName))
	}
	var note string
	if m.Status != nil {
		if *m.Status == t.Status || CanMove(t.Status, *m.Status) {
			f.Status = *m.Status
		} else {
			note = "The macro sets the status " + m.Status.Label() + ", which this ticket cannot move to from " +
				t.Status.Label() + ": the status is left as it is."
		}
	}
	if m.Priority != nil {
		f.Priority = *m.Priority
	}
	if m.AssigneeID != nil {
		f.AssigneeID = *m.AssigneeID
	}
	if m.Team != nil {
		f.Team = *m.Team
	}
	if m.Tags != "" {
		f.AddTags = m.Tags
	}
	return note
}

// nullable is nil for "", else &s.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
