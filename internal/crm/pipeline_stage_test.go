package crm

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/internal/form"
)

// Every pipeline gets the four default stages, whoever creates it, and a deal written
// with the seeds' columns only (an insert with a stage, an update of the stage or of
// the pipeline) gets the first stage of that kind: deals.stage and stage_id agree
// whoever writes. (Seen failing with the trigger dropped: stage_id stayed on Lead.)
func TestStagesKeepTheSeedsStageTrue(t *testing.T) {
	t.Parallel()
	s := newDealSetup(t)
	stages := s.stages(s.pipe)
	if len(stages) != 4 || stages[0].Name != "Lead" || stages[1].Kind != StageQualified || stages[2].Kind != StageWon || stages[3].Probability != 0 {
		t.Fatalf("default stages %+v", stages)
	}
	id := s.deal("Raw", s.jane, s.pipe, s.rep, "qualified", 100, nil)
	stageOf := func() (string, Stage, *time.Time) {
		t.Helper()
		var sid string
		var kind Stage
		var closed *time.Time
		if err := s.db.DB.QueryRow(s.ctx, `SELECT stage_id::text, stage, closed_at FROM deals WHERE id = $1`, id).Scan(&sid, &kind, &closed); err != nil {
			t.Fatal(err)
		}
		return sid, kind, closed
	}
	if sid, kind, closed := stageOf(); sid != stages[1].ID || kind != StageQualified || closed != nil {
		t.Fatalf("inserted with stage qualified: stage %s (%s), closed %v", sid, kind, closed)
	}
	s.exec(`UPDATE deals SET stage = 'won' WHERE id = $1`, id)
	if sid, kind, closed := stageOf(); sid != stages[2].ID || kind != StageWon || closed == nil {
		t.Fatalf("updated to won: stage %s (%s), closed %v", sid, kind, closed)
	}
	other := s.pipeline("Enterprise")
	s.exec(`UPDATE deals SET pipeline_id = $2 WHERE id = $1`, id, other)
	if sid, kind, _ := stageOf(); sid != s.stages(other)[2].ID || kind != StageWon {
		t.Fatalf("moved to another pipeline: stage %s (%s)", sid, kind)
	}
	s.exec(`UPDATE deals SET stage = 'lead', lost_reason = 'x' WHERE id = $1`, id)
	if sid, kind, closed := stageOf(); sid != s.stages(other)[0].ID || kind != StageLead || closed != nil ||
		s.count(`SELECT count(*) FROM deals WHERE id = $1 AND lost_reason IS NULL`, id) != 1 {
		t.Fatalf("reopened: stage %s (%s), closed %v", sid, kind, closed)
	}
	// A stage of another pipeline is refused by the database itself.
	if _, err := s.db.DB.Exec(s.ctx, `UPDATE deals SET stage_id = $2, stage = 'lead' WHERE id = $1`, id, stages[0].ID); err == nil {
		t.Fatal("a stage of another pipeline was accepted")
	}
}

