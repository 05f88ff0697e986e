package crm

import (
	"context"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/db"
)

// boardCards is how many cards a column shows before its "Show more" link.
const boardCards = 25

// BoardFilter selects the deals a board shows: the columns (stages of one pipeline, in
// order) and what narrows them. Nil fields do not filter.
type BoardFilter struct {
	Stages      []PipelineStage
	OwnerID     *string
	CloseFrom   *time.Time // close_date on or after
	CloseBefore *time.Time // close_date before (the day after the "to" date)
	Search      *string    // an ILIKE pattern over the title
	Rotting     bool       // only deals idle in their stage past its rotting days
	Next        NextFilter // only deals whose next activity is overdue, or open ones without one
	Now         time.Time  // when rotting and overdue are judged
	Today       time.Time  // the viewer's day (midnight UTC), when an all-day activity is overdue
}

// NextFilter narrows the board by the deals' next planned activity.
type NextFilter string

// The board's next-activity filters: everything, deals whose next activity is overdue,
// and open deals with none planned (Pipedrive's warning sign).
const (
	NextAny     NextFilter = ""
	NextOverdue NextFilter = "overdue"
	NextNone    NextFilter = "none"
)

// readNextFilter reads the next query parameter; anything else is no filter.
func readNextFilter(v string) NextFilter {
	switch f := NextFilter(v); f {
	case NextOverdue, NextNone:
		return f
	}
	return NextAny
}

// args are the filter as the board's statements' parameters $1 to $11.
func (f BoardFilter) args() []any {
	var next *string
	if f.Next != NextAny {
		v := string(f.Next)
		next = &v
	}
	return []any{stageIDs(f.Stages), stageProbabilities(f.Stages), stageRotBefore(f.Stages, f.Now),
		f.OwnerID, f.CloseFrom, f.CloseBefore, f.Search, f.Rotting, next, f.Today.Format(time.DateOnly), f.Now}
}

// StageTotal is a column's header: how many deals, their summed amount, and their
// weighted amount (each deal's amount times its own probability, else its stage's).
type StageTotal struct {
	Stage         PipelineStage
	Count         int64
	AmountCents   int64
	WeightedCents int64
}

// boardStages is the board's columns as a relation s(stage_id, probability,
// rot_before, ord): $1 the stages, $2 their probabilities, $3 when a deal must have
// entered each to be rotting now (NULL: it never rots).
const boardStages = `unnest($1::uuid[], $2::int[], $3::timestamptz[]) WITH ORDINALITY AS s(stage_id, probability, rot_before, ord)`

// boardWhere is the filter on a deal d of column s: $4 owner, $5 and $6 the close
// dates, $7 a title pattern, $8 rotting only, $9 the next activity ("overdue": a timed
// one past $11, now, or an all-day one before $10, the viewer's today; "none": an open
// deal without one). The next activity's columns are in the board indexes, so the
// totals stay index-only under every filter but the title's.
const boardWhere = `
      AND ($4::text IS NULL OR d.owner_id = $4)
      AND ($5::timestamptz IS NULL OR d.close_date >= $5)
      AND ($6::timestamptz IS NULL OR d.close_date < $6)
      AND ($7::text IS NULL OR d.title ILIKE $7)
      AND (NOT $8::boolean OR d.stage_changed_at < s.rot_before)
      AND ($9::text IS NULL
           OR ($9 = 'overdue' AND (d.next_activity_at < $11::timestamptz
                                   OR (d.next_activity_at IS NULL AND d.next_activity_date < $10::date)))
           OR ($9 = 'none' AND d.next_activity_date IS NULL AND d.stage IN ('lead', 'qualified')))`

