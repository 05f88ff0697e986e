package crm

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"rapport/internal/auth"
	"rapport/internal/db"
)

func TestBoardTotalsAndCards(t *testing.T) {
	t.Parallel()
	s := newDealSetup(t)
	other := s.pipeline("Enterprise")
	s.deal("Elsewhere", s.jane, other, s.rep, "lead", 1_000_000, nil)
	for i := range 30 {
		s.deal(fmt.Sprintf("Lead %02d", i), s.jane, s.pipe, s.rep, "lead", 100, ptr(day(2030, 1, 1+i)))
	}
	s.deal("Theirs", s.jane, s.pipe, s.other, "qualified", 5_000, ptr(day(2031, 1, 1)))
	s.deal("Won", s.jane, s.pipe, s.rep, "won", 7_000, nil)
	// Distinct moments for the column order: "Lead 29" is the most recent.
	s.exec(`UPDATE deals SET stage_changed_at = now() - (100 - coalesce(substring(title from 'Lead (\d+)')::int, 0)) * interval '1 minute'`)

	board := func(f BoardFilter) []BoardStage {
		t.Helper()
		stages, err := LoadBoard(s.ctx, s.db.DB, f, 25)
		if err != nil {
			t.Fatal(err)
		}
		return stages
	}
	totalsOf := func(stages []BoardStage) []StageTotal {
		var out []StageTotal
		for _, st := range stages {
			out = append(out, st.StageTotal)
		}
		return out
	}
	stages := s.stages(s.pipe)
	all := BoardFilter{Stages: stages, Now: time.Now()}
	whole := board(all)
	totals := totalsOf(whole)
	// Weighted by the default stages' probabilities: lead 20 %, qualified 50 %, won 100 %.
	var got []string
	for _, tt := range totals {
		got = append(got, fmt.Sprintf("%s %d %d %d", tt.Stage.Name, tt.Count, tt.AmountCents, tt.WeightedCents))
	}
	if want := "[Lead 30 3000 600 Qualified 1 5000 2500 Won 1 7000 7000 Lost 0 0 0]"; fmt.Sprint(got) != want {
		t.Fatalf("totals %v, want %v", got, want)
	}
	mine := all
	mine.OwnerID = &s.other.ID
	totals = totalsOf(board(mine))
	if totals[0].Count != 0 || totals[1].Count != 1 {
		t.Fatalf("their totals %v", totals)
	}
	from, before := day(2030, 1, 5), day(2030, 1, 11)
	dated := all
	dated.CloseFrom, dated.CloseBefore = &from, &before
	totals = totalsOf(board(dated))
	if totals[0].Count != 6 || totals[0].AmountCents != 600 || totals[1].Count != 0 || totals[2].Count != 0 {
		t.Fatalf("closing 5–10 January: %v", totals)
	}

	cards, err := BoardCards(s.ctx, s.db.DB, all, Cursor{}, 25)
	if err != nil {
		t.Fatal(err)
	}
	perStage := map[Stage]int{}
	for _, c := range cards {
		perStage[c.Stage]++
	}
	if len(cards) != 27 || perStage["lead"] != 25 || cards[0].Title != "Lead 29" || cards[24].Title != "Lead 05" ||
		cards[25].Title != "Theirs" || cards[26].Title != "Won" || cards[0].ContactName != "Jane" || deref(cards[0].CompanyName) != "Acme" {
		t.Fatalf("cards %d %v, first %q, 25th %q", len(cards), perStage, cards[0].Title, cards[24].Title)
	}
	// The board's own cards are the same, column by column.
	var boardCards []DealRow
	for _, st := range whole {
		boardCards = append(boardCards, st.Cards...)
	}
	if len(boardCards) != len(cards) {
		t.Fatalf("board has %d cards, BoardCards %d", len(boardCards), len(cards))
	}
	for i := range cards {
		a, b := boardCards[i], cards[i]
		if a.ID != b.ID || a.Title != b.Title || a.ContactName != b.ContactName || deref(a.CompanyName) != deref(b.CompanyName) ||
			a.OwnerName != b.OwnerName || a.AmountCents != b.AmountCents || !a.StageChangedAt.Equal(b.StageChangedAt) ||
			(a.CloseDate == nil) != (b.CloseDate == nil) || (a.CloseDate != nil && !a.CloseDate.Equal(*b.CloseDate)) {
			t.Fatalf("card %d: board %+v, BoardCards %+v", i, a, b)
		}
	}
	// "Show more" continues the column after its last card.
	last := cards[24]
	leads := all
	leads.Stages = stages[:1]
	more, err := BoardCards(s.ctx, s.db.DB, leads, Cursor{Key: last.StageChangedAt, ID: last.ID}, 25)
	if err != nil || len(more) != 5 || more[0].Title != "Lead 04" || more[4].Title != "Lead 00" {
		t.Fatalf("more: %d, %v", len(more), err)
	}
}

