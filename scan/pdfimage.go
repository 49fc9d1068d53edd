package scan

import (
	"bytes"
	"compress/zlib"
	"errors"
	"image"
	"image/jpeg"
	"io"
	"math"
	"strconv"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
	"golang.org/x/image/ccitt"
)

// A document scanner's PDF page is one picture drawn over the whole page:
// a JPEG (DCTDecode) for grey and colour, CCITT Group 4 (CCITTFaxDecode)
// for black and white. Such a page is read here straight from the file,
// without drawing it with pdftoppm: the page's content must do nothing
// but place one image XObject (q, Q, cm, Do) covering most of the page,
// unmirrored, and the image must be one this package decodes exactly as
// a PDF viewer would show it (no masks, no colour spaces beyond grey, RGB
// and ICC-based ones of 1 or 3 components, no odd decode arrays). Any
// other page is left to pdftoppm.
//
// The objects are pdfcpu's (the file was read once, by [readPDF]); the
// image's own data is decoded here, from the stream as stored: pdfcpu's
// image extraction would first look through every object of the file for
// images and write each as a TIFF or PNG file to be decoded again.

// errNotScanPage says that a page is not one picture read here.
var errNotScanPage = errors.New("the page is not a single scanned image")

// maxContentStream is the largest page content read to find a scan's
// image (a scanner's is a few dozen bytes).
const maxContentStream = 64 << 10

// pdfScanImage returns page n (1-based) of ctx when it is a scanned
// picture as above, and the page's longest side in inches as placed.
// JPEG images are read only up to maxJPEG pixels (none when 0): poppler,
// which draws a page at the size asked for, does a large one with less
// time and memory than Go's decoder, which decodes all of it.
func pdfScanImage(ctx *model.Context, n int, maxJPEG int) (img image.Image, inches float64, err error) {
	err = safely(func() error {
		img, inches, err = scanImage(ctx, n, maxJPEG)
		return err
	})
	if err != nil {
		return nil, 0, errNotScanPage
	}
	return img, inches, nil
}

func scanImage(ctx *model.Context, n int, maxJPEG int) (image.Image, float64, error) {
	if n < 1 || n > ctx.PageCount {
		return nil, 0, errNotScanPage
	}
	pg, _, inh, err := ctx.PageDict(n, false)
	if err != nil || pg == nil || inh == nil || inh.MediaBox == nil {
		return nil, 0, errNotScanPage
	}
	xobjs, err := ctx.DereferenceDict(inh.Resources["XObject"])
	if err != nil || xobjs == nil {
		return nil, 0, errNotScanPage
	}
	content, err := pageContent(ctx, pg)
	if err != nil {
		return nil, 0, err
	}
	ctm, name, err := placedImage(content)
	if err != nil {
		return nil, 0, err
	}
	ref, ok := xobjs[name].(types.IndirectRef)
	if !ok {
		return nil, 0, errNotScanPage
	}
	sd, _, err := ctx.DereferenceStreamDict(ref)
	if err != nil || sd == nil || nameOf(ctx, sd.Dict["Subtype"]) != "Image" {
		return nil, 0, errNotScanPage
	}
	// The image's unit square as placed on the page: it must keep its
	// handedness (a mirrored code does not read) and cover most of the
	// page.
	if ctm[0]*ctm[3]-ctm[1]*ctm[2] <= 0 {
		return nil, 0, errNotScanPage
	}
	box := inh.MediaBox
	if inh.CropBox != nil {
		box = inh.CropBox
	}
	pw, ph := math.Abs(box.Width()), math.Abs(box.Height())
	iw := math.Abs(ctm[0]) + math.Abs(ctm[2])
	ih := math.Abs(ctm[1]) + math.Abs(ctm[3])
	if pw <= 0 || ph <= 0 || iw*ih < 0.8*pw*ph {
		return nil, 0, errNotScanPage
	}
	img, err := decodeScanImage(ctx, sd, maxJPEG)
	if err != nil {
		return nil, 0, err
	}
	return img, max(pw, ph) / 72, nil
}

// nameOf is o as a name, "" when it is none.
func nameOf(ctx *model.Context, o types.Object) string {
	o, err := ctx.Dereference(o)
	if err != nil {
		return ""
	}
	if n, ok := o.(types.Name); ok {
		return string(n)
	}
	return ""
}

// number is o as a number.
func number(ctx *model.Context, o types.Object) (float64, bool) {
	o, err := ctx.Dereference(o)
	if err != nil {
		return 0, false
	}
	switch v := o.(type) {
	case types.Integer:
		return float64(v), true
	case types.Float:
		return float64(v), true
	}
	return 0, false
}

