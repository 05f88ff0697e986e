package db

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

var (
	// ErrNotFound means the row does not exist or is not visible to the caller.
	ErrNotFound = errors.New("not found")
	// ErrBusy means no connection was free in time, or the database is unreachable:
	// the request should be answered 503 and retried later. It reports Busy() (see
	// httpx.IsBusy), as every back-pressure error does.
	ErrBusy error = &busyError{"database busy"}
	// ErrBadValue means Postgres could not read a value it was given (SQLSTATE class 22,
	// "data exception": a number out of range, a malformed date): the request's fault,
	// answered 400, since forms check what they can before the database sees it.
	ErrBadValue = errors.New("value the database cannot read")
)

// busyError is back-pressure: the caller should retry later.
type busyError struct{ msg string }

func (e *busyError) Error() string { return e.msg }

// Busy marks the error as back-pressure for httpx.IsBusy.
func (e *busyError) Busy() bool { return true }

// ConstraintError is a unique, check or foreign-key violation, named by its constraint.
type ConstraintError struct {
	Code       string // SQLSTATE: 23505 unique, 23514 check, 23503 foreign key
	Constraint string
	err        error
}

func (e *ConstraintError) Error() string {
	return fmt.Sprintf("constraint %s violated (%s)", e.Constraint, e.Code)
}

func (e *ConstraintError) Unwrap() error { return e.err }

// Unique reports whether err is a unique violation of the named constraint (any, if empty).
func Unique(err error, constraint string) bool { return isConstraint(err, "23505", constraint) }

// Check reports whether err is a CHECK violation of the named constraint (any, if empty).
func Check(err error, constraint string) bool { return isConstraint(err, "23514", constraint) }

// ForeignKey reports whether err is a foreign-key violation of the named constraint
// (any, if empty): a row referred to went away meanwhile (or never was).
func ForeignKey(err error, constraint string) bool { return isConstraint(err, "23503", constraint) }

func isConstraint(err error, code, constraint string) bool {
	var ce *ConstraintError
	if !errors.As(Translate(err), &ce) {
		return false
	}
	return ce.Code == code && (constraint == "" || ce.Constraint == constraint)
}

// Translate maps driver errors onto this package's errors; others pass unchanged.
func Translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505", "23514", "23503":
			return &ConstraintError{Code: pe.Code, Constraint: pe.ConstraintName, err: err}
		case "57P01", "57P02", "57P03", "53300":
			return fmt.Errorf("%w: %s", ErrBusy, pe.Code)
		}
		// Class 08 is "connection exception": PgBouncer answers 08P01 ("server login
		// has been failing") while Postgres is down. The request should retry later.
		if strings.HasPrefix(pe.Code, "08") {
			return fmt.Errorf("%w: %s", ErrBusy, pe.Code)
		}
		if strings.HasPrefix(pe.Code, "22") {
			return fmt.Errorf("%w: %w", ErrBadValue, err)
		}
		return err
	}
	if errors.Is(err, ErrBusy) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err) {
		return fmt.Errorf("%w: %v", ErrBusy, err)
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || pgconn.SafeToRetry(err) {
		return fmt.Errorf("%w: %v", ErrBusy, err)
	}
	return err
}
