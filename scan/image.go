package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os/exec"
	"strconv"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"golang.org/x/image/draw"
	"golang.org/x/image/tiff"
)

// ThumbnailSize is the longest side, in pixels, of a thumbnail.
const ThumbnailSize = 256

// decodeStored decodes a JPEG, PNG or TIFF (its first page) as it is
// stored, after its header has shown it small enough to decode.
func decodeStored(b []byte) (image.Image, error) {
	f, _ := Detect(b)
	if err := checkImageSize(b, f); err != nil {
		return nil, err
	}
	switch f {
	case JPEG:
		return jpeg.Decode(bytes.NewReader(b))
	case PNG:
		return png.Decode(bytes.NewReader(b))
	case TIFF:
		return tiff.Decode(bytes.NewReader(b))
	}
	return nil, errors.New("not an image")
}

// decodeImage decodes an image as it is to be shown: a JPEG's Exif
// orientation is applied, so a phone photo stands upright. The stored
// bytes are never changed; the orientation is applied when drawing.
func decodeImage(b []byte) (image.Image, error) {
	img, err := decodeStored(b)
	if err != nil {
		return nil, err
	}
	if f, _ := Detect(b); f == JPEG {
		img = orient(img, exifOrientation(b))
	}
	return img, nil
}

// Page renders page n (1-based) of a scanned file at most size pixels on
// its longest side, for previews. PDF pages need poppler's pdftoppm; TIFF
// pages are decoded in Go (any page, CCITT Group 3 and 4 included).
func Page(content []byte, n, size int) (image.Image, error) {
	info, err := Analyze(content)
	if err != nil {
		return nil, err
	}
	if n < 1 || n > info.Pages {
		return nil, fmt.Errorf("the document has no page %d (it has %d)", n, info.Pages)
	}
	var img image.Image
	switch info.Format {
	case PDF:
		img, err = renderPDFPage(content, nil, n, 72*size/800+1, false)
	case TIFF:
		var t *tiffFile
		if t, err = parseTIFF(content); err == nil {
			var b []byte
			if b, err = tiffFromPage(content, t, n-1); err == nil {
				img, err = tiff.Decode(bytes.NewReader(b))
			}
		}
	default:
		// Brought down to size first: turning a small copy upright costs
		// little.
		if img, err = decodeStored(content); err == nil {
			img = scale(img, size)
			if info.Format == JPEG {
				img = orient(img, exifOrientation(content))
			}
		}
	}
	if err != nil {
		return nil, err
	}
	return scale(img, size), nil
}

// scale fits img into size×size, keeping its proportions; a smaller image
// is returned as it is.
func scale(img image.Image, size int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= size && h <= size {
		return img
	}
	if w >= h {
		w, h = size, max(1, h*size/w)
	} else {
		w, h = max(1, w*size/h), size
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	return dst
}

// grey is img as a grey image fitting size×size.
func grey(img image.Image, size int) *image.Gray {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > size || h > size {
		if w >= h {
			w, h = size, max(1, h*size/w)
		} else {
			w, h = max(1, w*size/h), size
		}
	}
	dst := image.NewGray(image.Rect(0, 0, w, h))
	if src, ok := img.(*image.Gray); ok {
		// Box filter: each output pixel averages the source pixels under it.
		for y := 0; y < h; y++ {
			y0, y1 := y*b.Dy()/h, max((y+1)*b.Dy()/h, y*b.Dy()/h+1)
			for x := 0; x < w; x++ {
				x0, x1 := x*b.Dx()/w, max((x+1)*b.Dx()/w, x*b.Dx()/w+1)
				sum := 0
				for yy := y0; yy < y1; yy++ {
					row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+yy):]
					for xx := x0; xx < x1; xx++ {
						sum += int(row[xx])
					}
				}
				dst.Pix[y*dst.Stride+x] = uint8(sum / ((y1 - y0) * (x1 - x0)))
			}
		}
		return dst
	}
	if w == b.Dx() && h == b.Dy() {
		draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Src)
		return dst
	}
	rgba := image.NewRGBA(dst.Bounds())
	draw.ApproxBiLinear.Scale(rgba, rgba.Bounds(), img, b, draw.Src, nil)
	draw.Draw(dst, dst.Bounds(), rgba, image.Point{}, draw.Src)
	return dst
}

