package seed

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

const demoInsertCompanies = `
INSERT INTO companies (name, domain, created_at)
SELECT v.name, v.domain, now() - (130 - 5 * v.ord) * interval '1 day'
FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS v(name, domain, ord)
WHERE NOT EXISTS (SELECT 1 FROM companies c WHERE c.domain = v.domain)`

const demoInsertContacts = `
INSERT INTO contacts (company_id, email, name, owner_id, created_at)
SELECT (SELECT c.id FROM companies c WHERE c.domain = NULLIF(v.domain, '')
        ORDER BY c.created_at, c.id LIMIT 1),
       v.email, v.name, o.id, now() - (110 - 3 * v.ord) * interval '1 day'
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS v(email, name, domain, owner, ord)
JOIN "user" o ON o.email = v.owner
WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.email = v.email)`

const demoInsertDeals = `
INSERT INTO deals (contact_id, pipeline_id, owner_id, title, amount_cents, stage, close_date, created_at)
SELECT (SELECT c.id FROM contacts c WHERE c.email = v.contact ORDER BY c.created_at, c.id LIMIT 1),
       v.pipeline_id, o.id, v.title, v.amount, v.stage,
       now() + v.close_in * interval '1 day', now() - v.created_ago * interval '1 day'
FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::bigint[], $7::int[], $8::int[])
     AS v(title, contact, pipeline_id, owner, stage, amount, close_in, created_ago)
JOIN "user" o ON o.email = v.owner
WHERE NOT EXISTS (SELECT 1 FROM deals d WHERE d.title = v.title AND d.pipeline_id = v.pipeline_id)`

const demoInsertActivities = `
INSERT INTO activities (deal_id, actor_id, type, body, occurred_at)
SELECT d.id, d.owner_id, v.type, v.body, now() - v.hours_ago * interval '1 hour'
FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::int[]) AS v(title, pipeline_id, type, body, hours_ago)
JOIN deals d ON d.title = v.title AND d.pipeline_id = v.pipeline_id
WHERE NOT EXISTS (SELECT 1 FROM activities a WHERE a.deal_id = d.id AND a.type = v.type AND a.body = v.body)`

// demoCRM loads companies, contacts, pipelines, deals and their activities.
func demoCRM(ctx context.Context, tx pgx.Tx, added *tally) error {
	var names, domains []string
	for _, c := range demoCompanies {
		names, domains = append(names, c.name), append(domains, c.domain)
	}
	tag, err := tx.Exec(ctx, demoInsertCompanies, names, domains)
	if err != nil {
		return fmt.Errorf("companies: %w", err)
	}
	added.add("companies", tag.RowsAffected())

	var emails, cnames, cdomains, owners []string
	for _, c := range demoContacts {
		emails, cnames = append(emails, c.email), append(cnames, c.name)
		cdomains, owners = append(cdomains, c.domain), append(owners, c.owner)
	}
	if tag, err = tx.Exec(ctx, demoInsertContacts, emails, cnames, cdomains, owners); err != nil {
		return fmt.Errorf("contacts: %w", err)
	}
	added.add("contacts", tag.RowsAffected())

	pipes, n, err := ensurePipelines(ctx, tx, demoPipelines)
	if err != nil {
		return err
	}
	added.add("pipelines", n)

	var titles, contacts, pipeIDs, downers, stages []string
	var amounts []int64
	var closeIn, createdAgo []int32
	var acts struct{ titles, pipes, types, bodies []string }
	var actHours []int32
	for _, d := range demoDeals {
		titles, contacts = append(titles, d.title), append(contacts, d.contact)
		pipeIDs, downers = append(pipeIDs, pipes[d.pipeline]), append(downers, d.owner)
		stages, amounts = append(stages, d.stage), append(amounts, d.amountCents)
		closeIn, createdAgo = append(closeIn, int32(d.closeIn)), append(createdAgo, int32(d.createdAgo))
		for _, a := range demoActivities(d) {
			acts.titles, acts.pipes = append(acts.titles, d.title), append(acts.pipes, pipes[d.pipeline])
			acts.types, acts.bodies = append(acts.types, a.kind), append(acts.bodies, a.body)
			actHours = append(actHours, int32(a.hoursAgo))
		}
	}
	if tag, err = tx.Exec(ctx, demoInsertDeals, titles, contacts, pipeIDs, downers, stages, amounts, closeIn, createdAgo); err != nil {
		return fmt.Errorf("deals: %w", err)
	}
	added.add("deals", tag.RowsAffected())
	// A closed deal has been won or lost since its close date, not since it was created:
	// the overview's "won and lost this month" counts from there.
	if _, err = tx.Exec(ctx, `UPDATE deals SET stage_changed_at = close_date, closed_at = close_date
		WHERE title = ANY($1) AND stage IN ('won', 'lost') AND close_date < now() AND stage_changed_at <> close_date`, titles); err != nil {
		return fmt.Errorf("deals: %w", err)
	}
	// A lost deal says why (the first of the admin's default reasons, 00051).
	if _, err = tx.Exec(ctx, `UPDATE deals SET lost_reason = 'Went with a competitor'
		WHERE title = ANY($1) AND stage = 'lost' AND lost_reason IS NULL`, titles); err != nil {
		return fmt.Errorf("deals: %w", err)
	}
	if tag, err = tx.Exec(ctx, demoInsertActivities, acts.titles, acts.pipes, acts.types, acts.bodies, actHours); err != nil {
		return fmt.Errorf("activities: %w", err)
	}
	added.add("activities", tag.RowsAffected())
	return demoActivitiesPlanned(ctx, tx, titles, added)
}

