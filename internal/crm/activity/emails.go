package activity

import (
	"embed"

	"rapport/internal/mail"
)

// The activity emails, one file each in emails/: their whole wording is there.
//
//go:embed emails/*.tmpl
var emailFiles embed.FS

var emails = mail.MustTemplates(emailFiles, "emails/*.tmpl")

// digestLine is one activity of a morning email.
type digestLine struct {
	When, Type, Subject, Deal, Link string
}

// digestEmail is what the morning email says.
type digestEmail struct {
	Name, Day      string
	Count          string // "3", or "50+" when there are more than the email lists
	Plural         bool
	OverdueCount   int
	Overdue, Today []digestLine
	More           bool // more are due than the email lists
	Link, Account  string
}

// reminderEmail is what a reminder says.
type reminderEmail struct {
	Name, Type, Subject, When, Time, Deal, Note, Link string
}
