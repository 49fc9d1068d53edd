// Command chartkeeper is the records workstation: the desktop program that
// front desk staff, clinicians, coders and health information managers use.
//
// Usage:
//
//	chartkeeper [--data FOLDER] [--demo]
//
// With --demo, a data folder that holds no practice gets a demo practice of
// made-up patients: the window opens at once and shows it being made (the
// first-run screen offers the same). --script reads commands that sign in
// and open screens from standard input (see script.go); the real-window
// test and `make screens` use it.
package main

import (
	"flag"
	"os"

	"fyne.io/fyne/v2/app"

	"chartkeeper/store"
	"chartkeeper/ui"
)

func main() {
	dir := flag.String("data", store.DefaultDir(), "the data `folder` that holds the practice's store")                       // i18n:skip
	demo := flag.Bool("demo", false, "make a demo practice of made-up patients in the data folder when it holds no practice") // i18n:skip
	shot := flag.String("smoke-screenshot", os.Getenv("CHARTKEEPER_SMOKE_SCREENSHOT"),
		"save a picture of the first screen as a PNG `file`, then quit (used by the smoke test)") // i18n:skip
	patients := flag.Int("demo-patients", ui.DemoPatients, "how many made-up patients --demo makes")                                                            // i18n:skip
	script := flag.Bool("script", false, "read commands from standard input that sign in to a demo practice and open screens (used by tests and make screens)") // i18n:skip
	flag.Parse()

	ui.UseBundledFonts() // before any text is drawn
	a := app.NewWithID("org.chartkeeper.workstation")
	a.SetIcon(ui.AppIcon)
	w := a.NewWindow("Chartkeeper") // i18n:skip
	content, sc := ui.CreateWith(a, w, *dir, ui.Options{Demo: *demo, DemoPatients: *patients})
	w.SetContent(content)
	w.Resize(ui.DefaultWindowSize)
	w.SetMaster()

	switch {
	case *shot != "":
		runSmoke(a, w, sc, *shot)
	case *script:
		a.Lifecycle().SetOnStarted(func() {
			fitToScreen(w)
			go runScript(a, sc, os.Stdin, os.Stdout)
		})
		w.ShowAndRun()
	default:
		a.Lifecycle().SetOnStarted(func() { fitToScreen(w) })
		w.ShowAndRun()
	}
}
