package auth

import "rapport/internal/audit"

// userEvent is an audit entry of action done by actor (nil when nobody is signed in) to
// target's account (nil when there is none, as for a sign-in with an unknown email).
func userEvent(action audit.Action, actor, target *User) audit.Entry {
	e := audit.Entry{Action: action}
	if actor != nil {
		e.ActorID, e.ActorEmail = actor.ID, actor.Email
	}
	if target != nil {
		e.TargetType, e.TargetID, e.TargetLabel = "user", target.ID, target.Email
	}
	return e
}

// signInEvent is a sign-in's entry: by the account's owner when it succeeded, by nobody
// (with the email as typed, kept verbatim) when it did not. After says more (why a
// refusal, which second step).
func signInEvent(action audit.Action, typed string, u *User, after any) audit.Entry {
	var e audit.Entry
	if action == audit.SignIn {
		e = userEvent(action, u, u)
	} else {
		e = userEvent(action, nil, u)
		e.ActorEmail = typed
	}
	e.After = after
	return e
}

// why is an audit entry's After for a refusal or a second step: {"reason": …}.
type why struct {
	Reason string `json:"reason,omitempty"`
	Step   string `json:"second_step,omitempty"`
	Left   *int   `json:"recovery_codes_left,omitempty"`
}
