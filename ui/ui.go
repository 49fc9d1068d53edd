// Package ui holds Chartkeeper's Fyne screens and widgets. It shows what the
// store and the clinical packages decide and keeps no business rules of its
// own.
package ui

import (
	"errors"

	"fyne.io/fyne/v2"

	"chartkeeper/store"
)

// Create opens the practice in the data folder dir and returns the window's
// content: the opened store's details, the steps to set a practice up when
// dir holds none, or what went wrong, in plain words. A store it opens is
// closed when w closes or a stops.
func Create(a fyne.App, w fyne.Window, dir string) fyne.CanvasObject {
	st, err := store.Open(dir)
	switch {
	case errors.Is(err, store.ErrNoPractice):
		return (&noPractice{app: a, dir: dir}).content()
	case err != nil:
		return (&problem{dir: dir, err: err}).content()
	}
	closeOnExit(a, w, st)
	return (&ready{store: st}).content()
}
