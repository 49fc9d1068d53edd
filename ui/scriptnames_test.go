package ui

import (
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	xdraw "golang.org/x/image/draw"

	"chartkeeper/chart"
	"chartkeeper/internal/ocrtest"
	"chartkeeper/internal/testchart"
	"chartkeeper/internal/testpractice"
	"chartkeeper/store"
)

// screenNames are synthetic, clearly fake names ("Test", "Trial" and
// common given names), with the tesseract language that reads their
// script back from a picture of the screen.
var screenNames = []struct{ lang, family, given, ocr string }{
	{"Arabic", "تجربة", "ليلى", "ara"},
	{"Chinese", "测试", "小红", "chi_sim"},
	{"Hindi", "परीक्षण", "प्रिया", "hin"},
	{"Amharic", "ሙከራ", "ሰላም", "amh"},
}

// Names in every script show on the workstation's own screen, in the
// chart's heading and in the find list, drawn by Fyne with the bundled
// fonts: a picture of each, read back by tesseract, gives the name in its
// reading order (family name first), so the letters are drawn, joined
// and ordered right to left where the script asks for it.
func TestNamesShowInEveryScript(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux and the BSDs only")
	}
	for _, n := range screenNames {
		ocrtest.Need(t, n.ocr)
	}
	// fontscan indexes the system's fonts once per process: the screens
	// are drawn in a fresh process that has unpacked the bundled fonts
	// first, as the workstation does at its start.
	if os.Getenv("CHARTKEEPER_SCREEN_NAMES_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestNamesShowInEveryScript$", "-test.count", "1", "-test.v")
		cmd.Env = append(os.Environ(), "CHARTKEEPER_SCREEN_NAMES_CHILD=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("the screens in a fresh process: %v\n%s", err, out)
		}
		t.Logf("%s", out)
		return
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("XDG_DATA_DIRS", "/usr/share")
	UseBundledFonts()

	tc := testchart.New(t, testpractice.Config{Name: "Riverside Clinic", AdminName: "Maria Lopez", AdminUser: "mlopez", Password: testPassword,
		Users: []store.NewUser{{Username: "drsmith", Name: "Dana Smith", Role: store.RoleClinician}}})
	ids := map[string]string{}
	for _, n := range screenNames {
		p, _, err := tc.Service.RegisterPatient(chart.Patient{Family: n.family, Given: n.given, DOB: "1980-04-02", Sex: chart.Female})
		if err != nil {
			t.Fatal(err)
		}
		ids[n.lang] = p.ID
	}
	tc.Close()

	ws, w := open(t, tc.Dir)
	signInAs(t, w, "drsmith", testPassword)
	s := sessionOf(t, ws)
	// three device pixels a unit: the type is large enough for tesseract
	w.Canvas().(test.WindowlessCanvas).SetScale(3)

	for _, n := range screenNames {
		t.Run(n.lang, func(t *testing.T) {
			name := n.family + ", " + n.given
			s.openChart(ids[n.lang])
			heading := find(t, s.detail, func(l *widget.Label) bool { return l.Text == ordered(name) })
			checkDrawn(t, w, heading, n.family, n.given, n.ocr, "heading")

			s.find.query.SetText(n.family)
			row := find(t, s.find.list, func(l *widget.Label) bool { return l.Text == ordered(name) })
			checkDrawn(t, w, row, n.family, n.given, n.ocr, "list")
			s.find.query.SetText("")
		})
	}
}

// maxScreenOCRMisreads is how many letters tesseract may misread, add or
// drop in a name drawn on the screen: one (an Ethiopic syllable differs
// from another by a small stroke), where the same two words in the wrong
// order differ in most of their letters.
const maxScreenOCRMisreads = 1

// checkDrawn pictures o as the window draws it and has tesseract read it.
func checkDrawn(t *testing.T, w fyne.Window, o fyne.CanvasObject, family, given, ocr, where string) {
	t.Helper()
	c := w.Canvas()
	img := c.Capture()
	scale := c.Scale()
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
	size := o.Size()
	r := image.Rect(int(pos.X*scale), int(pos.Y*scale), int((pos.X+size.Width)*scale), int((pos.Y+size.Height)*scale)).Intersect(img.Bounds())
	if r.Empty() {
		t.Fatalf("%s: %v %v is off the window", where, pos, size)
	}
	sub := img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(r)
	// twice as large again, smoothly: tesseract reads the list's 14-unit
	// type far better at about 80 pixels than at 42
	big := image.NewRGBA(image.Rect(0, 0, 2*r.Dx(), 2*r.Dy()))
	xdraw.CatmullRom.Scale(big, big.Bounds(), sub, sub.Bounds(), xdraw.Src, nil)
	dir := t.TempDir()
	read := ocrtest.Read(t, ocrtest.Inked(big, 30), ocr, dir)
	got, want := ocrtest.Letters(read), ocrtest.Letters(family+given)
	if d := ocrtest.Distance(got, want); d > maxScreenOCRMisreads {
		keep := filepath.Join(os.TempDir(), "chartkeeper-"+ocr+"-"+where+".png")
		_ = os.Rename(filepath.Join(dir, "ocr-"+ocr+".png"), keep)
		t.Errorf("the %s shows %q, read back as %q: %d letters differ, more than %d (the picture is %s)", where, family+", "+given, read, d, maxScreenOCRMisreads, keep)
	} else {
		t.Logf("the %s shows %q, read back as %q", where, family+", "+given, read)
	}
}
