package ui

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"

	"chartkeeper/chart"
	"chartkeeper/store"
)

// sentence turns an error from store or chart into a sentence for the person
// at the keyboard. Their messages are already written for people; this
// drops the "invalid input: " sentinel prefix, starts with a capital and
// ends with a full stop.
func sentence(err error) string {
	var ve *chart.ValidationError
	if errors.As(err, &ve) {
		parts := make([]string, len(ve.Fields))
		for i, f := range ve.Fields {
			parts[i] = f.Error()
		}
		return capital(strings.Join(parts, "; ")) + "."
	}
	text := strings.TrimPrefix(err.Error(), store.ErrInvalid.Error()+": ")
	if !strings.HasSuffix(text, ".") {
		text += "."
	}
	return capital(text)
}

// capital starts s with a capital letter.
func capital(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// showError shows a short dialog: what could not be done, and why in plain words.
func showError(w fyne.Window, what string, err error) {
	dialog.ShowInformation(what, sentence(err), w)
}
