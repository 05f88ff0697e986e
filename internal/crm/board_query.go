package crm

import (
	"context"
	"net/url"
	"time"

	"rapport/internal/crm/activity"
	"rapport/internal/httpx"
)

// boardQuery is the board's query string, read and checked: pipeline, owner_id ("mine"
// by default for reps), q (a word of the title), rotting (only rotting deals),
// close_from and close_to (dates, inclusive), closed (show the won and lost columns),
// next (the next activity: overdue, or none planned).
type boardQuery struct {
	Pipelines []Pipeline
	Pipeline  *Pipeline // nil when there is no pipeline at all
	Owners    []Owner
	Owner     string
	Query     string
	Rotting   bool
	Next      NextFilter
	Closed    bool
	CloseFrom string
	CloseTo   string
	DateError string
	filter    BoardFilter
}

// readBoardQuery loads the pipelines with their stages and the owners (one statement)
// and reads the filter from q. An unknown pipeline falls back to the first; unreadable
// dates are ignored with a message. The columns are the pipeline's open stages, and
// its won and lost stages when closed is set.
func (s *Service) readBoardQuery(ctx context.Context, q url.Values, now time.Time) (boardQuery, error) {
	var bq boardQuery
	choices, err := LoadChoices(ctx, s.DB)
	if err != nil {
		return bq, err
	}
	bq.Pipelines, bq.Owners = choices.Pipelines, choices.Owners
	bq.Pipeline = findPipeline(bq.Pipelines, q.Get("pipeline"))
	if bq.Pipeline == nil && len(bq.Pipelines) > 0 {
		bq.Pipeline = &bq.Pipelines[0]
	}
	bq.Closed = q.Get("closed") == "1"
	bq.Rotting = q.Get("rotting") == "1"
	bq.filter.Rotting, bq.filter.Now = bq.Rotting, now
	bq.Next = readNextFilter(q.Get("next"))
	bq.filter.Next, bq.filter.Today = bq.Next, activity.Today(now, httpx.Location(ctx))
	if bq.Pipeline != nil {
		if bq.Closed {
			bq.filter.Stages = bq.Pipeline.Stages
		} else {
			bq.filter.Stages = bq.Pipeline.OpenStages()
		}
	}
	bq.Owner, bq.filter.OwnerID = ownerFilter(ctx, q.Get("owner_id"))
	bq.Query, bq.filter.Search = search(q.Get("q"))
	bq.CloseFrom, bq.CloseTo = q.Get("close_from"), q.Get("close_to")
	if bq.CloseFrom != "" {
		if d, ok := parseDate(bq.CloseFrom); ok {
			bq.filter.CloseFrom = &d
		} else {
			bq.DateError = "Enter dates like 2026-12-31."
		}
	}
	if bq.CloseTo != "" {
		if d, ok := parseDate(bq.CloseTo); ok {
			next := d.Add(24 * time.Hour)
			bq.filter.CloseBefore = &next
		} else {
			bq.DateError = "Enter dates like 2026-12-31."
		}
	}
	return bq, nil
}

// values is the board's filter as a query string, for links that keep it.
func (bq boardQuery) values() url.Values {
	v := url.Values{}
	if bq.Pipeline != nil {
		v.Set("pipeline", bq.Pipeline.ID)
	}
	v.Set("owner_id", bq.Owner)
	if bq.filter.Search != nil {
		v.Set("q", bq.Query)
	}
	if bq.Rotting {
		v.Set("rotting", "1")
	}
	if bq.Next != NextAny {
		v.Set("next", string(bq.Next))
	}
	if bq.Closed {
		v.Set("closed", "1")
	}
	if bq.filter.CloseFrom != nil {
		v.Set("close_from", bq.CloseFrom)
	}
	if bq.filter.CloseBefore != nil {
		v.Set("close_to", bq.CloseTo)
	}
	return v
}

// filtered reports whether the board shows fewer deals than the pipeline's whole open
// (or closed) set: the header then says the totals are the filter's.
func (bq boardQuery) filtered() bool {
	f := bq.filter
	return f.Search != nil || f.Rotting || f.Next != NextAny || f.CloseFrom != nil || f.CloseBefore != nil
}
