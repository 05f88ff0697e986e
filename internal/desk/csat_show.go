package desk

import (
	"context"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// maxCSATComment bounds a rating's comment.
const maxCSATComment = 5000

// survey is a solve's satisfaction survey as its page shows it.
type survey struct {
	ID       string     `db:"id"`
	Rating   *string    `db:"rating"`
	Comment  *string    `db:"comment"`
	RatedAt  *time.Time `db:"rated_at"`
	Subject  string     `db:"subject"`
	TicketID string     `db:"ticket_id"`
}

const surveySQL = `
SELECT g.id, g.rating, g.comment, g.rated_at, t.subject, t.id AS ticket_id
FROM ticket_ratings g JOIN tickets t ON t.id = g.ticket_id
WHERE g.id = $1`

func loadSurvey(ctx context.Context, q db.Querier, id string) (survey, error) {
	rows, err := q.Query(ctx, surveySQL, id)
	if err != nil {
		return survey{}, db.Translate(err)
	}
	s, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[survey])
	return s, db.Translate(err)
}

// csatView is the rating page.
type csatView struct {
	Survey  survey
	Rating  string // the link's: good or bad
	Sig     string
	Comment string
	Error   string
	// KeptSig signs the rating kept, for the comment form after rating.
	KeptSig string
}

func ratingLabel(r string) string {
	if r == "good" {
		return "Good"
	}
	return "Bad"
}

// surveyFromLink checks the {id} survey link's signature before anything is read: a
// link that is not ours is a 404 without a query.
func (s *Service) surveyFromLink(w http.ResponseWriter, r *http.Request, rating, sig string) (string, bool) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return "", false
	}
	if !csatValid(s.Mail.CSATKey, id, rating, sig) {
		s.Pages.ErrorWith(w, r, http.StatusNotFound, "This link does not work",
			"The rating link is incomplete or was changed. Open it again from the email, or simply reply to the email.")
		return "", false
	}
	return id, true
}

// CSATShow is a rating link's page (GET /csat/{id}?r=good&s=…), for the requester
// without signing in: the rating chosen, to confirm with one button (focused) and an
// optional comment; once rated, the rating kept and, without a comment yet, a comment
// box. It records nothing: mail scanners open links. One statement.
func (s *Service) CSATShow(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := csatView{Rating: q.Get("r"), Sig: q.Get("s")}
	id, ok := s.surveyFromLink(w, r, v.Rating, v.Sig)
	if !ok {
		return
	}
	var err error
	if v.Survey, err = loadSurvey(r.Context(), s.DB, id); err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	if v.Survey.Rating != nil {
		v.KeptSig = csatSignature(s.Mail.CSATKey, id, *v.Survey.Rating)
	}
	s.Pages.Render(w, r, http.StatusOK, "How did we do?", csatPage(v))
}

// Recorded once: the first rating stands (later clicks keep it), a comment is added
// once.
const rateSQL = `
UPDATE ticket_ratings SET rating = coalesce(rating, $2), rated_at = coalesce(rated_at, now()),
    comment = coalesce(comment, nullif($3, ''))
WHERE id = $1
RETURNING rating`

// CSATSubmit records a rating (POST /csat/{id}, from the link's page) and shows the
// page again (303) with the rating kept.
func (s *Service) CSATSubmit(w http.ResponseWriter, r *http.Request) {
	if !s.Pages.ParseForm(w, r) {
		return
	}
	v := csatView{Rating: r.PostFormValue("r"), Sig: r.PostFormValue("s"), Comment: form.Body(r, "comment")}
	id, ok := s.surveyFromLink(w, r, v.Rating, v.Sig)
	if !ok {
		return
	}
	ctx := r.Context()
	if v.Comment != "" {
		if msg := form.Check(v.Comment, maxCSATComment, true); msg != "" {
			v.Error = msg
			var err error
			if v.Survey, err = loadSurvey(ctx, s.DB, id); err != nil {
				s.Pages.Fail(w, r, err)
				return
			}
			if v.Survey.Rating != nil {
				v.KeptSig = csatSignature(s.Mail.CSATKey, id, *v.Survey.Rating)
			}
			s.Pages.Render(w, r, http.StatusUnprocessableEntity, "How did we do?", csatPage(v))
			return
		}
	}
	var kept string
	if err := s.DB.QueryRow(ctx, rateSQL, id, v.Rating, v.Comment).Scan(&kept); err != nil {
		s.Pages.Fail(w, r, db.Translate(err))
		return
	}
	httpx.Redirect(w, r, CSATPath(s.Mail.CSATKey, id, kept))
}
