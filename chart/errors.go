package chart

import (
	"errors"
	"fmt"
	"strings"

	"chartkeeper/store"
)

// FieldError is one problem with one field of a form, worded for the
// person who filled it in.
//
// Field and Message are English, marked with [T] where they are written;
// the workstation translates them where it shows them. Message is Format
// with Args filled in; Format is empty when Message has no values in it.
type FieldError struct {
	Field   string // the form field, e.g. "birth date" or "diagnoses[1].code" (lines count from 1)
	Message string // e.g. "is in the future"
	Format  string // Message before Args were filled in, e.g. "is longer than %d characters"
	Args    []any  // the values in Message
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// ValidationError lists everything wrong with a record that was refused.
// Nothing of it was stored. It matches store.ErrInvalid with errors.Is.
type ValidationError struct {
	What   string // "patient", "visit", ...
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Error()
	}
	return fmt.Sprintf("the %s was not saved: %s", e.What, strings.Join(parts, "; "))
}

func (e *ValidationError) Is(target error) bool { return target == store.ErrInvalid }

// Field returns the message for a field, or "" when it has none.
func (e *ValidationError) Field(name string) string {
	for _, f := range e.Fields {
		if f.Field == name {
			return f.Message
		}
	}
	return ""
}

// problems collects field errors while a record is checked.
type problems struct{ list []FieldError }

func (p *problems) add(field, message string) {
	p.put(FieldError{Field: field, Message: message})
}

// addf is add with values filled into format; FieldError keeps both.
func (p *problems) addf(field, format string, args ...any) {
	p.put(FieldError{Field: field, Message: fmt.Sprintf(format, args...), Format: format, Args: args})
}

func (p *problems) put(fe FieldError) {
	for _, old := range p.list {
		if old.Field == fe.Field && old.Message == fe.Message {
			return
		}
	}
	p.list = append(p.list, fe)
}

// required refuses empty text (and, as every text check, control
// characters; see text.go).
func (p *problems) required(field, value string) {
	if strings.TrimSpace(value) == "" {
		p.add(field, T("is required"))
	}
	p.text(field, value)
}

// maxLen refuses text longer than n characters (runes), and control
// characters.
func (p *problems) maxLen(field, value string, n int) {
	if len([]rune(value)) > n {
		p.addf(field, T("is longer than %d characters"), n)
	}
	p.text(field, value)
}

func (p *problems) err(what string) error {
	if len(p.list) == 0 {
		return nil
	}
	return &ValidationError{What: what, Fields: p.list}
}

// ErrSigned means a signed visit was to be changed: correct it with an
// amendment instead.
var ErrSigned = errors.New("the visit is signed and can no longer be changed; add an amendment instead")

// ErrMerged means the patient was merged into another chart.
var ErrMerged = errors.New("this patient was merged into another chart")
