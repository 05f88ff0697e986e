package seed

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// demoMacroRows are the demo's shared macros (issue 13): a reply with placeholders and
// the fields it sets.
var demoMacroRows = []struct{ name, body, status, priority string }{
	{"Ask for a screenshot", "Hello {{requester.first_name}},\n\nThanks for reporting this. Could you send a screenshot of what you see, and the time it happened? That lets us find it in our logs.\n\nBest,\n{{agent.first_name}}", "pending", ""},
	{"Solved: closing the loop", "Hello {{requester.first_name}},\n\nGood news: {{ticket.ref}} (“{{ticket.subject}}”) is fixed. If anything is still wrong, just reply and the ticket opens again.\n\n{{agent.name}}", "solved", ""},
	{"Billing: escalate", "", "", "high"},
}

const demoInsertMacro = `
INSERT INTO macros (name, body, status, priority)
SELECT $1, $2, nullif($3, ''), nullif($4, '')
WHERE NOT EXISTS (SELECT 1 FROM macros WHERE owner_id IS NULL AND name = $1)`

// demoMacros adds the shared macros that do not exist yet.
func demoMacros(ctx context.Context, tx pgx.Tx, added *tally) error {
	var n int64
	for _, m := range demoMacroRows {
		tag, err := tx.Exec(ctx, demoInsertMacro, m.name, m.body, m.status, m.priority)
		if err != nil {
			return fmt.Errorf("macros: %w", err)
		}
		n += tag.RowsAffected()
	}
	added.add("macros", n)
	return nil
}
