package ui

import (
	"fmt"

	"fyne.io/fyne/v2/lang"

	"chartkeeper/internal/plain"
	"chartkeeper/store"
)

// problemText is one problem a check of the store found, as a sentence
// in the person's language: its sentence and the names of entries in it
// (store.T's marked text) are translated, its other values (IDs, keys,
// numbers) go in as they are. A problem that is an error's own text (the
// store's "%v") stays as the store wrote it.
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
			if v == store.ErrTampered {
				a = lang.L("stored data failed its integrity check (changed, moved or damaged)")
			}
		}
		args[i] = a
	}
	return fmt.Sprintf(format, args...)
}
