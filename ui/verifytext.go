package ui

import (
	"errors"
	"fmt"

	"fyne.io/fyne/v2/lang"

	"chartkeeper/internal/plain"
	"chartkeeper/store"
)

// problemText is one problem a check of the store found, as a sentence
// in the person's language: its sentence and the names of entries in it
// (store.T's marked text) are translated, its other values (IDs, keys,
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
