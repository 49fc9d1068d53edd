// Package plots draws the workstation's charts over time (a patient's
// weight, a lab test's results, a worklist's backlog) with gonum/plot, and
// writes them as PNG or PDF. It has no user interface: ui shows the images
// it draws at the screen's scale, and report may print them.
package plots

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
)

// A Point is one value at one time.
type Point struct {
	At    time.Time
	Value float64
}

// A Series is one line of a plot: its name in the legend and its points, in
// any order.
type Series struct {
	Name   string
	Points []Point
}

// A Chart is a plot over time: a title, the unit of its values and its
// series. Band, when set, shades a normal range (a lab test's reference
// range).
type Chart struct {
	Title  string
	Unit   string
	Series []Series
	Band   *[2]float64
	// DateFormat is the layout of the time axis's labels; "2006-01-02"
	// when empty.
	DateFormat string
}

// ErrEmpty is returned for a chart with no points at all.
var ErrEmpty = errors.New("plots: nothing to plot")

// palette holds the series colours: dark enough to read on white, and
// told apart without relying on red against green alone.
var palette = []color.Color{
	color.RGBA{R: 0x1f, G: 0x4e, B: 0x99, A: 0xff}, // blue
	color.RGBA{R: 0xc0, G: 0x39, B: 0x2b, A: 0xff}, // red
	color.RGBA{R: 0x22, G: 0x88, B: 0x3a, A: 0xff}, // green
	color.RGBA{R: 0x8e, G: 0x44, B: 0xad, A: 0xff}, // purple
	color.RGBA{R: 0xd3, G: 0x84, B: 0x00, A: 0xff}, // amber
}

// Plot builds the gonum plot of c.
func (c Chart) Plot() (*plot.Plot, error) {
	n := 0
	for _, s := range c.Series {
		n += len(s.Points)
	}
	if n == 0 {
		return nil, ErrEmpty
	}
	p := plot.New()
	p.Title.Text = c.Title
	p.Y.Label.Text = c.Unit
	layout := c.DateFormat
	if layout == "" {
		layout = "2006-01-02"
	}
	p.X.Tick.Marker = plot.TimeTicks{Format: layout}
	p.Add(plotter.NewGrid())
	if c.Band != nil {
		lo, hi := c.Band[0], c.Band[1]
		var first, last time.Time
		for _, s := range c.Series {
			for _, pt := range s.Points {
				if first.IsZero() || pt.At.Before(first) {
					first = pt.At
				}
				if pt.At.After(last) {
					last = pt.At
				}
			}
		}
		x0, x1 := float64(first.Unix()), float64(last.Unix())
		if x0 == x1 {
			x0, x1 = x0-43200, x1+43200
		}
		band, err := plotter.NewPolygon(plotter.XYs{{X: x0, Y: lo}, {X: x1, Y: lo}, {X: x1, Y: hi}, {X: x0, Y: hi}})
		if err == nil {
			band.Color = color.RGBA{R: 0xe3, G: 0xf1, B: 0xe3, A: 0xff}
			band.LineStyle.Width = 0
			p.Add(band)
		}
	}
	for i, s := range c.Series {
		if len(s.Points) == 0 {
			continue
		}
		xys := make(plotter.XYs, len(s.Points))
		for j, pt := range sorted(s.Points) {
			xys[j] = plotter.XY{X: float64(pt.At.Unix()), Y: pt.Value}
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, fmt.Errorf("plots: series %q: %w", s.Name, err)
		}
		col := palette[i%len(palette)]
		line.Color = col
		line.Width = vg.Points(1.5)
		points.Color = col
		points.Shape = shapes[i%len(shapes)]
		points.Radius = vg.Points(2.5)
		p.Add(line, points)
		if len(c.Series) > 1 && s.Name != "" {
			p.Legend.Add(s.Name, line, points)
		}
	}
	p.Legend.Top = true
	p.Y.Tick.Marker = plainTicks{}
	if len(c.Series) > 1 {
		// Room above the highest point for the legend, which sits at the
		// top right, so it never covers a line.
		p.Y.Max += (p.Y.Max - p.Y.Min) * 0.12 * float64(len(c.Series))
	}
	return p, nil
}

// plainTicks are gonum's default ticks labelled without trailing zeros
// ("50", "2.5", not "50.00").
type plainTicks struct{}

func (plainTicks) Ticks(min, max float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ts {
		if l := ts[i].Label; strings.Contains(l, ".") && !strings.ContainsAny(l, "eE") {
			ts[i].Label = strings.TrimSuffix(strings.TrimRight(l, "0"), ".")
		}
	}
	return ts
}

var shapes = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.PlusGlyph{}, draw.CrossGlyph{}}

func sorted(pts []Point) []Point {
	out := slices.Clone(pts)
	slices.SortStableFunc(out, func(a, b Point) int { return a.At.Compare(b.At) })
	return out
}

// Image draws c as an image of w×h pixels at dpi dots per inch (96 at
// Fyne's scale 1; multiply by the scale for a crisp image on a scaled
// screen).
func (c Chart) Image(w, h int, dpi float64) (image.Image, error) {
	p, err := c.Plot()
	if err != nil {
		return nil, err
	}
	if w < 1 || h < 1 {
		return nil, fmt.Errorf("plots: image of %d×%d pixels", w, h)
	}
	if dpi <= 0 {
		dpi = 96
	}
	width := vg.Length(float64(w) / dpi * float64(vg.Inch))
	height := vg.Length(float64(h) / dpi * float64(vg.Inch))
	cv := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(int(dpi+0.5)), vgimg.UseBackgroundColor(color.White))
	p.Draw(draw.New(cv))
	return cv.Image(), nil
}

// Format is a file format a chart is saved in.
type Format string

const (
	PNG Format = "png"
	PDF Format = "pdf"
)

// FormatOf returns the format a file name asks for by its extension, PNG
// when it names none we write.
func FormatOf(name string) Format {
	if strings.HasSuffix(strings.ToLower(name), ".pdf") {
		return PDF
	}
	return PNG
}

// Write writes c to out in format f, w×h points (1/72 inch) in size; a
// PNG is drawn at 2 pixels per point so it stays sharp when zoomed.
func (c Chart) Write(out io.Writer, f Format, w, h float64) error {
	p, err := c.Plot()
	if err != nil {
		return err
	}
	width, height := vg.Length(w), vg.Length(h)
	var buf bytes.Buffer
	switch f {
	case PDF:
		cv := vgpdf.New(width, height)
		p.Draw(draw.New(cv))
		if _, err := cv.WriteTo(&buf); err != nil {
			return fmt.Errorf("plots: writing PDF: %w", err)
		}
	default:
		cv := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(144), vgimg.UseBackgroundColor(color.White))
		p.Draw(draw.New(cv))
		if _, err := (vgimg.PngCanvas{Canvas: cv}).WriteTo(&buf); err != nil {
			return fmt.Errorf("plots: writing PNG: %w", err)
		}
	}
	_, err = out.Write(buf.Bytes())
	return err
}
