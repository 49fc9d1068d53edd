package ui

import (
	"errors"

	"fyne.io/fyne/v2"

	"chartkeeper/internal/plain"
	"chartkeeper/scan"
)

// sentence turns any error into sentences for the person at the keyboard:
// what happened and what to do. It is the one place where errors become
// words on the workstation's screen (see internal/plain): no Go error text,
// no field keys, no addresses of the server's API. An error it cannot
// explain shows a general sentence and goes to the log. Why a scan's
// pages cannot be cut or turned (scan.ProblemError) and what is wrong with
// the scan folder settings (scan.SettingsError) are scan's own sentences,
// in the workstation's language.
func sentence(err error) string {
	var pe *scan.ProblemError
	if errors.As(err, &pe) {
		return plain.Full(scanText(pe.Text, pe.Reason))
	}
	var se *scan.SettingsError
	if errors.As(err, &se) {
		return plain.Full(scanText(se.Text, se.Error()))
	}
	return plain.Sentence(plain.Workstation, err)
}

// capital starts s with a capital letter.
func capital(s string) string { return plain.Capital(s) }

// showError shows a short dialog: what could not be done, and why in plain words.
func showError(w fyne.Window, what string, err error) {
	showMessage(w, what, sentence(err))
}
