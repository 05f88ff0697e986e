package auth

import "rapport/internal/audit"

// Audit entries about accounts (internal/audit): the target is always the account, by
// its id and its address at the time.

// accountEntry is an entry of action by actor (nil: nobody signed in) on the account
// with id and email.
func accountEntry(action audit.Action, actor *User, id, email string) audit.Entry {
	e := audit.Entry{Action: action, TargetType: audit.TargetUser, TargetID: id, TargetLabel: email}
	if actor != nil {
		e.ActorID, e.ActorEmail = actor.ID, actor.Email
	}
	return e
}

// ownEntry is an entry of the account's owner acting on it: signed in, or proven by
// following a link emailed to its address.
func ownEntry(action audit.Action, id, email string) audit.Entry {
	e := accountEntry(action, nil, id, email)
	e.ActorID, e.ActorEmail = id, email
	return e
}

// roleFields adds a role, and for an agent their team, to an entry's before or after.
func roleFields(m map[string]string, role Role, team string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m["role"] = string(role)
	if role == RoleAgent {
		m["team"] = team
	}
	return m
}
