package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// focusTheme is Fyne's theme with a focus colour that can be seen: the
// default is a faint tint that makes a focused button look like any other,
// so keyboard users lose their place. A strong amber, the same in light
// and dark variants, marks the focused button, check box or choice.
type focusTheme struct{ fyne.Theme }

// focusColor is the amber that marks keyboard focus.
var focusColor = color.NRGBA{R: 0xff, G: 0x8f, B: 0x00, A: 0xe0}

func newTheme() fyne.Theme { return focusTheme{theme.DefaultTheme()} }

func (t focusTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if n == theme.ColorNameFocus {
		return focusColor
	}
	return t.Theme.Color(n, v)
}