// stageCardsSQL is the cards of the column s, most recently moved first: read from the
// board index (deals_stage_board_idx, or deals_stage_board_owner_idx for one owner) up
// to the limit, then named by the joins. The keyset ($12, $13) continues a column for
// "Show more".
const stageCardsSQL = `
SELECT d.id, d.title, d.stage, d.stage_id, '' AS stage_name, d.amount_cents, d.probability,
       s.probability AS stage_probability, coalesce(d.stage_changed_at < s.rot_before, false) AS rotting,
       d.closed_at, d.lost_reason, d.lost_note, d.close_date, d.created_at, d.stage_changed_at,
       d.contact_id, coalesce(c.name, '') AS contact_name, c.email AS contact_email,
       c.company_id, co.name AS company_name, d.pipeline_id, '' AS pipeline_name,
       d.owner_id, o.name AS owner_name, ` + nextActivityColumns + `
FROM (
    SELECT * FROM deals d
    WHERE d.stage_id = s.stage_id` + boardWhere + `
      AND ($12::timestamptz IS NULL OR (d.stage_changed_at, d.id) < ($12, $13::uuid))
    ORDER BY d.stage_changed_at DESC, d.id DESC
    LIMIT $14
) d
JOIN contacts c ON c.id = d.contact_id
LEFT JOIN companies co ON co.id = c.company_id
JOIN "user" o ON o.id = d.owner_id`

// The board in one statement: the first cards of every column (stageCardsSQL), each
// with the count, summed and weighted amounts of its column's filtered deals (one
// aggregate: index-only on the board indexes without a title filter). A column without
// cards has no deals at all: its totals are zero. The sums are capped so that absurd
// amounts cannot overflow.
const boardSQL = `
WITH totals AS (
    SELECT d.stage_id, count(*) AS deals,
           LEAST(coalesce(sum(d.amount_cents), 0), 9223372036854775807)::bigint AS amount_cents,
           LEAST(coalesce(sum(d.amount_cents::numeric * coalesce(d.probability, s.probability)), 0) / 100,
                 9223372036854775807)::bigint AS weighted_cents
    FROM ` + boardStages + `
    JOIN deals d ON d.stage_id = s.stage_id
    WHERE true` + boardWhere + `
    GROUP BY d.stage_id
)
SELECT x.*, t.deals AS stage_deals, t.amount_cents AS stage_cents, t.weighted_cents AS stage_weighted
FROM ` + boardStages + `
CROSS JOIN LATERAL (` + stageCardsSQL + `) x
JOIN totals t ON t.stage_id = s.stage_id
ORDER BY s.ord, x.stage_changed_at DESC, x.id DESC`

// boardRow is a card with its column's totals.
type boardRow struct {
	DealRow
	StageDeals    int64 `db:"stage_deals"`
	StageCents    int64 `db:"stage_cents"`
	StageWeighted int64 `db:"stage_weighted"`
}

// BoardStage is a column of the board: its header and its first cards.
type BoardStage struct {
	StageTotal
	Cards []DealRow
}

// LoadBoard returns every column of f in order with the count, summed and weighted
// amounts of its filtered deals (zero for an empty column) and up to limit (at least 1)
// of its cards, most recently moved first: the whole board in one statement.
func LoadBoard(ctx context.Context, q db.Querier, f BoardFilter, limit int) ([]BoardStage, error) {
	rows, err := q.Query(ctx, boardSQL, append(f.args(), nil, nil, max(limit, 1))...)
	if err != nil {
		return nil, db.Translate(err)
	}
	cards, err := pgx.CollectRows(rows, pgx.RowToStructByName[boardRow])
	if err != nil {
		return nil, db.Translate(err)
	}
	stages := make([]BoardStage, len(f.Stages))
	for i, st := range f.Stages {
		stages[i].Stage = st
		for _, c := range cards {
			if c.StageID != nil && *c.StageID == st.ID {
				stages[i].Count, stages[i].AmountCents, stages[i].WeightedCents = c.StageDeals, c.StageCents, c.StageWeighted
				c.StageName = st.Name
				stages[i].Cards = append(stages[i].Cards, c.DealRow)
			}
		}
	}
	return stages, nil
}

