package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/store"
)

// ready is the screen for an opened store. Sign-in comes next; until then it
// shows which practice this workstation holds.
type ready struct {
	store *store.Store
}

func (s *ready) content() fyne.CanvasObject {
	details := container.New(layout.NewFormLayout(),
		&widget.Label{Text: "Data folder", TextStyle: fyne.TextStyle{Bold: true}},
		&widget.Label{Text: s.store.Dir(), Wrapping: fyne.TextWrapBreak, Selectable: true},
		&widget.Label{Text: "Practice ID", TextStyle: fyne.TextStyle{Bold: true}},
		&widget.Label{Text: s.store.PracticeID(), TextStyle: fyne.TextStyle{Monospace: true}, Selectable: true},
	)
	return page("Store ready",
		details,
		paragraph("The practice's store is open and locked. Signing in arrives with "+
			"the next version of the workstation; until then, ckadmin looks after "+
			"users, backups and checks."),
	)
}
