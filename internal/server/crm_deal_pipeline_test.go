package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// stageSelect is the HTML of the form's stage_id select, "" when it has none.
func stageSelect(r response) string {
	return between(r.body, `name="stage_id"`, "</select>")
}

// Moving a deal to another pipeline from its edit form never remaps its stage behind the
// rep's back: the form asks for the stage it takes there (422 until one is chosen, the
// new pipeline's open stages offered, nothing saved, the input kept), refuses another
// pipeline's stage or a closed one, and the chosen one is in the deal's stage history.
// (Seen failing before: the trigger gave the deal the new pipeline's first stage of its
// kind, silently.)
func TestCRMDealPipelineChangeAsksForTheStage(t *testing.T) {
	t.Parallel()
	w := newCRM(t) // w.deal: a lead of Inbound
	ent := w.pipeline("Enterprise")
	if _, err := w.db.DB.Exec(context.Background(), `INSERT INTO pipeline_stages (pipeline_id, name, kind, position, probability)
		VALUES ($1, 'Discovery', 'qualified', 5, 30)`, ent); err != nil {
		t.Fatal(err)
	}
	discovery, entWon, inboundQualified := w.stageID(ent, "Discovery"), w.stageID(ent, "Won"), w.stageID(w.pipe, "Qualified")
	path := "/crm/deals/" + w.deal
	if edit := w.repB.get(path + "/edit"); edit.status != http.StatusOK || stageSelect(edit) != "" {
		t.Fatalf("the edit form (%d) offers a stage before the pipeline changes", edit.status)
	}
	edit := func(pipeline, stage string) response {
		f := dealForm(w, "Acme starter, enterprise", "jane@acme.com", "12,500", "")
		f.Del("stage")
		f.Set("pipeline_id", pipeline)
		if stage != "" {
			f.Set("stage_id", stage)
		}
		return w.repB.post(path, f)
	}
	unchanged := func(what string) {
		t.Helper()
		if n := w.count(t, `SELECT count(*) FROM deals WHERE id = $1 AND pipeline_id = $2 AND title = 'Acme starter' AND stage = 'lead'`,
			w.deal, w.pipe); n != 1 {
			t.Fatalf("%s: the deal changed", what)
		}
	}
	r := edit(ent, "")
	wantStatus(t, "a new pipeline without a stage", r, http.StatusUnprocessableEntity)
	if got := fieldError(r, "stage_id"); got != "The deal moves to the Enterprise pipeline: choose its stage there." {
		t.Errorf("stage error %q", got)
	}
	sel := stageSelect(r)
	for _, want := range []string{`<option value="" selected>Choose a stage</option>`, ">Lead<", ">Qualified<", ">Discovery<"} {
		if !strings.Contains(sel, want) {
			t.Errorf("the stage select lacks %q:\n%s", want, sel)
		}
	}
	if strings.Contains(sel, ">Won<") || strings.Contains(sel, ">Lost<") || strings.Contains(sel, inboundQualified) {
		t.Errorf("the stage select offers a closed stage or another pipeline's:\n%s", sel)
	}
	if v, _ := inputValue(r, "title"); v != "Acme starter, enterprise" {
		t.Errorf("the typed title is not kept: %q", v)
	}
	unchanged("no stage chosen")
	for stage, msg := range map[string]string{
		inboundQualified: "Choose one of the Enterprise pipeline's stages.",
		entWon:           "Choose an open stage: mark the deal won or lost from its page.",
		"not-a-stage":    "Choose one of the Enterprise pipeline's stages.",
	} {
		r := edit(ent, stage)
		if r.status != http.StatusUnprocessableEntity || fieldError(r, "stage_id") != msg {
			t.Errorf("stage %s: %d %q, want 422 %q", stage, r.status, fieldError(r, "stage_id"), msg)
		}
		unchanged(stage)
	}

	if r := edit(ent, discovery); r.status != http.StatusSeeOther {
		t.Fatalf("the move with its stage: %d\n%s", r.status, r.body)
	}
	if n := w.count(t, `SELECT count(*) FROM deals WHERE id = $1 AND pipeline_id = $2 AND stage_id = $3 AND stage = 'qualified'
		AND stage_changed_at > now() - interval '1 minute'`, w.deal, ent, discovery); n != 1 {
		t.Fatalf("the deal is not in Discovery of Enterprise")
	}
	if n := w.count(t, `SELECT count(*) FROM deal_stage_changes WHERE deal_id = $1 AND from_stage = 'lead' AND to_stage = 'qualified'
		AND from_name = 'Lead' AND to_name = 'Discovery' AND to_stage_id = $2 AND actor_id = $3`, w.deal, discovery, w.rep.ID); n != 1 {
		t.Errorf("%d history rows of the move, want 1", n)
	}
	if page := w.repB.get(path); !strings.Contains(page.body, "moved it from Lead to Discovery") {
		t.Errorf("the timeline does not show the move")
	}
	// The same pipeline again: a stage_id on the form changes nothing (moves are the
	// stage control's).
	if r := edit(ent, w.stageID(ent, "Lead")); r.status != http.StatusSeeOther {
		t.Fatalf("a save in the same pipeline: %d", r.status)
	}
	if w.stageOf(w.deal) != "qualified" || w.count(t, `SELECT count(*) FROM deal_stage_changes WHERE deal_id = $1`, w.deal) != 1 {
		t.Errorf("a save in the same pipeline moved the deal")
	}
}

