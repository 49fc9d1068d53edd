package main

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// tinyPDF is a valid two-page PDF.
func tinyPDF() string {
	var b strings.Builder
	var offs []int
	b.WriteString("%PDF-1.4\n")
	for i, o := range []string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>", "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"} {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 5\n0000000000 65535 f \n")
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", x)
	return b.String()
}

func TestIntakeAndInboxList(t *testing.T) {
	p := newPractice(t)
	dir := t.TempDir()
	archive := filepath.Join(t.TempDir(), "done")
	var img bytes.Buffer
	png.Encode(&img, image.NewGray(image.Rect(0, 0, 40, 60)))
	writeFile(t, dir, "page.png", img.String())
	writeFile(t, dir, "letter.pdf", tinyPDF())
	writeFile(t, dir, "notes.txt", "not a scan")
	writeFile(t, dir, "busy.pdf.part", "half")

	r := p.admin("intake", "--from", dir, "--category", "correspondence", "--archive", archive)
	wantCode(t, "intake with a refused file", r, exitFailed)
	wantOutput(t, "intake", r, "taken\tletter.pdf\t", "\t2 pages\tinbox", "taken\tpage.png\t", "refused\tnotes.txt\t-\t-\tnot a PDF, TIFF, JPEG or PNG file",
		"1 of 3 files were left in "+dir)
	if n := lines(r.stdout); n != 3 {
		t.Errorf("%d lines, want one per file:\n%s", n, r.stdout)
	}
	left, _ := os.ReadDir(dir)
	var names []string
	for _, de := range left {
		names = append(names, de.Name())
	}
	if !slices.Equal(names, []string{"busy.pdf.part", "notes.txt"}) {
		t.Errorf("folder holds %q", names)
	}
	if a, _ := os.ReadDir(archive); len(a) != 2 {
		t.Errorf("archive holds %d files", len(a))
	}

	r = p.admin("inbox", "list")
	wantCode(t, "inbox list", r, exitOK)
	if n := lines(r.stdout); n != 2 {
		t.Fatalf("inbox list:\n%s", r.stdout)
	}
	wantOutput(t, "inbox list", r, "\t2\tletter.pdf\t", "\t1\tpage.png\t")

	// The same files again: duplicates, no new documents.
	writeFile(t, dir, "again.pdf", tinyPDF())
	os.Remove(filepath.Join(dir, "notes.txt"))
	r = p.admin("intake", "--from", dir)
	wantCode(t, "second intake", r, exitOK)
	wantOutput(t, "second intake", r, "duplicate\tagain.pdf\t")
	if n := lines(p.admin("inbox", "list").stdout); n != 2 {
		t.Errorf("inbox has %d documents after a duplicate", n)
	}

	wantCode(t, "intake without --from", p.admin("intake"), exitUsage)
	wantCode(t, "intake with a bad category", p.admin("intake", "--from", dir, "--category", "recipes"), exitUsage)
}

func lines(s string) int { return strings.Count(s, "\n") }