// Placeholder is a generic page picture: a sheet with a folded corner and
// a few grey lines of "text".
func Placeholder(size int) image.Image {
	w, h := size*17/22, size
	img := image.NewGray(image.Rect(0, 0, size, size))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.Gray{Y: 0xee}), image.Point{}, draw.Src)
	x0 := (size - w) / 2
	page := image.Rect(x0, 0, x0+w, h)
	draw.Draw(img, page, image.NewUniform(color.White), image.Point{}, draw.Src)
	fold := w / 5
	for y := 0; y < fold; y++ {
		for x := w - fold + y; x < w; x++ {
			img.SetGray(x0+x, y, color.Gray{Y: 0xee})
		}
		img.SetGray(x0+w-fold+y, y, color.Gray{Y: 0x99})
		img.SetGray(x0+w-fold, y, color.Gray{Y: 0x99})
	}
	for y := h / 5; y < h*9/10; y += max(2, h/16) {
		draw.Draw(img, image.Rect(x0+w/8, y, x0+w*7/8, y+max(1, h/80)), image.NewUniform(color.Gray{Y: 0xbb}), image.Point{}, draw.Src)
	}
	return img
}

// PDFRenderer is the pdftoppm program used to draw PDF pages; intake works
// without it (no PDF thumbnails or cover sheets then).
var PDFRenderer = "pdftoppm"

// pageAloneAbove is the PDF size from which one page is cut out of the
// file before pdftoppm draws it.
const pageAloneAbove = 1 << 20

// renderPDFPage draws one page with pdftoppm at dpi, in shades of grey
// when gray is set, through pipes only: no page image of a patient's
// document is written to disk. doc is content already read, or nil.
func renderPDFPage(content []byte, doc *model.Context, page, dpi int, gray bool) (image.Image, error) {
	path, err := exec.LookPath(PDFRenderer)
	if err != nil {
		return nil, fmt.Errorf("PDF pages cannot be drawn: %s (poppler-utils) is not installed", PDFRenderer)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if len(content) > pageAloneAbove || len(content) == 0 {
		// pdftoppm reads the whole file before it draws; give it the page
		// alone (a few hundred kilobytes of a scan of many megabytes). A
		// PDF that intake reads from its file comes without content.
		if doc == nil && len(content) > 0 {
			doc, _ = readPDF(content)
		}
		if doc != nil && page <= doc.PageCount {
			if one, err := writePDF(doc, []pdfPageOut{{page: page - 1}}); err == nil {
				content, page = one, 1
			}
		}
	}
	p := strconv.Itoa(page)
	// Grey pages come as PGM, which costs neither side any compression.
	args := []string{"-r", strconv.Itoa(dpi), "-f", p, "-l", p, "-singlefile", "-png"}
	if gray {
		args[len(args)-1] = "-gray"
	}
	cmd := exec.CommandContext(ctx, path, append(args, "-")...)
	cmd.Stdin = bytes.NewReader(content)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("drawing PDF page %d: %v %s", page, err, bytes.TrimSpace(stderr.Bytes()))
	}
	if gray {
		return decodePGM(out.Bytes())
	}
	if c, err := png.DecodeConfig(bytes.NewReader(out.Bytes())); err == nil {
		// A page claiming an enormous size is not decoded.
		if err := sizeProblem(sizePDFPage, page, uint64(c.Width), uint64(c.Height)); err != nil {
			return nil, err
		}
	}
	return png.Decode(&out)
}

// decodePGM reads a binary 8-bit PGM ("P5"), as pdftoppm -gray writes it.
func decodePGM(b []byte) (image.Image, error) {
	bad := errors.New("pdftoppm wrote a picture that cannot be read")
	var vals [3]int
	i := 2
	if !bytes.HasPrefix(b, []byte("P5")) {
		return nil, bad
	}
	for k := range vals {
		for i < len(b) && (isSpace(b[i]) || b[i] == '#') {
			if b[i] == '#' {
				for i < len(b) && b[i] != '\n' {
					i++
				}
				continue
			}
			i++
		}
		s := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		n, err := strconv.Atoi(string(b[s:i]))
		if err != nil || n <= 0 || n > 1<<16 {
			return nil, bad
		}
		vals[k] = n
	}
	i++ // the single white space before the pixels
	w, h := vals[0], vals[1]
	if vals[2] != 255 || i+w*h > len(b) {
		return nil, bad
	}
	return &image.Gray{Pix: b[i : i+w*h], Stride: w, Rect: image.Rect(0, 0, w, h)}, nil
}
