package crm

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"
)

// benchBoardPage is a full board as a rep sees it: four columns of boardCards cards,
// every card movable, some overdue, half with a company.
func benchBoardPage() boardPage {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	pipe := Pipeline{ID: "a9db11ec-b08e-4519-8356-7c411f98ad12", Name: "Inbound"}
	p := boardPage{
		boardQuery: boardQuery{Pipelines: []Pipeline{pipe}, Pipeline: &pipe, Owner: "mine",
			Owners: []Owner{{ID: "u1", Name: "Sam Seller"}, {ID: "u2", Name: "Riley Rep"}}},
		Greeting: "Sam Seller", Self: "/crm?owner_id=mine&pipeline=" + pipe.ID, Actor: Actor{ID: "u1"}, Now: now,
	}
	company := "Acme Corp"
	for si, kind := range Stages {
		pipe.Stages = append(pipe.Stages, PipelineStage{ID: fmt.Sprintf("5e1c0a2b-7d3e-4f6a-9b8c-%012d", si), PipelineID: pipe.ID,
			Name: kind.Label(), Kind: kind, Position: si + 1, Probability: 50})
	}
	p.Moves = moveOptions(pipe.Stages)
	for si, st := range pipe.Stages {
		col := boardColumn{StageTotal: StageTotal{Stage: st, Count: 1234, AmountCents: 123456789, WeightedCents: 61728394}}
		for i := range boardCards {
			closeDate := now.AddDate(0, 0, i-5)
			d := DealRow{
				ID: fmt.Sprintf("f3f524fc-2092-415b-8565-%012d", si*100+i), Title: "Acme – Starter plan, 25 seats",
				Stage: st.Kind, StageID: &st.ID, AmountCents: 750000, Rotting: i%7 == 0, CloseDate: &closeDate, CreatedAt: now.AddDate(0, -2, 0),
				StageChangedAt: now.AddDate(0, 0, -i), ContactName: "Jane Doe", ContactEmail: "jane@acme.test",
				PipelineID: pipe.ID, PipelineName: pipe.Name, OwnerID: "u1", OwnerName: "Sam Seller",
			}
			if i%2 == 0 {
				d.CompanyName = &company
			}
			col.Cards = append(col.Cards, d)
		}
		col.More = "/crm/column?stage_id=" + st.ID
		p.Columns = append(p.Columns, col)
	}
	return p
}

// BenchmarkBoardRender is the board's HTML alone (no layout, no database): 100 cards.
func BenchmarkBoardRender(b *testing.B) {
	p := benchBoardPage()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := boardShowPage(p).Render(ctx, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
