package seed

// The generated SQL of Scale. Every pick is (hashint4(index # salt) & 2147483647) % m:
// deterministic per index, so a child row finds its parent by recomputing the parent's
// index instead of reading it back, and the same index always gets the same owner.
// random() only spreads dates and amounts.

// 30 names each; the queries index them modulo 30.
const (
	firstNames = `['Ava', 'Ben', 'Chloe', 'Daniel', 'Elena', 'Farid', 'Grace', 'Hugo', 'Isla', 'Jonas',
		'Keiko', 'Liam', 'Maya', 'Noah', 'Olivia', 'Pavel', 'Quinn', 'Rosa', 'Sven', 'Tara',
		'Umar', 'Vera', 'Wei', 'Ximena', 'Yusuf', 'Zoe', 'Aarav', 'Bianca', 'Carlos', 'Dana']`
	lastNames = `['Anderson', 'Becker', 'Chen', 'Dubois', 'Evans', 'Fischer', 'Garcia', 'Hansen', 'Ito', 'Jensen',
		'Kowalski', 'Lopez', 'Moreau', 'Nguyen', 'Okafor', 'Patel', 'Quintero', 'Rossi', 'Schmidt', 'Tanaka',
		'Usman', 'Varga', 'Wong', 'Xu', 'Yilmaz', 'Zimmer', 'Brown', 'Silva', 'Kim', 'Murphy']`
)

// scaleCompanies: $1 run, $2 numbering offset, $3 how many.
const scaleCompanies = `
INSERT INTO companies (id, name, domain, created_at)
SELECT md5($1::text || ':co:' || g)::uuid,
       w.a || ' ' || w.b,
       lower(w.a || '-' || w.b) || '-' || ($2::bigint + g) || (ARRAY['.com', '.io', '.co', '.net'])[1 + g % 4],
       now() - random() * interval '365 days'
FROM generate_series(1, $3::int) g
CROSS JOIN LATERAL (
    SELECT (ARRAY['Acme', 'Apex', 'Blue', 'Bright', 'Cedar', 'Delta', 'Ever', 'Falcon', 'Granite', 'Harbor',
                  'Iron', 'Juniper', 'Keystone', 'Lumen', 'Maple', 'Nova', 'Orbit', 'Pioneer', 'Quartz', 'Summit']
           )[1 + (hashint4(g) & 2147483647) % 20] AS a,
           (ARRAY['Labs', 'Systems', 'Logistics', 'Health', 'Analytics', 'Foods', 'Energy', 'Robotics',
                  'Media', 'Partners', 'Software', 'Freight'])[1 + (hashint4(g # 7) & 2147483647) % 12] AS b
) w`

// benchIndex is a CTE, name(i, id), mapping i in 1..param to the id of the bench user
// bench-<kind>-<i>@example.com.
func benchIndex(name, kind, param string) string {
	return name + ` AS (
    SELECT i, u.id FROM generate_series(1, ` + param + `::int) i
    JOIN "user" u ON u.email = 'bench-` + kind + `-' || i || '@example.com'
)`
}

// scaleContacts: $1 run, $2 numbering offset, $3 companies, $4 reps, $5 how many.
// About 15% have no company (unattached leads with a free-mail address).
var scaleContacts = `
WITH ` + benchIndex("reps", "sales", "$4") + `
INSERT INTO contacts (id, company_id, email, name, owner_id, created_at)
SELECT md5($1::text || ':ct:' || s.g)::uuid,
       co.id,
       lower(s.first || '.' || s.last) || '.' || ($2::bigint + s.g) || '@' || COALESCE(co.domain, s.freemail),
       s.first || ' ' || s.last,
       reps.id,
       now() - random() * interval '365 days'
FROM (
    SELECT g,
           CASE WHEN g % 20 >= 3 THEN 1 + (hashint4(g) & 2147483647) % $3::int END AS ci,
           1 + (hashint4(g # 3) & 2147483647) % $4::int AS ri,
           (ARRAY` + firstNames + `)[1 + (hashint4(g # 5) & 2147483647) % 30] AS first,
           (ARRAY` + lastNames + `)[1 + (hashint4(g # 6) & 2147483647) % 30] AS last,
           (ARRAY['gmail.com', 'outlook.com', 'proton.me', 'yahoo.com'])[1 + g % 4] AS freemail
    FROM generate_series(1, $5::int) g
) s
JOIN reps ON reps.i = s.ri
LEFT JOIN companies co ON co.id = md5($1::text || ':co:' || s.ci)::uuid`

