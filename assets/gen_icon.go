//go:build ignore

// gen_icon draws icon.png, Chartkeeper's application icon: a chart sheet with
// a care cross on a teal rounded square. Run it from this folder with
//
//	go run gen_icon.go
//
// and commit the PNG it writes.
package main

import (
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
)

const (
	size    = 512
	samples = 4 // per axis, for anti-aliased edges
)

// shape reports whether the point (x, y) lies inside it.
type shape func(x, y float64) bool

// layer is a shape painted with fill, a colour that may vary across the icon.
type layer struct {
	in   shape
	fill func(x, y float64) color.NRGBA
}

func main() {
	teal := func(_, y float64) color.NRGBA {
		// #14919B at the top to #0B5E66 at the bottom.
		t := y / size
		return color.NRGBA{
			R: uint8(0x14 + (0x0B-0x14)*t),
			G: uint8(0x91 + (0x5E-0x91)*t),
			B: uint8(0x9B + (0x66-0x9B)*t),
			A: 0xFF,
		}
	}
	solid := func(c color.NRGBA) func(x, y float64) color.NRGBA {
		return func(_, _ float64) color.NRGBA { return c }
	}
	white := color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF}
	shadow := color.NRGBA{0x00, 0x2B, 0x30, 0x50}
	cross := color.NRGBA{0x0F, 0x80, 0x8A, 0xFF}
	line := color.NRGBA{0xA9, 0xBE, 0xC2, 0xFF}
	pulse := color.NRGBA{0xE0, 0x6C, 0x4F, 0xFF}

	layers := []layer{
		{roundRect(24, 24, 488, 488, 104), teal},
		{roundRect(148, 108, 388, 436, 28), solid(shadow)}, // sheet shadow
		{roundRect(136, 92, 376, 420, 28), solid(white)},   // the chart sheet
		{roundRect(236, 136, 276, 252, 8), solid(cross)},   // cross, upright
		{roundRect(198, 174, 314, 214, 8), solid(cross)},   // cross, bar
		{polyline(10, [][2]float64{ // a pulse line across the sheet
			{172, 306}, {222, 306}, {240, 276}, {262, 340}, {282, 292}, {296, 306}, {340, 306},
		}), solid(pulse)},
		{roundRect(172, 360, 340, 376, 8), solid(line)},
		{roundRect(172, 388, 290, 404, 8), solid(line)},
	}

	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			img.SetNRGBA(px, py, pixel(layers, px, py))
		}
	}

	f, err := os.Create("icon.png")
	if err != nil {
		log.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

// pixel averages samples×samples points of the layered picture in one pixel.
func pixel(layers []layer, px, py int) color.NRGBA {
	var r, g, b, a float64 // premultiplied sums
	for sy := 0; sy < samples; sy++ {
		for sx := 0; sx < samples; sx++ {
			x := float64(px) + (float64(sx)+0.5)/samples
			y := float64(py) + (float64(sy)+0.5)/samples
			var cr, cg, cb, ca float64
			for _, l := range layers {
				if !l.in(x, y) {
					continue
				}
				c := l.fill(x, y)
				la := float64(c.A) / 255
				cr = float64(c.R)*la + cr*(1-la)
				cg = float64(c.G)*la + cg*(1-la)
				cb = float64(c.B)*la + cb*(1-la)
				ca = la + ca*(1-la)
			}
			r, g, b, a = r+cr, g+cg, b+cb, a+ca
		}
	}
	n := float64(samples * samples)
	if a == 0 {
		return color.NRGBA{}
	}
	return color.NRGBA{
		R: uint8(math.Round(r / a)),
		G: uint8(math.Round(g / a)),
		B: uint8(math.Round(b / a)),
		A: uint8(math.Round(a / n * 255)),
	}
}

// roundRect is the rectangle (x0, y0)–(x1, y1) with corners of radius r.
func roundRect(x0, y0, x1, y1, r float64) shape {
	return func(x, y float64) bool {
		if x < x0 || x > x1 || y < y0 || y > y1 {
			return false
		}
		cx := math.Max(x0+r, math.Min(x, x1-r))
		cy := math.Max(y0+r, math.Min(y, y1-r))
		return math.Hypot(x-cx, y-cy) <= r
	}
}

// polyline is a stroke of width w with round joins through the points.
func polyline(w float64, pts [][2]float64) shape {
	return func(x, y float64) bool {
		for i := 1; i < len(pts); i++ {
			if segmentDistance(x, y, pts[i-1], pts[i]) <= w/2 {
				return true
			}
		}
		return false
	}
}

func segmentDistance(x, y float64, a, b [2]float64) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	t := ((x-a[0])*dx + (y-a[1])*dy) / (dx*dx + dy*dy)
	t = math.Max(0, math.Min(1, t))
	return math.Hypot(x-(a[0]+t*dx), y-(a[1]+t*dy))
}
