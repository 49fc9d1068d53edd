package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
)

// watchStateChecks shows, as for a damaged store, what the store's checks
// of its state digest found at this sign-in (store.Store.StateError: the
// quick check at once, the full check when it ends in the background): an
// entry of the store file deleted, changed or put back behind the
// program's back. The session goes on, so that an HIM manager can check
// the practice and restore it.
func (s *session) watchStateChecks() {
	st := s.ws.st
	go func() {
		err := st.StateError(true)
		if err == nil {
			return
		}
		fyne.Do(func() {
			if s.ws.sess == s {
				showError(s.ws.win, lang.L("This workstation's store file was edited outside Chartkeeper"), err)
			}
		})
	}()
}
