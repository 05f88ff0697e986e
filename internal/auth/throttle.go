package auth

import (
	"context"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// Throttling counts attempts in Postgres (table auth_throttle), so every limit holds across
// replicas, and reserves each attempt before the work it guards (a password hash) runs: one
// statement increments every counter of the attempt and returns the counts, so N parallel
// attempts get at most the limit through, whatever their timing.
//
// Sign-in is limited three ways, to keep lockout from being a weapon (issue 9, defect 7):
//
//   - signInPair, per account and client address: 5 failures in 15 minutes, then that
//     address is refused for that account until the window ends (a lock, but only of the pair);
//   - signInAddress, per client address: 50 failures in 15 minutes over all accounts
//     (password spraying), then the address is refused until the window ends;
//   - signInAccount, per account from all addresses: past 50 failures in 15 minutes, the
//     account SLOWS rather than locks: one attempt a minute, from anywhere.
//
// The trade-off: an attacker who controls many addresses gets 5 guesses per address per 15
// minutes until the account's ceiling, then one a minute for the account as a whole: at
// most about 65 guesses per 15 minutes (6,240 a day) against any one account, however many
// addresses. The owner is untouched by attacks from other addresses until the ceiling is
// passed; past it, while the attack goes on, the owner shares the one attempt a minute with
// the attacker and mostly sees "try again in 1 minute". A completed password reset (the
// mailbox proves the owner) clears the account's counters, pair keys included, and the new
// password is unknown to the attacker. Behind a NAT, people on one address share the address
// limit, never each other's pair.
var (
	signInPair    = rule{Name: "pair", Limit: 5, Window: 15 * time.Minute, ForgetOnRelease: true}
	signInAddress = rule{Name: "address", Limit: 50, Window: 15 * time.Minute}
	signInAccount = rule{Name: "account", Limit: 50, Window: 15 * time.Minute, Every: time.Minute}

	// Sign-up, per client address and per submitted email (an email's owner gets at most
	// five "you already have an account" messages an hour). Every attempt counts.
	signUpAddress = rule{Name: "signup-address", Limit: 30, Window: time.Hour}
	signUpEmail   = rule{Name: "signup-email", Limit: 5, Window: time.Hour}

	// First-run setup, per client address: every valid attempt counts (it hashes a
	// password), and a fresh install has few reasons to send more than a handful.
	setupAddress = rule{Name: "setup-address", Limit: 10, Window: 15 * time.Minute}
)

// rule is a named limit: Limit attempts per key within a fixed Window that starts at the
// key's first attempt. Past the limit, Every == 0 refuses until the window ends (a lock);
// Every > 0 lets one attempt through per Every (a slow-down). ForgetOnRelease: a success
// (release) resets the key instead of uncounting one attempt.
type rule struct {
	Name            string
	Limit           int
	Window          time.Duration
	Every           time.Duration
	ForgetOnRelease bool
}

// counter is one rule applied to one subject: a row of auth_throttle keyed "name:subject".
type counter struct {
	rule rule
	key  string
}

// On gives the rule's counter for subject (an email, an address, "email|address"…).
func (r rule) On(subject string) counter { return counter{rule: r, key: r.Name + ":" + subject} }

// signInCounters are the counters of a sign-in (or a current-password check) for email
// from ip.
func signInCounters(email, ip string) []counter {
	return []counter{signInPair.On(email + "|" + ip), signInAccount.On(email), signInAddress.On(ip)}
}

// reserve counts one attempt against every counter, atomically, before the attempt's work
// runs. The contract:
//
//   - allowed: every counter was within its rule; the attempt stays counted (it is a
//     failure until proven otherwise). On success, call release with the same counters;
//     on failure, do nothing more. If the work could not run at all (the hasher was busy),
//     call unreserve: an attempt that tried nothing must not count (and must not forget
//     the pair's failures, as a success does).
//   - refused (allowed false): reserve has already uncounted the attempt everywhere, so a
//     refused attempt never counts; retryAfter is when the refusing counter lets the next one
//     through (the end of the window, or the next slot of a slowed key).
//
// It is one statement on the way in (rows are locked in key order, so parallel attempts
// queue on each counter and cannot deadlock) and one more only when refused. It needs no
// session state: it runs through PgBouncer in transaction mode, on any replica.
func reserve(ctx context.Context, q db.Querier, counters ...counter) (allowed bool, retryAfter time.Duration, err error) {
	v, err := reserveVerdict(ctx, q, counters)
	return v.allowed, v.retry, err
}

// verdict is reserve's answer, with whether a refusal is the first of a refusing
// counter's window (firstRefusal): the audit log records that one only, so an attacker
// who keeps knocking writes one entry per lock, not one per attempt.
type verdict struct {
	allowed      bool
	retry        time.Duration
	firstRefusal bool
}

// reserveVerdict is reserve, telling a first refusal apart.
func reserveVerdict(ctx context.Context, q db.Querier, counters []counter) (verdict, error) {
	counters = sorted(counters)
	keys, lims, wins, everies := columns(counters)
	rows, err := q.Query(ctx, reserveSQL, keys, lims, wins, everies)
	if err != nil {
		return verdict{}, db.Translate(err)
	}
	v := newVerdict(counters)
	for rows.Next() {
		if err := v.scan(rows); err != nil {
			rows.Close()
			return verdict{}, err
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return verdict{}, db.Translate(err)
	}
	return v.finish(ctx, q)
}

// verdictRows reads reserveSQL's rows (key, allowed, seconds to wait), possibly with more
// columns after them (scan's extra), and takes a refused attempt back (finish).
type verdictRows struct {
	verdict
	counters []counter
	refusing map[string]bool
}

func newVerdict(counters []counter) *verdictRows {
	return &verdictRows{verdict: verdict{allowed: true}, counters: counters, refusing: map[string]bool{}}
}

func (v *verdictRows) scan(rows pgx.Rows, extra ...any) error {
	var key string
	var ok bool
	var retry float64
	if err := rows.Scan(append([]any{&key, &ok, &retry}, extra...)...); err != nil {
		return db.Translate(err)
	}
	if !ok {
		v.allowed = false
		v.refusing[key] = true
		v.retry = max(v.retry, capRetry(v.counters, key, time.Duration(math.Ceil(retry))*time.Second))
	}
	return nil
}

func (v *verdictRows) finish(ctx context.Context, q db.Querier) (verdict, error) {
	if v.allowed {
		return v.verdict, nil
	}
	first, err := refuse(ctx, q, v.counters, v.refusing)
	if err != nil {
		return verdict{}, err
	}
	v.firstRefusal = first
	v.retry = max(v.retry, time.Second)
	return v.verdict, nil
}

// capRetry bounds a refused key's wait by its rule: a slowed key's next slot is at most
// Every away (attempts in flight push it further only until they are uncounted), a
// locked key's at most a Window away (an attempt that queued on the row lock started
// before the window did).
func capRetry(counters []counter, key string, d time.Duration) time.Duration {
	for _, c := range counters {
		if c.key == key {
			if c.rule.Every > 0 {
				return min(d, c.rule.Every)
			}
			return min(d, c.rule.Window)
		}
	}
	return d
}

// release takes back an allowed attempt that succeeded (or never ran): each counter
// uncounts it, or forgets everything when its rule says ForgetOnRelease.
func release(ctx context.Context, q db.Querier, counters ...counter) error {
	return uncount(ctx, q, true, sorted(counters))
}

// unreserve takes back an allowed attempt whose work never ran: one attempt is uncounted
// from each counter, whatever its rule.
func unreserve(ctx context.Context, q db.Querier, counters ...counter) error {
	return uncount(ctx, q, false, sorted(counters))
}

// The counters' arguments as parallel arrays, durations in seconds.
func columns(counters []counter) (keys []string, lims []int, wins, everies []float64) {
	for _, c := range counters {
		keys = append(keys, c.key)
		lims = append(lims, c.rule.Limit)
		wins = append(wins, c.rule.Window.Seconds())
		everies = append(everies, c.rule.Every.Seconds())
	}
	return keys, lims, wins, everies
}

// sorted orders counters by key: every statement locks its rows in that order.
func sorted(counters []counter) []counter {
	c := slices.Clone(counters)
	slices.SortFunc(c, func(a, b counter) int { return strings.Compare(a.key, b.key) })
	return slices.CompactFunc(c, func(a, b counter) bool { return a.key == b.key })
}

// reserveSQL counts one attempt per key in a fixed window and returns, per key, whether the
// attempt is allowed and in how many seconds the key lets one through if not. The upsert
// locks each row, so parallel attempts see each other's counts. locked_until holds, once a
// key reaches its limit, the end of the window (a lock) or the next free slot (a slowed key:
// each attempt past the limit moves it Every later, and the attempt is allowed when the slot
// it found was already due, that is when the new slot is at most Every away). A new window
// forgets that a refusal was noted (refusal_noted, see refuse).
const reserveSQL = reserveCountedSQL + reserveVerdictSQL

// reserveCountedSQL is reserveSQL's counting, as CTEs (rule, counted) that a statement
// doing more in the same round trip (reserveSignInSQL) builds on.
const reserveCountedSQL = `
WITH rule (key, lim, win, every) AS (
    SELECT k, l, w * interval '1 second', e * interval '1 second'
    FROM unnest($1::text[], $2::int[], $3::float8[], $4::float8[]) AS u (k, l, w, e)
), counted AS (
    INSERT INTO auth_throttle AS t (key, failures, window_start, locked_until)
    SELECT key, 1, now(), CASE WHEN lim > 1 THEN NULL WHEN every > interval '0' THEN now() + every ELSE now() + win END
    FROM rule ORDER BY key
    ON CONFLICT (key) DO UPDATE SET (failures, window_start, locked_until, refusal_noted) = (
        SELECT n, ws, CASE WHEN n < r.lim THEN NULL
                           WHEN r.every > interval '0' THEN greatest(lu, now()) + r.every
                           ELSE ws + r.win END,
               NOT f.fresh AND t.refusal_noted
        FROM rule r,
        LATERAL (SELECT t.window_start <= now() - r.win AS fresh) f,
        LATERAL (SELECT CASE WHEN f.fresh THEN 1 ELSE t.failures + 1 END AS n,
                        CASE WHEN f.fresh THEN now() ELSE t.window_start END AS ws,
                        CASE WHEN f.fresh THEN NULL ELSE t.locked_until END AS lu) v
        WHERE r.key = t.key)
    RETURNING t.key, t.failures, t.locked_until
)`

// reserveVerdictSQL is the verdict per key on the counted attempt: key, allowed, seconds
// until the key lets one through.
const reserveVerdictSQL = `
SELECT c.key, c.failures <= r.lim OR (r.every > interval '0' AND c.locked_until <= now() + r.every),
       coalesce(extract(epoch FROM CASE WHEN r.every > interval '0' THEN c.locked_until - r.every ELSE c.locked_until END - now()), 0)::float8
FROM counted c JOIN rule r USING (key)`

// refuse takes a refused attempt back from every counter, as unreserve does, and notes
// the refusal on the counters that refused it; it reports whether one of them had not
// noted a refusal yet in its window (the first refusal, which the audit log records).
func refuse(ctx context.Context, q db.Querier, counters []counter, refusing map[string]bool) (first bool, err error) {
	keys, lims, _, everies := columns(counters)
	refused := make([]bool, len(counters))
	for i, c := range counters {
		refused[i] = refusing[c.key]
	}
	rows, err := q.Query(ctx, refuseSQL, keys, lims, everies, refused)
	if err != nil {
		return false, db.Translate(err)
	}
	news, err := pgx.CollectRows(rows, pgx.RowTo[bool])
	if err != nil {
		return false, db.Translate(err)
	}
	return slices.Contains(news, true), nil
}

// refuseSQL is uncountSQL for a refused attempt (never forgetting), which also sets
// refusal_noted on the refusing keys and returns, per refusing key, whether it was unset.
// A refusing key has more failures than its limit (at least 2), so it is never emptied.
const refuseSQL = `
WITH rule (key, lim, every, refusing) AS (
    SELECT k, l, e * interval '1 second', r FROM unnest($1::text[], $2::int[], $3::float8[], $4::bool[]) AS u (k, l, e, r)
), locked AS (
    SELECT t.key, t.failures <= 1 AS empty, t.refusal_noted AS noted
    FROM auth_throttle t JOIN rule r USING (key) ORDER BY t.key FOR UPDATE OF t
), emptied AS (
    DELETE FROM auth_throttle t USING locked l WHERE t.key = l.key AND l.empty
)
UPDATE auth_throttle t SET
    failures = t.failures - 1,
    locked_until = CASE WHEN t.failures - 1 < r.lim THEN NULL
                        WHEN r.every > interval '0' THEN t.locked_until - r.every
                        ELSE t.locked_until END,
    refusal_noted = t.refusal_noted OR r.refusing
FROM locked l, rule r
WHERE t.key = l.key AND NOT l.empty AND r.key = t.key
RETURNING r.refusing AND NOT l.noted`

// uncount takes one attempt back from each counter (or, with forget, resets counters whose
// rule forgets on release); a counter left with nothing is deleted, so the table holds
// only keys with failures. Rows are locked in key order first, as reserve locks them.
func uncount(ctx context.Context, q db.Querier, forgetting bool, counters []counter) error {
	keys, lims, _, everies := columns(counters)
	forget := make([]bool, len(counters))
	for i, c := range counters {
		forget[i] = forgetting && c.rule.ForgetOnRelease
	}
	_, err := q.Exec(ctx, uncountSQL, keys, lims, everies, forget)
	return db.Translate(err)
}

const uncountSQL = `
WITH rule (key, lim, every, forget) AS (
    SELECT k, l, e * interval '1 second', f FROM unnest($1::text[], $2::int[], $3::float8[], $4::bool[]) AS u (k, l, e, f)
), locked AS (
    SELECT t.key, r.forget OR t.failures <= 1 AS empty
    FROM auth_throttle t JOIN rule r USING (key) ORDER BY t.key FOR UPDATE OF t
), emptied AS (
    DELETE FROM auth_throttle t USING locked l WHERE t.key = l.key AND l.empty
)
UPDATE auth_throttle t SET
    failures = t.failures - 1,
    locked_until = CASE WHEN t.failures - 1 < r.lim THEN NULL
                        WHEN r.every > interval '0' THEN t.locked_until - r.every
                        ELSE t.locked_until END
FROM locked l, rule r
WHERE t.key = l.key AND NOT l.empty AND r.key = t.key`

// forgetAccount deletes every sign-in counter of the account (its ceiling and its pair
// with each address) after a completed password reset: the mailbox proved the owner.
func forgetAccount(ctx context.Context, q db.Querier, email string) error {
	_, err := q.Exec(ctx, forgetAccountSQL, signInAccount.On(email).key, signInPair.On(email+"|").key)
	return db.Translate(err)
}

const forgetAccountSQL = `
DELETE FROM auth_throttle WHERE key IN (
    SELECT key FROM auth_throttle WHERE key = $1 OR starts_with(key, $2) ORDER BY key FOR UPDATE)`