// A deal created while an admin removes the stage it names: the insert's foreign key
// waits for the removal and then fails. That is a 422 with the stage marked, the input
// kept and nothing written (the form's key not spent: the same form saves once another
// stage is chosen), never a 500. The race is made real: the removal holds its lock until
// the create is seen waiting on it.
func TestCRMDealCreateWhileItsStageIsRemoved(t *testing.T) {
	t.Parallel()
	w := newCRM(t)
	ctx := context.Background()
	if _, err := w.db.DB.Exec(ctx, `INSERT INTO pipeline_stages (pipeline_id, name, kind, position, probability)
		VALUES ($1, 'Doomed', 'qualified', 5, 30)`, w.pipe); err != nil {
		t.Fatal(err)
	}
	doomed := w.stageID(w.pipe, "Doomed")
	tx, err := w.db.DB.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `DELETE FROM pipeline_stages WHERE id = $1`, doomed); err != nil {
		t.Fatal(err)
	}
	f := dealForm(w, "Raced deal", "jane@acme.com", "1,000", "")
	f.Del("stage")
	f.Set("stage_id", doomed)
	f.Set(keyField, newKey())
	done := make(chan response, 1)
	go func() { done <- w.repB.post("/crm/deals", f) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var waiting int
		if err := w.db.DB.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO deals%'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		select {
		case r := <-done:
			t.Fatalf("the create did not wait for the removal: %d\n%s", r.status, r.body)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the create never waited on the removal's lock")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	r := <-done
	wantStatus(t, "a create into a stage removed meanwhile", r, http.StatusUnprocessableEntity)
	if got := fieldError(r, "stage_id"); got != "This stage was just removed from the pipeline: choose another." {
		t.Errorf("stage error %q", got)
	}
	if v, _ := inputValue(r, "title"); v != "Raced deal" {
		t.Errorf("the typed title is not kept: %q", v)
	}
	if strings.Contains(stageSelect(r), doomed) {
		t.Errorf("the form still offers the removed stage")
	}
	if n := w.count(t, `SELECT count(*) FROM deals WHERE title = 'Raced deal'`); n != 0 {
		t.Fatalf("%d deals written", n)
	}
	f.Set("stage_id", w.stageID(w.pipe, "Qualified"))
	if again := w.repB.post("/crm/deals", f); again.status != http.StatusSeeOther {
		t.Fatalf("the same form with another stage: %d\n%s", again.status, again.body)
	}
	if n := w.count(t, `SELECT count(*) FROM deals WHERE title = 'Raced deal' AND stage = 'qualified'`); n != 1 {
		t.Errorf("%d deals after the second try, want 1", n)
	}
}
