package db_test

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"rapport/internal/testenv"
)

// The seeds' schema is a contract (docs/schema.md, "The seed contract"): this test
// lists it item by item — columns with type, nullability and default; CHECK constraints
// with their values; foreign keys with ON DELETE; index names and columns — and checks
// the migrated database against it. Additions are allowed; anything missing or
// different fails.

type column struct{ name, typ, null, def string }

var seedColumns = map[string][]column{
	"companies": {
		{"id", "uuid", "NO", "gen_random_uuid()"},
		{"name", "text", "NO", ""},
		{"domain", "text", "YES", ""},
		{"created_at", "timestamp with time zone", "NO", "now()"},
	},
	"contacts": {
		{"id", "uuid", "NO", "gen_random_uuid()"},
		{"company_id", "uuid", "YES", ""},
		{"email", "text", "NO", ""},
		{"name", "text", "YES", ""},
		{"owner_id", "text", "NO", ""},
		{"created_at", "timestamp with time zone", "NO", "now()"},
	},
	"pipelines": {
		{"id", "uuid", "NO", "gen_random_uuid()"},
		{"name", "text", "NO", ""},
		{"created_at", "timestamp with time zone", "NO", "now()"},
	},
	"deals": {
		{"id", "uuid", "NO", "gen_random_uuid()"},
		{"contact_id", "uuid", "NO", ""},
		{"pipeline_id", "uuid", "NO", ""},
		{"owner_id", "text", "NO", ""},
		{"title", "text", "NO", ""},
		{"amount_cents", "bigint", "NO", "0"},
		{"stage", "text", "NO", "'lead'::text"},
		{"close_date", "timestamp with time zone", "YES", ""},
		{"created_at", "timestamp with time zone", "NO", "now()"},
	},
	"activities": {
		{"id", "uuid", "NO", "gen_random_uuid()"},
		{"deal_id", "uuid", "NO", ""},
		{"actor_id", "text", "NO", ""},
		{"type", "text", "NO", "'note'::text"},
		{"body", "text", "YES", ""},
		{"occurred_at", "timestamp with time zone", "NO", "now()"},
	},
	"tickets": {
		{"id", "uuid", "NO", "gen_random_uuid()"},
		{"requester_id", "text", "NO", ""},
		{"subject", "text", "NO", ""},
		{"status", "text", "NO", "'open'::text"},
		{"priority", "text", "NO", "'normal'::text"},
		{"created_at", "timestamp with time zone", "NO", "now()"},
	},
	"ticket_messages": {
		{"id", "uuid", "NO", "gen_random_uuid()"},
		{"ticket_id", "uuid", "NO", ""},
		{"author_id", "text", "NO", ""},
		{"body", "text", "NO", ""},
		{"is_internal", "boolean", "NO", "false"},
		{"created_at", "timestamp with time zone", "NO", "now()"},
	},
	"agents": {
		{"id", "uuid", "NO", "gen_random_uuid()"},
		{"user_id", "text", "NO", ""},
		{"team", "text", "YES", ""},
		{"created_at", "timestamp with time zone", "NO", "now()"},
	},
	"sla_policies": {
		{"id", "uuid", "NO", "gen_random_uuid()"},
		{"name", "text", "NO", ""},
		{"priority", "text", "NO", ""},
		{"first_response_mins", "integer", "NO", ""},
		{"resolve_mins", "integer", "NO", ""},
	},
	// Better Auth's user table, as its Drizzle adapter names it.
	"user": {
		{"id", "text", "NO", ""},
		{"name", "text", "NO", ""},
		{"email", "text", "NO", ""},
		{"email_verified", "boolean", "NO", "false"},
		{"image", "text", "YES", ""},
		{"created_at", "timestamp with time zone", "NO", "now()"},
		{"updated_at", "timestamp with time zone", "NO", "now()"},
	},
	"account":      {{"id", "text", "NO", ""}, {"account_id", "text", "NO", ""}, {"provider_id", "text", "NO", ""}, {"user_id", "text", "NO", ""}, {"password", "text", "YES", ""}},
	"verification": {{"id", "text", "NO", ""}, {"identifier", "text", "NO", ""}, {"value", "text", "NO", ""}, {"expires_at", "timestamp with time zone", "NO", ""}},
}

