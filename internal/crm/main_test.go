package crm

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/form"
	"rapport/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// fixture is a test's own database with factories for CRM rows.
type fixture struct {
	t   *testing.T
	ctx context.Context
	db  *testenv.Database
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return &fixture{t: t, ctx: context.Background(), db: testenv.NewDB(t)}
}

func (f *fixture) exec(sql string, args ...any) {
	f.t.Helper()
	if _, err := f.db.DB.Exec(f.ctx, sql, args...); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
}

func (f *fixture) count(sql string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.DB.QueryRow(f.ctx, sql, args...).Scan(&n); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// user inserts a user of role and returns it as an Actor.
func (f *fixture) user(role auth.Role, name string) Actor {
	f.t.Helper()
	id := auth.NewID()
	f.exec(`INSERT INTO "user" (id, name, email, role) VALUES ($1, $2, $3, $4)`, id, name, strings.ToLower(id)+"@example.com", string(role))
	return Actor{ID: id, Admin: role == auth.RoleAdmin}
}

func (f *fixture) pipeline(name string) string {
	f.t.Helper()
	var id string
	if err := f.db.DB.QueryRow(f.ctx, `INSERT INTO pipelines (name) VALUES ($1) RETURNING id`, name).Scan(&id); err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *fixture) company(name, domain string) string {
	f.t.Helper()
	var d *string
	if domain != "" {
		d = &domain
	}
	c, err := CreateCompany(f.ctx, f.db.DB, name, d)
	if err != nil {
		f.t.Fatal(err)
	}
	return c.ID
}

func (f *fixture) contact(email, name string, companyID *string, owner Actor) string {
	f.t.Helper()
	id, err := CreateContact(f.ctx, f.db.DB, ContactFields{Email: email, Name: &name, CompanyID: companyID, OwnerID: owner.ID})
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

// deal inserts a deal; the options after the title are the stage and amount in cents.
func (f *fixture) deal(title, contactID, pipelineID string, owner Actor, stage Stage, cents int64, close *time.Time) string {
	f.t.Helper()
	id, err := CreateDeal(f.ctx, f.db.DB, DealFields{Title: title, ContactID: contactID, PipelineID: pipelineID,
		OwnerID: owner.ID, AmountCents: cents, CloseDate: close, Stage: stage})
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

func ptr[T any](v T) *T { return &v }

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// stages are a pipeline's stages in board order.
func (f *fixture) stages(pipelineID string) []PipelineStage {
	f.t.Helper()
	pipes, err := ListPipelines(f.ctx, f.db.DB)
	if err != nil {
		f.t.Fatal(err)
	}
	p := findPipeline(pipes, pipelineID)
	if p == nil {
		f.t.Fatalf("no pipeline %s", pipelineID)
	}
	return p.Stages
}

// addStage adds an open stage through CreateStage.
func (f *fixture) addStage(pipelineID, name string, kind Stage, probability int, rotting *int) string {
	f.t.Helper()
	var id string
	err := f.db.DB.InTx(f.ctx, func(tx pgx.Tx) error {
		var err error
		id, err = CreateStage(f.ctx, tx, form.Claim{}, pipelineID, stageFields{Name: name, Kind: kind, Probability: probability, RottingDays: rotting})
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}
