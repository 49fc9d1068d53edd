package ui

import (
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2/lang"

	"chartkeeper/chart"
	"chartkeeper/internal/plain"
	"chartkeeper/store"
)

// problemText is one problem a check of the store found, as a sentence
// in the person's language: its sentence and the names of entries in it
// (store.T's marked text) and the types of records in it
// (store.RecordType, named by chart.RecordTypeName) are translated, its
// other values (IDs, keys,
// numbers) go in as they are, and so does an error's own text, unless the
// error is itself a problem (store.ProblemError: the audit chain's).
func problemText(p store.Problem) string {
	return plain.Full(problemPhrase(p))
}

func problemPhrase(p store.Problem) string {
	format := lang.L(p.Format)
	if len(p.Args) == 0 {
		return format
	}
	args := make([]any, len(p.Args))
	for i, a := range p.Args {
		switch v := a.(type) {
		case store.Problem:
			a = problemPhrase(v)
		case store.RecordType:
			a = recordTypeText(string(v))
		case error:
			var pe *store.ProblemError
			switch {
			case v == store.ErrTampered:
				a = lang.L("stored data failed its integrity check (changed, moved or damaged)")
			case errors.As(v, &pe) && pe.Error() == v.Error():
				a = problemPhrase(pe.Problem) // an error of a check that says what failed
			}
		}
		args[i] = a
	}
	return fmt.Sprintf(format, args...)
}

// recordTypeText is a record type as stored ("allergy") named in the
// person's language; a type the chart does not know is shown as stored.
func recordTypeText(typ string) string {
	if name, ok := chart.RecordTypeName(typ); ok {
		return lang.L(name)
	}
	return typ
}

// problemsText is the problems found, as the integrity check shows them:
// the first five as sentences in the person's language, then how many
// more there are.
func problemsText(found []store.Problem) string {
	return strings.Join(problemList(found), " ")
}

// problemLines is problemsText one sentence a line.
func problemLines(found []store.Problem) string {
	return strings.Join(problemList(found), "\n")
}

func problemList(found []store.Problem) []string {
	more := len(found) - 5
	found = found[:min(len(found), 5)]
	out := make([]string, 0, len(found)+1)
	for _, p := range found {
		out = append(out, problemText(p))
	}
	if more > 0 {
		out = append(out, fmt.Sprintf(lang.L("And %d more."), more))
	}
	return out
}
