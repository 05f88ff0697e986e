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

// BoardFilter selects the deals a board shows. Nil fields do not filter.
type BoardFilter struct {
	PipelineID  string
	OwnerID     *string
	CloseFrom   *time.Time // close_date on or after
	CloseBefore *time.Time // close_date before (the day after the "to" date)
}

// StageTotal is a column's header: how many deals, and their summed amount.
type StageTotal struct {
	Stage       Stage `db:"stage"`
	Count       int64 `db:"deals"`
	AmountCents int64 `db:"amount_cents"`
}

// stageCardsSQL is the cards of the column s.stage, most recently moved first: read from
// the board index (deals_board_idx, or deals_board_owner_idx for one owner) up to the
// limit, then named by the joins. The keyset ($6, $7) continues a column for "Show more".
const stageCardsSQL = `
SELECT d.id, d.title, d.stage, d.amount_cents, d.close_date, d.created_at, d.stage_changed_at,
       d.contact_id, coalesce(c.name, '') AS contact_name, c.email AS contact_email,
       c.company_id, co.name AS company_name, d.pipeline_id, '' AS pipeline_name,
       d.owner_id, o.name AS owner_name, ` + nextActivityColumns + `
FROM (
    SELECT * FROM deals d
    WHERE d.pipeline_id = $2 AND d.stage = s.stage
      AND ($3::text IS NULL OR d.owner_id = $3)
      AND ($4::timestamptz IS NULL OR d.close_date >= $4)
      AND ($5::timestamptz IS NULL OR d.close_date < $5)
      AND ($6::timestamptz IS NULL OR (d.stage_changed_at, d.id) < ($6, $7::uuid))
    ORDER BY d.stage_changed_at DESC, d.id DESC
    LIMIT $8
) d
JOIN contacts c ON c.id = d.contact_id
LEFT JOIN companies co ON co.id = c.company_id
JOIN "user" o ON o.id = d.owner_id`

// The board in one statement: the first cards of every column (stageCardsSQL), each
// with the count and summed amount of its column's filtered deals (one aggregate:
// index-only on deals_board_owner_idx for one owner; for everyone, a pass over the
// pipeline). A column without cards has no deals at all: its totals are zero. The sum is
// capped so that absurd amounts cannot overflow.
const boardSQL = `
WITH totals AS (
    SELECT d.stage, count(*) AS deals,
           LEAST(coalesce(sum(d.amount_cents), 0), 9223372036854775807)::bigint AS amount_cents
    FROM deals d
    WHERE d.pipeline_id = $2
      AND ($3::text IS NULL OR d.owner_id = $3)
      AND ($4::timestamptz IS NULL OR d.close_date >= $4)
      AND ($5::timestamptz IS NULL OR d.close_date < $5)
    GROUP BY d.stage
)
SELECT x.*, t.deals AS stage_deals, t.amount_cents AS stage_cents
FROM unnest($1::text[]) WITH ORDINALITY AS s(stage, ord)
CROSS JOIN LATERAL (` + stageCardsSQL + `) x
JOIN totals t ON t.stage = s.stage
ORDER BY s.ord, x.stage_changed_at DESC, x.id DESC`

// boardRow is a card with its column's totals.
type boardRow struct {
	DealRow
	StageDeals int64 `db:"stage_deals"`
	StageCents int64 `db:"stage_cents"`
}

// BoardStage is a column of the board: its header and its first cards.
type BoardStage struct {
	StageTotal
	Cards []DealRow
}

// LoadBoard returns every stage in board order with the count and summed amount of the
// filtered deals (zero for an empty stage) and up to limit (at least 1) of its cards,
// most recently moved first: the whole board in one statement.
func LoadBoard(ctx context.Context, q db.Querier, f BoardFilter, limit int) ([]BoardStage, error) {
	rows, err := q.Query(ctx, boardSQL, stageTexts(Stages), f.PipelineID, f.OwnerID, f.CloseFrom, f.CloseBefore, nil, nil, max(limit, 1))
	if err != nil {
		return nil, db.Translate(err)
	}
	cards, err := pgx.CollectRows(rows, pgx.RowToStructByName[boardRow])
	if err != nil {
		return nil, db.Translate(err)
	}
	stages := make([]BoardStage, len(Stages))
	for i, st := range Stages {
		stages[i].Stage = st
		for _, c := range cards {
			if c.Stage == st {
				stages[i].Count, stages[i].AmountCents = c.StageDeals, c.StageCents
				stages[i].Cards = append(stages[i].Cards, c.DealRow)
			}
		}
	}
	return stages, nil
}

// The cards of several columns, each read by its own index range (stageCardsSQL).
const boardCardsSQL = `
SELECT x.*
FROM unnest($1::text[]) WITH ORDINALITY AS s(stage, ord)
CROSS JOIN LATERAL (` + stageCardsSQL + `) x
ORDER BY s.ord, x.stage_changed_at DESC, x.id DESC`

// BoardCards returns up to limit cards of each of stages, most recently moved first,
// after the card at the cursor (its stage_changed_at and id); the zero Cursor starts at
// the top.
func BoardCards(ctx context.Context, q db.Querier, f BoardFilter, stages []Stage, after Cursor, limit int) ([]DealRow, error) {
	at, id := after.keyArgs()
	rows, err := q.Query(ctx, boardCardsSQL, stageTexts(stages), f.PipelineID, f.OwnerID, f.CloseFrom, f.CloseBefore, at, id, limit)
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
	Self     string // this board's URL, where a move returns
	Actor    Actor
	Now      time.Time
}

// BoardShow is the pipeline board (GET /crm, ?pipeline= for another pipeline than the
// first): a column per stage with its count and total, the first cards of each, and a
// "Show more" link per column. Two statements whatever the number of deals: the choices,
// then the board.
func (s *Service) BoardShow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	bq, err := s.readBoardQuery(ctx, r.URL.Query())
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	p := boardPage{boardQuery: bq, Actor: ActorFrom(ctx), Now: time.Now(), Greeting: auth.UserFrom(ctx).Name}
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
	for _, st := range stages {
		col := boardColumn{StageTotal: st.StageTotal, Cards: st.Cards}
		if int64(len(col.Cards)) < st.Count && len(col.Cards) > 0 {
			if col.More, err = bq.columnURL(st.Stage, col.Cards[len(col.Cards)-1]); err != nil {
				s.Pages.Fail(w, r, err)
				return
			}
		}
		p.Columns = append(p.Columns, col)
	}
	s.Pages.Render(w, r, http.StatusOK, p.Pipeline.Name+" pipeline", boardShowPage(p))
}

// columnURL is the "Show more" link of a column after card.
func (bq boardQuery) columnURL(stage Stage, after DealRow) (string, error) {
	v := bq.values()
	v.Set("stage", string(stage))
	return withCursor("/crm/column", v, "after", Cursor{Key: after.StageChangedAt, ID: after.ID})
}
