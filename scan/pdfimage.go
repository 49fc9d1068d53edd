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

// errNotScanPage says that a page is not one picture read here.
var errNotScanPage = errors.New("the page is not a single scanned image")

// maxContentStream is the largest page content read to find a scan's
// image (a scanner's is a few dozen bytes).
const maxContentStream = 64 << 10

// pdfScanImage returns page n (1-based) of f when it is a scanned picture
// as above, and the page's longest side in inches as placed. JPEG images
// are read only when jpegs is set: poppler decodes them faster than Go.
func pdfScanImage(f *pdfFile, n int, jpegs bool) (image.Image, float64, error) {
	if n < 1 || n > len(f.pages) {
		return nil, 0, errNotScanPage
	}
	pg := f.pages[n-1]
	xobjs, _ := f.resolve(dictGet(f.resolve(pg.get("Resources")), "XObject")).(*pdfDict)
	if xobjs == nil {
		return nil, 0, errNotScanPage
	}
	content, err := f.pageContent(pg)
	if err != nil {
		return nil, 0, err
	}
	ctm, name, err := placedImage(content)
	if err != nil {
		return nil, 0, err
	}
	ref, ok := xobjs.get(name).(pdfRef)
	if !ok {
		return nil, 0, errNotScanPage
	}
	o := f.objs[ref.num]
	if o == nil || o.stream == nil {
		return nil, 0, errNotScanPage
	}
	im, _ := o.v.(*pdfDict)
	if im == nil || f.resolve(im.get("Subtype")) != pdfName("Image") {
		return nil, 0, errNotScanPage
	}
	// The image's unit square as placed on the page: it must keep its
	// handedness (a mirrored code does not read) and cover most of the
	// page.
	if ctm[0]*ctm[3]-ctm[1]*ctm[2] <= 0 {
		return nil, 0, errNotScanPage
	}
	box, ok := numbers(f, f.resolve(pg.get("MediaBox")), 4)
	if !ok {
		return nil, 0, errNotScanPage
	}
	if crop, ok := numbers(f, f.resolve(pg.get("CropBox")), 4); ok {
		box = crop
	}
	pw, ph := math.Abs(box[2]-box[0]), math.Abs(box[3]-box[1])
	iw := math.Abs(ctm[0]) + math.Abs(ctm[2])
	ih := math.Abs(ctm[1]) + math.Abs(ctm[3])
	if pw <= 0 || ph <= 0 || iw*ih < 0.8*pw*ph {
		return nil, 0, errNotScanPage
	}
	img, err := f.decodeScanImage(im, o.stream, jpegs)
	if err != nil {
		return nil, 0, err
	}
	return img, max(pw, ph) / 72, nil
}

// dictGet is d[k] when d is a dictionary.
func dictGet(d any, k pdfName) any {
	if dd, ok := d.(*pdfDict); ok {
		return dd.get(k)
	}
	return nil
}

// numbers reads an array of n numbers.
func numbers(f *pdfFile, v any, n int) ([]float64, bool) {
	a, ok := v.(pdfArray)
	if !ok || len(a) != n {
		return nil, false
	}
	out := make([]float64, n)
	for i, e := range a {
		x, err := strconv.ParseFloat(string(asRaw(f.resolve(e))), 64)
		if err != nil {
			return nil, false
		}
		out[i] = x
	}
	return out, true
}

