package scan

import (
	"errors"
	"image"
	"math"
	"os/exec"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"chartkeeper/chart"
)

// coverDPI is the resolution PDF first pages are drawn at to look for a
// cover sheet's QR code: a letter page is then 850×1100 pixels (below
// qrSize, so the grey picture needs no scaling), and a cover sheet's
// modules (70 mm over the code's width, 1.7 to 2 mm for its payloads, at
// least 1 mm) are 7 pixels wide, 4 at the very least.
const coverDPI = 100

// coverSize is the least longest side a PDF's first page is looked at
// with for a QR code: a letter page at coverDPI. Pages that claim to be
// smaller (a scanner or converter that wrote the wrong resolution) are
// still looked at this large; longer pages at coverDPI.
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
	} else if img, err = decodeStored(content); err == nil && info.Format == JPEG {
		// Turned upright on a small grey copy: a phone photo of a sheet.
		img = orient(grey(img, size), exifOrientation(content))
	}
	if err != nil {
		return chart.CoverSheet{}, false
	}
	// A code that does not read at one scale may at another: scaling a
	// scanned page can put the modules' edges between pixels unevenly.
	seen := false
	for _, sz := range []int{size, size * 3 / 2, size * 2 / 3} {
		text, ok, located := readQR(img, sz)
		if ok {
			c, err := chart.ParseCoverSheet(text)
			return c, err == nil
		}
		seen = seen || located
	}
	if info.Format == PDF && (seen || claimsSmallPage(info.pdf)) {
		// A code was found but not read, or the page claims to be far
		// smaller than any paper (a scanner or converter that wrote the
		// wrong resolution, so the page was drawn with few pixels): look again
		// at the page's own image at full size, then drawn twice as fine.
		if text, ok := readSharper(content, info); ok {
			c, err := chart.ParseCoverSheet(text)
			return c, err == nil
		}
	}
	return chart.CoverSheet{}, false
}

// claimsSmallPage reports whether a PDF's first page claims to be under
// half a letter page's height on its longest side (5.5 in): no paper a
// clinic scans, but what a scanner that wrote the wrong resolution makes.
// A5 and A6 pages, which are real, are not looked at twice.
func claimsSmallPage(ctx *model.Context) bool {
	return ctx != nil && coverDrawDPI(ctx) >= 2*coverDPI
}

// readSharper reads a cover's code from a PDF's first page at more
// pixels than FindCover's first look: its embedded scan image decoded
// whole (JPEG pages included), then drawn at twice the resolution.
func readSharper(content []byte, info Info) (string, bool) {
	ctx := info.pdf
	if ctx == nil {
		var err error
		if ctx, err = readPDF(content); err != nil {
			return "", false
		}
	}
	if img, _, err := pdfScanImage(ctx, 1, true); err == nil {
		b := img.Bounds()
		if text, ok, _ := readQR(img, max(b.Dx(), b.Dy())); ok {
			return text, true
		}
	}
	if _, err := exec.LookPath(PDFRenderer); err != nil {
		return "", false
	}
	img, err := renderPDFPage(content, ctx, 1, min(2*coverDrawDPI(ctx), 8*coverDPI), true)
	if err != nil {
		return "", false
	}
	b := img.Bounds()
	text, ok, _ := readQR(img, max(b.Dx(), b.Dy()))
	return text, ok
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
		// Never below a letter page at coverDPI: a page that claims to be
		// small (a scanner or converter that wrote the wrong resolution)
		// would otherwise shrink the code's modules below what reads.
		size := coverSize
		if inches > 11 && inches <= 20 {
			size = int(inches*coverDPI + 0.5)
		}
		return img, size, nil
	}
	img, err := renderPDFPage(content, ctx, 1, coverDrawDPI(ctx), true)
	return img, qrSize, err
}

// coverDrawDPI is the resolution to draw a PDF's first page at: coverDPI,
// or more for a page that claims to be smaller than a letter page, so the
// picture's longest side is still coverSize pixels.
func coverDrawDPI(ctx *model.Context) int {
	var inh *model.InheritedPageAttrs
	err := safely(func() (err error) {
		_, _, inh, err = ctx.PageDict(1, false)
		return err
	})
	if err != nil || inh == nil || inh.MediaBox == nil {
		return coverDPI
	}
	inches := max(math.Abs(inh.MediaBox.Width()), math.Abs(inh.MediaBox.Height())) / 72
	if inches < 1 || inches*coverDPI >= coverSize {
		return coverDPI
	}
	return min(int(math.Ceil(coverSize/inches)), 4*coverDPI)
}

// readQR looks for a QR code, on a grey copy at most size pixels on its
// longest side (a cover sheet's code is large; full-resolution scans only
// cost time).
//
// The page is made black and white by zxing's local (hybrid) threshold
// first and, when no code reads, by its global one, which copes better
// with an evenly lit page whose code sits in a large light area.
//
// located reports a code that was found on the page but did not read (its
// finder patterns were seen; its modules failed their checks).
func readQR(img image.Image, size int) (text string, ok, located bool) {
	src := gozxing.NewLuminanceSourceFromImage(grey(img, size))
	for _, bin := range []gozxing.Binarizer{gozxing.NewHybridBinarizer(src), gozxing.NewGlobalHistgramBinarizer(src)} {
		bmp, err := gozxing.NewBinaryBitmap(bin)
		if err != nil {
			continue
		}
		res, err := qrcode.NewQRCodeReader().Decode(bmp, tryHarder)
		if err == nil {
			return res.GetText(), true, true
		}
		var nf gozxing.NotFoundException
		if !errors.As(err, &nf) {
			located = true
		}
	}
	return "", false, located
}

const qrSize = 1400
