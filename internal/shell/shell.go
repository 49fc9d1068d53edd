// Package shell hands files to the Windows shell: "print" sends a file to
// the default printer through the program registered for its type, "open"
// opens it in that program, and the default printer is asked of the print
// spooler. Elsewhere every function says [ErrUnsupported]: the
// workstation prints with CUPS there.
//
// The package has no GUI and builds with CGO_ENABLED=0 on every platform.
package shell

import (
	"errors"
	"fmt"
)

// ErrUnsupported is the answer on platforms without the Windows shell.
var ErrUnsupported = errors.New("the Windows shell is not available on this platform")

// ErrNoPrinter says that the computer has no default printer.
var ErrNoPrinter = errors.New("no default printer is set up")

// ErrNoAssociation says that no program is registered for the file's
// type (the shell's SE_ERR_NOASSOC), or none that can print it.
var ErrNoAssociation = errors.New("no program is registered for this type of file")

// Error is another failure of ShellExecute, with its code.
type Error struct {
	Verb string
	Code uintptr
}

func (e *Error) Error() string {
	return fmt.Sprintf("the shell could not %s the file (ShellExecute code %d)", e.Verb, e.Code)
}

// The codes ShellExecute returns at or below 32, its failures.
const (
	seErrFNF             = 2 // file not found
	seErrPNF             = 3 // path not found
	seErrAccessDenied    = 5
	seErrOOM             = 8
	seErrShare           = 26
	seErrAssocIncomplete = 27
	seErrDDEFail         = 29
	seErrNoAssoc         = 31
)

// shellError maps ShellExecute's return value (32 or less is a failure).
func shellError(verb string, code uintptr) error {
	switch {
	case code > 32:
		return nil
	case code == seErrNoAssoc, code == seErrAssocIncomplete:
		return ErrNoAssociation
	default:
		return &Error{Verb: verb, Code: code}
	}
}
