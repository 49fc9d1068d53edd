package ui

import (
	"errors"
	"fmt"
	"io/fs"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/store"
)

// problem is the screen for a data folder that could not be opened.
type problem struct {
	dir string
	err error
}

func (s *problem) content() fyne.CanvasObject {
	return page(lang.L("Chartkeeper could not open its data folder"),
		paragraph(explain(s.dir, s.err)),
		&widget.Label{Text: fmt.Sprintf(lang.L("Data folder: %s"), s.dir), Wrapping: fyne.TextWrapBreak, Selectable: true},
	)
}

// explain says in plain words why dir could not be opened and what to do.
func explain(dir string, err error) string {
	switch {
	case errors.Is(err, store.ErrInUse):
		return lang.L("Another Chartkeeper program on this computer has the data folder open, perhaps a second Chartkeeper window or ckadmin. Close it, then start Chartkeeper again.")
	case errors.Is(err, store.ErrSchemaTooNew):
		return lang.L("A newer version of Chartkeeper has written to this data folder. Update Chartkeeper on this workstation, then start it again.")
	case errors.Is(err, fs.ErrPermission):
		return fmt.Sprintf(lang.L("This computer account may not read or write %s. Ask whoever looks after the computer to give it access, or start Chartkeeper with another folder (chartkeeper --data FOLDER)."), dir)
	}
	return lang.L("The data folder could not be opened.") + " " + sentence(err)
}
