// Package audit is the audit log: an append-only record of what was done to accounts and
// settings (sign-ins and their failures, password resets and changes, role changes,
// deactivations, two-step sign-in, SLA policy and pipeline changes), with who, when, from
// which address, and the before and after. The database refuses any change to a row once
// written (migrations/00030_audit_log.sql).
//
// Every domain package records its own events with Record, in the transaction that makes
// the change where there is one, so an event is written exactly when the change is.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"rapport/internal/db"
	"rapport/internal/httpx"
)

// Action names an event: "area.verb", lower case. The list is closed: the page's filter
// offers these, and a new event adds its constant here.
type Action string

// The events.
const (
	SignIn            Action = "signin.success"
	SignInFailed      Action = "signin.failure"
	SignInRefused     Action = "signin.refused" // throttled or deactivated
	SignOut           Action = "signin.signout"
	PasswordChanged   Action = "password.change"
	PasswordReset     Action = "password.reset"
	PasswordForgot    Action = "password.forgot" // a reset link was asked for
	EmailVerified     Action = "email.verify"
	UserCreated       Action = "user.create" // staff added (an invitation sent)
	UserSignedUp      Action = "user.signup"
	UserUpdated       Action = "user.update" // name or email
	RoleChanged       Action = "user.role"
	UserDeactivated   Action = "user.deactivate"
	UserReactivated   Action = "user.reactivate"
	TwoStepEnrolled   Action = "twostep.enrol"
	TwoStepDisabled   Action = "twostep.disable"
	TwoStepReset      Action = "twostep.reset" // by an admin, for a lost device
	TwoStepPassed     Action = "twostep.success"
	TwoStepFailed     Action = "twostep.failure"
	TwoStepRecovery   Action = "twostep.recovery" // signed in with a recovery code
	TwoStepCodes      Action = "twostep.codes"    // a new set of recovery codes (the old set void)
	TwoStepRequired   Action = "twostep.require"  // the admin's requirement changed
	SLAPolicyCreated  Action = "sla.create"
	SLAPolicyUpdated  Action = "sla.update"
	PipelineCreated   Action = "pipeline.create"
	PipelineRenamed   Action = "pipeline.rename"
	StageCreated      Action = "pipeline.stage_create"
	StageUpdated      Action = "pipeline.stage_update"
	StageReordered    Action = "pipeline.stage_reorder"
	StageDeleted      Action = "pipeline.stage_delete" // its deals moved to another stage first
	LostReasonCreated Action = "lost_reason.create"
	LostReasonDeleted Action = "lost_reason.delete"
	// Custom fields on companies, contacts and deals (internal/crm).
	CustomFieldCreated Action = "custom_field.create"
	CustomFieldUpdated Action = "custom_field.update" // renamed, choices, required or order
	CustomFieldDeleted Action = "custom_field.delete" // with its values
	AgentTeamsChanged  Action = "agent.update"
	// Activity types (internal/crm/activity).
	ActivityTypeCreated Action = "activity_type.create"
	ActivityTypeUpdated Action = "activity_type.update" // renamed, hidden or shown
	// Support mailboxes (internal/desk/mailbox).
	// Ticket history brought in from another helpdesk's export (internal/desk/ticketimport).
	TicketsImported Action = "tickets.import"
	MailboxCreated  Action = "mailbox.create"
	MailboxUpdated  Action = "mailbox.update" // settings, password, enabled or disabled
	// Shared macros (internal/desk/macro_*.go); personal ones are not logged.
	MacroCreated Action = "macro.create"
	MacroUpdated Action = "macro.update"
	MacroDeleted Action = "macro.delete"
	// Ticket tags (internal/desk): an admin renames a tag or merges one into another.
	TagRenamed Action = "tag.rename"
	TagMerged  Action = "tag.merge" // the source's tickets moved to the target, the source deleted
	// Duplicates merged (internal/crm merge.go).
	ContactMerged Action = "contact.merge"
	CompanyMerged Action = "company.merge"
	// First run (/setup): the first admin and the workspace's defaults.
	WorkspaceSetUp Action = "workspace.setup"
)

// Business calendars and the desk's automation rules (internal/desk).
const (
	CalendarCreated   Action = "calendar.create"
	CalendarUpdated   Action = "calendar.update"
	AutomationChanged Action = "desk_automation.update" // auto-close, pending reminder and solve
)

// Actions is every action, in the order the page's filter lists them.
var Actions = []Action{
	SignIn, SignInFailed, SignInRefused, SignOut,
	PasswordChanged, PasswordReset, PasswordForgot, EmailVerified,
	UserCreated, UserSignedUp, UserUpdated, RoleChanged, UserDeactivated, UserReactivated,
	TwoStepEnrolled, TwoStepDisabled, TwoStepReset, TwoStepPassed, TwoStepFailed, TwoStepRecovery, TwoStepCodes, TwoStepRequired,
	SLAPolicyCreated, SLAPolicyUpdated, PipelineCreated, PipelineRenamed, AgentTeamsChanged,
	ActivityTypeCreated, ActivityTypeUpdated, WorkspaceSetUp,
	StageCreated, StageUpdated, StageReordered, StageDeleted, LostReasonCreated, LostReasonDeleted,
	MailboxCreated, MailboxUpdated, TicketsImported,
	CustomFieldCreated, CustomFieldUpdated, CustomFieldDeleted,
	MacroCreated, MacroUpdated, MacroDeleted,
	CalendarCreated, CalendarUpdated, AutomationChanged,
	TagRenamed, TagMerged,
	ContactMerged, CompanyMerged,
}

// Known reports whether a is one of Actions.
func Known(a Action) bool {
	for _, k := range Actions {
		if k == a {
			return true
		}
	}
	return false
}

// Entry is one event. ActorID is "" when nobody is signed in (a failed sign-in: then
// ActorEmail is the address that was typed, kept verbatim, shown escaped). Before and
// After are what changed, as values that marshal to JSON objects (nil: nothing).
type Entry struct {
	ActorID     string
	ActorEmail  string
	Action      Action
	TargetType  string // "user", "sla_policy", "pipeline", "lost_reason"
	TargetID    string
	TargetLabel string
	Before      any
	After       any
}

const insertSQL = `
INSERT INTO audit_log (actor_id, actor_email, action, target_type, target_id, target_label, ip, request_id, before, after)
VALUES (NULLIF($1, ''), $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb)`

// Record writes e on q (the transaction that makes the change, or the pool). The client
// address and request id come from ctx (httpx.WithClientIP, httpx.WithRequestID).
func Record(ctx context.Context, q db.Querier, e Entry) error {
	if !Known(e.Action) {
		return fmt.Errorf("audit: unknown action %q", e.Action)
	}
	before, err := marshal(e.Before)
	if err != nil {
		return err
	}
	after, err := marshal(e.After)
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, insertSQL, e.ActorID, clip(e.ActorEmail, 320), string(e.Action), e.TargetType,
		e.TargetID, clip(e.TargetLabel, 320), httpx.ClientIP(ctx), httpx.RequestID(ctx), before, after)
	if err != nil {
		return fmt.Errorf("audit: record %s: %w", e.Action, err)
	}
	return nil
}

// marshal gives v as JSON text, or nil (SQL NULL) for nil.
func marshal(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	return string(b), nil
}

// clip bounds s to n bytes on a rune boundary (a typed email can be anything).
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
