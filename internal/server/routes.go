package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"rapport/internal/auth"
	"rapport/web"
)

// Handler is every route of Rapport, top to bottom. Each protected route states who may
// use it here, and the handlers and store queries check again where data is scoped.
func (s *Server) Handler() http.Handler {
	// Cross-origin state changes are refused (Sec-Fetch-Site / Origin checks). It runs
	// inside requestID and securityHeaders so the 403 page has its id and headers too.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.pages.ErrorWith(w, r, http.StatusForbidden, "Request refused",
			"This form was sent from another site, so it was not accepted. Open Rapport directly and try again.")
	}))

	// Every route's work is bounded by REQUEST_TIMEOUT (bounded), except the live
	// queue's stream below: which routes are exempt is decided here, route by route,
	// never by what a request says it accepts.
	bounded := deadline(s.cfg.RequestTimeout)
	r := chi.NewRouter()
	r.Use(requestID, clientIP(s.cfg.TrustProxy), observe(s.log, s.metrics), recoverer(s.pages), securityHeaders(s.cfg.Secure()), cop.Handler)

	// Operations: no session. /metrics is not here: it has a listener of its own
	// (METRICS_ADDR, MetricsHandler), off the public port.
	r.With(bounded).Get("/healthz", s.healthz)
	r.With(bounded).Get("/readyz", s.readyz)
	r.With(bounded).Handle("/static/*", web.StaticHandler())

	// Pages: sessions are loaded and validated on every request that carries one.
	withSession := func(h http.Handler) http.Handler { return bounded(s.auth.Session(noStore(h))) }
	r.NotFound(withSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.pages.Error(w, r, http.StatusNotFound)
	})).ServeHTTP)
	r.MethodNotAllowed(withSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.pages.Error(w, r, http.StatusMethodNotAllowed)
	})).ServeHTTP)

	// The live queue (internal/desk), for agents and admins: a server-sent event stream
	// that outlives the request deadline on purpose. It bounds itself (a lifetime, a
	// heartbeat, and an end once its user is deactivated or changes role), and its
	// session lookup has the session store's own short deadline.
	r.Group(func(r chi.Router) {
		r.Use(s.auth.Session, noStore, s.auth.RequireUser, s.auth.RequireRole(auth.RoleAgent))
		r.Get("/desk/events", s.desk.Events)
	})

	r.Group(func(r chi.Router) {
		r.Use(bounded, s.auth.Session, noStore)

		r.Get("/", s.root)
		r.Get("/signin", s.auth.SignInPage)
		r.Post("/signin", s.auth.SignIn)
		r.Post("/signout", s.auth.SignOut)
		r.Get("/signup", s.auth.SignUpPage)
		r.Post("/signup", s.auth.SignUp)
		r.Get("/forgot-password", s.auth.ForgotPage)
		r.Post("/forgot-password", s.auth.Forgot)
		r.Get("/reset-password", s.auth.ResetPage)
		r.Post("/reset-password", s.auth.Reset)
		r.Get("/verify-email", s.auth.VerifyEmail)
		r.Post("/verify-email", s.auth.ResendVerification)
		r.Post("/verify-email/confirm", s.auth.ConfirmEmail)

		r.Group(func(r chi.Router) {
			r.Use(s.auth.RequireUser)
			r.Get("/account/password", s.auth.ChangePage)
			r.Post("/account/password", s.auth.Change)

			// Customer portal (internal/desk). Customers (and admins) see only their own
			// tickets: the store scopes every query by requester, and never reads a note.
			r.Group(func(r chi.Router) {
				r.Use(s.auth.RequireRole(auth.RoleCustomer))
				r.Get("/support", s.desk.MyTickets)
				r.Get("/support/new", s.desk.NewTicketPage)
				r.Post("/support/tickets", s.desk.CreateTicket)
				r.Get("/support/tickets/{id}", s.desk.MyTicket)
				r.Post("/support/tickets/{id}/reply", s.desk.Reply)
			})
			// END customer portal

			// Sales CRM (internal/crm). Sales reps and admins; agents may only read a
			// contact or a company page (they follow links from tickets). Every rep reads
			// every record; the store scopes changes to the owner (or an admin).
			r.Group(func(r chi.Router) {
				r.Use(s.auth.RequireRole(auth.RoleSales))
				r.Get("/crm", s.crm.Board)
				r.Get("/crm/column", s.crm.BoardColumn)
				r.Get("/crm/overview", s.crm.OverviewShow)

				r.Get("/crm/companies", s.crm.CompanyList)
				r.Get("/crm/companies.csv", s.crm.CompanyList)
				r.Get("/crm/companies/new", s.crm.CompanyNew)
				r.Post("/crm/companies", s.crm.CompanyCreate)
				r.Get("/crm/companies/{id}/edit", s.crm.CompanyEdit)
				r.Post("/crm/companies/{id}", s.crm.CompanyUpdate)

				r.Get("/crm/contacts", s.crm.ContactList)
				r.Get("/crm/contacts.csv", s.crm.ContactList)
				r.Get("/crm/contacts/new", s.crm.ContactNew)
				r.Post("/crm/contacts", s.crm.ContactCreate)
				r.Get("/crm/contacts/{id}/edit", s.crm.ContactEdit)
				r.Post("/crm/contacts/{id}", s.crm.ContactUpdate)

				r.Get("/crm/deals", s.crm.DealList)
				r.Get("/crm/deals.csv", s.crm.DealList)
				r.Get("/crm/deals/new", s.crm.DealNew)
				r.Post("/crm/deals", s.crm.DealCreate)
				r.Get("/crm/deals/{id}", s.crm.DealShow)
				r.Get("/crm/deals/{id}/edit", s.crm.DealEdit)
				r.Post("/crm/deals/{id}", s.crm.DealUpdate)
				r.Post("/crm/deals/{id}/stage", s.crm.DealMove)
				r.Post("/crm/deals/{id}/activities", s.crm.ActivityLog)

				r.Get("/crm/import", s.crm.ImportPage)
				r.Post("/crm/import", s.crm.ImportUpload)
				r.Get("/crm/import/{id}", s.crm.ImportShow)
				r.Post("/crm/import/{id}", s.crm.ImportConfirm)
			})
			r.With(s.auth.RequireRole(auth.RoleSales, auth.RoleAgent)).Get("/crm/companies/{id}", s.crm.CompanyShow)
			r.With(s.auth.RequireRole(auth.RoleSales, auth.RoleAgent)).Get("/crm/contacts/{id}", s.crm.ContactShow)
			// END sales CRM

			// Support desk (internal/desk). Agents and admins. Its live queue,
			// /desk/events, is above: outside the request deadline.
			r.Group(func(r chi.Router) {
				r.Use(s.auth.RequireRole(auth.RoleAgent))
				r.Get("/desk", s.desk.Queue)
				r.Get("/desk/reports", s.desk.Reports)
				r.Get("/desk/tickets/{id}", s.desk.Ticket)
				r.Post("/desk/tickets/{id}", s.desk.UpdateTicket)
			})
			// END support desk

			// Administration.
			r.Route("/admin", func(r chi.Router) {
				r.Use(s.auth.RequireRole(auth.RoleAdmin))
				r.Get("/", s.adminHome)
				r.Get("/users", s.auth.Users)
				r.Get("/users/new", s.auth.NewStaffPage)
				r.Post("/users", s.auth.CreateStaff)
				r.Get("/users/{id}", s.auth.EditUserPage)
				r.Post("/users/{id}", s.auth.UpdateUser)
				r.Post("/users/{id}/deactivate", s.auth.Deactivate)
				r.Post("/users/{id}/reactivate", s.auth.Reactivate)
				// Admin: CRM pipelines (internal/crm).
				r.Get("/pipelines", s.crm.PipelineList)
				r.Post("/pipelines", s.crm.PipelineCreate)
				r.Get("/pipelines/{id}", s.crm.PipelineEdit)
				r.Post("/pipelines/{id}", s.crm.PipelineRename)
				// END admin CRM
				// Admin: agents and SLA policies (internal/desk).
				r.Get("/agents", s.desk.Agents)
				r.Post("/agents", s.desk.AddAgent)
				r.Post("/agents/{id}", s.desk.UpdateAgent)
				r.Get("/sla", s.desk.Policies)
				r.Get("/sla/new", s.desk.NewPolicyPage)
				r.Post("/sla", s.desk.CreatePolicy)
				r.Get("/sla/{id}", s.desk.EditPolicyPage)
				r.Post("/sla/{id}", s.desk.UpdatePolicy)
				// END admin desk
				// Admin: the audit log (internal/audit), read-only.
				r.Get("/audit", s.audit.Log)
			})
		})
	})

	return r
}