// table -> constraint name -> the values its CHECK allows, as a sorted list.
var seedChecks = map[string]map[string]string{
	"deals":        {"deals_stage_check": "stage: lead,lost,qualified,won"},
	"activities":   {"activities_type_check": "type: call,email,note"},
	"tickets":      {"tickets_status_check": "status: closed,open,pending,solved", "tickets_priority_check": "priority: high,low,normal,urgent"},
	"sla_policies": {"sla_policies_priority_check": "priority: high,low,normal,urgent"},
}

// "table.column -> referenced_table.column ON DELETE rule"
var seedForeignKeys = []string{
	"contacts.company_id -> companies.id SET NULL",
	"contacts.owner_id -> user.id CASCADE",
	"deals.contact_id -> contacts.id CASCADE",
	"deals.pipeline_id -> pipelines.id NO ACTION",
	"deals.owner_id -> user.id CASCADE",
	"activities.deal_id -> deals.id CASCADE",
	"activities.actor_id -> user.id CASCADE",
	"tickets.requester_id -> user.id CASCADE",
	"ticket_messages.ticket_id -> tickets.id CASCADE",
	"ticket_messages.author_id -> user.id CASCADE",
	"agents.user_id -> user.id CASCADE",
	"account.user_id -> user.id CASCADE",
}

// index name -> "table(columns)"
var seedIndexes = map[string]string{
	"idx_company_domain":         "companies(domain)",
	"idx_contact_company":        "contacts(company_id)",
	"idx_contact_owner":          "contacts(owner_id)",
	"idx_deal_stage":             "deals(stage)",
	"idx_deal_contact":           "deals(contact_id)",
	"idx_activity_deal_time":     "activities(deal_id, occurred_at)",
	"idx_ticket_requester":       "tickets(requester_id)",
	"idx_ticket_status_priority": "tickets(status, priority)",
	"idx_message_ticket":         "ticket_messages(ticket_id, created_at)",
	"agents_user_unique":         "agents(user_id) UNIQUE",
	"user_email_unique":          "user(email) UNIQUE",
}

func TestSchemaMatchesTheSeeds(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()

	for table, want := range seedColumns {
		got := map[string]column{}
		rows, err := d.DB.Query(ctx, `
			SELECT column_name, data_type, is_nullable, coalesce(column_default, '')
			FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`, table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var c column
			if err := rows.Scan(&c.name, &c.typ, &c.null, &c.def); err != nil {
				t.Fatal(err)
			}
			got[c.name] = c
		}
		rows.Close()
		if len(got) == 0 {
			t.Errorf("table %s is missing", table)
			continue
		}
		for _, w := range want {
			g, ok := got[w.name]
			switch {
			case !ok:
				t.Errorf("%s.%s is missing", table, w.name)
			case g != w:
				t.Errorf("%s.%s: got %+v, want %+v", table, w.name, g, w)
			}
		}
	}

	rows, err := d.DB.Query(ctx, `
		SELECT rel.relname, con.conname, pg_get_constraintdef(con.oid)
		FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid
		WHERE con.contype = 'c' AND rel.relnamespace = 'public'::regnamespace`)
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]string{}
	for rows.Next() {
		var table, name, def string
		if err := rows.Scan(&table, &name, &def); err != nil {
			t.Fatal(err)
		}
		checks[table+"."+name] = def
	}
	rows.Close()
	for table, cons := range seedChecks {
		for name, want := range cons {
			def, ok := checks[table+"."+name]
			if !ok {
				t.Errorf("CHECK %s on %s is missing", name, table)
				continue
			}
			if got := checkValues(def); got != want {
				t.Errorf("CHECK %s: got %q (%s), want %q", name, got, def, want)
			}
		}
	}

	rows, err = d.DB.Query(ctx, `
		SELECT src.relname || '.' || a.attname || ' -> ' || dst.relname || '.' || b.attname || ' ' ||
			CASE con.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE'
				WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' END
		FROM pg_constraint con
		JOIN pg_class src ON src.oid = con.conrelid
		JOIN pg_class dst ON dst.oid = con.confrelid
		JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
		JOIN pg_attribute b ON b.attrelid = con.confrelid AND b.attnum = con.confkey[1]
		WHERE con.contype = 'f' AND src.relnamespace = 'public'::regnamespace`)
	if err != nil {
		t.Fatal(err)
	}
	fks, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range seedForeignKeys {
		if !contains(fks, want) {
			t.Errorf("foreign key %q is missing; have %v", want, fks)
		}
	}

	rows, err = d.DB.Query(ctx, `
		SELECT i.relname, t.relname || '(' || string_agg(a.attname, ', ' ORDER BY k.ord) || ')' ||
			CASE WHEN ix.indisunique THEN ' UNIQUE' ELSE '' END
		FROM pg_index ix
		JOIN pg_class i ON i.oid = ix.indexrelid
		JOIN pg_class t ON t.oid = ix.indrelid
		CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
		JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
		WHERE t.relnamespace = 'public'::regnamespace
		GROUP BY i.relname, t.relname, ix.indisunique`)
	if err != nil {
		t.Fatal(err)
	}
	indexes := map[string]string{}
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			t.Fatal(err)
		}
		indexes[name] = def
	}
	rows.Close()
	for name, want := range seedIndexes {
		if got := indexes[name]; got != want {
			t.Errorf("index %s: got %q, want %q", name, got, want)
		}
	}
}

