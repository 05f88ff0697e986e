package crm

import (
	"net/http"
	"time"
)

// columnPage is one column of the board continued after a card.
type columnPage struct {
	boardQuery
	Stage Stage
	Cards []DealRow
	More  string
	Board string // the board this column belongs to
	Actor Actor
	Now   time.Time
}

// BoardColumnShow is a board column's next cards (GET /crm/column?stage=&after= plus the
// board's filter; a malformed after is a 400): the "Show more" of a column, a page of its own without
// JavaScript, appended to the column by crm.js.
func (s *Service) BoardColumnShow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	stage := Stage(q.Get("stage"))
	if !stage.Valid() {
		s.Pages.Error(w, r, http.StatusNotFound)
		return
	}
	bq, err := s.readBoardQuery(ctx, q)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	if bq.Pipeline == nil {
		s.Pages.Error(w, r, http.StatusNotFound)
		return
	}
	after, err := readCursor(q.Get("after"), "timestamptz")
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	cards, err := BoardCards(ctx, s.DB, bq.filter, []Stage{stage}, after, boardCards+1)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	p := columnPage{boardQuery: bq, Stage: stage, Actor: ActorFrom(ctx), Now: time.Now()}
	if len(cards) > boardCards {
		cards = cards[:boardCards]
		if p.More, err = bq.columnURL(stage, cards[len(cards)-1]); err != nil {
			s.Pages.Fail(w, r, err)
			return
		}
	}
	p.Cards = cards
	p.Board = "/crm?" + bq.values().Encode()
	s.Pages.Render(w, r, http.StatusOK, stage.Label()+" · "+bq.Pipeline.Name, boardColumnPage(p))
}
