package main

import (
	"errors"
	"fmt"

	"chartkeeper/chart"
	"chartkeeper/internal/plain"
	"chartkeeper/store"
)

// Exit statuses; scripts rely on them.
const (
	exitOK         = 0
	exitFailed     = 1 // the action failed, or verify found damage
	exitUsage      = 2 // bad command line; also a store too damaged to read
	exitUnreadable = 2
	exitRefused    = 3 // the signed-in user's role may not do this
	exitSignIn     = 4 // wrong password or recovery key, unknown or disabled user
)

// usageError is a mistake on the command line; it is reported with the
// command's usage line and exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// signInError marks a failed sign-in, so it exits with status 4 whatever
// the store's reason (wrong password, unknown or disabled user).
type signInError struct{ err error }

func (e *signInError) Error() string { return e.err.Error() }
func (e *signInError) Unwrap() error { return e.err }

// errHelpShown means -h printed a command's help: nothing failed.
var errHelpShown = errors.New("help shown")

// exitCode maps an error to the exit status scripts rely on.
func exitCode(err error) int {
	var (
		ue *usageError
		se *signInError
		ul *store.UnlockError
	)
	switch {
	case err == nil, errors.Is(err, errHelpShown):
		return exitOK
	case errors.As(err, &ue):
		return exitUsage
	case errors.Is(err, store.ErrPermission):
		return exitRefused
	case errors.As(err, &se), errors.As(err, &ul), errors.Is(err, store.ErrWrongRecoveryKey):
		return exitSignIn
	}
	return exitFailed
}

// exit reports err to the person (with the usage line for a usage error,
// one line per field for a record the chart refused) and returns the exit
// status.
func (e *env) exit(err error) int {
	code := exitCode(err)
	if code == exitOK {
		return code
	}
	// Every message goes through plain, the same wording as the
	// workstation's: no Go error text, no socket or certificate jargon.
	msg := plain.Sentence(plain.Admin, err)
	var ve *chart.ValidationError
	if errors.As(err, &ve) {
		msg = plain.Capital(validationMessage(err.Error(), ve))
	}
	fmt.Fprintf(e.stderr, "ckadmin: %s\n", msg)
	if code == exitUsage && e.cmd != nil {
		fmt.Fprintf(e.stderr, "usage: %s\n'ckadmin %s -h' explains the flags.\n", e.cmd.usage(), e.cmd.name)
	}
	return code
}
