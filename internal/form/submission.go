package form

import (
	"context"
	"errors"
	"time"

	"rapport/internal/db"
)

// Claim is a create form's key claimed for the signed-in user, with where the form's
// answer sends the browser (the new row's page: its id is made in Go before the insert,
// so the target is known). The store claims it in the same transaction as the row it
// creates, folded into the creating statement where it can be, so a submit costs no
// extra statement:
//
//	WITH claim AS (
//	    INSERT INTO form_submission (user_id, key, redirect_to)
//	    SELECT $u, $k, $to WHERE $k <> ''
//	    ON CONFLICT (user_id, key) DO NOTHING RETURNING true
//	)
//	INSERT INTO things (...) SELECT ... WHERE $k = '' OR EXISTS (SELECT FROM claim)
//
// and otherwise with Take as the transaction's first statement. A second submit of the
// key (a double click, a retry, on any replica) waits for the first's commit on the
// primary key, then conflicts: it creates nothing, and the store returns Repeated's
// *Repeat. A failed submit (a 422, a rollback) leaves the key unclaimed.
//
// The zero Claim is "not from a form" (seeds, imports, test fixtures): nothing is
// claimed, the row is created.
type Claim struct {
	UserID string
	Key    Key
	To     string
}

// Repeat is the error a store returns when its claim's key was used before: nothing was
// created, and To is where the first submit's answer sent the browser.
type Repeat struct{ To string }

func (e *Repeat) Error() string { return "form: sent before, answered with " + e.To }

// IsRepeat returns the *Repeat in err's chain, or nil.
func IsRepeat(err error) *Repeat {
	var rep *Repeat
	if errors.As(err, &rep) {
		return rep
	}
	return nil
}

const takeKeySQL = `
INSERT INTO form_submission (user_id, key, redirect_to) VALUES ($1, $2, $3)
ON CONFLICT (user_id, key) DO NOTHING`

// Take claims c in the caller's transaction q, for stores whose creating statement
// cannot carry the claim. It returns a *Repeat when the key was used before; the
// caller returns it, so its transaction rolls back and nothing is created.
func (c Claim) Take(ctx context.Context, q db.Querier) error {
	if c.Key == "" {
		return nil
	}
	tag, err := q.Exec(ctx, takeKeySQL, c.UserID, string(c.Key), c.To)
	if err != nil {
		return db.Translate(err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	return c.Repeated(ctx, q)
}

const repeatedSQL = `SELECT redirect_to FROM form_submission WHERE user_id = $1 AND key = $2`

// Repeated is the *Repeat for a claim whose creating statement created nothing, when its
// key was used before; db.ErrNotFound when it was not (the statement created nothing for
// another reason, such as a record that is not the user's). A statement of its own, so
// it sees the first submit's committed row; it runs only on a repeat.
func (c Claim) Repeated(ctx context.Context, q db.Querier) error {
	if c.Key == "" {
		return db.ErrNotFound
	}
	var to string
	if err := q.QueryRow(ctx, repeatedSQL, c.UserID, string(c.Key)).Scan(&to); err != nil {
		return db.Translate(err)
	}
	return &Repeat{To: to}
}

// KeyTTL is how long a claimed key is remembered: a repeat later than this creates again.
const KeyTTL = 24 * time.Hour

const purgeKeysSQL = `DELETE FROM form_submission WHERE created_at < now() - make_interval(secs => $1)`

// PurgeKeys deletes keys claimed more than KeyTTL ago and returns how many. It is cheap
// (an index range on created_at) and safe to run from any number of replicas at once.
func PurgeKeys(ctx context.Context, q db.Querier) (int64, error) {
	tag, err := q.Exec(ctx, purgeKeysSQL, KeyTTL.Seconds())
	if err != nil {
		return 0, db.Translate(err)
	}
	return tag.RowsAffected(), nil
}
