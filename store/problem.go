package store

import "fmt"

// T marks English text a check of the store finds and a person reads: the
// problems of [Store.Verify] and of the state digest's checks, and the
// names of the entries in them. It returns s unchanged, so the store
// stays free of any translation machinery and ckadmin prints English; the
// workstation translates the marked text where it shows it, and the
// translation checker collects every T("...") literal of this package as
// a key that each language must translate.
func T(s string) string { return s }

// Problem is one thing a check found, kept apart from its values so that
// it can be shown in another language: Format is an English sentence
// (marked with [T] when it is one) with fmt verbs, Args its values. A
// value that is itself a Problem (the name of an entry, say) is marked
// text too, translated before it goes in; any other value (an ID, a key,
// a number, an error's text) goes in as it is. String gives the English.
type Problem struct {
	Format string
	Args   []any
}

// RecordType is a value of a [Problem]'s Args that is a record's type as
// stored ("allergy"): the workstation shows it by its name in the
// person's language, and String gives it as it is.
type RecordType string

// Problemf is a Problem with format and its values.
func Problemf(format string, args ...any) Problem {
	return Problem{Format: format, Args: args}
}

// String is the problem in English, as ckadmin prints it.
func (p Problem) String() string {
	if len(p.Args) == 0 {
		return p.Format
	}
	return fmt.Sprintf(p.Format, p.Args...)
}

// add is a problem found by a check that makes its own [Problem]s (the
// state digest's).
func (r *VerifyReport) add(p Problem) {
	if len(r.Problems) < 1000 {
		r.Problems = append(r.Problems, p.String())
		r.Found = append(r.Found, p)
	}
}

// ProblemError is an error whose text is a [Problem], so that where it
// is shown (a problem of [Store.Verify] that is an error of the audit
// chain, say) it can be given in the reader's language. Err is what it
// wraps ([ErrTampered]); Error is the problem in English.
type ProblemError struct {
	Problem Problem
	Err     error
}

func (e *ProblemError) Error() string { return e.Problem.String() }

func (e *ProblemError) Unwrap() error { return e.Err }

// tampered is an [ErrTampered] error that says what failed; ErrTampered
// is among args, where the sentence names it.
func tampered(format string, args ...any) error {
	return &ProblemError{Problem: Problemf(format, args...), Err: ErrTampered}
}
