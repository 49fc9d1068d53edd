package ui

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/store"
)

// watchStateChecks shows, as for a damaged store, what the store's checks
// of its state digest found at this sign-in (store.Store.StateError: the
// quick check at once, the full check when it ends in the background): an
// entry of the store file deleted, changed or put back behind the
// program's back. Under the damaged-store sentence it lists the problems
// found, in the person's language as "Check integrity" shows them, in a
// scrolling area that fits the sign-in screen at 683×512 units. The
// session goes on, so that an HIM manager can check the practice and
// restore it.
func (s *session) watchStateChecks() {
	st := s.ws.st
	go func() {
		err := st.StateError(true)
		if err == nil {
			return
		}
		fyne.Do(func() {
			if s.ws.sess != s {
				return
			}
			title := lang.L("This workstation's store file was edited outside Chartkeeper")
			var se *store.StateError
			if !errors.As(err, &se) || len(se.Found) == 0 {
				showError(s.ws.win, title, err)
				return
			}
			showProblems(s.ws.win, title, sentence(err), se.Found)
		})
	}()
}

// stateProblemsSize is the least size of the scrolling list of problems
// under a sentence: with the dialog's title, sentence and button it fits
// 683×512 units.
var stateProblemsSize = fyne.NewSize(480, 180)

// showProblems is showMessage with the problems found listed under text,
// one a line, in a scrolling area.
func showProblems(w fyne.Window, title, text string, found []store.Problem) *modal {
	list := container.NewVScroll(paragraph(problemLines(found)))
	list.SetMinSize(stateProblemsSize)
	return openModal(w, title, container.NewPadded(container.NewVBox(paragraph(text), list)), nil,
		&action{text: lang.L("OK"), imp: widget.HighImportance})
}