// scaleDeals: $1 run, $2 contacts, $3 reps, $4 how many, $5..$7 pipeline ids.
// A deal's owner is its contact's owner (same pick on the contact's index). Won and
// lost deals closed in the last 90 days; open ones close within ±90 days, so some are
// overdue. Enterprise deals are five times larger.
var scaleDeals = `
WITH ` + benchIndex("reps", "sales", "$3") + `,
picks AS (
    SELECT g,
           1 + (hashint4(g # 11) & 2147483647) % $2::int AS ci,
           (hashint4(g # 13) & 2147483647) % 100 AS s,
           (hashint4(g # 17) & 2147483647) % 10 AS p,
           random() AS r
    FROM generate_series(1, $4::int) g
),
dated AS (
    SELECT picks.*,
           CASE WHEN s < 30 THEN 'lead' WHEN s < 55 THEN 'qualified' WHEN s < 80 THEN 'won' ELSE 'lost' END AS stage,
           CASE WHEN s >= 55 THEN now() - r * interval '90 days'
                ELSE now() + (r * 180 - 90) * interval '1 day' END AS close_date
    FROM picks
)
INSERT INTO deals (id, contact_id, pipeline_id, owner_id, title, amount_cents, stage, close_date, created_at)
SELECT md5($1::text || ':dl:' || x.g)::uuid,
       md5($1::text || ':ct:' || x.ci)::uuid,
       CASE WHEN x.p < 5 THEN $5::uuid WHEN x.p < 8 THEN $6::uuid ELSE $7::uuid END,
       reps.id,
       (ARRAY['Starter plan', 'Team plan', 'Pro plan', 'Enterprise pilot', 'Annual renewal', 'Support add-on',
              'SSO add-on', 'Data migration', 'Training package', 'Multi-year agreement'])[1 + x.g % 10]
           || ' – ' || (5 + (hashint4(x.g # 19) & 2147483647) % 500) || ' seats',
       (CASE WHEN x.p BETWEEN 5 AND 7 THEN 5 ELSE 1 END * round(500 * exp(random() * ln(400))) * 100)::bigint,
       x.stage,
       x.close_date,
       LEAST(x.close_date, now()) - random() * interval '275 days'
FROM dated x
JOIN reps ON reps.i = 1 + (hashint4(x.ci # 3) & 2147483647) % $3::int`

// scaleActivities: $1 run, $2 deals. 1 to 19 per deal (10 on average), by the deal's
// owner, spread between the deal's creation and its close (or now).
const scaleActivities = `
INSERT INTO activities (deal_id, actor_id, type, body, occurred_at)
SELECT d.id, d.owner_id,
       (ARRAY['call', 'email', 'note'])[1 + tv.t],
       (ARRAY['Discovery call: budget and timeline.', 'Demo for the buying committee.',
              'Pricing call; they asked about a multi-year discount.', 'Check-in call, no blockers.',
              'Sent the proposal.', 'Followed up on the proposal.',
              'Sent answers to their security questionnaire.', 'Sent the order form.',
              'Champion confirmed the budget.', 'Legal review in progress.',
              'A competitor is in the deal.', 'Decision expected next month.'])[1 + tv.t * 4 + tv.v],
       d.created_at + (LEAST(d.close_date, now()) - d.created_at) * ((k - random()) / c.cnt)
FROM generate_series(1, $2::int) g
JOIN deals d ON d.id = md5($1::text || ':dl:' || g)::uuid
CROSS JOIN LATERAL (SELECT hashint4(g # 43) & 2147483647 AS h) hh
CROSS JOIN LATERAL (SELECT 1 + hh.h % 19 AS cnt) c
CROSS JOIN LATERAL generate_series(1, c.cnt) k
CROSS JOIN LATERAL (SELECT (hh.h + k) % 3 AS t, (hh.h / 3 + k) % 4 AS v) tv`

// scaleStages: $1 pipeline ids. Three more qualified stages after the four every
// pipeline starts with (00050), as a Pipedrive pipeline has them; once per pipeline.
const scaleStages = `
INSERT INTO pipeline_stages (pipeline_id, name, kind, position, probability, rotting_days)
SELECT p.id, v.name, 'qualified', (SELECT max(s.position) FROM pipeline_stages s WHERE s.pipeline_id = p.id) + v.n, v.probability, v.rot
FROM unnest($1::uuid[]) AS p(id)
CROSS JOIN (VALUES (1, 'Demo scheduled', 60, 14), (2, 'Proposal made', 75, 21), (3, 'Negotiation', 90, 30)) AS v(n, name, probability, rot)
ON CONFLICT (pipeline_id, lower(name)) DO NOTHING`

