package auth

import (
	"context"
	"embed"

	"rapport/internal/db"
	"rapport/internal/mail"
)

// The account emails, one file each in emails/: their whole wording is there.
//
//go:embed emails/*.tmpl
var emailFiles embed.FS

var emails = mail.MustTemplates(emailFiles, "emails/*.tmpl")

// accountEmail is what an account email may say; each file uses some of it.
type accountEmail struct {
	Name   string // the recipient's name
	By     string // the admin who acted
	Role   string // a role's label
	Link   string // the one link the email is about (a token's page)
	SignIn string
	Forgot string
}

// enqueueEmail queues the email called name to the address to on q, in the caller's
// transaction (see mail.Enqueue).
func enqueueEmail(ctx context.Context, q db.Querier, name, to string, e accountEmail) error {
	m, err := emails.Message(name, to, e)
	if err != nil {
		return err
	}
	return mail.Enqueue(ctx, q, m)
}
