// Package ocrtest reads text back from pictures with tesseract, for the
// tests that check that names in every script are drawn: on paper
// (report) and on screen (ui).
package ocrtest

import (
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Need skips t when tesseract or its language lang is missing, and fails
// it instead under CI, where make deps installs them.
func Need(t testing.TB, lang string) {
	t.Helper()
	miss := func(what string) {
		t.Helper()
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed (make deps)", what)
		}
		t.Skipf("%s is not installed", what)
	}
	out, err := exec.Command("tesseract", "--list-langs").CombinedOutput()
	if err != nil {
		miss("tesseract")
	}
	if !strings.Contains(string(out), "\n"+lang+"\n") {
		miss("tesseract-ocr-" + strings.ReplaceAll(lang, "_", "-"))
	}
}

// Read is the text tesseract reads in img, in language lang, taking the
// picture as one line of text. The picture is kept in dir.
func Read(t testing.TB, img image.Image, lang, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "ocr-"+lang+".png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("tesseract", path, "-", "-l", lang, "--psm", "13").Output()
	if err != nil {
		t.Fatalf("tesseract: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// Inked is img's type as black on white, trimmed to the ink with a white
// border of pad pixels. The ink is every pixel far from the background
// (the shade most pixels have), so the colours, light or dark, do not
// matter to tesseract.
func Inked(img image.Image, pad int) image.Image {
	b := img.Bounds()
	gray := func(x, y int) uint8 { return color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y }
	var count [256]int
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			count[gray(x, y)]++
		}
	}
	bg := 0
	for g := range count {
		if count[g] > count[bg] {
			bg = g
		}
	}
	ink := func(x, y int) bool {
		d := int(gray(x, y)) - bg
		return d > 64 || d < -64
	}
	box := image.Rectangle{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if ink(x, y) {
				box = box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	out := image.NewGray(image.Rect(0, 0, box.Dx()+2*pad, box.Dy()+2*pad))
	draw.Draw(out, out.Bounds(), image.White, image.Point{}, draw.Src)
	for y := box.Min.Y; y < box.Max.Y; y++ {
		for x := box.Min.X; x < box.Max.X; x++ {
			if ink(x, y) {
				out.SetGray(x-box.Min.X+pad, y-box.Min.Y+pad, color.Gray{})
			}
		}
	}
	return out
}

// Letters keeps the letters and marks of s, composed, in their order: OCR
// text and a name compare by them, whatever the spacing and punctuation
// tesseract sees.
func Letters(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsMark(r) {
			return r
		}
		return -1
	}, norm.NFC.String(s))
}

// Similarity is 1 - the edit distance between a and b (in characters)
// divided by the length of the longer.
func Similarity(a, b string) float64 {
	n := max(len([]rune(a)), len([]rune(b)))
	if n == 0 {
		return 1
	}
	return 1 - float64(Distance(a, b))/float64(n)
}

// Distance is the edit distance between a and b, in characters.
func Distance(a, b string) int {
	x, y := []rune(a), []rune(b)
	prev := make([]int, len(y)+1)
	cur := make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(y)]
}
