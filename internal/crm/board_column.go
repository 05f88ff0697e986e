package crm

import (
	"net/http"
	"time"
)

// columnPage is one column of the board continued after a card.
type columnPage struct {
	boardQuery
	Stage PipelineStage
	Cards []DealRow
	More  string
	Moves map[string]string
	Board string // the board this column belongs to
	Actor Actor
	Now   time.Time
}

// BoardColumnShow is a board column's next cards (GET /crm/column?stage_id=&after= plus
// the board's filter; stage= one of the seeds' values names the pipeline's first stage of
// that kind; a malformed after is a 400): the "Show more" of a column, a page of its own
// without JavaScript, appended to the column by crm.js.
func (s *Service) BoardColumnShow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	now := time.Now()
	bq, err := s.readBoardQuery(ctx, q, now)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	var stage *PipelineStage
	if id := q.Get("stage_id"); id != "" {
		stage = bq.Pipeline.Stage(id)
	} else if kind := Stage(q.Get("stage")); kind.Valid() {
		stage = bq.Pipeline.FirstOf(kind)
	}
	if stage == nil {
		s.Pages.Error(w, r, http.StatusNotFound)
		return
	}
	after, err := readCursor(q.Get("after"), "timestamptz")
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	f := bq.filter
	f.Stages = []PipelineStage{*stage}
	cards, err := BoardCards(ctx, s.DB, f, after, boardCards+1)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	p := columnPage{boardQuery: bq, Stage: *stage, Actor: ActorFrom(ctx), Now: now, Moves: moveOptions(bq.Pipeline.Stages)}
	if len(cards) > boardCards {
		cards = cards[:boardCards]
		if p.More, err = bq.columnURL(*stage, cards[len(cards)-1]); err != nil {
			s.Pages.Fail(w, r, err)
			return
		}
	}
	for i := range cards {
		cards[i].StageName = stage.Name
	}
	p.Cards = cards
	p.Board = "/crm?" + bq.values().Encode()
	s.Pages.Render(w, r, http.StatusOK, stage.Name+" · "+bq.Pipeline.Name, boardColumnPage(p))
}
