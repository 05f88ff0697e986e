package activity

import (
	"context"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/web"
)

// Type is a kind of planned activity.
type Type struct {
	Key    string `db:"key"`
	Label  string `db:"label"`
	Active bool   `db:"active"`
}

// Person is a user or contact as a choice: an id and a name.
type Person struct {
	ID   string
	Name string
}

// dealRef is the deal a form plans on: its title, owner and contact.
type dealRef struct {
	ID          string
	Title       string
	OwnerID     string
	ContactID   string
	ContactName string
}

// choices are what the forms and filters offer: the assignees (active sales reps and
// admins, by name), the types (in their order; hidden ones only to read), and the deal
// a form plans on.
type choices struct {
	Assignees []Person
	Types     []Type
	Deal      *dealRef
}

// choicesSQL is every choice in one statement, as rows of one shape marked by kind;
// $1 is the deal (NULL for none).
const choicesSQL = `
(SELECT 'deal' AS kind, d.id::text AS id, d.title AS name, d.owner_id AS a, d.contact_id::text AS b,
        coalesce(c.name, c.email) AS c, 0 AS pos
 FROM deals d JOIN contacts c ON c.id = d.contact_id WHERE d.id = $1::uuid)
UNION ALL
(SELECT 'assignee', u.id, u.name, '', '', '', 0 FROM "user" u
 WHERE u.role IN ('sales', 'admin') AND NOT u.banned)
UNION ALL
(SELECT 'type', t.key, t.label, t.active::text, '', '', t.position FROM activity_types t)
ORDER BY kind, pos, name, id`

type choiceRow struct {
	Kind string `db:"kind"`
	ID   string `db:"id"`
	Name string `db:"name"`
	A    string `db:"a"`
	B    string `db:"b"`
	C    string `db:"c"`
	Pos  int    `db:"pos"`
}

// loadChoices reads the choices, with the deal dealID ("" or a malformed id: none).
func loadChoices(ctx context.Context, q db.Querier, dealID string) (choices, error) {
	var deal any
	if db.ValidUUID(dealID) {
		deal = dealID
	}
	rows, err := q.Query(ctx, choicesSQL, deal)
	if err != nil {
		return choices{}, db.Translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[choiceRow])
	if err != nil {
		return choices{}, db.Translate(err)
	}
	var c choices
	for _, r := range list {
		switch r.Kind {
		case "deal":
			c.Deal = &dealRef{ID: r.ID, Title: r.Name, OwnerID: r.A, ContactID: r.B, ContactName: r.C}
		case "assignee":
			c.Assignees = append(c.Assignees, Person{ID: r.ID, Name: r.Name})
		case "type":
			c.Types = append(c.Types, Type{Key: r.ID, Label: r.Name, Active: r.A == "true"})
		}
	}
	return c, nil
}

func (c choices) assignee(id string) bool {
	for _, p := range c.Assignees {
		if p.ID == id {
			return true
		}
	}
	return false
}

// activeType is the active type key, or nil.
func (c choices) activeType(key string) *Type {
	for i, t := range c.Types {
		if t.Key == key && t.Active {
			return &c.Types[i]
		}
	}
	return nil
}

func (c choices) typeLabel(key string) string {
	for _, t := range c.Types {
		if t.Key == key {
			return t.Label
		}
	}
	return key
}

// typeOptions are the active types, plus current (a hidden type an activity already has).
func (c choices) typeOptions(current string) []web.Option {
	var o []web.Option
	for _, t := range c.Types {
		if t.Active || t.Key == current {
			o = append(o, web.Option{Value: t.Key, Label: t.Label})
		}
	}
	return o
}

func (c choices) assigneeOptions() []web.Option {
	o := make([]web.Option, 0, len(c.Assignees))
	for _, p := range c.Assignees {
		o = append(o, web.Option{Value: p.ID, Label: p.Name})
	}
	return o
}
