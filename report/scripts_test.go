package report_test

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"chartkeeper/internal/ocrtest"
	"chartkeeper/report"
)

// scriptNames are synthetic, clearly fake names ("Test", "Trial" and
// common given names) in each script the bundled fonts draw. ocr is the
// tesseract language that reads the script back from the page, where the
// tests need one.
var scriptNames = []struct {
	lang, family, given string
	rtl                 bool
	ocr                 string
}{
	{lang: "Arabic", family: "تجربة", given: "ليلى", rtl: true, ocr: "ara"},
	{lang: "Hebrew", family: "בדיקה", given: "נועה", rtl: true},
	{lang: "Chinese", family: "测试", given: "小红", ocr: "chi_sim"},
	{lang: "Japanese", family: "試験", given: "はなこ"},
	{lang: "Korean", family: "시험", given: "민준"},
	{lang: "Vietnamese", family: "Thử Nghiệm", given: "Nguyễn Thị Ánh"},
	{lang: "Hindi", family: "परीक्षण", given: "प्रिया", ocr: "hin"},
	{lang: "Nepali", family: "परीक्षा", given: "सृष्टि", ocr: "hin"},
	{lang: "Amharic", family: "ሙከራ", given: "ሰላም", ocr: "amh"},
	{lang: "Thai", family: "ทดสอบ", given: "สมหญิง"},
}

// logical removes the directional embedding marks pdftotext puts around
// right-to-left text it has put back into logical order; they are not
// text.
func logical(s string) string {
	return strings.NewReplacer("\u202B", "", "\u202A", "", "\u202C", "", "\u200E", "", "\u200F", "").Replace(s)
}

// Names and notes in every script print without warnings, with every font
// embedded, and pdftotext gives each name back exactly on every page.
func TestEveryScriptPrints(t *testing.T) {
	for _, n := range scriptNames {
		t.Run(n.lang, func(t *testing.T) {
			c := testChart(t, 1)
			c.Patient.Family, c.Patient.Given = n.family, n.given
			note := "Seen with " + n.given + " " + n.family + " today"
			c.Visits[0].Plan = note
			pdf, ws := summaryPDF(t, c, 0)
			if len(ws) != 0 {
				t.Errorf("warnings: %q", ws)
			}
			if again, _ := summaryPDF(t, c, 0); !bytes.Equal(pdf, again) {
				t.Error("the same summary printed twice differs")
			}
			ps := pages(t, pdf)
			for i, p := range ps {
				p = logical(p)
				contains(t, "page "+string(rune('1'+i)), p, n.family, n.given)
				if !n.rtl {
					// pdftotext keeps the visual order of right-to-left
					// words around a comma, so the whole name is checked
					// for left-to-right scripts only
					contains(t, "page "+string(rune('1'+i)), p, c.Patient.Name())
				}
			}
			all := logical(strings.Join(ps, "\n"))
			// pdftotext moves the space between right-to-left and
			// left-to-right words about, so the note is compared by its
			// letters
			if !strings.Contains(ocrtest.Letters(all), ocrtest.Letters(note)) {
				t.Errorf("summary lacks %q", note)
			}
			for _, r := range all {
				if r == report.Placeholder || r == '\uFFFD' || r >= 0xE000 && r <= 0xF8FF {
					t.Fatalf("the text has %q: a placeholder, garbage or a bare glyph", r)
				}
			}
			embedded(t, pdf)

			var buf bytes.Buffer
			if _, err := report.CoverSheet(&buf, testPage(), "practice-1", c.Patient, "lab"); err != nil {
				t.Fatal(err)
			}
			contains(t, "cover sheet", logical(strings.Join(pages(t, buf.Bytes()), "\n")), n.family, n.given)
			embedded(t, buf.Bytes())
		})
	}
}

// embedded fails unless pdffonts lists every font as embedded.
func embedded(t *testing.T, pdf []byte) {
	t.Helper()
	out := run(t, "pdffonts", writePDF(t, pdf))
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 3 {
		t.Fatalf("pdffonts lists no font:\n%s", out)
	}
	for _, l := range lines[2:] {
		f := strings.Fields(l)
		// name type... encoding emb sub uni object ID
		if len(f) < 7 || f[len(f)-5] != "yes" {
			t.Errorf("a font is not embedded: %s", l)
		}
	}
}

// OCR of the printed cover sheet reads the names back: the shaped
// Arabic and Devanagari, the Ethiopic and the Chinese are real letters in
// the right order, not boxes or loose pieces. The comparison ignores
// spaces and commas (tesseract's spacing of large type varies) and allows
// a misread letter or two (minOCRSimilarity).
func TestEveryScriptOCR(t *testing.T) {
	tool(t, "tesseract")
	for _, n := range scriptNames {
		if n.ocr == "" {
			continue
		}
		t.Run(n.lang, func(t *testing.T) {
			if !strings.Contains(run(t, "tesseract", "--list-langs"), "\n"+n.ocr+"\n") {
				if os.Getenv("CI") != "" {
					t.Fatalf("tesseract has no %s: install tesseract-ocr-%s (make deps)", n.ocr, strings.ReplaceAll(n.ocr, "_", "-"))
				}
				t.Skipf("tesseract has no %s", n.ocr)
			}
			c := testChart(t, 1)
			c.Patient.Family, c.Patient.Given = n.family, n.given
			var buf bytes.Buffer
			if _, err := report.CoverSheet(&buf, testPage(), "practice-1", c.Patient, "lab"); err != nil {
				t.Fatal(err)
			}
			const dpi = 300
			// the cover sheet's name line, in 26 pt type, 37 to 48 mm from
			// the top, trimmed to the type with a white border: tesseract
			// reads a line of large type best on its own
			img := trim(crop(render(t, buf.Bytes(), 1, dpi), dpi, 10, 35, 190, 15), 30)
			path := filepath.Join(t.TempDir(), "name.png")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := png.Encode(f, img); err != nil {
				t.Fatal(err)
			}
			f.Close()
			got := ocrtest.Letters(run(t, "tesseract", path, "-", "-l", n.ocr, "--psm", "13"))
			want := ocrtest.Letters(n.family + n.given)
			if sim := ocrtest.Similarity(got, want); sim < minOCRSimilarity {
				t.Errorf("OCR read %q for %q: similarity %.2f, under %.2f", got, want, sim, minOCRSimilarity)
			} else {
				t.Logf("OCR read %q for %q: similarity %.2f", got, want, sim)
			}
		})
	}
}

// minOCRSimilarity is how close OCR must come to the printed name, by
// characters (1 - edit distance / length): one misread letter in twenty,
// so in effect exact for these names. The page renders the same every
// time, and tesseract reads every name here exactly from 26 pt type;
// Devanagari set without shaping (a vowel sign after its consonant, a
// conjunct as two letters with a visible virama) reads back at 0.77 to
// 0.92, so the bar must be above that. Arabic set without joining reads
// back as the right letters all the same; TestShapedGlyphs checks its
// joined forms.
const minOCRSimilarity = 0.95

// trim cuts img down to its dark pixels and adds a white border of pad
// pixels.
func trim(img image.Image, pad int) image.Image {
	b := img.Bounds()
	box := image.Rectangle{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y < 128 {
				box = box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	out := image.NewGray(image.Rect(0, 0, box.Dx()+2*pad, box.Dy()+2*pad))
	draw.Draw(out, out.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(out, box.Sub(box.Min).Add(image.Pt(pad, pad)), img, box.Min, draw.Src)
	return out
}
