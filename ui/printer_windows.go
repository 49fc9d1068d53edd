//go:build windows

package ui

import "fyne.io/fyne/v2"

// On Windows documents print and open through the shell: there is no lp,
// and the program registered for PDF files does both.
func init() {
	systemPrinter = shellPrinter{}
	openInViewer = func(_ fyne.App, path string) error { return shellOpen(path) }
}
