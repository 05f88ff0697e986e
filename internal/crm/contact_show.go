package crm

import (
	"context"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/db"
)

// contactPage is what the contact page shows.
type contactPage struct {
	Contact      *ContactRow
	Extra        *ContactExtra
	Deals        []DealRow
	Activity     []ActivityRow
	Tickets      []TicketLink
	HasDesk      bool // the desk is wired: the tickets section is shown
	TicketsError bool // the desk did not answer: the rest of the page still shows
	LinkTickets  bool // the viewer may open desk tickets (agents and admins)
	CanReadDeals bool
	CanEdit      bool
}

// The contact page's sections, each a statement of its own inside contactPageSQL: $1 is
// the contact, $2 and $3 the sections' limits.

// Its latest deals, in any stage.
const contactDealsSQL = `SELECT ` + dealRowColumns + ` ` + dealRowJoins + `
WHERE d.contact_id = $1
ORDER BY d.created_at DESC, d.id DESC
LIMIT $2`

// The latest activities on its deals.
const contactActivitySQL = `SELECT ` + activityRowColumns + `
FROM deals d
JOIN activities a ON a.deal_id = d.id
JOIN "user" u ON u.id = a.actor_id
WHERE d.contact_id = $1
ORDER BY a.occurred_at DESC, a.id DESC
LIMIT $3`

// The contact page's CRM half in one statement: the contact and its sections as JSON
// arrays.
var contactPageSQL = `SELECT ` + contactRowColumns + `, ` + contactExtraColumns + `,
       coalesce((SELECT json_agg(x ORDER BY x.created_at DESC, x.id DESC) FROM (` + contactDealsSQL + `) x), '[]') AS deals,
       coalesce((SELECT json_agg(x ORDER BY x.occurred_at DESC, x.id DESC) FROM (` + contactActivitySQL + `) x), '[]') AS activity
` + contactRowJoins + `
WHERE c.id = $1`

// ContactDetails is a contact with its latest deals and the latest activity on them.
type ContactDetails struct {
	ContactRow
	ContactExtra
	Deals    []DealRow     `db:"deals"`
	Activity []ActivityRow `db:"activity"`
}

// LoadContactDetails reads the contact id with up to dealLimit of its deals and
// activityLimit activities in one statement; db.ErrNotFound when there is none.
func LoadContactDetails(ctx context.Context, q db.Querier, id string, dealLimit, activityLimit int) (*ContactDetails, error) {
	rows, err := q.Query(ctx, contactPageSQL, id, dealLimit, activityLimit)
	if err != nil {
		return nil, db.Translate(err)
	}
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[ContactDetails])
	return c, db.Translate(err)
}

// ContactShow is the contact page: deals, activity, and the person's support tickets
// when a customer account has the same email (GET /crm/contacts/{id}; agents may read
// it). Two statements: the CRM's, then the desk's.
func (s *Service) ContactShow(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return
	}
	ctx := r.Context()
	d, err := LoadContactDetails(ctx, s.DB, id, pageLimit, 20)
	if err != nil {
		if s.redirectMerged(w, r, "contact", id, err) { // merged into another (merge.go)
			return
		}
		s.Pages.Fail(w, r, err)
		return
	}
	c := &d.ContactRow
	viewer := auth.UserFrom(ctx)
	p := contactPage{
		Contact: c, Extra: &d.ContactExtra, Deals: d.Deals, Activity: d.Activity,
		CanReadDeals: canReadDeals(ctx), CanEdit: canReadDeals(ctx) && ActorFrom(ctx).CanChange(c.OwnerID),
		HasDesk: s.Tickets != nil, LinkTickets: viewer.Can(auth.RoleAgent),
	}
	if s.Tickets != nil {
		if p.Tickets, err = s.Tickets(ctx, c.Email); err != nil {
			// The CRM's own record is still worth showing without the desk's half.
			s.Log.WarnContext(ctx, "contact tickets", "err", err, "contact", id)
			p.TicketsError = true
		}
	}
	s.Pages.Render(w, r, http.StatusOK, displayName(c.Name, c.Email), contactShowPage(p))
}
