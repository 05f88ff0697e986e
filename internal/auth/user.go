// Package auth owns identity: users and roles, passwords, sessions, sign-in throttling,
// one-time tokens, and the middleware that gates every protected route.
package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// Role is what a user may do. The values are stored in "user".role.
type Role string

// The four roles.
const (
	RoleCustomer Role = "customer"
	RoleSales    Role = "sales"
	RoleAgent    Role = "agent"
	RoleAdmin    Role = "admin"
)

// Roles lists every role in display order.
var Roles = []Role{RoleCustomer, RoleSales, RoleAgent, RoleAdmin}

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool {
	switch r {
	case RoleCustomer, RoleSales, RoleAgent, RoleAdmin:
		return true
	}
	return false
}

// Label is the role's name for people.
func (r Role) Label() string {
	switch r {
	case RoleCustomer:
		return "Customer"
	case RoleSales:
		return "Sales rep"
	case RoleAgent:
		return "Support agent"
	case RoleAdmin:
		return "Admin"
	}
	return string(r)
}

// Home is where a user of this role lands after signing in.
func (r Role) Home() string {
	switch r {
	case RoleSales:
		return "/crm"
	case RoleAgent:
		return "/desk"
	case RoleAdmin:
		return "/admin"
	}
	return "/support"
}

// User is a row of "user" as the application sees it.
type User struct {
	ID             string
	Name           string
	Email          string
	Role           Role
	Banned         bool
	SessionVersion int
	Team           *string // agents only
	CreatedAt      time.Time
	// TwoStep: two-step sign-in is on for the user. TwoStepRequired: the workspace
	// requires it of the user's role (workspace_settings). Both come with the user in
	// the same statement (twoStepColumns).
	TwoStep         bool
	TwoStepRequired bool
	// TimeZone is the IANA zone the user reads dates in (Location), and ActivityDigest
	// whether they get the morning email of their planned activities (both set on
	// /account).
	TimeZone       string
	ActivityDigest bool
	// The emails the user may turn off on /account (migration 00076): a customer's
	// receipt of a new ticket, staff's email of a ticket assigned to them and of new
	// unassigned ones. Loaded with the user like ActivityDigest.
	NotifyReceipt, NotifyAssigned, NotifyNew bool
	// DueActivities is how many of the user's planned activities are overdue or due
	// today in their zone, capped at DueActivitiesCap: the navigation shows it. Only the
	// session's lookup loads it (DueActivitiesSQL); elsewhere it is 0.
	DueActivities int
}

// Can reports whether the user has one of roles; admins can do everything.
func (u *User) Can(roles ...Role) bool {
	if u == nil {
		return false
	}
	if u.Role == RoleAdmin {
		return true
	}
	for _, r := range roles {
		if u.Role == r {
			return true
		}
	}
	return false
}

// ErrEmailTaken means another account already uses the email.
var ErrEmailTaken = errors.New("email taken")

// NewID returns a random 32-character id, the shape Better Auth gives user ids.
func NewID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// NewUser is what CreateUser needs. Email must already be normalised (NormalizeEmail).
type NewUser struct {
	Name         string
	Email        string
	Role         Role
	PasswordHash string
	Team         string // for agents: the agents row's team
	// EmailVerified marks the address as proven: only for accounts made by someone who
	// controls the server (the CLI, the demo seed). Sign-ups and invitations prove it by
	// a link.
	EmailVerified bool
}

// CreateUser inserts the user, its credential account and, for agents, the agents row,
// all in the caller's transaction.
func CreateUser(ctx context.Context, tx pgx.Tx, n NewUser) (*User, error) {
	if !n.Role.Valid() {
		return nil, fmt.Errorf("invalid role %q", n.Role)
	}
	id := NewID()
	u := &User{ID: id, Name: n.Name, Email: n.Email, Role: n.Role, SessionVersion: 1}
	err := tx.QueryRow(ctx, `INSERT INTO "user" (id, name, email, role, email_verified) VALUES ($1, $2, $3, $4, $5) RETURNING created_at`,
		id, n.Name, n.Email, string(n.Role), n.EmailVerified).Scan(&u.CreatedAt)
	if db.Unique(err, "user_email_unique") {
		return nil, ErrEmailTaken
	}
	if err != nil {
		return nil, db.Translate(err)
	}
	var hash any // NULL until an invited user chooses a password
	if n.PasswordHash != "" {
		hash = n.PasswordHash
	}
	if _, err := tx.Exec(ctx, `INSERT INTO account (id, account_id, provider_id, user_id, password) VALUES ($1, $2, 'credential', $2, $3)`,
		NewID(), id, hash); err != nil {
		return nil, db.Translate(err)
	}
	if n.Role == RoleAgent {
		if err := SetAgentTeam(ctx, tx, id, n.Team); err != nil {
			return nil, err
		}
		t := n.Team
		u.Team = &t
	}
	return u, nil
}

// SetAgentTeam gives the user an agents row (one per user) with team, or updates it.
func SetAgentTeam(ctx context.Context, q db.Querier, userID, team string) error {
	var t any
	if team != "" {
		t = team
	}
	_, err := q.Exec(ctx, `INSERT INTO agents (user_id, team) VALUES ($1, $2)
		ON CONFLICT ON CONSTRAINT agents_user_unique DO UPDATE SET team = EXCLUDED.team`, userID, t)
	return db.Translate(err)
}

// twoStepColumns are the user u's TwoStep and TwoStepRequired, for any statement that
// loads a user: an index lookup in user_twostep and the one row of workspace_settings.
const twoStepColumns = `EXISTS (SELECT 1 FROM user_twostep ts WHERE ts.user_id = u.id AND ts.enabled_at IS NOT NULL),
	coalesce((SELECT u.role = ANY (ws.twostep_roles) FROM workspace_settings ws WHERE ws.id), false)`

const userColumns = `u.id, u.name, u.email, u.role, u.banned, u.session_version, a.team, u.created_at, ` + twoStepColumns +
	`, u.time_zone, u.activity_digest, u.notify_receipt, u.notify_assigned, u.notify_new_tickets`

func scanUser(row pgx.Row) (*User, error) {
	u := &User{}
	var role string
	if err := row.Scan(&u.ID, &u.Name, &u.Email, &role, &u.Banned, &u.SessionVersion, &u.Team, &u.CreatedAt,
		&u.TwoStep, &u.TwoStepRequired, &u.TimeZone, &u.ActivityDigest,
		&u.NotifyReceipt, &u.NotifyAssigned, &u.NotifyNew); err != nil {
		return nil, db.Translate(err)
	}
	u.Role = Role(role)
	return u, nil
}

// UserByID loads a user; ErrNotFound when there is none.
func UserByID(ctx context.Context, q db.Querier, id string) (*User, error) {
	return scanUser(q.QueryRow(ctx, `SELECT `+userColumns+` FROM "user" u LEFT JOIN agents a ON a.user_id = u.id WHERE u.id = $1`, id))
}

// UserByEmail loads a user by normalised email; ErrNotFound when there is none.
func UserByEmail(ctx context.Context, q db.Querier, email string) (*User, error) {
	return scanUser(q.QueryRow(ctx, `SELECT `+userColumns+` FROM "user" u LEFT JOIN agents a ON a.user_id = u.id WHERE u.email = $1`, email))
}
