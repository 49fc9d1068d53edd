package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// pageWidth is the widest a page of text grows, so lines stay easy to read
// on a wide monitor.
const pageWidth = 640

// page lays out a simple screen: the app icon, a heading, then parts in a
// column centred in the window, scrolling when the window is short.
func page(heading string, parts ...fyne.CanvasObject) fyne.CanvasObject {
	icon := canvas.NewImageFromResource(AppIcon)
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSquareSize(72))

	title := &widget.Label{
		Text:      heading,
		TextStyle: fyne.TextStyle{Bold: true},
		SizeName:  theme.SizeNameHeadingText,
		Wrapping:  fyne.TextWrapWord,
	}

	top := container.NewBorder(nil, nil, icon, nil, title)
	column := container.NewVBox(append([]fyne.CanvasObject{top, widget.NewSeparator()}, parts...)...)
	return container.NewVScroll(container.New(&centredColumn{maxWidth: pageWidth}, column))
}

// paragraph is a block of wrapped text.
func paragraph(text string) *widget.Label {
	return &widget.Label{Text: text, Wrapping: fyne.TextWrapWord}
}

// border is container.NewBorder with its parts in reading order (top,
// left, centre, right, bottom), which is the order Tab visits them in;
// container.NewBorder puts the centre first, so Tab would skip from the
// centre up to a search field above it.
func border(top, bottom, left, right, center fyne.CanvasObject) *fyne.Container {
	var objs []fyne.CanvasObject
	for _, o := range []fyne.CanvasObject{top, left, center, right, bottom} {
		if o != nil {
			objs = append(objs, o)
		}
	}
	return container.New(layout.NewBorderLayout(top, bottom, left, right), objs...)
}
