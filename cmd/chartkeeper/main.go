// Command chartkeeper is the records workstation: the desktop program that
// front desk staff, clinicians, coders and health information managers use.
//
// Usage:
//
//	chartkeeper [--data FOLDER] [--demo]
//
// With --demo, a data folder that holds no practice gets a demo practice of
// made-up patients before the window opens (the first-run screen offers the
// same).
package main

import (
	"flag"
	"fmt"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"chartkeeper/store"
	"chartkeeper/ui"
)

func main() {
	dir := flag.String("data", store.DefaultDir(), "the data `folder` that holds the practice's store")
	demo := flag.Bool("demo", false, "make a demo practice of made-up patients in the data folder when it holds no practice")
	shot := flag.String("smoke-screenshot", os.Getenv("CHARTKEEPER_SMOKE_SCREENSHOT"),
		"save a picture of the first screen as a PNG `file`, then quit (used by the smoke test)")
	flag.Parse()

	if *demo && !store.Exists(*dir) {
		if err := makeDemo(*dir); err != nil {
			fmt.Fprintln(os.Stderr, "chartkeeper: the demo practice could not be made:", err)
			os.Exit(1)
		}
	}

	a := app.NewWithID("org.chartkeeper.workstation")
	a.SetIcon(ui.AppIcon)
	w := a.NewWindow("Chartkeeper")
	w.SetContent(ui.Create(a, w, *dir))
	w.Resize(fyne.NewSize(1000, 680))
	w.SetMaster()

	if *shot != "" {
		runSmoke(a, w, *shot)
		return
	}
	w.ShowAndRun()
}

// makeDemo fills dir with a demo practice, telling its progress on stderr.
func makeDemo(dir string) error {
	shown := -1
	st, _, err := ui.NewDemoPractice(dir, ui.DemoPatients, func(done, total int) {
		if pct := done * 100 / max(total, 1); pct/10 != shown/10 {
			shown = pct
			fmt.Fprintf(os.Stderr, "demo practice: %3d%%\n", pct)
		}
	})
	if err != nil {
		return err
	}
	return st.Close()
}
