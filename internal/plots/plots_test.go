package plots

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func weights() Chart {
	d := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	return Chart{Title: "Weight", Unit: "kg", Series: []Series{{Name: "Weight", Points: []Point{
		{At: d.AddDate(0, 2, 0), Value: 74.6}, {At: d, Value: 76.1}, {At: d.AddDate(0, 5, 0), Value: 73.2},
	}}}}
}

func TestImageDrawsSomething(t *testing.T) {
	img, err := weights().Image(400, 240, 96)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 400 || b.Dy() != 240 {
		t.Fatalf("image is %v, want 400×240", b)
	}
	dark := 0
	for y := 0; y < 240; y++ {
		for x := 0; x < 400; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if r < 0x4000 && g < 0x6000 && b > 0x8000 { // the blue line
				dark++
			}
		}
	}
	if dark < 50 {
		t.Fatalf("only %d pixels of the series' colour; the line was not drawn", dark)
	}
}

func TestEmptyChart(t *testing.T) {
	if _, err := (Chart{Title: "Nothing"}).Image(100, 100, 96); !errors.Is(err, ErrEmpty) {
		t.Fatalf("err = %v, want ErrEmpty", err)
	}
}

func TestWritePDFReadsBack(t *testing.T) {
	var buf bytes.Buffer
	if err := weights().Write(&buf, PDF, 400, 250); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", buf.Bytes()[:min(16, buf.Len())])
	}
	tool, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is needed (poppler-utils)")
		}
		t.Skip("pdftotext not installed")
	}
	path := filepath.Join(t.TempDir(), "w.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "Weight") || !strings.Contains(string(out), "kg") {
		t.Fatalf("pdftotext found no title or unit:\n%s", out)
	}
}

func TestWritePNG(t *testing.T) {
	var buf bytes.Buffer
	if err := weights().Write(&buf, FormatOf("trend.PNG"), 400, 250); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("\x89PNG")) {
		t.Fatal("not a PNG")
	}
	if FormatOf("a.pdf") != PDF {
		t.Fatal("a.pdf is not PDF")
	}
}

func TestPlainTickLabels(t *testing.T) {
	for _, tk := range (plainTicks{}).Ticks(0, 50) {
		if strings.Contains(tk.Label, ".") {
			t.Errorf("tick %v labelled %q", tk.Value, tk.Label)
		}
	}
	two := weights()
	two.Series = append(two.Series, Series{Name: "Goal", Points: two.Series[0].Points})
	p, err := two.Plot()
	if err != nil {
		t.Fatal(err)
	}
	if p.Y.Max <= 76.1 {
		t.Errorf("no room above the lines for the legend: y max %v", p.Y.Max)
	}
}
