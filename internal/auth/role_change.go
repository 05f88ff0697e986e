package auth

import (
	"context"
	"fmt"
	"net/url"

	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/db"
)

// RoleChange is a change of a user's role asked for by an admin.
type RoleChange struct {
	UserID string
	Role   Role
	Team   string // for agents: their team
	By     *User  // the admin: named in the invitation, the actor in the audit log
}

// RoleChanged says what ChangeRole did.
type RoleChanged struct {
	// SignedOut: the role changed, so every session of the user ended.
	SignedOut bool
	// Invited: the password was cleared and an invitation to choose one was emailed.
	Invited bool
}

// Note is a sentence for the admin's flash about what else happened ("" for nothing).
func (d RoleChanged) Note() string {
	switch {
	case d.Invited:
		return " They were signed out everywhere and invited by email to choose a new password."
	case d.SignedOut:
		return " They were signed out everywhere."
	}
	return ""
}

// Staff reports whether the role works for the company (not a customer).
func (r Role) Staff() bool { return r == RoleSales || r == RoleAgent || r == RoleAdmin }

const lockRoleSQL = `
SELECT u.name, u.email, u.role, u.email_verified, coalesce(a.team, '')
FROM "user" u LEFT JOIN agents a ON a.user_id = u.id
WHERE u.id = $1
FOR UPDATE OF u`

// ChangeRole sets the user's role and, for agents, their team, in the caller's
// transaction. A new role ends every session of the user (session_version is bumped,
// as deactivation does), so it takes effect at a fresh sign-in.
//
// Granting a staff role to an account whose password may belong to someone other than
// the owner of its mailbox — any customer account (anyone can sign up with any
// address), or a staff account whose address was never proven — also clears its
// password and emails an invitation (base is BASE_URL) to choose a new one: only
// whoever reads that mailbox becomes staff. A self-sign-up made in someone's name
// before they joined keeps nothing.
//
// A new role is logged (audit.RoleChanged, with the role and team before and after), or
// else an agent's new team (audit.AgentTeamsChanged); a change that changes nothing is
// not.
func ChangeRole(ctx context.Context, tx pgx.Tx, base *url.URL, c RoleChange) (done RoleChanged, err error) {
	if !c.Role.Valid() {
		return done, fmt.Errorf("invalid role %q", c.Role)
	}
	var name, email, old, oldTeam string
	var verified bool
	if err := tx.QueryRow(ctx, lockRoleSQL, c.UserID).Scan(&name, &email, &old, &verified, &oldTeam); err != nil {
		return done, db.Translate(err)
	}
	defer func() {
		if err == nil {
			err = logRoleChange(ctx, tx, c, email, Role(old), oldTeam, done.Invited)
		}
	}()
	if Role(old) != c.Role {
		if _, err := tx.Exec(ctx, `UPDATE "user" SET role = $2, session_version = session_version + 1, updated_at = now() WHERE id = $1`,
			c.UserID, string(c.Role)); err != nil {
			return done, db.Translate(err)
		}
		if err := endSessions(ctx, tx, c.UserID); err != nil {
			return done, err
		}
		done.SignedOut = true
	}
	if c.Role == RoleAgent {
		if err := SetAgentTeam(ctx, tx, c.UserID, c.Team); err != nil {
			return done, err
		}
	}
	if !done.SignedOut || !c.Role.Staff() || (Role(old).Staff() && verified) {
		return done, nil
	}
	if _, err := tx.Exec(ctx, `UPDATE account SET password = NULL, updated_at = now() WHERE user_id = $1 AND provider_id = 'credential'`,
		c.UserID); err != nil {
		return done, db.Translate(err)
	}
	token, err := issueToken(ctx, tx, purposeInvite, c.UserID, inviteTokenTTL)
	if err != nil {
		return done, err
	}
	done.Invited = true
	return done, enqueueEmail(ctx, tx, "staff_promoted", email,
		accountEmail{Name: name, By: c.By.Name, Role: c.Role.Label(), Link: tokenLink(base, "/reset-password", token)})
}

// logRoleChange records what ChangeRole changed, if anything.
func logRoleChange(ctx context.Context, tx pgx.Tx, c RoleChange, email string, old Role, oldTeam string, invited bool) error {
	var e audit.Entry
	switch {
	case old != c.Role:
		e = accountEntry(audit.RoleChanged, c.By, c.UserID, email)
		e.Before = roleFields(nil, old, oldTeam)
		after := roleFields(nil, c.Role, c.Team)
		if invited {
			after["invitation"] = "sent: the password was cleared"
		}
		e.After = after
	case c.Role == RoleAgent && oldTeam != c.Team:
		e = accountEntry(audit.AgentTeamsChanged, c.By, c.UserID, email)
		e.Before, e.After = map[string]string{"team": oldTeam}, map[string]string{"team": c.Team}
	default:
		return nil
	}
	return audit.Record(ctx, tx, e)
}