// numbers reads an array of n numbers.
func numbers(ctx *model.Context, o types.Object, n int) ([]float64, bool) {
	o, err := ctx.Dereference(o)
	if err != nil {
		return nil, false
	}
	a, ok := o.(types.Array)
	if !ok || len(a) != n {
		return nil, false
	}
	out := make([]float64, n)
	for i, e := range a {
		if out[i], ok = number(ctx, e); !ok {
			return nil, false
		}
	}
	return out, true
}

// pageContent is a page's content, its streams joined (uncompressed or
// Flate only), as long as their size is that of a scanner's page.
func pageContent(ctx *model.Context, pg types.Dict) ([]byte, error) {
	c, err := ctx.Dereference(pg["Contents"])
	if err != nil {
		return nil, errNotScanPage
	}
	refs := types.Array{pg["Contents"]}
	if a, ok := c.(types.Array); ok {
		refs = a
	}
	var out []byte
	for _, r := range refs {
		sd, _, err := ctx.DereferenceStreamDict(r)
		if err != nil || sd == nil || len(sd.Raw) > maxContentStream {
			return nil, errNotScanPage
		}
		data := sd.Raw
		switch fs := sd.FilterPipeline; {
		case len(fs) == 0:
		case len(fs) == 1 && fs[0].Name == "FlateDecode" && fs[0].DecodeParms == nil:
			zr, err := zlib.NewReader(bytes.NewReader(data))
			if err != nil {
				return nil, errNotScanPage
			}
			data, err = io.ReadAll(io.LimitReader(zr, maxContentStream+1))
			if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, errNotScanPage
			}
		default:
			return nil, errNotScanPage
		}
		out = append(append(out, data...), '\n')
		if len(out) > maxContentStream {
			return nil, errNotScanPage
		}
	}
	return out, nil
}

// placedImage reads a content stream that draws exactly one XObject with
// nothing else (q, Q, cm and Do only) and returns the transformation it
// is drawn with and its resource name.
func placedImage(content []byte) ([6]float64, string, error) {
	id := [6]float64{1, 0, 0, 1, 0, 0}
	ctm, stack := id, [][6]float64{}
	var nums []float64
	var name string
	var drawn string
	var at [6]float64
	for i := 0; ; {
		for i < len(content) && isSpace(content[i]) {
			i++
		}
		if i >= len(content) {
			break
		}
		s := i
		if content[i] == '/' {
			i++
		}
		for i < len(content) && isRegular(content[i]) {
			i++
		}
		tok := content[s:i]
		if i == s {
			return at, "", errNotScanPage // a delimiter: strings, arrays, dictionaries, comments
		}
		if tok[0] == '/' {
			if name != "" || len(nums) > 0 {
				return at, "", errNotScanPage
			}
			name = string(tok[1:])
			continue
		}
		if x, err := strconv.ParseFloat(string(tok), 64); err == nil {
			if name != "" || len(nums) == 6 {
				return at, "", errNotScanPage
			}
			nums = append(nums, x)
			continue
		}
		switch string(tok) {
		case "q":
			if len(nums) > 0 || name != "" || len(stack) > 28 {
				return at, "", errNotScanPage
			}
			stack = append(stack, ctm)
		case "Q":
			if len(nums) > 0 || name != "" || len(stack) == 0 {
				return at, "", errNotScanPage
			}
			ctm, stack = stack[len(stack)-1], stack[:len(stack)-1]
		case "cm":
			if len(nums) != 6 || name != "" {
				return at, "", errNotScanPage
			}
			ctm = mulMatrix([6]float64(nums), ctm)
		case "Do":
			if len(nums) != 0 || name == "" || drawn != "" {
				return at, "", errNotScanPage
			}
			drawn, at = name, ctm
		default:
			return at, "", errNotScanPage
		}
		nums, name = nums[:0], ""
	}
	if drawn == "" || len(nums) != 0 || name != "" {
		return at, "", errNotScanPage
	}
	return at, drawn, nil
}

// isRegular reports whether c is a PDF regular character (neither white
// space nor a delimiter).
func isRegular(c byte) bool {
	return !isSpace(c) && !bytes.ContainsRune([]byte("()<>[]{}/%"), rune(c))
}