// pageContent is a page's content, its streams joined (uncompressed or
// Flate only).
func (f *pdfFile) pageContent(pg *pdfDict) ([]byte, error) {
	var refs []any
	switch c := f.resolve(pg.get("Contents")).(type) {
	case pdfArray:
		refs = c
	default:
		refs = []any{pg.get("Contents")}
	}
	var out []byte
	for _, r := range refs {
		ref, ok := r.(pdfRef)
		if !ok || f.objs[ref.num] == nil || f.objs[ref.num].stream == nil {
			return nil, errNotScanPage
		}
		o := f.objs[ref.num]
		d, _ := o.v.(*pdfDict)
		if d == nil || d.get("DecodeParms") != nil {
			return nil, errNotScanPage
		}
		data := o.stream
		switch filter := f.resolve(d.get("Filter")); {
		case filter == nil:
		case isFilter(f, filter, "FlateDecode"):
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

// isFilter reports whether v is the filter name, alone or as the one
// entry of an array.
func isFilter(f *pdfFile, v any, name pdfName) bool {
	if a, ok := v.(pdfArray); ok && len(a) == 1 {
		v = f.resolve(a[0])
	}
	return v == name
}

// placedImage reads a content stream that draws exactly one XObject with
// nothing else (q, Q, cm and Do only) and returns the transformation it
// is drawn with and its resource name.
func placedImage(content []byte) ([6]float64, pdfName, error) {
	id := [6]float64{1, 0, 0, 1, 0, 0}
	ctm, stack := id, [][6]float64{}
	var operands []any
	var drawn pdfName
	var at [6]float64
	l := &pdfLexer{b: content}
	for {
		l.skip()
		if l.i >= len(l.b) {
			break
		}
		v, err := l.value(0)
		if err != nil {
			return at, "", errNotScanPage
		}
		raw, isRaw := v.(pdfRaw)
		if !isRaw || isNumber(raw) {
			operands = append(operands, v)
			if len(operands) > 6 {
				return at, "", errNotScanPage
			}
			continue
		}
		switch string(raw) {
		case "q":
			if len(stack) > 28 {
				return at, "", errNotScanPage
			}
			stack = append(stack, ctm)
		case "Q":
			if len(stack) == 0 {
				return at, "", errNotScanPage
			}
			ctm, stack = stack[len(stack)-1], stack[:len(stack)-1]
		case "cm":
			if len(operands) != 6 {
				return at, "", errNotScanPage
			}
			var m [6]float64
			for i, o := range operands {
				r, _ := o.(pdfRaw)
				x, err := strconv.ParseFloat(string(r), 64)
				if err != nil {
					return at, "", errNotScanPage
				}
				m[i] = x
			}
			ctm = mulMatrix(m, ctm)
		case "Do":
			if len(operands) != 1 || drawn != "" {
				return at, "", errNotScanPage
			}
			name, ok := operands[0].(pdfName)
			if !ok {
				return at, "", errNotScanPage
			}
			drawn, at = name, ctm
		default:
			return at, "", errNotScanPage
		}
		operands = operands[:0]
	}
	if drawn == "" || len(operands) != 0 {
		return at, "", errNotScanPage
	}
	return at, drawn, nil
}

func isNumber(w []byte) bool {
	_, err := strconv.ParseFloat(string(w), 64)
	return err == nil
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
// when jpegs is set, in grey (a colour JPEG gives its luminance).
func (f *pdfFile) decodeScanImage(im *pdfDict, data []byte, jpegs bool) (image.Image, error) {
	w, errW := strconv.Atoi(string(asRaw(f.resolve(im.get("Width")))))
	h, errH := strconv.Atoi(string(asRaw(f.resolve(im.get("Height")))))
	if errW != nil || errH != nil || w <= 0 || h <= 0 || w*h > maxScanPixels {
		return nil, errNotScanPage
	}
	if im.get("SMask") != nil || im.get("Mask") != nil {
		return nil, errNotScanPage
	}
	mask := string(asRaw(f.resolve(im.get("ImageMask")))) == "true"
	var inverted bool
	if dec := f.resolve(im.get("Decode")); dec != nil {
		a, ok := numbers(f, dec, 2)
		switch {
		case ok && a[0] == 0 && a[1] == 1:
		case ok && a[0] == 1 && a[1] == 0:
			inverted = true
		default:
			return nil, errNotScanPage
		}
	}
	filter := f.resolve(im.get("Filter"))
	parms := f.resolve(im.get("DecodeParms"))
	if a, ok := parms.(pdfArray); ok && len(a) == 1 {
		parms = f.resolve(a[0])
	}
	switch {
	case jpegs && isFilter(f, filter, "DCTDecode"):
		if mask || inverted || !greyOrRGB(f, f.resolve(im.get("ColorSpace"))) {
			return nil, errNotScanPage
		}
		// The JPEG's own size is checked before anything is allocated.
		if c, err := jpeg.DecodeConfig(bytes.NewReader(data)); err != nil || c.Width != w || c.Height != h {
			return nil, errNotScanPage
		}
		img, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil || img.Bounds().Dx() != w || img.Bounds().Dy() != h {
			return nil, errNotScanPage
		}
		switch img := img.(type) {
		case *image.Gray:
			return img, nil
		case *image.YCbCr:
			return &image.Gray{Pix: img.Y, Stride: img.YStride, Rect: img.Rect}, nil
		}
		return nil, errNotScanPage
	case isFilter(f, filter, "CCITTFaxDecode"):
		if bpc := string(asRaw(f.resolve(im.get("BitsPerComponent")))); !mask && bpc != "1" {
			return nil, errNotScanPage
		}
		if !mask && f.resolve(im.get("ColorSpace")) != pdfName("DeviceGray") {
			return nil, errNotScanPage
		}
		p, _ := parms.(*pdfDict)
		if p == nil {
			return nil, errNotScanPage // K is 0 (Group 3) by default
		}
		param := func(k pdfName, def string) string {
			if v := asRaw(f.resolve(p.get(k))); v != nil {
				return string(v)
			}
			return def
		}
		k, _ := strconv.Atoi(param("K", "0"))
		cols, _ := strconv.Atoi(param("Columns", "1728"))
		rows, _ := strconv.Atoi(param("Rows", "0"))
		if k >= 0 || cols != w || (rows != 0 && rows != h) || param("EncodedByteAlign", "false") != "false" {
			return nil, errNotScanPage
		}
		// Decoded, black is 0; BlackIs1 and a [1 0] decode array each
		// turn the picture over, as a viewer shows it.
		invert := (param("BlackIs1", "false") == "true") != inverted
		g := image.NewGray(image.Rect(0, 0, w, h))
		if err := ccitt.DecodeIntoGray(g, bytes.NewReader(data), ccitt.MSB, ccitt.Group4, &ccitt.Options{Invert: invert}); err != nil {
			return nil, errNotScanPage
		}
		return g, nil
	}
	return nil, errNotScanPage
}

// greyOrRGB reports whether a colour space is grey or RGB, device or
// ICC-based.
func greyOrRGB(f *pdfFile, cs any) bool {
	switch cs {
	case pdfName("DeviceGray"), pdfName("DeviceRGB"), pdfName("CalGray"), pdfName("CalRGB"):
		return true
	}
	a, ok := cs.(pdfArray)
	if !ok || len(a) != 2 {
		return false
	}
	switch f.resolve(a[0]) {
	case pdfName("CalGray"), pdfName("CalRGB"):
		return true
	case pdfName("ICCBased"):
		ref, ok := a[1].(pdfRef)
		if !ok || f.objs[ref.num] == nil {
			return false
		}
		d, _ := f.objs[ref.num].v.(*pdfDict)
		if d == nil {
			return false
		}
		n := string(asRaw(f.resolve(d.get("N"))))
		return n == "1" || n == "3"
	}
	return false
}
