package ui

import (
	"fyne.io/fyne/v2/lang"

	"chartkeeper/internal/plain"
)

// The sentences internal/plain makes (and the chart field names and
// problems in them) are shown in the workstation's language; ckadmin,
// which never sets plain.T, keeps English.
func init() {
	plain.T = translateMessage
}

// translateMessage is lang.L for packages that take a func(string) string:
// internal/plain's sentences and report's printed labels (report.Page.T).
func translateMessage(s string) string { return lang.L(s) }