// mulMatrix is m×n for PDF matrices [a b c d e f].
func mulMatrix(m, n [6]float64) [6]float64 {
	return [6]float64{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

// maxScanPixels is the largest page image decoded to look for a cover
// sheet (a legal page at 600 dpi is 42 million pixels).
const maxScanPixels = 50_000_000

// decodeScanImage decodes a CCITT Group 4 image XObject, or a JPEG one
// of at most maxJPEG pixels, in grey (a colour JPEG gives its luminance).
func decodeScanImage(ctx *model.Context, sd *types.StreamDict, maxJPEG int) (image.Image, error) {
	im := sd.Dict
	w, okW := number(ctx, im["Width"])
	h, okH := number(ctx, im["Height"])
	if !okW || !okH || w != math.Trunc(w) || h != math.Trunc(h) || w <= 0 || h <= 0 || w*h > maxScanPixels {
		return nil, errNotScanPage
	}
	width, height := int(w), int(h)
	if im["SMask"] != nil || im["Mask"] != nil {
		return nil, errNotScanPage
	}
	isTrue := func(o types.Object) bool {
		o, _ = ctx.Dereference(o)
		b, ok := o.(types.Boolean)
		return ok && bool(b)
	}
	mask := isTrue(im["ImageMask"])
	var inverted bool
	if dec := im["Decode"]; dec != nil {
		a, ok := numbers(ctx, dec, 2)
		switch {
		case ok && a[0] == 0 && a[1] == 1:
		case ok && a[0] == 1 && a[1] == 0:
			inverted = true
		default:
			return nil, errNotScanPage
		}
	}
	filter, err := ctx.Dereference(im["Filter"])
	if err != nil {
		return nil, errNotScanPage
	}
	parms, err := ctx.Dereference(im["DecodeParms"])
	if err != nil {
		return nil, errNotScanPage
	}
	if a, ok := parms.(types.Array); ok && len(a) == 1 {
		if parms, err = ctx.Dereference(a[0]); err != nil {
			return nil, errNotScanPage
		}
	}
	data := sd.Raw
	switch {
	case width*height <= maxJPEG && isFilter(ctx, filter, "DCTDecode"):
		if mask || inverted || !greyOrRGB(ctx, im["ColorSpace"]) {
			return nil, errNotScanPage
		}
		// The JPEG's own size is checked before anything is allocated.
		if c, err := jpeg.DecodeConfig(bytes.NewReader(data)); err != nil || c.Width != width || c.Height != height {
			return nil, errNotScanPage
		}
		img, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil || img.Bounds().Dx() != width || img.Bounds().Dy() != height {
			return nil, errNotScanPage
		}
		switch img := img.(type) {
		case *image.Gray:
			return img, nil
		case *image.YCbCr:
			return &image.Gray{Pix: img.Y, Stride: img.YStride, Rect: img.Rect}, nil
		}
		return nil, errNotScanPage
	case isFilter(ctx, filter, "CCITTFaxDecode"):
		if bpc, ok := number(ctx, im["BitsPerComponent"]); !mask && (!ok || bpc != 1) {
			return nil, errNotScanPage
		}
		if !mask && nameOf(ctx, im["ColorSpace"]) != "DeviceGray" {
			return nil, errNotScanPage
		}
		p, _ := parms.(types.Dict)
		if p == nil {
			return nil, errNotScanPage // K is 0 (Group 3) by default
		}
		param := func(k string, def float64) float64 {
			if v, ok := number(ctx, p[k]); ok {
				return v
			}
			return def
		}
		k, cols, rows := param("K", 0), param("Columns", 1728), param("Rows", 0)
		if k >= 0 || cols != w || (rows != 0 && rows != h) || isTrue(p["EncodedByteAlign"]) {
			return nil, errNotScanPage
		}
		// Decoded, black is 0; BlackIs1 and a [1 0] decode array each
		// turn the picture over, as a viewer shows it.
		invert := isTrue(p["BlackIs1"]) != inverted
		g := image.NewGray(image.Rect(0, 0, width, height))
		if err := ccitt.DecodeIntoGray(g, bytes.NewReader(data), ccitt.MSB, ccitt.Group4, &ccitt.Options{Invert: invert}); err != nil {
			return nil, errNotScanPage
		}
		return g, nil
	}
	return nil, errNotScanPage
}

// isFilter reports whether o is the filter name, alone or as the one
// entry of an array.
func isFilter(ctx *model.Context, o types.Object, name string) bool {
	if a, ok := o.(types.Array); ok && len(a) == 1 {
		o = a[0]
	}
	return nameOf(ctx, o) == name
}

// greyOrRGB reports whether a colour space is grey or RGB, device or
// ICC-based.
func greyOrRGB(ctx *model.Context, cs types.Object) bool {
	switch nameOf(ctx, cs) {
	case "DeviceGray", "DeviceRGB", "CalGray", "CalRGB":
		return true
	}
	o, err := ctx.Dereference(cs)
	if err != nil {
		return false
	}
	a, ok := o.(types.Array)
	if !ok || len(a) != 2 {
		return false
	}
	switch nameOf(ctx, a[0]) {
	case "CalGray", "CalRGB":
		return true
	case "ICCBased":
		sd, _, err := ctx.DereferenceStreamDict(a[1])
		if err != nil || sd == nil {
			return false
		}
		n, ok := number(ctx, sd.Dict["N"])
		return ok && (n == 1 || n == 3)
	}
	return false
}