func TestOverview(t *testing.T) {
	t.Parallel()
	s := newDealSetup(t)
	now := time.Date(2030, 6, 15, 12, 0, 0, 0, time.UTC)
	s.deal("Lead soon", s.jane, s.pipe, s.rep, "lead", 100, ptr(day(2030, 6, 20)))
	s.deal("Qualified today", s.jane, s.pipe, s.rep, "qualified", 200, ptr(day(2030, 6, 15)))
	s.deal("Lead later", s.jane, s.pipe, s.rep, "lead", 400, ptr(day(2030, 7, 30)))
	s.deal("Overdue", s.jane, s.pipe, s.rep, "lead", 800, ptr(day(2030, 6, 14)))
	s.deal("Won in June", s.jane, s.pipe, s.rep, "won", 1_600, nil)
	s.deal("Won in May", s.jane, s.pipe, s.rep, "won", 3_200, nil)
	s.deal("Lost", s.jane, s.pipe, s.rep, "lost", 6_400, nil)
	s.deal("Theirs", s.jane, s.pipe, s.other, "lead", 12_800, ptr(day(2030, 6, 1)))
	s.exec(`UPDATE deals SET stage_changed_at = '2030-06-02Z' WHERE stage IN ('won', 'lost')`)
	s.exec(`UPDATE deals SET stage_changed_at = '2030-05-31Z' WHERE title = 'Won in May'`)

	o, owners, err := LoadOverview(s.ctx, s.db.DB, &s.rep.ID, now)
	if err != nil {
		t.Fatal(err)
	}
	if all, err := ListOwners(s.ctx, s.db.DB); err != nil || fmt.Sprint(owners) != fmt.Sprint(all) || len(owners) < 2 {
		t.Fatalf("owners %v, want ListOwners %v (%v)", owners, all, err)
	}
	want := Overview{LeadCount: 3, LeadCents: 1_300, QualifiedCount: 1, QualifiedCents: 200, WonCount: 1, WonCents: 1_600,
		LostCount: 1, LostCents: 6_400, SoonCount: 2, SoonCents: 300, OverdueCount: 1, OverdueCents: 800}
	if *o != want {
		t.Fatalf("mine %+v\nwant %+v", *o, want)
	}
	everyone, _, err := LoadOverview(s.ctx, s.db.DB, nil, now)
	if err != nil || everyone.LeadCount != 4 || everyone.OverdueCount != 2 || everyone.OverdueCents != 13_600 {
		t.Fatalf("everyone %+v, %v", everyone, err)
	}
	soon, late, err := DueDeals(s.ctx, s.db.DB, &s.rep.ID, now, 10)
	if err != nil || len(soon) != 2 || soon[0].Title != "Qualified today" || soon[1].Title != "Lead soon" || len(late) != 1 || late[0].Title != "Overdue" {
		t.Fatalf("due %v %v %v", soon, late, err)
	}
	if _, late, _ := DueDeals(s.ctx, s.db.DB, nil, now, 1); len(late) != 1 || late[0].Title != "Overdue" {
		t.Fatalf("everyone's overdue, most recent first: %v", late)
	}
}

func TestPipelinesStore(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if c, err := LoadChoices(f.ctx, f.db.DB); err != nil || len(c.Pipelines) != 0 || len(c.Owners) != 0 {
		t.Fatalf("no pipelines nor owners yet: %+v, %v", c, err)
	}
	inbound, err := CreatePipeline(f.ctx, f.db.DB, "Inbound")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CreatePipeline(f.ctx, f.db.DB, "Inbound"); !errors.Is(err, ErrPipelineNameTaken) {
		t.Fatalf("same name: %v", err)
	}
	ent, _ := CreatePipeline(f.ctx, f.db.DB, "Enterprise")
	if err := RenamePipeline(f.ctx, f.db.DB, ent, "Inbound"); !errors.Is(err, ErrPipelineNameTaken) {
		t.Fatalf("rename onto a taken name: %v", err)
	}
	if err := RenamePipeline(f.ctx, f.db.DB, ent, "Enterprise EMEA"); err != nil {
		t.Fatal(err)
	}
	if err := RenamePipeline(f.ctx, f.db.DB, noCompany, "X"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	rep := f.user(auth.RoleSales, "Rep")
	c := f.contact("a@b.com", "A", nil, rep)
	f.deal("D", c, ent, rep, "lead", 0, nil)
	stats, err := ListPipelineStats(f.ctx, f.db.DB)
	if err != nil || len(stats) != 2 || stats[0].ID != inbound || stats[0].Deals != 0 || stats[1].Name != "Enterprise EMEA" || stats[1].Deals != 1 {
		t.Fatalf("stats %+v, %v", stats, err)
	}
	pipes, err := ListPipelines(f.ctx, f.db.DB)
	if err != nil || len(pipes) != 2 || pipes[0].Name != "Inbound" {
		t.Fatalf("pipelines %+v, %v", pipes, err)
	}
	if len(pipes[0].Stages) != 4 || pipes[0].Stages[0].Name != "Lead" || pipes[0].Stages[3].Kind != StageLost {
		t.Fatalf("a new pipeline's stages: %+v", pipes[0].Stages)
	}
	choices, err := LoadChoices(f.ctx, f.db.DB)
	if err != nil || fmt.Sprint(choices.Pipelines) != fmt.Sprint(pipes) || len(choices.Owners) != 1 ||
		choices.Owners[0].ID != rep.ID || choices.Owners[0].Name != "Rep" {
		t.Fatalf("choices %+v, %v; pipelines %+v", choices, err, pipes)
	}
}
