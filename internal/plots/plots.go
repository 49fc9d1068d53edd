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
	"math"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
)

// A Point is one value at one time. A flagged point (a result outside its
// reference range) is drawn on a larger red disc, so it stands out by
// size as well as colour.
type Point struct {
	At      time.Time
	Value   float64
	Flagged bool
}

// A Series is one line of a plot: its name in the legend and its points, in
// any order.
type Series struct {
	Name   string
	Points []Point
}

// A Chart is a plot over time: a title, the unit of its values and its
// series. Band, when set, shades a normal range (a lab test's reference
// range) between dashed lines at its bounds; a NaN bound leaves that side
// open (a range of "< 200" is shaded from the bottom of the plot to 200).
type Chart struct {
	Title  string
	Unit   string
	Series []Series
	Band   *[2]float64
	// BandName and FlaggedName, when set, name the band and the flagged
	// points in a key under the time axis, each saying how it is drawn
	// ("shaded: reference range 4.0–5.6 · red discs: outside the range"),
	// where it never covers a value, as the legend naming the series
	// (drawn in rows under the plot) never does either. The
	// caller writes them whole, in the reader's language.
	BandName    string
	FlaggedName string
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

// A legendEntry names one series in the legend, with its line and marks.
type legendEntry struct {
	name   string
	thumbs []plot.Thumbnailer
}

// Plot builds the gonum plot of c, without its legend: Image and Write
// draw that in rows under the plot (drawChart).
func (c Chart) Plot() (*plot.Plot, error) {
	p, _, err := c.build()
	return p, err
}

// build builds the gonum plot of c and the entries of its legend: one per
// named series when there are two or more.
func (c Chart) build() (*plot.Plot, []legendEntry, error) {
	n := 0
	for _, s := range c.Series {
		n += len(s.Points)
	}
	if n == 0 {
		return nil, nil, ErrEmpty
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
	var key []string // the key under the time axis
	var legend []legendEntry
	if c.Band != nil {
		if err := c.addBand(p); err != nil {
			return nil, nil, err
		}
		if c.BandName != "" && !(math.IsNaN(c.Band[0]) && math.IsNaN(c.Band[1])) {
			key = append(key, c.BandName)
		}
	}
	var flagged plotter.XYs
	for _, s := range c.Series {
		for _, pt := range s.Points {
			if pt.Flagged {
				flagged = append(flagged, plotter.XY{X: float64(pt.At.Unix()), Y: pt.Value})
			}
		}
	}
	if len(flagged) > 0 {
		halo, err := plotter.NewScatter(flagged)
		if err != nil {
			return nil, nil, fmt.Errorf("plots: flagged points: %w", err)
		}
		halo.Shape = draw.CircleGlyph{}
		halo.Color = flagColor
		halo.Radius = vg.Points(5)
		p.Add(halo)
		if c.FlaggedName != "" {
			key = append(key, c.FlaggedName)
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
			return nil, nil, fmt.Errorf("plots: series %q: %w", s.Name, err)
		}
		col := palette[i%len(palette)]
		line.Color = col
		line.Width = vg.Points(1.5)
		points.Color = col
		points.Shape = shapes[i%len(shapes)]
		points.Radius = vg.Points(2.5)
		p.Add(line, points)
		if len(c.Series) > 1 && s.Name != "" {
			legend = append(legend, legendEntry{s.Name, []plot.Thumbnailer{line, points}})
		}
	}
	if w := p.X.Max - p.X.Min; len(flagged) > 0 && w > 0 {
		// Room at the ends of the time axis, so the discs of the first
		// and last values are not cut by the edge.
		p.X.Min, p.X.Max = p.X.Min-w*0.02, p.X.Max+w*0.02
	}
	if len(key) > 0 {
		p.X.Label.Text = strings.Join(key, " · ")
		p.X.Label.TextStyle.Font.Size = vg.Points(9)
	}
	p.Y.Tick.Marker = plainTicks{}
	return p, legend, nil
}

// legendStyle is the legend's text: the size of the axes' tick labels.
func legendStyle() text.Style {
	sty := plot.NewLegend().TextStyle
	sty.Font.Size = vg.Points(10)
	sty.YAlign = text.YCenter
	return sty
}

// legendRows lays the legend's entries out in rows under the plot, as many
// to a row as fit the width, each row centred: never over the data, as
// gonum's legend in a corner of the plot would be. It returns each
// entry's place (the thumbnail's rectangle; the name follows it) and the
// height the rows take.
func legendRows(entries []legendEntry, width vg.Length) (places []vg.Rectangle, height vg.Length) {
	if len(entries) == 0 {
		return nil, 0
	}
	sty := legendStyle()
	em := sty.Rectangle("M").Max.X
	thumb := 2 * em
	lineH := sty.FontExtents().Height
	gap := 1.5 * em // between entries in a row
	widths := make([]vg.Length, len(entries))
	for i, e := range entries {
		widths[i] = thumb + em/2 + sty.Rectangle(e.name).Max.X
	}
	var rows [][]int
	var used vg.Length
	for i, w := range widths {
		if len(rows) == 0 || used+gap+w > width {
			rows = append(rows, nil)
			used = -gap
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], i)
		used += gap + w
	}
	places = make([]vg.Rectangle, len(entries))
	pad := lineH / 2 // above the rows, under the time axis
	height = pad + vg.Length(len(rows))*lineH
	for r, row := range rows {
		var rowW vg.Length = -gap
		for _, i := range row {
			rowW += gap + widths[i]
		}
		x := (width - rowW) / 2
		top := height - pad - vg.Length(r)*lineH // rows from the top down, y upwards
		for _, i := range row {
			places[i] = vg.Rectangle{Min: vg.Point{X: x, Y: top - lineH}, Max: vg.Point{X: x + thumb, Y: top}}
			x += widths[i] + gap
		}
	}
	return places, height
}

// drawChart draws a chart's plot and legend (Chart.build) on dc, the
// legend in rows under the plot.
func drawChart(dc draw.Canvas, p *plot.Plot, legend []legendEntry) {
	places, height := legendRows(legend, dc.Max.X-dc.Min.X)
	if height > (dc.Max.Y-dc.Min.Y)/2 {
		places, height = nil, 0 // too many names for the room: none
	}
	p.Draw(draw.Crop(dc, 0, 0, height, 0))
	sty := legendStyle()
	em := sty.Rectangle("M").Max.X
	for i, e := range legend {
		if places == nil {
			break
		}
		r := places[i].Add(dc.Min)
		thumb := draw.Canvas{Canvas: dc.Canvas, Rectangle: r}
		for _, t := range e.thumbs {
			t.Thumbnail(&thumb)
		}
		dc.FillText(sty, vg.Point{X: r.Max.X + em/2, Y: (r.Min.Y + r.Max.Y) / 2}, e.name)
	}
}

// flagColor is the disc under the flagged points; bandColor shades the band and
// bandEdge draws its bounds.
var (
	flagColor = color.RGBA{R: 0xd0, G: 0x10, B: 0x10, A: 0xff}
	bandColor = color.RGBA{R: 0xe3, G: 0xf1, B: 0xe3, A: 0xff}
	bandEdge  = color.RGBA{R: 0x5a, G: 0x9a, B: 0x5a, A: 0xff}
)

// addBand shades c.Band over the time the points span, with a dashed line
// at each bound it has.
func (c Chart) addBand(p *plot.Plot) error {
	lo, hi := c.Band[0], c.Band[1]
	if math.IsNaN(lo) && math.IsNaN(hi) {
		return nil
	}
	var first, last time.Time
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for _, s := range c.Series {
		for _, pt := range s.Points {
			if first.IsZero() || pt.At.Before(first) {
				first = pt.At
			}
			if pt.At.After(last) {
				last = pt.At
			}
			ymin, ymax = math.Min(ymin, pt.Value), math.Max(ymax, pt.Value)
		}
	}
	for _, b := range c.Band {
		if !math.IsNaN(b) {
			ymin, ymax = math.Min(ymin, b), math.Max(ymax, b)
		}
	}
	pad := (ymax - ymin) * 0.08
	if pad == 0 {
		pad = math.Max(math.Abs(ymax)*0.1, 1)
	}
	// An open side reaches past the points, and a quarter of the plot's
	// height past its bound at least, so the band shows when every point
	// is on the other side of it.
	open := [2]bool{math.IsNaN(lo), math.IsNaN(hi)}
	if open[0] {
		lo = math.Min(ymin-pad, hi-(ymax-ymin)/4)
	}
	if open[1] {
		hi = math.Max(ymax+pad, lo+(ymax-ymin)/4)
	}
	x0, x1 := float64(first.Unix()), float64(last.Unix())
	if x0 == x1 {
		x0, x1 = x0-43200, x1+43200
	}
	band, err := plotter.NewPolygon(plotter.XYs{{X: x0, Y: lo}, {X: x1, Y: lo}, {X: x1, Y: hi}, {X: x0, Y: hi}})
	if err != nil {
		return fmt.Errorf("plots: band: %w", err)
	}
	band.Color = bandColor
	band.LineStyle.Width = 0
	p.Add(band)
	for i, y := range [2]float64{lo, hi} {
		if open[i] {
			continue
		}
		edge, err := plotter.NewLine(plotter.XYs{{X: x0, Y: y}, {X: x1, Y: y}})
		if err != nil {
			return fmt.Errorf("plots: band: %w", err)
		}
		edge.Color = bandEdge
		edge.Width = vg.Points(0.8)
		edge.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(edge)
	}
	return nil
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
	p, legend, err := c.build()
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
	drawChart(draw.New(cv), p, legend)
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
	p, legend, err := c.build()
	if err != nil {
		return err
	}
	width, height := vg.Length(w), vg.Length(h)
	var buf bytes.Buffer
	switch f {
	case PDF:
		cv := vgpdf.New(width, height)
		drawChart(draw.New(cv), p, legend)
		if _, err := cv.WriteTo(&buf); err != nil {
			return fmt.Errorf("plots: writing PDF: %w", err)
		}
	default:
		cv := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(144), vgimg.UseBackgroundColor(color.White))
		drawChart(draw.New(cv), p, legend)
		if _, err := (vgimg.PngCanvas{Canvas: cv}).WriteTo(&buf); err != nil {
			return fmt.Errorf("plots: writing PNG: %w", err)
		}
	}
	_, err = out.Write(buf.Bytes())
	return err
}
