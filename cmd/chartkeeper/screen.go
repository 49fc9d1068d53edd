package main

import (
	"math"

	"github.com/go-gl/glfw/v3.3/glfw"

	"fyne.io/fyne/v2"

	"chartkeeper/ui"
)

// titleBarRoom is what a window manager's title bar may take off the
// screen's height, in pixels.
const titleBarRoom = 40

// fitToScreen makes the window no larger than the primary screen's work
// area (the display less its panels) at the window's scale: at Fyne scale
// 1.5 a 1366×768 display is 910×512 of Fyne's units, smaller than
// ui.DefaultWindowSize, and a window that opened larger would reach past
// the display. It runs once the driver is started (the screen is known
// then), on the main thread as GLFW asks.
func fitToScreen(w fyne.Window) {
	fyne.Do(func() {
		m := glfw.GetPrimaryMonitor()
		if m == nil {
			return
		}
		_, _, pw, ph := m.GetWorkarea()
		if pw <= 0 || ph <= 0 {
			if mode := m.GetVideoMode(); mode != nil {
				pw, ph = mode.Width, mode.Height
			}
		}
		scale := w.Canvas().Scale()
		if pw <= 0 || ph <= titleBarRoom || scale <= 0 {
			return
		}
		// Whole units, so the window's pixels round within the screen.
		room := fyne.NewSize(float32(math.Floor(float64(float32(pw)/scale))), float32(math.Floor(float64(float32(ph-titleBarRoom)/scale))))
		if size := ui.DefaultWindowSize.Min(room); size != ui.DefaultWindowSize {
			w.Resize(size)
		}
	})
}
