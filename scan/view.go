package scan

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"math"

	"chartkeeper/internal/pdfdraw"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
	"golang.org/x/image/draw"
	"golang.org/x/image/math/f64"

	_ "golang.org/x/image/tiff" // pdfcpu gives CMYK images as TIFF
)

// Pages for the workstation's document viewer.
//
// [PageImage] draws one page as a picture, upright, at about the
// resolution it was scanned at; [Fit] turns such a picture for the view
// and scales it to the width shown. TIFF, JPEG and PNG pages are decoded
// in Go. A PDF page that is a single image placed on the page (what
// scanners, img2pdf and tiff2pdf make) is drawn from that image, read
// with pdfcpu: the image is placed where the page's content puts it, on
// white, and the page's /Rotate is applied. Any other PDF page (text,
// drawings: the workstation's own printouts) is drawn by PDFium in pure
// Go (internal/pdfdraw), on every platform with nothing installed; should
// PDFium fail, by pdftoppm when it is installed; else the page gives
// [ErrCannotShow].

// ErrCannotShow says that a page cannot be drawn on this workstation.
var ErrCannotShow = errors.New("this page cannot be shown here")

// maxViewPixels is the largest page picture PageImage makes or decodes.
const maxViewPixels = 200_000_000

// viewDPI is the resolution text pages are drawn at for the viewer.
const viewDPI = 150

// PageImage draws page n (1-based) of content for viewing. Its error is
// ErrCannotShow when this workstation has no way to draw the page, a
// [*ProblemError] when the file is damaged.
func PageImage(content []byte, n int) (image.Image, error) {
	info, err := Analyze(content)
	if err != nil {
		return nil, err
	}
	if n < 1 || n > info.Pages {
		return nil, problemf("the document has no page %d (it has %d)", n, info.Pages)
	}
	switch info.Format {
	case PDF:
		var img image.Image
		err := safely(func() error {
			var err error
			img, err = pdfPageImage(info.pdf, n)
			return err
		})
		if err == nil && img != nil {
			return img, nil
		}
		// PDFium first: it needs nothing installed and, once started,
		// draws a page many times faster than starting pdftoppm.
		if img, err := pdfdraw.Page(content, n, viewDPI); err == nil {
			return img, nil
		}
		img, err = renderPDFPage(content, info.pdf, n, viewDPI, false)
		if err != nil {
			return nil, ErrCannotShow
		}
		return img, nil
	case TIFF:
		t, err := parseTIFF(content)
		if err != nil {
			return nil, err
		}
		one, err := tiffFromPage(content, t, n-1)
		if err != nil {
			return nil, err
		}
		img, _, err := image.Decode(bytes.NewReader(one))
		if err != nil {
			return nil, problemf("page %d of the TIFF cannot be read here", n)
		}
		return img, nil
	default:
		return decodeImage(content)
	}
}

// pdfPageImage draws a PDF page that is one placed image (see above).
func pdfPageImage(ctx *model.Context, n int) (image.Image, error) {
	pg, _, inh, err := ctx.PageDict(n, false)
	if err != nil || pg == nil || inh == nil || inh.MediaBox == nil {
		return nil, errNotScanPage
	}
	xobjs, err := ctx.DereferenceDict(inh.Resources["XObject"])
	if err != nil || xobjs == nil {
		return nil, errNotScanPage
	}
	content, err := pageContent(ctx, pg)
	if err != nil {
		return nil, err
	}
	ctm, name, err := placedImage(content)
	if err != nil {
		return nil, err
	}
	ref, ok := xobjs[name].(types.IndirectRef)
	if !ok {
		return nil, errNotScanPage
	}
	sd, _, err := ctx.DereferenceStreamDict(ref)
	if err != nil || sd == nil || nameOf(ctx, sd.Dict["Subtype"]) != "Image" {
		return nil, errNotScanPage
	}
	box := inh.MediaBox
	if inh.CropBox != nil {
		box = inh.CropBox
	}
	pic, err := viewImage(ctx, sd, ref.ObjectNumber.Value(), name)
	if err != nil {
		return nil, err
	}
	page, err := placeImage(pic, ctm, box.LL.X, box.LL.Y, box.UR.X, box.UR.Y)
	if err != nil {
		return nil, err
	}
	return turn(page, inh.Rotate), nil
}