type demoActivity struct {
	kind, body string
	hoursAgo   int
}

var lostReasons = []string{
	"Lost: went with a cheaper competitor. Revisit at their renewal next year.",
	"Lost: budget frozen for the rest of the year.",
	"Lost: chose to build it in-house.",
	"Lost: no decision maker engaged; the champion left the company.",
}

// demoActivities is a deal's timeline, told by its stage, spread evenly from the day
// the deal was created to its close date (or yesterday, if that is later).
func demoActivities(d demoDeal) []demoActivity {
	first := firstName(d.contact)
	steps := []demoActivity{
		{kind: "email", body: fmt.Sprintf("Intro email to %s with the pricing overview.", first)},
		{kind: "call", body: fmt.Sprintf("Discovery call with %s: current tools, budget and timeline.", first)},
	}
	if d.stage != "lead" {
		steps = append(steps, demoActivity{kind: "note", body: fmt.Sprintf("Qualified: budget confirmed. Proposal for %s sent.", dollars(d.amountCents))})
	}
	switch {
	case d.stage == "won":
		steps = append(steps,
			demoActivity{kind: "call", body: fmt.Sprintf("Verbal yes from %s; contract out for signature.", first)},
			demoActivity{kind: "note", body: "Contract signed. Handed over to onboarding."})
	case d.stage == "lost":
		steps = append(steps, demoActivity{kind: "note", body: lostReasons[len(d.title)%len(lostReasons)]})
	case d.closeIn < 0:
		steps = append(steps, demoActivity{kind: "email", body: fmt.Sprintf("Follow-up to %s: no reply since the last call, close date has passed.", first)})
	default:
		steps = append(steps, demoActivity{kind: "email", body: fmt.Sprintf("Sent %s the order form to review before the close date.", first)})
	}
	start, end := d.createdAgo*24-1, 24
	if d.closeIn < 0 && -d.closeIn*24 > end {
		end = -d.closeIn * 24
	}
	for i := range steps {
		steps[i].hoursAgo = start - (start-end)*i/(len(steps)-1)
	}
	return steps
}

func firstName(email string) string {
	for _, c := range demoContacts {
		if c.email == email {
			name, _, _ := strings.Cut(c.name, " ")
			return name
		}
	}
	return "the contact"
}

// dollars formats integer cents as whole dollars with thousands separators.
func dollars(cents int64) string {
	s := strconv.FormatInt(cents/100, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return "$" + s
}
