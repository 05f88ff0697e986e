// Package seed loads demo data (idempotent) and benchmark data at scale.
//
// Both entry points only ever insert (but for Scale dating the stage changes of the
// deals it has just inserted, deals.stage_changed_at). Demo keys every row on a natural
// key (email, domain, name, title, subject, body) and skips what exists; Scale appends
// a fresh batch each time it runs and reuses the bench users it finds.
package seed

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
)

// DemoPassword is every demo user's password; make run prints it with the logins.
const DemoPassword = "rapport-demo"

// Priorities in ascending order of urgency, as stored in tickets and sla_policies.
var priorities = []string{"low", "normal", "high", "urgent"}

// slaDefaults are the targets, in minutes, that seeding and a new workspace's first run
// (/setup) give each priority: the seed design's figures, a common helpdesk ladder where
// each step up answers about four times sooner (urgent: answered in 30 minutes, solved
// in 4 hours; low: 8 hours and two days). The clocks run around the clock.
var slaDefaults = map[string][2]int{
	"low":    {480, 2880},
	"normal": {240, 1440},
	"high":   {60, 480},
	"urgent": {30, 240},
}

const insertSLAPolicies = `
INSERT INTO sla_policies (name, priority, first_response_mins, resolve_mins)
SELECT v.name, v.priority, v.first_mins, v.resolve_mins
FROM unnest($1::text[], $2::text[], $3::int[], $4::int[]) AS v(name, priority, first_mins, resolve_mins)
WHERE NOT EXISTS (SELECT 1 FROM sla_policies p WHERE p.priority = v.priority)`

// EnsureSLAPolicies gives every priority that has no policy the default one, and says
// how many it made. Several policies per priority are allowed, so an admin's own policy
// counts as present.
func EnsureSLAPolicies(ctx context.Context, tx pgx.Tx) (int64, error) {
	var names, prios []string
	var first, resolve []int32
	for _, p := range priorities {
		names = append(names, "Standard – "+label(p))
		prios = append(prios, p)
		first = append(first, int32(slaDefaults[p][0]))
		resolve = append(resolve, int32(slaDefaults[p][1]))
	}
	tag, err := tx.Exec(ctx, insertSLAPolicies, names, prios, first, resolve)
	if err != nil {
		return 0, fmt.Errorf("seed sla policies: %w", err)
	}
	return tag.RowsAffected(), nil
}

// Pipelines are created a millisecond apart in the order given, so the first one is
// the oldest: the board opens on it.
const insertPipelines = `
INSERT INTO pipelines (name, created_at)
SELECT v.name, now() - (count(*) OVER () - v.n) * interval '1 millisecond'
FROM unnest($1::text[]) WITH ORDINALITY AS v(name, n)
WHERE NOT EXISTS (SELECT 1 FROM pipelines p WHERE p.name = v.name)`

// Pipeline names are not unique in the schema; the oldest one of a name wins.
const selectPipelines = `
SELECT DISTINCT ON (name) name, id::text FROM pipelines
WHERE name = ANY($1::text[]) ORDER BY name, created_at, id`

// ensurePipelines creates the named pipelines that do not exist yet and returns the id
// of each name, with the number created.
func ensurePipelines(ctx context.Context, tx pgx.Tx, names []string) (map[string]string, int64, error) {
	tag, err := tx.Exec(ctx, insertPipelines, names)
	if err != nil {
		return nil, 0, fmt.Errorf("seed pipelines: %w", err)
	}
	rows, err := tx.Query(ctx, selectPipelines, names)
	if err != nil {
		return nil, 0, fmt.Errorf("seed pipelines: %w", err)
	}
	ids := make(map[string]string, len(names))
	for rows.Next() {
		var name, id string
		if err := rows.Scan(&name, &id); err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("seed pipelines: %w", err)
		}
		ids[name] = id
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("seed pipelines: %w", err)
	}
	return ids, tag.RowsAffected(), nil
}

// onceHash hashes DemoPassword at most once and only when asked, because argon2 is
// deliberately slow and a repeated Demo run needs no hash at all.
type onceHash struct {
	h    *auth.Hasher
	hash string
}

func (o *onceHash) get(ctx context.Context) (string, error) {
	if o.hash != "" {
		return o.hash, nil
	}
	hash, err := o.h.Hash(ctx, DemoPassword)
	if err != nil {
		return "", fmt.Errorf("seed: hash demo password: %w", err)
	}
	o.hash = hash
	return hash, nil
}

// tally counts what one run inserted, in the order it is reported.
type tally struct {
	names []string
	n     map[string]int64
}

func (t *tally) add(name string, n int64) {
	if t.n == nil {
		t.n = map[string]int64{}
	}
	if _, ok := t.n[name]; !ok {
		t.names = append(t.names, name)
	}
	t.n[name] += n
}

func (t *tally) total() (sum int64) {
	for _, n := range t.n {
		sum += n
	}
	return sum
}

func (t *tally) String() string {
	parts := make([]string, 0, len(t.names))
	for _, name := range t.names {
		parts = append(parts, fmt.Sprintf("%d %s", t.n[name], name))
	}
	return strings.Join(parts, ", ")
}

func label(priority string) string {
	if priority == "" {
		return ""
	}
	return string(priority[0]-'a'+'A') + priority[1:]
}
