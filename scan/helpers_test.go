package scan_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chartkeeper/chart"
	"chartkeeper/internal/testchart"
	"chartkeeper/internal/testpractice"
	"chartkeeper/scan"
	"chartkeeper/store"
)

const (
	testPass = "correct horse battery"
	deskUser = "desk"
)

// practice is a test store with a front desk user signed in.
type practice struct {
	t   testing.TB
	tc  *testchart.Practice
	dir string
	st  *store.Store
	svc *chart.Service
}

func newPractice(t testing.TB) *practice {
	t.Helper()
	tc := testchart.New(t, testpractice.Config{Name: "Clinique Test", AdminName: "Hilde Admin", Password: testPass,
		Users: []store.NewUser{{Username: deskUser, Name: "Dana Desk", Role: store.RoleFrontDesk}}})
	tc.AsUser(deskUser)
	return &practice{t: t, tc: tc, dir: tc.Dir, st: tc.Store, svc: tc.Service}
}

// close closes the service and the store (twice is harmless for a
// practice from newPractice).
func (p *practice) close() {
	if p.tc != nil {
		p.tc.Close()
		return
	}
	p.svc.Close()
	p.st.Close()
}

func (p *practice) patient(family, given string) chart.Patient {
	p.t.Helper()
	pt, _, err := p.svc.RegisterPatient(chart.Patient{Family: family, Given: given, DOB: "1970-01-02", Sex: chart.Female})
	if err != nil {
		p.t.Fatal(err)
	}
	return pt
}

// documents lists every live document record (inbox and filed).
func (p *practice) documents() []chart.Document {
	p.t.Helper()
	var out []chart.Document
	err := p.st.List(chart.TypeDocument, func(r store.Record) error {
		d := chart.Document{}
		if err := json.Unmarshal(r.Body, &d); err != nil {
			return err
		}
		d.ID = r.ID
		if i := strings.IndexByte(r.ID, '.'); i > 0 {
			d.Patient = r.ID[:i]
		}
		out = append(out, d)
		return nil
	})
	if err != nil {
		p.t.Fatal(err)
	}
	return out
}

// stored reports whether content is the content of a live document.
func (p *practice) stored(content []byte) bool {
	p.t.Helper()
	blob, ok, err := p.st.FindBlob(sha256.Sum256(content))
	if err != nil {
		p.t.Fatal(err)
	}
	if !ok {
		return false
	}
	for _, d := range p.documents() {
		if d.Blob == blob {
			return true
		}
	}
	return false
}

// events collects an engine's events for a test to wait on.
type events struct {
	ch chan scan.Event
}

func newEvents() *events { return &events{ch: make(chan scan.Event, 4096)} }

func (e *events) on(ev scan.Event) { e.ch <- ev }

// next waits for the next event matching ok, failing after a generous
// deadline (a hung engine, not a timing check).
func (e *events) next(t testing.TB, what string, ok func(scan.Event) bool) scan.Event {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case ev := <-e.ch:
			if ok(ev) {
				return ev
			}
		case <-deadline:
			t.Fatalf("no event: %s", what)
		}
	}
}

// none fails if a file was handled since the last look.
func (e *events) none(t testing.TB, what string) {
	t.Helper()
	for {
		select {
		case ev := <-e.ch:
			if ev.Result != nil {
				t.Fatalf("%s: %+v", what, *ev.Result)
			}
		default:
			return
		}
	}
}

func anyResult(ev scan.Event) bool { return ev.Result != nil }

// makePDF is a small valid PDF of n pages; marker is written into every
// page's content stream, pad adds that many bytes of (random) content.
func makePDF(n int, marker string, pad int) []byte {
	var b bytes.Buffer
	var offs []int
	obj := func(s string) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offs), s)
	}
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	kids := make([]string, n)
	for i := range kids {
		kids[i] = fmt.Sprintf("%d 0 R", 3+2*i)
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n))
	for i := 0; i < n; i++ {
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R >>", 4+2*i))
		content := fmt.Sprintf("%% %s page %d\n", marker, i+1)
		obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content)+1, content))
	}
	if pad > 0 {
		// Bulk, like a scan's page images: a stream no page draws.
		r := rand.New(rand.NewPCG(uint64(pad), uint64(len(marker))))
		raw := make([]byte, pad)
		for k := range raw {
			raw[k] = byte(r.Uint32())
		}
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n<< /Length %d >>\nstream\n", len(offs), pad)
		b.Write(raw)
		b.WriteString("\nendstream\nendobj\n")
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, x)
	return b.Bytes()
}

