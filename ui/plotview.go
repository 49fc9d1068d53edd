package ui

import (
	"errors"
	"image"
	"io"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/internal/plots"
)

// plotView shows a chart over time, drawn again whenever its size or the
// screen's scale changes so it stays crisp, with a button to save it as a
// PNG or PDF file.
type plotView struct {
	widget.BaseWidget
	win   fyne.Window
	chart plots.Chart
	min   fyne.Size

	img   *canvas.Image
	empty *widget.Label
	save  *widget.Button

	drawn fyne.Size // size and scale of the last drawing
	scale float32
}

// newPlotView returns a view of c at least min in size (in Fyne's units).
func newPlotView(w fyne.Window, c plots.Chart, min fyne.Size) *plotView {
	v := &plotView{win: w, chart: c, min: min}
	v.img = canvas.NewImageFromImage(nil)
	v.img.FillMode = canvas.ImageFillStretch
	v.img.ScaleMode = canvas.ImageScaleFastest
	v.empty = widget.NewLabel(lang.L("Nothing recorded to plot yet."))
	v.empty.Hide()
	v.save = widget.NewButton(lang.L("Save plot…"), v.saveFile)
	v.ExtendBaseWidget(v)
	return v
}

// SetChart replaces the chart shown.
func (v *plotView) SetChart(c plots.Chart) {
	v.chart = c
	v.drawn = fyne.Size{}
	v.Refresh()
}

// image draws the chart for size s at the current scale; nil when there is
// nothing to plot.
func (v *plotView) image(s fyne.Size) image.Image {
	scale := float32(1)
	if c := fyne.CurrentApp().Driver().CanvasForObject(v); c != nil {
		scale = c.Scale()
	}
	if s == v.drawn && scale == v.scale && v.img.Image != nil {
		return v.img.Image
	}
	v.drawn, v.scale = s, scale
	w, h := int(s.Width*scale+0.5), int(s.Height*scale+0.5)
	if w < 16 || h < 16 {
		return nil
	}
	img, err := v.chart.Image(w, h, float64(96*scale))
	if err != nil {
		return nil
	}
	return img
}

func (v *plotView) saveFile() {
	name := v.chart.Title
	if name == "" {
		name = "plot"
	}
	chooseSaveFile(v.win, name+".png", func(out io.WriteCloser, path string, err error) {
		if err != nil {
			showError(v.win, lang.L("The plot was not saved"), err)
			return
		}
		if out == nil {
			return
		}
		werr := v.chart.Write(out, plots.FormatOf(path), 720, 400)
		if cerr := out.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			showError(v.win, lang.L("The plot was not saved"), werr)
		}
	})
}

func (v *plotView) CreateRenderer() fyne.WidgetRenderer {
	return &plotRenderer{v: v, objects: []fyne.CanvasObject{v.img, v.empty, v.save}}
}

type plotRenderer struct {
	v       *plotView
	objects []fyne.CanvasObject
}

func (r *plotRenderer) Layout(s fyne.Size) {
	bs := r.v.save.MinSize()
	area := fyne.NewSize(s.Width, s.Height-bs.Height-4)
	r.v.img.Move(fyne.NewPos(0, 0))
	r.v.img.Resize(area)
	r.v.empty.Move(fyne.NewPos(0, 0))
	r.v.empty.Resize(r.v.empty.MinSize())
	r.v.save.Move(fyne.NewPos(s.Width-bs.Width, s.Height-bs.Height))
	r.v.save.Resize(bs)
	r.draw(area)
}

func (r *plotRenderer) draw(area fyne.Size) {
	img := r.v.image(area)
	if img == nil {
		_, err := r.v.chart.Plot()
		if errors.Is(err, plots.ErrEmpty) {
			r.v.empty.Show()
			r.v.save.Disable()
		}
		r.v.img.Image = nil
		r.v.img.Hide()
		return
	}
	r.v.empty.Hide()
	r.v.save.Enable()
	if img != r.v.img.Image {
		r.v.img.Image = img
		r.v.img.Show()
		r.v.img.Refresh()
	}
}

func (r *plotRenderer) MinSize() fyne.Size {
	bs := r.v.save.MinSize()
	return fyne.NewSize(max(r.v.min.Width, bs.Width), r.v.min.Height+bs.Height+4)
}

func (r *plotRenderer) Refresh() {
	r.Layout(r.v.Size())
	canvas.Refresh(r.v)
}

func (r *plotRenderer) Objects() []fyne.CanvasObject { return r.objects }
func (r *plotRenderer) Destroy()                     {}