// viewImage decodes an image XObject in colour: a JPEG with Go's decoder,
// a CCITT Group 4 image as the cover sheet reader does, anything else
// (Flate, LZW, run-length; grey, RGB, CMYK, indexed, ICC-based) through
// pdfcpu's image extraction.
func viewImage(ctx *model.Context, sd *types.StreamDict, objNr int, name string) (image.Image, error) {
	w, okW := number(ctx, sd.Dict["Width"])
	h, okH := number(ctx, sd.Dict["Height"])
	if !okW || !okH || w <= 0 || h <= 0 || w*h > maxViewPixels {
		return nil, errNotScanPage
	}
	filter, err := ctx.Dereference(sd.Dict["Filter"])
	if err != nil {
		return nil, errNotScanPage
	}
	plain := sd.Dict["SMask"] == nil && sd.Dict["Mask"] == nil && sd.Dict["Decode"] == nil
	switch {
	case isFilter(ctx, filter, "DCTDecode") && plain:
		c, err := jpeg.DecodeConfig(bytes.NewReader(sd.Raw))
		if err != nil || float64(c.Width) != w || float64(c.Height) != h {
			return nil, errNotScanPage
		}
		if c.ColorModel == color.CMYKModel {
			break // Adobe's inverted CMYK: pdfcpu's way below
		}
		img, err := jpeg.Decode(bytes.NewReader(sd.Raw))
		if err != nil {
			return nil, errNotScanPage
		}
		return img, nil
	case isFilter(ctx, filter, "CCITTFaxDecode"):
		if img, err := decodeScanImage(ctx, sd, 0); err == nil {
			return img, nil
		}
	}
	x, err := pdfcpu.ExtractImage(ctx, sd, false, name, objNr, false)
	if err != nil || x == nil || x.Reader == nil {
		return nil, errNotScanPage
	}
	img, _, err := image.Decode(x.Reader)
	if err != nil {
		return nil, errNotScanPage
	}
	return img, nil
}

// placeImage draws img where the matrix ctm places the image's unit
// square on the page box (x0, y0)–(x1, y1), on white, at the image's own
// resolution (its pixels keep their size on the page).
func placeImage(img image.Image, ctm [6]float64, x0, y0, x1, y1 float64) (image.Image, error) {
	b := img.Bounds()
	w, h := float64(b.Dx()), float64(b.Dy())
	a, bb, c, d, e, f := ctm[0], ctm[1], ctm[2], ctm[3], ctm[4], ctm[5]
	// The image's sides as placed, in points.
	sideU, sideV := math.Hypot(a, bb), math.Hypot(c, d)
	if sideU <= 0 || sideV <= 0 || x1 <= x0 || y1 <= y0 {
		return nil, errNotScanPage
	}
	s := max(w/sideU, h/sideV) // pixels a point
	pw, ph := (x1-x0)*s, (y1-y0)*s
	if pw*ph > maxViewPixels {
		s *= math.Sqrt(maxViewPixels / (pw * ph))
		pw, ph = (x1-x0)*s, (y1-y0)*s
	}
	W, H := max(1, int(math.Round(pw))), max(1, int(math.Round(ph)))
	// Image pixel (ix, iy), y down, is the unit square's (ix/w, 1-iy/h);
	// the page's point (X, Y) is pixel ((X-x0)s, (y1-Y)s).
	m := f64.Aff3{
		s * a / w, -s * c / h, s * (c + e - x0),
		-s * bb / w, s * d / h, s * (y1 - d - f),
	}
	dst := image.NewRGBA(image.Rect(0, 0, W, H))
	draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src)
	// At about one image pixel a page pixel, the nearest pixel is exact
	// where the image is not turned by other than quarter turns.
	draw.NearestNeighbor.Transform(dst, m, img, b, draw.Over, nil)
	return dst, nil
}

// Fit is a page picture turned clockwise by deg (a multiple of 90) and
// scaled to width pixels wide, keeping its proportions. Pictures are
// scaled down with a filter that averages what it leaves out, so small
// print stays readable.
func Fit(img image.Image, deg, width int) image.Image {
	deg = ((deg % 360) + 360) % 360
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if deg == 90 || deg == 270 {
		w, h = h, w
	}
	if width < 1 || w < 1 || h < 1 {
		return turn(img, deg)
	}
	height := max(1, int(math.Round(float64(h)*float64(width)/float64(w))))
	// Scale first (the turned size swapped back), then turn the small copy.
	sw, sh := width, height
	if deg == 90 || deg == 270 {
		sw, sh = height, width
	}
	dst := image.NewRGBA(image.Rect(0, 0, sw, sh))
	if sw == b.Dx() && sh == b.Dy() {
		draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Src)
	} else {
		draw.BiLinear.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	}
	return turn(dst, deg)
}
