package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// centredColumn is a layout that gives its objects the full width up to maxWidth,
// centred horizontally, with padding around, and stacks them at the top.
type centredColumn struct {
	maxWidth float32
}

func (c *centredColumn) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	pad := 2 * theme.Padding()
	width := min(size.Width-2*pad, c.maxWidth)
	x := (size.Width - width) / 2
	for _, o := range objects {
		o.Move(fyne.NewPos(x, pad))
		o.Resize(fyne.NewSize(width, max(size.Height-2*pad, o.MinSize().Height)))
	}
}

func (c *centredColumn) MinSize(objects []fyne.CanvasObject) fyne.Size {
	pad := 2 * theme.Padding()
	var s fyne.Size
	for _, o := range objects {
		s = s.Max(o.MinSize())
	}
	return s.Add(fyne.NewSquareSize(2 * pad))
}
