package ui

import (
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
)

// A mixed line and where its pieces must be drawn, from left to right:
// each piece is a word or a mark, and between two pieces is either a space
// (spaced) or nothing (tight).
type mixedLine struct {
	what   string
	text   string   // as the screen's code makes it (through ordered)
	pieces []string // left to right, as drawn
	spaced []bool   // spaced[i]: a space between pieces i and i+1
}

// Synthetic names: family "شرما" (F) and given "رحشراء" (G) in Arabic,
// family "בדיקה" and given "נועה" in Hebrew.
const (
	arF, arG = "شرما", "رحشراء"
	heF, heG = "בדיקה", "נועה"
)

func mixedLines() []mixedLine {
	ar := chart.PatientSummary{MRN: "00012345", Family: arF, Given: arG, DOB: "1980-04-02", Sex: chart.Female}
	he := chart.PatientSummary{MRN: "00012346", Family: heF, Given: heG}
	return []mixedLine{
		// the front desk's "Registered today": name · MRN · born
		{"registered today", homePatientLine(ar), []string{arG, ",", arF, "·", "MRN", "00012345"}, []bool{true, false, true, true, true}},
		// the find list's name: family, given
		{"find list", ordered(he.Name()), []string{heG, ",", heF}, []bool{true, false}},
		// a worklist's line: date  name · reason · clinician · age
		{"worklist", ordered(fmt.Sprintf("%s  %s · %s · %s · %s", "2026-12-07", ar.Name(), "Cough", "Dana Smith", "3 days")),
			[]string{"2026-12-07", arG, ",", arF, "·", "Cough"}, []bool{true, true, false, true, true}},
		// the registration form's possible duplicates: MRN  name  born
		{"registration duplicates", ordered(he.MRN + "  " + he.Name() + "  " + "1980-04-02 · 45"),
			[]string{"00012346", heG, ",", heF, "1980-04-02", "·", "45"}, []bool{true, true, false, true, true, true}},
	}
}

// TestMixedLinesShowInOrder: lines that mix a right-to-left name with
// left-to-right text are drawn with the name in reading order (family
// name at its right, the comma right after it) and the spaces and
// punctuation around the name where they are written. Each line and each
// of its pieces alone are drawn by Fyne with the bundled fonts; each
// piece is found in the line's picture, and the pieces must come in order
// with a space, or none, between each two as the line has it.
func TestMixedLinesShowInOrder(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux and the BSDs only")
	}
	// fontscan indexes the system's fonts once per process: drawn in a
	// fresh process that has unpacked the bundled fonts first.
	if os.Getenv("CHARTKEEPER_MIXED_LINES_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestMixedLinesShowInOrder$", "-test.count", "1", "-test.v")
		cmd.Env = append(os.Environ(), "CHARTKEEPER_MIXED_LINES_CHILD=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("the lines in a fresh process: %v\n%s", err, out)
		}
		t.Logf("%s", out)
		return
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("XDG_DATA_DIRS", "/usr/share")
	UseBundledFonts()
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	const scale = 3
	w.Canvas().(test.WindowlessCanvas).SetScale(scale)
	keep := os.Getenv("CHARTKEEPER_KEEP_LINES") // a folder to keep the pictures in

	for _, l := range mixedLines() {
		t.Run(l.what, func(t *testing.T) {
			line := widget.NewLabel(l.text)
			box := container.NewVBox(line)
			parts := make([]*widget.Label, len(l.pieces))
			for i, p := range l.pieces {
				parts[i] = widget.NewLabel(ordered(p))
				box.Add(parts[i])
			}
			w.SetContent(box)
			w.Resize(fyne.NewSize(900, box.MinSize().Height))
			img := w.Canvas().Capture()
			if keep != "" {
				savePNG(t, filepath.Join(keep, strings.ReplaceAll(l.what, " ", "-")+".png"), img)
			}
			ink := inkOf(img)
			lineBox := boundsOf(w, line, scale)
			space := fyne.MeasureText("a a", line.Theme().Size("text"), fyne.TextStyle{}).Width - fyne.MeasureText("aa", line.Theme().Size("text"), fyne.TextStyle{}).Width
			space *= scale

			// where each piece is drawn in the line, the first after the
			// one before it (a "·" comes more than once): its ink's left
			// and right
			left, right := make([]int, len(l.pieces)), make([]int, len(l.pieces))
			from := lineBox
			for i, p := range parts {
				tmpl := cropInk(ink, boundsOf(w, p, scale))
				if tmpl.w == 0 {
					t.Fatalf("%q draws nothing", l.pieces[i])
				}
				x, miss := findIn(ink, from, tmpl)
				if miss > 0.25 {
					t.Fatalf("%s: %q is not drawn after %q in the line (its best match there differs by %.0f%%; the pieces found are at %v)",
						l.what, l.pieces[i], l.pieces[max(i-1, 0)], 100*miss, left[:i])
				}
				left[i], right[i] = x, x+tmpl.w
				from.Min.X = right[i] - 3
			}
			t.Logf("%s: pieces at %v–%v, a space is %.0f px", l.what, left, right, space)
			for i := 0; i+1 < len(l.pieces); i++ {
				gap := float32(left[i+1] - right[i])
				switch {
				case l.spaced[i] && gap < 0.9*space:
					t.Errorf("%s: no space between %q and %q (%.0f px apart, a space is %.0f)", l.what, l.pieces[i], l.pieces[i+1], gap, space)
				case !l.spaced[i] && gap >= 0.9*space:
					t.Errorf("%s: a space between %q and %q (%.0f px apart, a space is %.0f)", l.what, l.pieces[i], l.pieces[i+1], gap, space)
				}
			}
		})
	}
}

