package scan_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"chartkeeper/chart"
	"chartkeeper/report"
	"chartkeeper/scan"
)

// coverCase is what one cover sheet's code holds.
type coverCase struct {
	practice, patient, mrn string
}

// seededCovers are n cover codes of made-up practices, patients and MRNs
// drawn from seed: the same codes on every run.
func seededCovers(seed uint64, n int) []coverCase {
	r := rand.New(rand.NewPCG(seed, 0))
	id := func() string {
		var b [16]byte
		for i := range b {
			b[i] = byte(r.UintN(256))
		}
		return hex.EncodeToString(b[:])
	}
	var out []coverCase
	for range n {
		c := coverCase{practice: id(), patient: id()}
		c.mrn = seededMRN(r)
		out = append(out, c)
	}
	return out
}

// seededMRN is an MRN of 7 digits drawn from r and its check digit.
func seededMRN(r *rand.Rand) string {
	body := fmt.Sprintf("%07d", 1_000_000+r.IntN(9_000_000))
	for d := '0'; d <= '9'; d++ {
		if chart.ValidMRN(body + string(d)) {
			return body + string(d)
		}
	}
	panic("no check digit for " + body)
}

// findCoverWith is FindCover on the scan b with renderer as the PDF page
// renderer (a name that is not installed: without one).
func findCoverWith(t *testing.T, b []byte, renderer string) (chart.CoverSheet, bool) {
	t.Helper()
	old := scan.PDFRenderer
	defer func() { scan.PDFRenderer = old }()
	scan.PDFRenderer = renderer
	return scan.FindCover(b, analyze(t, b))
}

// TestCoverSheetClaimedSmall: scans whose PDF claims a page far smaller
// than letter (tiff2pdf told the image has 522 dots per inch, as some
// scanner drivers write by mistake) still have their cover sheet read,
// with pdftoppm and without, for several codes. The codes are the same on
// every run: four drawn from a fixed seed, one with the MRN of a sheet
// that once did not read (11402914), and one whose modules draw a finder
// pattern's 1:1:3:1:1 in the code's data, which the finder took for the
// code's bottom left corner: without pdftoppm it did not read before
// FindCover tried the page's other finder patterns.
func TestCoverSheetClaimedSmall(t *testing.T) {
	pdftoppm := tool(t, "pdftoppm")
	im := tool(t, "magick", "convert")
	t2p := tool(t, "tiff2pdf")
	cases := seededCovers(1, 5)
	cases[4].mrn = "11402914"
	cases = append(cases, coverCase{"67bd9d93ebd19602d6a99498e52b3615", "8b7bb84479204645c4c06bd034c87bd1", "79858544"})
	givens := []string{"Amara", "Bảo", "Chiara", "Dawit", "Émile", "Farah"}
	for i, cc := range cases {
		pt := chart.Patient{ID: cc.patient, MRN: cc.mrn, Family: "Smalltest", Given: givens[i%len(givens)], DOB: "1970-01-02", Sex: chart.Female}
		var cover bytes.Buffer
		pg := report.Page{Practice: "Clinique Test", PrintedBy: "Dana Desk", PrintedAt: time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)}
		if _, err := report.CoverSheet(&cover, pg, cc.practice, pt, "lab"); err != nil {
			t.Fatal(err)
		}
		work := t.TempDir()
		writeFile(t, filepath.Join(work, "cover.pdf"), cover.Bytes())
		run(t, pdftoppm, "-r", "200", "-gray", "-png", "-singlefile", filepath.Join(work, "cover.pdf"), filepath.Join(work, "cover"))
		tif := filepath.Join(work, "scan.tif")
		run(t, im, filepath.Join(work, "cover.png"), "-colorspace", "Gray", "-depth", "8", "-compress", "None", tif)
		pdf := filepath.Join(work, "scan.pdf")
		run(t, t2p, "-j", "-q", "85", "-u", "i", "-x", "522", "-y", "522", "-f", "-o", pdf, tif)
		b, err := os.ReadFile(pdf)
		if err != nil {
			t.Fatal(err)
		}
		for _, renderer := range []string{scan.PDFRenderer, "no-such-pdftoppm"} {
			if c, ok := findCoverWith(t, b, renderer); !ok || c.PracticeID != cc.practice || c.PatientID != cc.patient || c.MRN != cc.mrn {
				t.Errorf("scan %d (MRN %s), renderer %s: cover not read: %+v", i, cc.mrn, renderer, c)
			}
		}
	}
}
