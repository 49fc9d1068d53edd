package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// activity lies under the whole workspace and reports mouse movement and
// clicks that reach it (where no button or list row is on top) as
// activity for the idle lock. Typing is seen by the entries themselves.
type activity struct {
	widget.BaseWidget
	onActivity func()
}

var (
	_ desktop.Hoverable = (*activity)(nil)
	_ fyne.Tappable     = (*activity)(nil)
)

func (a *activity) CreateRenderer() fyne.WidgetRenderer {
	a.ExtendBaseWidget(a)
	return widget.NewSimpleRenderer(&fyne.Container{})
}

func (a *activity) MouseIn(*desktop.MouseEvent)    { a.onActivity() }
func (a *activity) MouseMoved(*desktop.MouseEvent) { a.onActivity() }
func (a *activity) MouseOut()                      {}
func (a *activity) Tapped(*fyne.PointEvent)        { a.onActivity() }
