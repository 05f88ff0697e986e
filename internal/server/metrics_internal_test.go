package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Statements are filed by the method and route of the request that sent them (GET and
// POST on one route apart), and those sent outside a request as "background".
func TestStatementsByMethodAndRoute(t *testing.T) {
	m := newMetrics()
	ctx, n := countStatements(context.Background())
	for range 3 {
		m.TraceQueryStart(ctx, nil, pgx.TraceQueryStartData{})
	}
	m.addStatements("GET", "/desk/tickets/{id}", n.Load())
	m.addStatements("POST", "/desk/tickets/{id}", 8)
	m.addStatements("GET", "/desk/tickets/{id}", 3)
	m.TraceQueryStart(context.Background(), nil, pgx.TraceQueryStartData{})
	rec := httptest.NewRecorder()
	m.handler("").ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	out := rec.Body.String()
	for _, want := range []string{
		`rapport_db_statements_total{method="GET",route="/desk/tickets/{id}"} 6` + "\n",
		`rapport_db_statements_total{method="POST",route="/desk/tickets/{id}"} 8` + "\n",
		`rapport_db_statements_total{method="",route="background"} 1` + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %q:\n%s", want, out)
		}
	}
}
