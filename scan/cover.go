package scan

import (
	"image"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"chartkeeper/report"
)

// Cover is what a Chartkeeper cover sheet's QR code says.
type Cover struct {
	PracticeID, PatientID, MRN, Category string
}

// coverDPI is the resolution PDF first pages are drawn at to look for a
// cover sheet's QR code: a letter page is then 850×1100 pixels (below
// qrSize, so the grey picture needs no scaling), and a cover sheet's
// modules (70 mm over the code's width, 1.7 to 2 mm for its payloads, at
// least 1 mm) are 7 pixels wide, 4 at the very least.
const coverDPI = 100

// FindCover reads a cover sheet from the first page of a scan, if it is
// one. Other QR codes (a lab's own forms carry them) are not cover sheets.
// A PDF's page is drawn with pdftoppm; without it PDFs are never
// recognised as starting with a cover sheet.
func FindCover(content []byte, info Info) (Cover, bool) {
	var img image.Image
	var err error
	if info.Format == PDF {
		img, err = renderPDFPage(content, 1, coverDPI, true)
	} else {
		img, err = decodeImage(content)
	}
	if err != nil {
		return Cover{}, false
	}
	text, ok := readQR(img)
	if !ok {
		return Cover{}, false
	}
	prac, pid, mrn, cat, err := report.ParseCoverPayload(text)
	if err != nil {
		return Cover{}, false
	}
	return Cover{PracticeID: prac, PatientID: pid, MRN: mrn, Category: cat}, true
}

var tryHarder = map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}

// readQR looks for a QR code, on a grey copy at most qrSize pixels on its
// longest side (a cover sheet's code is large; full-resolution scans only
// cost time).
func readQR(img image.Image) (string, bool) {
	bmp, err := gozxing.NewBinaryBitmapFromImage(grey(img, qrSize))
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
