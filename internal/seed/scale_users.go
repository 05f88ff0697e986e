package seed

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// benchUsers lists the bench users one run wants: $1 sales reps, $2 agents and $3
// customers, with a name and, for agents, a team.
const benchUsers = `
WITH bench AS (
    SELECT 'bench-' || k.kind || '-' || i || '@example.com' AS email,
           k.kind AS role,
           (ARRAY['Tier 1', 'Tier 2', 'Billing', 'Technical'])[1 + i % 4] AS team,
           (ARRAY` + firstNames + `)[1 + (hashint4(i # k.salt) & 2147483647) % 30] || ' ' ||
           (ARRAY` + lastNames + `)[1 + (hashint4(i # (k.salt + 1)) & 2147483647) % 30] AS name
    FROM (VALUES ('sales', $1::int, 101), ('agent', $2::int, 202), ('customer', $3::int, 303)) AS k(kind, n, salt)
    CROSS JOIN LATERAL generate_series(1, k.n) AS i
)`

const scaleInsertUsers = benchUsers + `
INSERT INTO "user" (id, name, email, role, email_verified, created_at)
SELECT md5(random()::text || b.email), b.name, b.email, b.role, true, now() - random() * interval '365 days'
FROM bench b
ON CONFLICT ON CONSTRAINT user_email_unique DO NOTHING`

// The credential account makes a bench user able to sign in, exactly as
// auth.CreateUser would have made it.
const scaleInsertAccounts = benchUsers + `
INSERT INTO account (id, account_id, provider_id, user_id, password)
SELECT md5(random()::text || u.id), u.id, 'credential', u.id, $4
FROM bench b JOIN "user" u ON u.email = b.email
ON CONFLICT (provider_id, user_id) DO NOTHING`

const scaleInsertAgents = benchUsers + `
INSERT INTO agents (user_id, team)
SELECT u.id, b.team FROM bench b JOIN "user" u ON u.email = b.email
WHERE b.role = 'agent'
ON CONFLICT ON CONSTRAINT agents_user_unique DO NOTHING`

// scaleUsers creates the missing bench users with their accounts and agents rows, and
// returns how many users it created.
func scaleUsers(ctx context.Context, tx pgx.Tx, p scalePlan, hash string) (int64, error) {
	tag, err := tx.Exec(ctx, scaleInsertUsers, p.sales, p.agents, p.customers)
	if err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, scaleInsertAccounts, p.sales, p.agents, p.customers, hash); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, scaleInsertAgents, p.sales, p.agents, p.customers); err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}
