package chart

import (
	"errors"
	"fmt"
	"strings"

	"chartkeeper/store"
)

// FieldError is one problem with one field of a form, worded for the
// person who filled it in.
type FieldError struct {
	Field   string // the form field, e.g. "birth date" or "diagnoses[1].code"
	Message string // e.g. "is in the future"
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

func (p *problems) add(field, format string, args ...any) {
	fe := FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
	for _, old := range p.list {
		if old == fe {
			return
		}
	}
	p.list = append(p.list, fe)
}

// required refuses empty text (and, as every text check, control
// characters; see text.go).
func (p *problems) required(field, value string) {
	if strings.TrimSpace(value) == "" {
		p.add(field, "is required")
	}
	p.text(field, value)
}

// maxLen refuses text longer than n characters (runes), and control
// characters.
func (p *problems) maxLen(field, value string, n int) {
	if len([]rune(value)) > n {
		p.add(field, "is longer than %d characters", n)
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