// checkValues turns "CHECK ((stage = ANY (ARRAY['lead'::text, …])))" into
// "stage: lead,lost,qualified,won".
func checkValues(def string) string {
	col := def[strings.Index(def, "((")+2:]
	col = col[:strings.IndexAny(col, " ")]
	var vals []string
	for _, part := range strings.Split(def, "'")[1:] {
		if !strings.HasPrefix(part, "::") && !strings.HasPrefix(part, ",") && !strings.HasPrefix(part, "]") && part != "" {
			vals = append(vals, part)
		}
	}
	sort.Strings(vals)
	return col + ": " + strings.Join(vals, ",")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// The append-only logs refuse UPDATE and DELETE, while the declared cascades still work.
func TestAppendOnlyLogs(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	mustExec := func(sql string) {
		t.Helper()
		if _, err := d.DB.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	mustExec(`INSERT INTO "user" (id, name, email) VALUES ('u1', 'Una', 'una@example.com')`)
	mustExec(`INSERT INTO companies (id, name) VALUES ('00000000-0000-0000-0000-000000000001', 'Acme')`)
	mustExec(`INSERT INTO contacts (id, email, owner_id) VALUES ('00000000-0000-0000-0000-000000000002', 'c@acme.com', 'u1')`)
	mustExec(`INSERT INTO pipelines (id, name) VALUES ('00000000-0000-0000-0000-000000000003', 'Inbound')`)
	mustExec(`INSERT INTO deals (id, contact_id, pipeline_id, owner_id, title) VALUES ('00000000-0000-0000-0000-000000000004',
		'00000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-000000000003', 'u1', 'Deal')`)
	mustExec(`INSERT INTO activities (deal_id, actor_id, type, body) VALUES ('00000000-0000-0000-0000-000000000004', 'u1', 'call', 'hi')`)
	mustExec(`INSERT INTO tickets (id, requester_id, subject) VALUES ('00000000-0000-0000-0000-000000000005', 'u1', 'Help')`)
	mustExec(`INSERT INTO ticket_messages (ticket_id, author_id, body) VALUES ('00000000-0000-0000-0000-000000000005', 'u1', 'please')`)

	for _, sql := range []string{
		`UPDATE activities SET body = 'rewritten'`,
		`DELETE FROM activities`,
		`UPDATE ticket_messages SET is_internal = true`,
		`DELETE FROM ticket_messages`,
	} {
		if _, err := d.DB.Exec(ctx, sql); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: want an append-only error, got %v", sql, err)
		}
	}
	mustExec(`DELETE FROM deals`)
	mustExec(`DELETE FROM tickets`)
	var n int
	if err := d.DB.QueryRow(ctx, `SELECT (SELECT count(*) FROM activities) + (SELECT count(*) FROM ticket_messages)`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("cascade left %d log rows", n)
	}
}
