// Command chartkeeper is the records workstation: the desktop program that
// front desk staff, clinicians, coders and health information managers use.
//
// Usage:
//
//	chartkeeper [--data FOLDER]
package main

import (
	"flag"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"chartkeeper/store"
	"chartkeeper/ui"
)

func main() {
	dir := flag.String("data", store.DefaultDir(), "the data `folder` that holds the practice's store")
	shot := flag.String("smoke-screenshot", os.Getenv("CHARTKEEPER_SMOKE_SCREENSHOT"),
		"save a picture of the first screen as a PNG `file`, then quit (used by the smoke test)")
	flag.Parse()

	a := app.NewWithID("org.chartkeeper.workstation")
	a.SetIcon(ui.AppIcon)
	w := a.NewWindow("Chartkeeper")
	w.SetContent(ui.Create(a, w, *dir))
	w.Resize(fyne.NewSize(800, 560))
	w.SetMaster()

	if *shot != "" {
		runSmoke(a, w, *shot)
		return
	}
	w.ShowAndRun()
}
