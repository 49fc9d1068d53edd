package main

import (
	"errors"
	"image"
	"image/color"
	"image/png"
	"log"
	"os"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"chartkeeper/ui"
)

// firstFrameTimeout bounds the wait for the window's first drawn frame.
const firstFrameTimeout = 30 * time.Second

// runSmoke shows w, waits for the practice to be open (a demo practice
// made), saves a picture of its next drawn frame to file as a PNG, then
// closes w, which ends the app. It exits the process with status 1
// when no picture could be saved. The smoke test uses it to check that the
// workstation starts and draws on a real display server.
func runSmoke(a fyne.App, w fyne.Window, sc *ui.Script, file string) {
	// Mesa's llvmpipe, the usual software renderer under Xvfb, reads back an
	// empty front buffer; softpipe reads back what was drawn. Hardware
	// drivers ignore this setting.
	if os.Getenv("GALLIUM_DRIVER") == "" {
		os.Setenv("GALLIUM_DRIVER", "softpipe")
	}
	var err error
	a.Lifecycle().SetOnStarted(func() {
		go func() {
			if err = sc.WaitReady(2 * time.Minute); err == nil { // a demo practice being made
				time.Sleep(200 * time.Millisecond) // the sign-in screen is drawn
				err = saveFirstFrame(w, file)
			}
			fyne.Do(w.Close)
		}()
	})
	w.ShowAndRun()
	if err != nil {
		log.Fatalf("smoke screenshot: %v", err)
	}
}

// saveFirstFrame waits until w has been drawn, then writes it to file.
func saveFirstFrame(w fyne.Window, file string) error {
	img, err := firstFrame(w)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if err := png.Encode(f, opaque(img)); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// firstFrame captures w's canvas until a frame has been drawn: the capture
// reads the window's front buffer, which holds nothing before the first one.
// It reports a drawn frame by the theme's background in the bottom right
// corner, which the screens leave empty.
func firstFrame(w fyne.Window) (image.Image, error) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(firstFrameTimeout)
	for {
		var img image.Image
		var background color.Color
		fyne.DoAndWait(func() {
			img = w.Canvas().Capture()
			background = theme.Color(theme.ColorNameBackground)
		})
		if drawn(img, background) {
			return img, nil
		}
		select {
		case <-tick.C:
		case <-deadline:
			return nil, errors.New("the window showed no drawn frame within " + firstFrameTimeout.String())
		}
	}
}

// drawn reports whether img is a frame with the background colour in its
// bottom right corner.
func drawn(img image.Image, background color.Color) bool {
	if img == nil {
		return false
	}
	b := img.Bounds()
	if b.Dx() < 2 || b.Dy() < 2 {
		return false
	}
	return near(img.At(b.Max.X-2, b.Max.Y-2), background)
}

// near reports whether two colours match within rounding. It ignores alpha:
// a window without an alpha channel may read back as transparent.
func near(c1, c2 color.Color) bool {
	r1, g1, b1, _ := c1.RGBA()
	r2, g2, b2, _ := c2.RGBA()
	const tolerance = 3 << 8
	for _, d := range []int64{int64(r1) - int64(r2), int64(g1) - int64(g2), int64(b1) - int64(b2)} {
		if d < -tolerance || d > tolerance {
			return false
		}
	}
	return true
}

// opaque copies a captured frame with every pixel fully opaque, as it is on
// screen. The colour channels are taken as they are: a window without an
// alpha channel reads back with alpha 0 but its colours intact.
func opaque(img image.Image) image.Image {
	b := img.Bounds()
	out := image.NewNRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			out.SetNRGBA(x, y, color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0xFF})
		}
	}
	return out
}