// inked is a picture's ink: how dark each pixel is, 0 to 1.
type inked struct {
	w, h int
	v    []float32
}

func (k inked) at(x, y int) float32 {
	if x < 0 || y < 0 || x >= k.w || y >= k.h {
		return 0
	}
	return k.v[y*k.w+x]
}

func inkOf(img image.Image) inked {
	b := img.Bounds()
	k := inked{w: b.Dx(), h: b.Dy(), v: make([]float32, b.Dx()*b.Dy())}
	// the background's lightness is the most common; ink is distance from it
	var bg float32
	if r, g, bb, _ := img.At(b.Min.X, b.Min.Y).RGBA(); true {
		bg = float32(r+g+bb) / 3 / 0xffff
	}
	for y := range k.h {
		for x := range k.w {
			r, g, bb, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			k.v[y*k.w+x] = float32(math.Abs(float64(float32(r+g+bb)/3/0xffff - bg)))
		}
	}
	return k
}

// boundsOf is where o is drawn, in the capture's pixels.
func boundsOf(w fyne.Window, o fyne.CanvasObject, scale float32) image.Rectangle {
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
	size := o.Size()
	return image.Rect(int(pos.X*scale), int(pos.Y*scale), int((pos.X+size.Width)*scale), int((pos.Y+size.Height)*scale))
}

// template is a piece's ink, cropped to it, and where its top left was in
// its label (dy: from the label's top).
type template struct {
	w, h, dy int
	v        []float32
}

func cropInk(k inked, r image.Rectangle) template {
	x0, y0, x1, y1 := r.Max.X, r.Max.Y, r.Min.X, r.Min.Y
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if k.at(x, y) > 0.2 {
				x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x+1), max(y1, y+1)
			}
		}
	}
	if x1 <= x0 {
		return template{}
	}
	t := template{w: x1 - x0, h: y1 - y0, dy: y0 - r.Min.Y, v: make([]float32, (x1-x0)*(y1-y0))}
	for y := range t.h {
		for x := range t.w {
			t.v[y*t.w+x] = k.at(x0+x, y0+y)
		}
	}
	return t
}

// findIn finds tmpl in the line drawn in r: the left of its first place
// from the left where it fits (the best place near the first that differs
// by less than a quarter), and how much it differs there (the sum of
// differences over the template's own ink; its best anywhere when it
// fits nowhere).
func findIn(k inked, r image.Rectangle, tmpl template) (int, float64) {
	const fits = 0.25
	var total float64
	for _, v := range tmpl.v {
		total += float64(v)
	}
	miss := func(x0 int) float64 {
		best := math.Inf(1)
		for dy := -2; dy <= 2; dy++ {
			y0 := r.Min.Y + tmpl.dy + dy
			var d float64
			for y := 0; y < tmpl.h && d < best; y++ {
				for x := range tmpl.w {
					d += math.Abs(float64(k.at(x0+x, y0+y) - tmpl.v[y*tmpl.w+x]))
				}
			}
			best = min(best, d)
		}
		return best / total
	}
	bestX, best := -1, math.Inf(1)
	for x0 := r.Min.X; x0+tmpl.w <= r.Max.X; x0++ {
		if m := miss(x0); m < best {
			bestX, best = x0, m
		}
		if best < fits && x0 >= bestX+tmpl.w { // past the first place that fits
			break
		}
	}
	return bestX, best
}

func savePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}
