package report

import (
	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/code128"
	"github.com/boombuler/barcode/qr"
	"github.com/jung-kurt/gofpdf"
)

// The barcodes are drawn as vector rectangles, one per run of dark modules,
// so they print sharp at any resolution and cost no image encoding.

// qrCode encodes payload at error correction level M (15% of the code may
// be damaged or covered and it still reads).
func qrCode(payload string) (barcode.Barcode, error) {
	return qr.Encode(payload, qr.M, qr.Auto)
}

// qrQuiet is the light margin a QR code needs around it, in modules.
const qrQuiet = 4

// dark reports whether the module at x, y is dark.
func dark(bc barcode.Barcode, x, y int) bool {
	b := bc.Bounds()
	r, g, bl, _ := bc.At(b.Min.X+x, b.Min.Y+y).RGBA()
	return r+g+bl < 3*0x8000
}

// drawMatrix draws a 2-D code with its top left corner at x, y, each module
// a square of side module (mm). The quiet zone is the caller's to leave.
func drawMatrix(pdf *gofpdf.Fpdf, bc barcode.Barcode, x, y, module float64) {
	b := bc.Bounds()
	pdf.SetFillColor(0, 0, 0)
	for row := range b.Dy() {
		for col := 0; col < b.Dx(); {
			if !dark(bc, col, row) {
				col++
				continue
			}
			run := col
			for run < b.Dx() && dark(bc, run, row) {
				run++
			}
			pdf.Rect(x+float64(col)*module, y+float64(row)*module, float64(run-col)*module, module, "F")
			col = run
		}
	}
}

// code128Bars encodes s as Code 128 (code set C for digits, so an MRN of 8
// digits is 4 symbols).
func code128Bars(s string) (barcode.Barcode, error) {
	return code128.Encode(s)
}

// drawBars draws a 1-D code of height h with its left end at x, y, each
// module bar wide (mm).
func drawBars(pdf *gofpdf.Fpdf, bc barcode.Barcode, x, y, bar, h float64) {
	b := bc.Bounds()
	pdf.SetFillColor(0, 0, 0)
	for col := 0; col < b.Dx(); {
		if !dark(bc, col, 0) {
			col++
			continue
		}
		run := col
		for run < b.Dx() && dark(bc, run, 0) {
			run++
		}
		pdf.Rect(x+float64(col)*bar, y, float64(run-col)*bar, h, "F")
		col = run
	}
}
