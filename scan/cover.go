package scan

import (
	"image"
	"os/exec"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"chartkeeper/chart"
)

// coverDPI is the resolution PDF first pages are drawn at to look for a
// cover sheet's QR code: a letter page is then 850×1100 pixels (below
// qrSize, so the grey picture needs no scaling), and a cover sheet's
// modules (70 mm over the code's width, 1.7 to 2 mm for its payloads, at
// least 1 mm) are 7 pixels wide, 4 at the very least.
const coverDPI = 100

// coverSize is the longest side a PDF page's own image is brought down
// to before its QR code is looked for when the page's size says nothing
// useful: a letter page at coverDPI.
const coverSize = 1100

// FindCover reads a cover sheet from the first page of a scan, if it is
// one. Other QR codes (a lab's own forms carry them) are not cover sheets.
// A PDF's first page is read from the file when it is a scanner's single
// CCITT Group 4 image (see pdfScanImage), and drawn with pdftoppm
// otherwise; without pdftoppm, a single JPEG image is read from the file
// too, and other PDFs are never recognised as starting with a cover
// sheet.
func FindCover(content []byte, info Info) (chart.CoverSheet, bool) {
	var img image.Image
	var err error
	size := qrSize
	if info.Format == PDF {
		img, size, err = pdfCoverImage(content, info)
	} else {
		img, err = decodeImage(content)
	}
	if err != nil {
		return chart.CoverSheet{}, false
	}
	text, ok := readQR(img, size)
	if !ok {
		return chart.CoverSheet{}, false
	}
	c, err := chart.ParseCoverSheet(text)
	return c, err == nil
}

var tryHarder = map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}

// pdfCoverImage is the first page of a PDF to look for a QR code on, and
// the longest side to bring it down to.
func pdfCoverImage(content []byte, info Info) (image.Image, int, error) {
	ctx := info.pdf
	if ctx == nil {
		var err error
		if ctx, err = readPDF(content); err != nil {
			return nil, 0, err
		}
	}
	_, noRenderer := exec.LookPath(PDFRenderer)
	if img, inches, err := pdfScanImage(ctx, 1, noRenderer != nil); err == nil {
		size := coverSize
		if inches >= 3 && inches <= 20 {
			size = int(inches*coverDPI + 0.5)
		}
		return img, size, nil
	}
	img, err := renderPDFPage(content, ctx, 1, coverDPI, true)
	return img, qrSize, err
}

// readQR looks for a QR code, on a grey copy at most size pixels on its
// longest side (a cover sheet's code is large; full-resolution scans only
// cost time).
func readQR(img image.Image, size int) (string, bool) {
	bmp, err := gozxing.NewBinaryBitmapFromImage(grey(img, size))
	if err != nil {
		return "", false
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, tryHarder)
	if err != nil {
		return "", false
	}
	return res.GetText(), true
}

const qrSize = 1400
