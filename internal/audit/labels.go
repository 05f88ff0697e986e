package audit

import "strings"

// actionLabels are the actions' names for people, as the page lists and filters them.
var actionLabels = map[Action]string{
	SignIn:              "Signed in",
	SignInFailed:        "Sign-in failed",
	SignInRefused:       "Sign-in refused",
	SignOut:             "Signed out",
	PasswordChanged:     "Password changed",
	PasswordReset:       "Password chosen through an emailed link",
	PasswordForgot:      "Password reset link sent",
	EmailVerified:       "Email address confirmed",
	UserCreated:         "Staff member added",
	UserSignedUp:        "Customer signed up",
	UserUpdated:         "User details changed",
	RoleChanged:         "Role changed",
	UserDeactivated:     "User deactivated",
	UserReactivated:     "User reactivated",
	TwoStepEnrolled:     "Two-step sign-in turned on",
	TwoStepDisabled:     "Two-step sign-in turned off",
	TwoStepReset:        "Two-step sign-in reset by an admin",
	TwoStepPassed:       "Two-step code accepted",
	TwoStepFailed:       "Two-step code refused",
	TwoStepRecovery:     "Signed in with a recovery code",
	TwoStepCodes:        "New recovery codes made",
	TwoStepRequired:     "Two-step requirement changed",
	SLAPolicyCreated:    "SLA policy created",
	SLAPolicyUpdated:    "SLA policy changed",
	PipelineCreated:     "Pipeline created",
	PipelineRenamed:     "Pipeline renamed",
	AgentTeamsChanged:   "Agent's team changed",
	ActivityTypeCreated: "Activity type added",
	ActivityTypeUpdated: "Activity type changed",
	TicketsImported:     "Tickets imported",
	WorkspaceSetUp:      "Workspace set up",
	StageCreated:        "Pipeline stage added",
	StageUpdated:        "Pipeline stage changed",
	StageReordered:      "Pipeline stages reordered",
	StageDeleted:        "Pipeline stage removed",
	LostReasonCreated:   "Lost reason added",
	LostReasonDeleted:   "Lost reason removed",
	MailboxCreated:      "Support mailbox added",
	MailboxUpdated:      "Support mailbox changed",
	CustomFieldCreated:  "Custom field added",
	CustomFieldUpdated:  "Custom field changed",
	CustomFieldDeleted:  "Custom field removed",
	MacroCreated:        "Shared macro added",
	MacroUpdated:        "Shared macro changed",
	MacroDeleted:        "Shared macro deleted",
	CalendarCreated:     "Business calendar added",
	CalendarUpdated:     "Business calendar changed",
	AutomationChanged:   "Desk automation changed",
	TagRenamed:          "Tag renamed",
	TagMerged:           "Tags merged",
	ContactMerged:       "Contacts merged",
	CompanyMerged:       "Companies merged",
}

// Label is the action's name for people; an action without one shows as it is stored.
func (a Action) Label() string {
	if l, ok := actionLabels[a]; ok {
		return l
	}
	return string(a)
}

// The kinds of target an entry names (Entry.TargetType).
const (
	TargetUser         = "user" // an account; an agent's team is its user's too
	TargetSLAPolicy    = "sla_policy"
	TargetPipeline     = "pipeline" // its stages' changes too
	TargetActivityType = "activity_type"
	TargetLostReason   = "lost_reason"
	TargetMailbox      = "mailbox"
	TargetCustomField  = "custom_field"
	TargetMacro        = "macro" // a shared macro
	TargetCalendar     = "business_calendar"
	TargetTag          = "tag"
	TargetContact      = "contact" // a CRM contact (merges)
	TargetCompany      = "company" // a CRM company (merges)
)

// targetTypes are the kinds a target id is looked up among, on the page's filter.
var targetTypes = []string{TargetUser, TargetSLAPolicy, TargetPipeline, TargetActivityType, TargetLostReason, TargetMailbox, TargetCustomField, TargetMacro, TargetCalendar, TargetTag, TargetContact, TargetCompany}

func targetTypeLabel(t string) string {
	switch t {
	case TargetUser:
		return "User"
	case TargetSLAPolicy:
		return "SLA policy"
	case TargetPipeline:
		return "Pipeline"
	case TargetActivityType:
		return "Activity type"
	case TargetLostReason:
		return "Lost reason"
	case TargetMailbox:
		return "Support mailbox"
	case TargetCustomField:
		return "Custom field"
	case TargetMacro:
		return "Shared macro"
	case TargetCalendar:
		return "Business calendar"
	case TargetTag:
		return "Tag"
	case TargetContact:
		return "Contact"
	case TargetCompany:
		return "Company"
	}
	return t
}

// fieldLabels name the fields of a before and after; others are shown by their key.
var fieldLabels = map[string]string{
	"name":                "Name",
	"email":               "Email",
	"role":                "Role",
	"team":                "Team",
	"status":              "Status",
	"priority":            "Priority",
	"first_response_mins": "First response (minutes)",
	"resolve_mins":        "Resolution (minutes)",
	"invitation":          "Invitation",
	"link":                "Link",
	"email_verified":      "Email confirmed",
	"state":               "Shown or hidden",
	"stage":               "Stage",
	"kind":                "Counts as",
	"probability":         "Win probability (%)",
	"rotting_days":        "Rotting after (days)",
	"moved_to":            "Deals moved to",
	"deals_moved":         "Deals moved",
	"order":               "Order",
	"address":             "Address",
	"host":                "Server",
	"port":                "Port",
	"security":            "Security",
	"username":            "User name",
	"folder":              "Folder",
	"poll_secs":           "Poll every (seconds)",
	"delete_processed":    "Delete processed mail",
	"enabled":             "Enabled",
	"password":            "Password",
	"body":                "Reply",
	"assignee_id":         "Assignee",
	"tags":                "Tags",
	"zone":                "Time zone",
	"hours":               "Business hours",
	"holidays":            "Holidays",
	"calendar_id":         "Business calendar",
	"warn_before_mins":    "Warn before a breach (minutes)",
	"close_days":          "Close solved tickets after (days)",
	"remind_days":         "Remind pending requesters after (days)",
	"solve_days":          "Solve after the reminder (days)",
}

// fieldOrder is the order fields are listed in; the rest follow by key.
var fieldOrder = []string{"name", "email", "role", "team", "status", "priority", "first_response_mins", "resolve_mins",
	"email_verified", "link", "invitation"}

func fieldLabel(key string) string {
	if l, ok := fieldLabels[key]; ok {
		return l
	}
	s := strings.ReplaceAll(key, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
