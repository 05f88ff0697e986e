package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"time"

	"rapport/internal/config"
)

const (
	dialTimeout = 10 * time.Second
	// sendTimeout bounds one whole conversation when the caller's context has no
	// earlier deadline, so a server that stops answering cannot hold a worker.
	sendTimeout = time.Minute
	// implicitTLSPort is SMTPS, where TLS starts before the greeting (RFC 8314).
	implicitTLSPort = 465
)

// NewSMTPSender returns a Sender that delivers through the server in cfg with
// net/smtp: one connection per message, TLS by STARTTLS whenever the server offers it
// (or from the first byte on port 465), and PLAIN authentication when cfg.Username is
// set, which net/smtp refuses to send unencrypted except to localhost.
func NewSMTPSender(cfg config.SMTP) Sender {
	return &smtpSender{cfg: cfg, addr: net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))}
}

type smtpSender struct {
	cfg  config.SMTP
	addr string
}

func (s *smtpSender) Send(ctx context.Context, m Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	var rcpts []string
	for _, a := range append([]string{m.To}, m.Cc...) {
		addr, err := parseAddress(a)
		if err != nil {
			return err
		}
		rcpts = append(rcpts, addr.Address)
	}
	from, err := netmail.ParseAddress(s.cfg.From)
	if err != nil {
		return fmt.Errorf("smtp: sender %q is not an email address: %w", s.cfg.From, err)
	}
	msg, err := compose(from, m, time.Now())
	if err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	err = s.converse(ctx, from.Address, rcpts, msg)
	if err == nil {
		return nil
	}
	// The connection's deadline is the context's, and it can fire a moment before the
	// context reports it: name the cause rather than a bare "i/o timeout".
	cause := ctx.Err()
	if deadline, ok := ctx.Deadline(); ok && cause == nil && !time.Now().Before(deadline) {
		cause = context.DeadlineExceeded
	}
	if cause != nil {
		return fmt.Errorf("%w: %w", cause, err)
	}
	return err
}

// converse runs one SMTP conversation. Every read and write is bounded by ctx: its
// deadline becomes the connection's, and cancelling it unblocks the connection.
func (s *smtpSender) converse(ctx context.Context, from string, to []string, msg []byte) error {
	dialer := net.Dialer{Timeout: dialTimeout}
	raw, err := dialer.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return fmt.Errorf("smtp: connect to %s: %w", s.addr, err)
	}
	if deadline, ok := ctx.Deadline(); ok {
		_ = raw.SetDeadline(deadline)
	}
	stop := context.AfterFunc(ctx, func() { _ = raw.SetDeadline(time.Now()) })
	defer stop()

	tlsConfig := &tls.Config{ServerName: s.cfg.Host, MinVersion: tls.VersionTLS12}
	conn := raw
	if s.cfg.Port == implicitTLSPort {
		conn = tls.Client(raw, tlsConfig)
	}
	c, err := smtp.NewClient(conn, s.cfg.Host)
	if err != nil {
		_ = conn.Close()
		return fmt.Errorf("smtp: greeting from %s: %w", s.addr, err)
	}
	defer c.Close()

	if s.cfg.Port != implicitTLSPort {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tlsConfig); err != nil {
				return fmt.Errorf("smtp: starttls: %w", err)
			}
		}
	}
	if s.cfg.Username != "" {
		auth := smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.cfg.Host)
		if err := c.Auth(auth); err != nil {
			return fmt.Errorf("smtp: auth: %w", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return reply("mail from", err)
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt); err != nil {
			return reply("rcpt to", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return reply("data", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("smtp: write message: %w", err)
	}
	if err := w.Close(); err != nil {
		return reply("end of data", err)
	}
	// The message is accepted once the server answers the end of data; a failed QUIT
	// must not make the worker send it again.
	_ = c.Quit()
	return nil
}

// reply names the step a server reply failed at, and marks a permanent (5xx) refusal
// of the recipient or the content as ErrRejected. A 5xx to MAIL FROM is left
// retryable: it usually means our own settings are wrong, and they can be fixed.
func reply(step string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 && step != "mail from" {
		return fmt.Errorf("%w: smtp %s: %w", ErrRejected, step, err)
	}
	return fmt.Errorf("smtp %s: %w", step, err)
}
