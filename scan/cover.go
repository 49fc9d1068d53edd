package scan

import (
	"errors"
	"image"
	"math"
	"os/exec"
	"slices"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/common"
	multidetector "github.com/makiuchi-d/gozxing/multi/qrcode/detector"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
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
// one (content may be nil for a PDF that intake read from its file). Other QR codes (a lab's own forms carry them) are not cover sheets.
// A PDF's first page is read from the file when it is a scanner's single
// CCITT Group 4 image (see pdfScanImage), and drawn with pdftoppm
// otherwise; without pdftoppm, a single JPEG image is read from the file
// too, and other PDFs are never recognised as starting with a cover
// sheet.
func FindCover(content []byte, info Info) (chart.CoverSheet, bool) {
	var img image.Image
	var err error
	size := qrSize
	var embedded image.Image
	if info.Format == PDF {
		if err := info.left.loadPage(info.pdf, 1); err != nil {
			return chart.CoverSheet{}, false
		}
		img, size, embedded, err = pdfCoverImage(content, info)
	} else if img, err = decodeStored(content); err == nil && info.Format == JPEG {
		// Turned upright on a small grey copy: a phone photo of a sheet.
		img = orient(grey(img, size), exifOrientation(content))
	}
	if err != nil {
		return chart.CoverSheet{}, false
	}
	// A code that does not read at one scale may at another: scaling a
	// scanned page can put the modules' edges between pixels unevenly.
	// A picture smaller than a size is looked at as it is, once.
	seen := false
	var looked []image.Point
	for _, sz := range []int{size, size * 3 / 2, size * 2 / 3} {
		g := grey(img, sz)
		if slices.Contains(looked, g.Bounds().Size()) {
			continue
		}
		looked = append(looked, g.Bounds().Size())
		text, ok, located := readQRGrey(g)
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
		if text, ok := readSharper(content, info, embedded); ok {
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
// whole (JPEG pages included; embedded is that image when the first look
// decoded it already), then drawn at twice the resolution.
func readSharper(content []byte, info Info, embedded image.Image) (string, bool) {
	ctx := info.pdf
	if ctx == nil {
		var err error
		if ctx, err = readPDF(content); err != nil {
			return "", false
		}
	}
	img, err := embedded, error(nil)
	if img == nil {
		img, _, err = pdfScanImage(ctx, 1, maxScanPixels)
	}
	if err == nil {
		b := img.Bounds()
		if text, ok, _ := readQR(img, max(b.Dx(), b.Dy())); ok {
			return text, true
		}
	}
	if _, err := exec.LookPath(PDFRenderer); err != nil {
		return "", false
	}
	img, err = renderPDFPage(content, ctx, 1, min(2*coverDrawDPI(ctx), 8*coverDPI), true)
	if err != nil {
		return "", false
	}
	b := img.Bounds()
	text, ok, _ := readQR(img, max(b.Dx(), b.Dy()))
	return text, ok
}

var tryHarder = map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}

// pdfCoverImage is the first page of a PDF to look for a QR code on, and
// the longest side to bring it down to; embedded is the same picture when
// it is the page's own image at full size.
func pdfCoverImage(content []byte, info Info) (img image.Image, size int, embedded image.Image, err error) {
	ctx := info.pdf
	if ctx == nil {
		if ctx, err = readPDF(content); err != nil {
			return nil, 0, nil, err
		}
	}
	// JPEG pages are drawn by pdftoppm when it is at hand: in a separate
	// process, beside the sealing, it takes less of the intake's time
	// than Go's decoder (see docs/PERFORMANCE.md, Intake).
	maxJPEG := 0
	if _, noRenderer := exec.LookPath(PDFRenderer); noRenderer != nil {
		maxJPEG = maxScanPixels
	}
	if img, inches, err := pdfScanImage(ctx, 1, maxJPEG); err == nil {
		// Never below a letter page at coverDPI: a page that claims to be
		// small (a scanner or converter that wrote the wrong resolution)
		// would otherwise shrink the code's modules below what reads.
		size := coverSize
		if inches > 11 && inches <= 20 {
			size = int(inches*coverDPI + 0.5)
		}
		return img, size, img, nil
	}
	img, err = renderPDFPage(content, ctx, 1, coverDrawDPI(ctx), true)
	return img, qrSize, nil, err
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
// located reports a code that was found on the page but did not read: its
// three finder patterns were seen, as large as a cover sheet's (see
// [coverSized]), and its modules failed their checks.
func readQR(img image.Image, size int) (text string, ok, located bool) {
	g := grey(img, size)
	return readQRGrey(g)
}

// readQRGrey is readQR on a grey picture as it is.
func readQRGrey(g *image.Gray) (text string, ok, located bool) {
	src := gozxing.NewLuminanceSourceFromImage(g)
	for _, bin := range []gozxing.Binarizer{gozxing.NewHybridBinarizer(src), gozxing.NewGlobalHistgramBinarizer(src)} {
		bits, err := bin.GetBlackMatrix()
		if err != nil {
			continue
		}
		// What qrcode.QRCodeReader.Decode does, with the finder patterns
		// kept to judge a code that does not read.
		info, err := detector.NewFinderPatternFinder(bits, nil).Find(tryHarder)
		if err != nil {
			continue
		}
		text, err := decodeAt(bits, info)
		if err == nil {
			return text, true, true
		}
		// The finder stops at the first three patterns that agree in
		// size, and a code's own modules can draw a finder pattern's
		// 1:1:3:1:1 in its data (about one cover sheet's code in fifty
		// did): the corner it took there is not the code's. Every three
		// patterns of the whole page that lie as a code's corners do
		// are tried then.
		if text, ok := decodeAnyCorners(bits, info); ok {
			return text, true, true
		}
		var nf gozxing.NotFoundException
		if !errors.As(err, &nf) && coverSized(info, g.Bounds()) {
			located = true
		}
	}
	return "", false, located
}

// decodeAt reads the code whose finder patterns are info on bits.
func decodeAt(bits *gozxing.BitMatrix, info *detector.FinderPatternInfo) (string, error) {
	det, err := detector.NewDetector(bits).ProcessFinderPatternInfo(info)
	if err != nil {
		return "", err
	}
	var res *common.DecoderResult
	if res, err = decoder.NewDecoder().Decode(det.GetBits(), tryHarder); err != nil {
		return "", err
	}
	return res.GetText(), nil
}

// decodeAnyCorners looks for every finder pattern on bits and reads the
// code at any three of them that form a code's corners (two equal sides
// at a right angle), but tried, the three that did not read.
func decodeAnyCorners(bits *gozxing.BitMatrix, tried *detector.FinderPatternInfo) (string, bool) {
	infos, err := multidetector.NewMultiFinderPatternFinder(bits, nil).FindMulti(tryHarder)
	if err != nil {
		return "", false
	}
	same := func(a, b gozxing.ResultPoint) bool { return a.GetX() == b.GetX() && a.GetY() == b.GetY() }
	for _, info := range infos {
		if same(info.GetTopLeft(), tried.GetTopLeft()) && same(info.GetTopRight(), tried.GetTopRight()) && same(info.GetBottomLeft(), tried.GetBottomLeft()) {
			continue
		}
		if text, err := decodeAt(bits, info); err == nil {
			return text, true
		}
	}
	return "", false
}

// coverSized reports whether three finder patterns seen on a picture of
// a page (bounds) could be a cover sheet's. A cover's code is 70 mm wide
// with modules of 1 mm or more: on a letter page looked at coverSize
// pixels long, or two thirds of that (the smallest look), its modules
// are 2.6 pixels or more and its finder patterns' centres 56 mm or more
// apart, a fifth of the page's length (an eighth is asked for, which
// leaves room for legal and tabloid pages). The grain of a scanned page,
// thresholded to black and white specks, makes finder patterns of a
// pixel or two that fail to read; looking at such a page again at full
// size only cost time.
func coverSized(info *detector.FinderPatternInfo, bounds image.Rectangle) bool {
	tl, tr, bl := info.GetTopLeft(), info.GetTopRight(), info.GetBottomLeft()
	module := (tl.GetEstimatedModuleSize() + tr.GetEstimatedModuleSize() + bl.GetEstimatedModuleSize()) / 3
	long := float64(max(bounds.Dx(), bounds.Dy()))
	apart := min(gozxing.ResultPoint_Distance(tl, tr), gozxing.ResultPoint_Distance(tl, bl))
	return module >= 2 && apart >= long/8
}

const qrSize = 1400