// pageImage is a grey test page with a stripe that makes it unique.
func pageImage(seed int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, 170, 220))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for x := 0; x < 170; x++ {
		img.SetGray(x, 20+seed%180, color.Gray{Y: 0})
		img.SetGray((seed*7)%170, x, color.Gray{Y: 0})
	}
	return img
}

func makePNG(seed int) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, pageImage(seed)); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func makeJPEG(seed int) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, pageImage(seed), nil); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// makeTIFF writes an uncompressed 8-bit grey multi-page TIFF, one page per
// image, in Go (little-endian; every IFD after its strip).
func makeTIFF(pages ...*image.Gray) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString("II*\x00\x00\x00\x00\x00")
	prevNext := 4
	for _, img := range pages {
		w, h := img.Bounds().Dx(), img.Bounds().Dy()
		strip := b.Len()
		for y := 0; y < h; y++ {
			b.Write(img.Pix[y*img.Stride : y*img.Stride+w])
		}
		if b.Len()%2 == 1 {
			b.WriteByte(0)
		}
		ifd := b.Len()
		raw := b.Bytes()
		le.PutUint32(raw[prevNext:], uint32(ifd))
		type ent struct {
			tag, typ uint16
			val      uint32
		}
		ents := []ent{{256, 4, uint32(w)}, {257, 4, uint32(h)}, {258, 3, 8}, {259, 3, 1}, {262, 3, 1},
			{273, 4, uint32(strip)}, {277, 3, 1}, {278, 4, uint32(h)}, {279, 4, uint32(w * h)}}
		binary.Write(&b, le, uint16(len(ents)))
		for _, e := range ents {
			binary.Write(&b, le, e.tag)
			binary.Write(&b, le, e.typ)
			binary.Write(&b, le, uint32(1))
			binary.Write(&b, le, e.val)
		}
		prevNext = b.Len()
		binary.Write(&b, le, uint32(0))
	}
	return b.Bytes()
}

// tool finds a real program the tests use, or skips (fails under CI).
func tool(t testing.TB, names ...string) string {
	t.Helper()
	for _, n := range names {
		p, err := exec.LookPath(n)
		if err != nil {
			continue
		}
		if n == "convert" || n == "magick" {
			// A stand-in that is not ImageMagick does not count.
			out, err := exec.Command(p, "-version").CombinedOutput()
			if err != nil || !bytes.Contains(out, []byte("ImageMagick")) {
				continue
			}
		}
		return p
	}
	msg := fmt.Sprintf("%s is not installed (Debian: %s)", names[0], debPackage(names[0]))
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

func debPackage(tool string) string {
	switch tool {
	case "convert", "magick":
		return "imagemagick"
	case "tiffcp", "tiff2pdf", "tiffinfo":
		return "libtiff-tools"
	case "pdftoppm", "pdfunite":
		return "poppler-utils"
	case "qpdf":
		return "qpdf"
	case "exiftool":
		return "libimage-exiftool-perl"
	case "img2pdf":
		return "img2pdf"
	}
	return "?"
}

func run(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
	return out
}

func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// dropFile puts b into dir under name the way a careful scanner does:
// written under a temporary name, then renamed.
func dropFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	tmp := filepath.Join(dir, name+".part")
	writeFile(t, tmp, b)
	p := filepath.Join(dir, name)
	if err := os.Rename(tmp, p); err != nil {
		t.Fatal(err)
	}
	return p
}

func dirNames(t testing.TB, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, de := range des {
		out = append(out, de.Name())
	}
	return out
}
