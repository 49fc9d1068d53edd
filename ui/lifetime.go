package ui

import (
	"sync"

	"fyne.io/fyne/v2"

	"chartkeeper/store"
)

// closeOnExit closes st once, when w closes or when a stops, whichever comes
// first, so that the data folder is released for ckadmin and the next start.
func closeOnExit(a fyne.App, w fyne.Window, st *store.Store) {
	var once sync.Once
	closeStore := func() {
		once.Do(func() {
			if err := st.Close(); err != nil {
				fyne.LogError("closing the data folder "+st.Dir(), err)
			}
		})
	}
	w.SetOnClosed(closeStore)
	a.Lifecycle().SetOnStopped(closeStore)
}