// scaleRotting: $1 pipeline ids. Their first stages rot too.
const scaleRotting = `
UPDATE pipeline_stages SET rotting_days = CASE kind WHEN 'lead' THEN 30 ELSE 21 END
WHERE pipeline_id = ANY($1::uuid[]) AND kind IN ('lead', 'qualified') AND rotting_days IS NULL AND name IN ('Lead', 'Qualified')`

// scaleDealStages: $1 run, $2 deals. The qualified deals are spread evenly over their
// pipeline's qualified stages (the insert put each in the first stage of its kind).
const scaleDealStages = `
WITH picks AS (
    SELECT md5($1::text || ':dl:' || g)::uuid AS id, hashint4(g # 61) & 2147483647 AS h
    FROM generate_series(1, $2::int) g
), ranked AS (
    SELECT s.id, s.pipeline_id, row_number() OVER w - 1 AS n, count(*) OVER (PARTITION BY s.pipeline_id) AS k
    FROM pipeline_stages s
    WHERE s.kind = 'qualified'
    WINDOW w AS (PARTITION BY s.pipeline_id ORDER BY s.position, s.id)
)
UPDATE deals d SET stage_id = r.id
FROM picks p, ranked r
WHERE d.id = p.id AND d.stage = 'qualified' AND r.pipeline_id = d.pipeline_id AND r.n = p.h % r.k AND d.stage_id <> r.id`

// scaleStagePaths: $1 run, $2 deals. How the deals past lead got there, by their owner,
// as internal/crm's MoveDeal records it: a qualified deal was qualified some time
// between its creation and now; a won deal was qualified, then won on its close date;
// a lost one likewise, or (40%) lost straight from lead. The deals_stage_since_created
// trigger dated every new deal's stage at its creation, so the deals past lead are
// updated once here, to their last change (and a closed one's close time). Each change
// names its stages as MoveDeal does: the deal's own for its last change, the first of
// the kind in its pipeline for an earlier one.
const scaleStagePaths = `
WITH firsts AS (
    SELECT DISTINCT ON (pipeline_id, kind) pipeline_id, kind, id, name
    FROM pipeline_stages ORDER BY pipeline_id, kind, position, id
), moved AS (
    UPDATE deals d SET
        stage_changed_at = CASE WHEN d.stage = 'qualified'
                                THEN d.created_at + (now() - d.created_at) * (0.05 + 0.9 * x.f)
                                ELSE d.close_date END,
        closed_at = CASE WHEN d.stage IN ('won', 'lost') THEN d.close_date END
    FROM generate_series(1, $2::int) g
    CROSS JOIN LATERAL (
        SELECT ((hashint4(g # 53) & 2147483647) % 1000) / 1000.0 AS f,
               (hashint4(g # 59) & 2147483647) % 100 < 40 AS direct
    ) x
    WHERE d.id = md5($1::text || ':dl:' || g)::uuid AND d.stage <> 'lead'
    RETURNING d.id, d.owner_id, d.stage, d.stage_id, d.pipeline_id, d.created_at, d.stage_changed_at, x.f,
              d.stage = 'won' OR (d.stage = 'lost' AND NOT x.direct) AS via_qualified
)
INSERT INTO deal_stage_changes (deal_id, from_stage, to_stage, actor_id, changed_at, from_stage_id, to_stage_id, from_name, to_name)
SELECT m.id, c.from_stage, c.to_stage, m.owner_id, c.at, fs.id, coalesce(ms.id, ts.id), fs.name, coalesce(ms.name, ts.name)
FROM moved m
CROSS JOIN LATERAL (VALUES
    (true, 'lead', 'qualified', m.created_at + (m.stage_changed_at - m.created_at) * (0.1 + 0.8 * m.f)),
    (true, 'qualified', m.stage, m.stage_changed_at),
    (false, 'lead', m.stage, m.stage_changed_at)
) c (via_qualified, from_stage, to_stage, at)
JOIN firsts fs ON fs.pipeline_id = m.pipeline_id AND fs.kind = c.from_stage
JOIN firsts ts ON ts.pipeline_id = m.pipeline_id AND ts.kind = c.to_stage
LEFT JOIN pipeline_stages ms ON c.to_stage = m.stage AND ms.id = m.stage_id
WHERE c.via_qualified = m.via_qualified`
