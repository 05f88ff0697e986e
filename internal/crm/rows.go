package crm

import (
	"net/url"
	"time"
)

// The rows that lists and pages share, each with the columns and joins that fill it in
// one query. Their JSON names are their column names: a page that reads several
// sections in one statement gets them as JSON arrays of these rows.

// DealRow is a deal with the names around it.
type DealRow struct {
	ID          string `db:"id" json:"id"`
	Title       string `db:"title" json:"title"`
	Stage       Stage  `db:"stage" json:"stage"`
	AmountCents int64  `db:"amount_cents" json:"amount_cents"`
	// The deal's own stage, its win probability (the deal's override, else its stage's),
	// whether it is rotting, and when and why it closed.
	StageID          *string    `db:"stage_id" json:"stage_id"`
	StageName        string     `db:"stage_name" json:"stage_name"`
	Probability      *int       `db:"probability" json:"probability"`
	StageProbability *int       `db:"stage_probability" json:"stage_probability"`
	Rotting          bool       `db:"rotting" json:"rotting"`
	ClosedAt         *time.Time `db:"closed_at" json:"closed_at"`
	LostReason       *string    `db:"lost_reason" json:"lost_reason"`
	LostNote         *string    `db:"lost_note" json:"lost_note"`
	CloseDate        *time.Time `db:"close_date" json:"close_date"`
	CreatedAt        time.Time  `db:"created_at" json:"created_at"`
	StageChangedAt   time.Time  `db:"stage_changed_at" json:"stage_changed_at"`
	ContactID        string     `db:"contact_id" json:"contact_id"`
	ContactName      string     `db:"contact_name" json:"contact_name"`
	ContactEmail     string     `db:"contact_email" json:"contact_email"`
	CompanyID        *string    `db:"company_id" json:"company_id"`
	CompanyName      *string    `db:"company_name" json:"company_name"`
	PipelineID       string     `db:"pipeline_id" json:"pipeline_id"`
	PipelineName     string     `db:"pipeline_name" json:"pipeline_name"`
	OwnerID          string     `db:"owner_id" json:"owner_id"`
	OwnerName        string     `db:"owner_name" json:"owner_name"`
	// The deal's next planned activity (internal/crm/activity keeps it): its day, as
	// midnight UTC, and its time when timed; nil when none is planned.
	NextActivityDate *time.Time `db:"next_activity_date" json:"next_activity_date"`
	NextActivityAt   *time.Time `db:"next_activity_at" json:"next_activity_at"`
}

// nextActivityColumns are DealRow's next activity, read from deals d (the day as a
// timestamptz, so that it reads the same from a row and from JSON).
const nextActivityColumns = `(d.next_activity_date::timestamp AT TIME ZONE 'UTC') AS next_activity_date, d.next_activity_at`

// rottingColumn says whether an open deal d has sat in its stage st past the stage's
// rotting days.
const rottingColumn = `coalesce(st.rotting_days IS NOT NULL AND d.stage IN ('lead', 'qualified')
	         AND d.stage_changed_at < now() - st.rotting_days * interval '1 day', false) AS rotting`

const dealRowColumns = `d.id, d.title, d.stage, d.amount_cents,
	d.stage_id, coalesce(st.name, '') AS stage_name, d.probability, st.probability::int AS stage_probability,
	` + rottingColumn + `,
	d.closed_at, d.lost_reason, d.lost_note, d.close_date, d.created_at, d.stage_changed_at,
	d.contact_id, coalesce(c.name, '') AS contact_name, c.email AS contact_email,
	c.company_id, co.name AS company_name, d.pipeline_id, p.name AS pipeline_name,
	d.owner_id, o.name AS owner_name, ` + nextActivityColumns

const dealRowJoins = `FROM deals d
	JOIN contacts c ON c.id = d.contact_id
	LEFT JOIN companies co ON co.id = c.company_id
	JOIN pipelines p ON p.id = d.pipeline_id
	LEFT JOIN pipeline_stages st ON st.id = d.stage_id
	JOIN "user" o ON o.id = d.owner_id`

// WinProbability is the deal's chance of being won, in percent: its own when a rep set
// one, else its stage's.
func (d DealRow) WinProbability() int {
	switch {
	case d.Probability != nil:
		return *d.Probability
	case d.StageProbability != nil:
		return *d.StageProbability
	}
	return 0
}

// WeightedCents is the deal's amount times its win probability.
func (d DealRow) WeightedCents() int64 {
	p := int64(d.WinProbability())
	if d.AmountCents > (1<<63-1)/100 {
		return d.AmountCents / 100 * p
	}
	return d.AmountCents * p / 100
}

// StageLabel is the deal's stage as people read it: its pipeline's name for it, or the
// seeds' label for a deal without one.
func (d DealRow) StageLabel() string { return stageName(d.StageName, d.Stage) }

// ContactRow is a contact with its company's and owner's names.
type ContactRow struct {
	ID            string    `db:"id" json:"id"`
	Email         string    `db:"email" json:"email"`
	Name          string    `db:"name" json:"name"`
	CompanyID     *string   `db:"company_id" json:"company_id"`
	CompanyName   *string   `db:"company_name" json:"company_name"`
	CompanyDomain *string   `db:"company_domain" json:"company_domain"`
	OwnerID       string    `db:"owner_id" json:"owner_id"`
	OwnerName     string    `db:"owner_name" json:"owner_name"`
	CreatedAt     time.Time `db:"created_at" json:"created_at"`
}

const contactRowColumns = `c.id, c.email, coalesce(c.name, '') AS name, c.company_id, co.name AS company_name,
	co.domain AS company_domain, c.owner_id, o.name AS owner_name, c.created_at`

const contactRowJoins = `FROM contacts c
	LEFT JOIN companies co ON co.id = c.company_id
	JOIN "user" o ON o.id = c.owner_id`

// ActivityRow is one logged call, email or note, with its deal and author.
type ActivityRow struct {
	ID         string    `db:"id" json:"id"`
	DealID     string    `db:"deal_id" json:"deal_id"`
	DealTitle  string    `db:"deal_title" json:"deal_title"`
	Type       string    `db:"type" json:"type"`
	Body       string    `db:"body" json:"body"`
	OccurredAt time.Time `db:"occurred_at" json:"occurred_at"`
	ActorName  string    `db:"actor_name" json:"actor_name"`
}

const activityRowColumns = `a.id, a.deal_id, d.title AS deal_title, a.type, coalesce(a.body, '') AS body,
	a.occurred_at, u.name AS actor_name`

func dealPath(id string) string    { return "/crm/deals/" + url.PathEscape(id) }
func contactPath(id string) string { return "/crm/contacts/" + url.PathEscape(id) }

// displayName is a contact's name, or their email when the name is unknown.
func displayName(name, email string) string {
	if name != "" {
		return name
	}
	return email
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
