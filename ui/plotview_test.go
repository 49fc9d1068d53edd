package ui

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"chartkeeper/internal/plots"
)

func TestPlotViewDrawsAndSaves(t *testing.T) {
	a := test.NewTempApp(t)
	w := a.NewWindow("plot")
	d := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	c := plots.Chart{Title: "Weight", Unit: "kg", Series: []plots.Series{{Name: "Weight", Points: []plots.Point{
		{At: d, Value: 80.2}, {At: d.AddDate(0, 1, 0), Value: 79.5}, {At: d.AddDate(0, 3, 0), Value: 78.1},
	}}}}
	v := newPlotView(w, c, fyne.NewSize(300, 180))
	w.SetContent(v)
	w.Resize(fyne.NewSize(500, 320))
	if v.img.Image == nil || !v.img.Visible() {
		t.Fatal("the plot was not drawn")
	}
	if b := v.img.Image.Bounds(); b.Dx() < 300 {
		t.Fatalf("the plot was drawn %d pixels wide for a %v view", b.Dx(), v.Size())
	}

	path := filepath.Join(t.TempDir(), "weight.pdf")
	saveTo(t, path)
	test.Tap(v.save)
	b, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("saving as .pdf wrote %d bytes (%v), not a PDF", len(b), err)
	}

	v.SetChart(plots.Chart{Title: "Weight"})
	if v.img.Visible() || !v.empty.Visible() || !v.save.Disabled() {
		t.Fatal("an empty chart should say there is nothing to plot and offer no save")
	}
}