func TestMoveDealToTheirOwnStages(t *testing.T) {
	t.Parallel()
	s := newDealSetup(t)
	demo := s.addStage(s.pipe, "Demo", StageQualified, 60, ptr(7))
	id := s.deal("Starter", s.jane, s.pipe, s.rep, "lead", 10_000, nil)
	m, err := MoveDeal(s.ctx, s.db.DB, s.rep, id, MoveTo{StageID: demo})
	if err != nil || !m.Moved || m.FromName != "Lead" || m.To.Name != "Demo" {
		t.Fatalf("move to Demo: %+v, %v", m, err)
	}
	d, err := DealByID(s.ctx, s.db.DB, id)
	if err != nil || d.Stage != StageQualified || deref(d.StageID) != demo || d.StageName != "Demo" || d.WinProbability() != 60 || d.WeightedCents() != 6_000 {
		t.Fatalf("deal in Demo: %+v, %v", d, err)
	}
	// Again: nothing to do, nothing recorded.
	if m, err := MoveDeal(s.ctx, s.db.DB, s.rep, id, MoveTo{StageID: demo}); err != nil || m.Moved {
		t.Fatalf("same stage: %+v, %v", m, err)
	}
	// Someone else's deal; a stage of another pipeline; a stage that is gone.
	if _, err := MoveDeal(s.ctx, s.db.DB, s.other, id, MoveTo{Kind: StageLead}); !errors.Is(err, ErrForbidden) {
		t.Fatalf("another rep: %v", err)
	}
	elsewhere := s.stages(s.pipeline("Enterprise"))[0].ID
	if _, err := MoveDeal(s.ctx, s.db.DB, s.rep, id, MoveTo{StageID: elsewhere}); !errors.Is(err, ErrStageGone) {
		t.Fatalf("a stage of another pipeline: %v", err)
	}
	if _, err := MoveDeal(s.ctx, s.db.DB, s.rep, id, MoveTo{StageID: db.NewUUID()}); !errors.Is(err, ErrStageGone) {
		t.Fatalf("no such stage: %v", err)
	}
	// Lost needs a reason; reopening goes back to where it came from.
	if _, err := MoveDeal(s.ctx, s.db.DB, s.rep, id, MoveTo{Kind: StageLost}); !errors.Is(err, ErrNeedsReason) {
		t.Fatalf("lost without a reason: %v", err)
	}
	if _, err := MoveDeal(s.ctx, s.db.DB, s.rep, id, MoveTo{Kind: StageLost, Reason: "Price", Note: "Too dear."}); err != nil {
		t.Fatal(err)
	}
	d, _ = DealByID(s.ctx, s.db.DB, id)
	if d.Stage != StageLost || deref(d.LostReason) != "Price" || deref(d.LostNote) != "Too dear." || d.ClosedAt == nil {
		t.Fatalf("lost: %+v", d)
	}
	if _, err := MoveDeal(s.ctx, s.db.DB, s.rep, id, MoveTo{Reopen: true}); err != nil {
		t.Fatal(err)
	}
	d, _ = DealByID(s.ctx, s.db.DB, id)
	if deref(d.StageID) != demo || d.ClosedAt != nil || d.LostReason != nil {
		t.Fatalf("reopened: %+v", d)
	}
	if _, err := MoveDeal(s.ctx, s.db.DB, s.rep, id, MoveTo{Reopen: true}); !errors.Is(err, ErrAlreadyOpen) {
		t.Fatalf("reopen an open deal: %v", err)
	}
	// The timeline keeps the names as they were: Demo renamed later still reads Demo.
	err = s.db.DB.InTx(s.ctx, func(tx pgx.Tx) error {
		_, err := UpdateStage(s.ctx, tx, s.pipe, demo, stageFields{Name: "Live demo", Kind: StageQualified, Probability: 60})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	tl, err := DealTimeline(s.ctx, s.db.DB, id, Cursor{}, 10)
	if err != nil || len(tl) != 3 {
		t.Fatalf("timeline %+v, %v", tl, err)
	}
	if tl[2].FromName != "Lead" || tl[2].ToName != "Demo" || tl[1].ToStage != StageLost || tl[1].Reason != "Price" || tl[1].Note != "Too dear." ||
		tl[0].FromName != "Lost" || tl[0].ToName != "Demo" {
		t.Fatalf("timeline names: %+v", tl)
	}
}

// Concurrent moves of one deal are serialised on its row: every change starts where the
// one before it (in time order) ended, and the last ends where the deal is. (Seen
// failing with changed_at = now(), the transaction's start: a move that waited for the
// lock was dated before the one it waited for.)
func TestConcurrentMovesKeepOneHistory(t *testing.T) {
	t.Parallel()
	s := newDealSetup(t)
	demo := s.addStage(s.pipe, "Demo", StageQualified, 60, nil)
	stages := s.stages(s.pipe)
	id := s.deal("Contested", s.jane, s.pipe, s.rep, "lead", 100, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 24)
	for i := range 24 {
		wg.Go(func() {
			to := []string{stages[0].ID, stages[1].ID, demo}[i%3]
			by := s.rep
			if i%2 == 1 {
				by = s.admin
			}
			_, err := MoveDeal(s.ctx, s.db.DB, by, id, MoveTo{StageID: to})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := s.count(`SELECT count(*) FROM (
		SELECT h.from_stage_id, lag(h.to_stage_id) OVER w AS prev, lead(h.id) OVER w IS NULL AS last, h.to_stage_id, h.from_stage, lag(h.to_stage) OVER w AS prev_kind
		FROM deal_stage_changes h WHERE h.deal_id = $1 WINDOW w AS (ORDER BY h.changed_at, h.id)) x
		JOIN deals d ON d.id = $1
		WHERE (x.prev IS NOT NULL AND (x.from_stage_id IS DISTINCT FROM x.prev OR x.from_stage <> x.prev_kind))
		   OR (x.last AND x.to_stage_id <> d.stage_id)`, id); n != 0 {
		t.Fatalf("%d changes do not follow on from the one before", n)
	}
	if n := s.count(`SELECT count(*) FROM deal_stage_changes WHERE deal_id = $1`, id); n < 10 {
		t.Fatalf("only %d of 24 moves changed the stage", n)
	}
}

func TestStageAdministration(t *testing.T) {
	t.Parallel()
	s := newDealSetup(t)
	in := func(fn func(tx pgx.Tx) error) error { return s.db.DB.InTx(s.ctx, fn) }
	demo := s.addStage(s.pipe, "Demo", StageQualified, 60, nil)
	err := in(func(tx pgx.Tx) error {
		_, err := CreateStage(s.ctx, tx, form.Claim{}, s.pipe, stageFields{Name: "DEMO", Kind: StageQualified, Probability: 1})
		return err
	})
	if !errors.Is(err, ErrStageNameTaken) {
		t.Fatalf("the same name in another case: %v", err)
	}
	if err := in(func(tx pgx.Tx) error {
		_, err := CreateStage(s.ctx, tx, form.Claim{}, db.NewUUID(), stageFields{Name: "X", Kind: StageLead})
		return err
	}); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("no such pipeline: %v", err)
	}
	names := func() string {
		var out []string
		for _, st := range s.stages(s.pipe) {
			out = append(out, st.Name)
		}
		return fmt.Sprint(out)
	}
	if got := names(); got != "[Lead Qualified Demo Won Lost]" {
		t.Fatalf("order %s", got)
	}
	// Demo up, then up again (first), then once more (already first).
	for i, want := range []bool{true, true, false} {
		var moved bool
		if err := in(func(tx pgx.Tx) error {
			var err error
			moved, err = ReorderStage(s.ctx, tx, s.pipe, demo, true)
			return err
		}); err != nil || moved != want {
			t.Fatalf("up %d: %v, %v", i, moved, err)
		}
	}
	if got := names(); got != "[Demo Lead Qualified Won Lost]" {
		t.Fatalf("order after moving Demo up twice: %s", got)
	}
	stages := s.stages(s.pipe)
	lead, qualified, won := stages[1], stages[2], stages[3]
	// The only lead stage keeps counting as lead; the won stage cannot go.
	if err := in(func(tx pgx.Tx) error {
		_, err := UpdateStage(s.ctx, tx, s.pipe, lead.ID, stageFields{Name: "Lead", Kind: StageQualified, Probability: 20})
		return err
	}); !errors.Is(err, ErrLastOfKind) {
		t.Fatalf("the last lead stage made qualified: %v", err)
	}
	if err := in(func(tx pgx.Tx) error { _, err := DeleteStage(s.ctx, tx, s.admin, s.pipe, won.ID, ""); return err }); !errors.Is(err, ErrLastOfKind) {
		t.Fatalf("remove the won stage: %v", err)
	}
	// A kind change carries the stage's deals with it (deals.stage stays true).
	d1 := s.deal("In qualified", s.jane, s.pipe, s.rep, "qualified", 100, nil)
	d2 := s.deal("In qualified too", s.jane, s.pipe, s.rep, "qualified", 100, nil)
	if _, err := MoveDeal(s.ctx, s.db.DB, s.rep, d2, MoveTo{StageID: qualified.ID}); err != nil {
		t.Fatal(err)
	}
	if err := in(func(tx pgx.Tx) error {
		_, err := UpdateStage(s.ctx, tx, s.pipe, demo, stageFields{Name: "Demo", Kind: StageLead, Probability: 30})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := MoveDeal(s.ctx, s.db.DB, s.rep, d1, MoveTo{StageID: demo}); err != nil {
		t.Fatal(err)
	}
	if n := s.count(`SELECT count(*) FROM deals WHERE id = $1 AND stage = 'lead'`, d1); n != 1 {
		t.Fatal("a deal in Demo (now a lead stage) is not a lead")
	}
	// Qualified is now the only qualified stage: it stays.
	if err := in(func(tx pgx.Tx) error {
		_, err := DeleteStage(s.ctx, tx, s.admin, s.pipe, qualified.ID, demo)
		return err
	}); !errors.Is(err, ErrLastOfKind) {
		t.Fatalf("remove the only qualified stage: %v", err)
	}
	// Removing a stage that holds deals asks where they go, then moves them.
	other := s.addStage(s.pipe, "Proposal", StageQualified, 70, nil)
	if err := in(func(tx pgx.Tx) error { _, err := DeleteStage(s.ctx, tx, s.admin, s.pipe, qualified.ID, ""); return err }); !errors.Is(err, ErrMoveToNeeded) {
		t.Fatalf("remove a stage with deals, nowhere to go: %v", err)
	}
	if err := in(func(tx pgx.Tx) error {
		_, err := DeleteStage(s.ctx, tx, s.admin, s.pipe, qualified.ID, won.ID)
		return err
	}); !errors.Is(err, ErrMoveToNeeded) {
		t.Fatalf("remove a stage, its deals to won: %v", err)
	}
	var rm StageRemoval
	if err := in(func(tx pgx.Tx) error {
		var err error
		rm, err = DeleteStage(s.ctx, tx, s.admin, s.pipe, qualified.ID, other)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if rm.Moved != 1 || rm.To.Name != "Proposal" {
		t.Fatalf("removal %+v", rm)
	}
	if n := s.count(`SELECT count(*) FROM deals WHERE id = $1 AND stage_id = $2 AND stage = 'qualified'`, d2, other); n != 1 {
		t.Fatal("the removed stage's deal is not in Proposal")
	}
	if n := s.count(`SELECT count(*) FROM deal_stage_changes WHERE deal_id = $1 AND from_name = 'Qualified' AND to_name = 'Proposal' AND actor_id = $2`, d2, s.admin.ID); n != 1 {
		t.Fatal("the removal's move is not in the deal's history")
	}
}

// The board's columns follow the pipeline's stages; totals are weighted by each deal's
// own probability or else its stage's, and follow the rotting filter.
func TestBoardWeightedAndRotting(t *testing.T) {
	t.Parallel()
	s := newDealSetup(t)
	demo := s.addStage(s.pipe, "Demo", StageQualified, 40, ptr(10))
	a := s.deal("Fresh", s.jane, s.pipe, s.rep, "qualified", 1_000, nil)
	b := s.deal("Stale", s.jane, s.pipe, s.rep, "qualified", 3_000, nil)
	for _, id := range []string{a, b} {
		if _, err := MoveDeal(s.ctx, s.db.DB, s.rep, id, MoveTo{StageID: demo}); err != nil {
			t.Fatal(err)
		}
	}
	s.exec(`UPDATE deals SET stage_changed_at = now() - interval '11 days', probability = 90 WHERE id = $1`, b)
	now := time.Now()
	var open []PipelineStage
	for _, st := range s.stages(s.pipe) {
		if st.Kind.Open() {
			open = append(open, st)
		}
	}
	col := func(f BoardFilter) BoardStage {
		t.Helper()
		stages, err := LoadBoard(s.ctx, s.db.DB, f, 25)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range stages {
			if st.Stage.ID == demo {
				return st
			}
		}
		t.Fatalf("no Demo column among %d", len(stages))
		return BoardStage{}
	}
	all := col(BoardFilter{Stages: open, Now: now})
	if all.Count != 2 || all.AmountCents != 4_000 || all.WeightedCents != 400+2_700 || len(all.Cards) != 2 {
		t.Fatalf("Demo: %+v", all.StageTotal)
	}
	if all.Cards[0].Title != "Fresh" || all.Cards[0].Rotting || !all.Cards[1].Rotting {
		t.Fatalf("cards: %+v", all.Cards)
	}
	rot := col(BoardFilter{Stages: open, Now: now, Rotting: true})
	if rot.Count != 1 || rot.AmountCents != 3_000 || rot.WeightedCents != 2_700 || len(rot.Cards) != 1 || rot.Cards[0].Title != "Stale" {
		t.Fatalf("rotting Demo: %+v", rot.StageTotal)
	}
	_, fresh := search("fre")
	if c := col(BoardFilter{Stages: open, Now: now, Search: fresh}); c.Count != 1 || c.Cards[0].Title != "Fresh" {
		t.Fatalf("searched Demo: %+v", c.StageTotal)
	}
	if d, _ := DealByID(s.ctx, s.db.DB, b); !d.Rotting {
		t.Fatal("the deal page does not see the stale deal rotting")
	}
}

func TestForecast(t *testing.T) {
	t.Parallel()
	s := newDealSetup(t)
	now := time.Date(2030, 5, 20, 12, 0, 0, 0, time.UTC)
	s.deal("May", s.jane, s.pipe, s.rep, "lead", 1_000, ptr(day(2030, 5, 31)))          // 20 %
	s.deal("July", s.jane, s.pipe, s.rep, "qualified", 2_000, ptr(day(2030, 7, 1)))     // 50 %
	s.deal("Theirs", s.jane, s.pipe, s.other, "qualified", 4_000, ptr(day(2030, 7, 9))) // 50 %
	s.deal("Too late", s.jane, s.pipe, s.rep, "lead", 8_000, ptr(day(2030, 11, 1)))
	s.deal("Overdue", s.jane, s.pipe, s.rep, "lead", 16_000, ptr(day(2030, 4, 30)))
	won := s.deal("Won in May", s.jane, s.pipe, s.rep, "won", 32_000, nil)
	s.exec(`UPDATE deals SET closed_at = '2030-05-02Z' WHERE id = $1`, won)
	april := s.deal("Won in April", s.jane, s.pipe, s.rep, "won", 64_000, nil)
	s.exec(`UPDATE deals SET closed_at = '2030-04-02Z' WHERE id = $1`, april)
	s.exec(`UPDATE deals SET probability = 100 WHERE title = 'Theirs'`)
	f, err := LoadForecast(s.ctx, s.db.DB, nil, now, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Months) != 6 || !f.Months[0].Equal(day(2030, 5, 1)) || !f.Months[5].Equal(day(2030, 10, 1)) {
		t.Fatalf("months %v", f.Months)
	}
	tot := f.Total
	if tot.Months[0] != (ForecastCell{1, 1_000, 200}) || tot.Months[2] != (ForecastCell{2, 6_000, 5_000}) || tot.Total.Deals != 3 ||
		tot.WonMonth != (ForecastCell{1, 32_000, 32_000}) || tot.WonQuarter.AmountCents != 96_000 {
		t.Fatalf("total %+v", tot)
	}
	if len(f.Rows) != 2 || f.Rows[0].OwnerName != "Other" || f.Rows[1].Months[2].AmountCents != 2_000 {
		t.Fatalf("rows %+v", f.Rows)
	}
	other := s.pipeline("Enterprise")
	if f, err := LoadForecast(s.ctx, s.db.DB, &other, now, time.UTC); err != nil || len(f.Rows) != 0 || f.Total.Total.Deals != 0 {
		t.Fatalf("another pipeline: %+v, %v", f, err)
	}
}