// The cards of several columns, each read by its own index range (stageCardsSQL).
const boardCardsSQL = `
SELECT x.*
FROM ` + boardStages + `
CROSS JOIN LATERAL (` + stageCardsSQL + `) x
ORDER BY s.ord, x.stage_changed_at DESC, x.id DESC`

// BoardCards returns up to limit cards of each column of f, most recently moved first,
// after the card at the cursor (its stage_changed_at and id); the zero Cursor starts at
// the top.
func BoardCards(ctx context.Context, q db.Querier, f BoardFilter, after Cursor, limit int) ([]DealRow, error) {
	at, id := after.keyArgs()
	rows, err := q.Query(ctx, boardCardsSQL, append(f.args(), at, id, limit)...)
	if err != nil {
		return nil, db.Translate(err)
	}
	cards, err := pgx.CollectRows(rows, pgx.RowToStructByName[DealRow])
	return cards, db.Translate(err)
}

// boardColumn is one stage of the board.
type boardColumn struct {
	StageTotal
	Cards []DealRow
	More  string // the "Show more" link, "" when every card is shown
}

// boardPage is what the board shows.
type boardPage struct {
	boardQuery
	Greeting string
	Columns  []boardColumn
	Open     StageTotal        // the open columns' totals together: the pipeline's header
	Moves    map[string]string // each stage's move control options (moveOptions)
	Self     string            // this board's URL, where a move returns
	Actor    Actor
	Now      time.Time
}

// BoardShow is the pipeline board (GET /crm, ?pipeline= for another pipeline than the
// first): a column per open stage of the pipeline (and its won and lost stages with
// closed=1) with its count, total and weighted total, the first cards of each, and a
// "Show more" link per column; the header sums the open columns. Two statements
// whatever the number of deals and the filters: the choices, then the board.
func (s *Service) BoardShow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	now := time.Now()
	bq, err := s.readBoardQuery(ctx, r.URL.Query(), now)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	p := boardPage{boardQuery: bq, Actor: ActorFrom(ctx), Now: now, Greeting: auth.UserFrom(ctx).Name}
	if bq.Pipeline == nil {
		s.Pages.Render(w, r, http.StatusOK, "Pipeline", boardShowPage(p))
		return
	}
	stages, err := LoadBoard(ctx, s.DB, bq.filter, boardCards)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	p.Self = "/crm?" + bq.values().Encode()
	p.Moves = moveOptions(bq.Pipeline.Stages)
	for _, st := range stages {
		col := boardColumn{StageTotal: st.StageTotal, Cards: st.Cards}
		if int64(len(col.Cards)) < st.Count && len(col.Cards) > 0 {
			if col.More, err = bq.columnURL(st.Stage, col.Cards[len(col.Cards)-1]); err != nil {
				s.Pages.Fail(w, r, err)
				return
			}
		}
		if st.Stage.Kind.Open() {
			p.Open.Count += st.Count
			p.Open.AmountCents = addCapped(p.Open.AmountCents, st.AmountCents)
			p.Open.WeightedCents = addCapped(p.Open.WeightedCents, st.WeightedCents)
		}
		p.Columns = append(p.Columns, col)
	}
	s.Pages.Render(w, r, http.StatusOK, p.Pipeline.Name+" pipeline", boardShowPage(p))
}

// addCapped adds two non-negative sums without overflowing.
func addCapped(a, b int64) int64 {
	if a > 1<<63-1-b {
		return 1<<63 - 1
	}
	return a + b
}

// columnURL is the "Show more" link of a column after card.
func (bq boardQuery) columnURL(stage PipelineStage, after DealRow) (string, error) {
	v := bq.values()
	v.Set("stage_id", stage.ID)
	return withCursor("/crm/column", v, "after", Cursor{Key: after.StageChangedAt, ID: after.ID})
}
