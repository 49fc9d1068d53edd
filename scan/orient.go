package scan

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
)

// maxImagePixels is the largest image intake takes: an image's size is read
// from its header and the file refused before anything is decoded, since a
// small file can claim a huge picture (a 1.5 MB PNG of blank paper can
// decode to gigabytes). A letter page at 1200 dpi is 135 million pixels.
const maxImagePixels = 200_000_000

// What a size problem names.
const (
	sizeImage    = iota // a JPEG or PNG
	sizeTIFF            // a one-page TIFF
	sizeTIFFPage        // page n of a TIFF
	sizePDFPage         // page n of a PDF
)

// sizeProblem refuses a picture of w×h pixels larger than maxImagePixels;
// what names it (sizeImage, ...), with page n for a page.
func sizeProblem(what, n int, w, h uint64) error {
	if w <= maxImagePixels && h <= maxImagePixels && w*h <= maxImagePixels {
		return nil
	}
	mp := maxImagePixels / 1_000_000
	switch what {
	case sizeTIFF:
		return problemf("this TIFF is %d × %d pixels, larger than Chartkeeper takes (%d megapixels); scan it at a lower resolution", w, h, mp)
	case sizeTIFFPage:
		return problemf("page %d of this TIFF is %d × %d pixels, larger than Chartkeeper takes (%d megapixels); scan it at a lower resolution", n, w, h, mp)
	case sizePDFPage:
		return problemf("page %d of this PDF is %d × %d pixels, larger than Chartkeeper takes (%d megapixels); scan it at a lower resolution", n, w, h, mp)
	}
	return problemf("this image is %d × %d pixels, larger than Chartkeeper takes (%d megapixels); scan it at a lower resolution", w, h, mp)
}

// checkImageSize reads a JPEG's or PNG's size from its header and refuses
// it when it is too large to decode. A header that cannot be read is left
// for the decoder to report as damaged.
func checkImageSize(b []byte, f Format) error {
	var c image.Config
	var err error
	switch f {
	case JPEG:
		c, err = jpeg.DecodeConfig(bytes.NewReader(b))
	case PNG:
		c, err = png.DecodeConfig(bytes.NewReader(b))
	default:
		return nil
	}
	if err != nil {
		return nil
	}
	return sizeProblem(sizeImage, 0, uint64(max(c.Width, 0)), uint64(max(c.Height, 0)))
}

// exifOrientation reads the Orientation tag (1 to 8) of a JPEG's Exif
// segment: how the stored picture is turned or mirrored to be shown
// upright, as a phone writes it instead of turning the pixels. 1 (as
// stored) when there is none or it cannot be read.
func exifOrientation(b []byte) int {
	if len(b) < 4 || b[0] != 0xff || b[1] != 0xd8 {
		return 1
	}
	i := 2
	for i+4 <= len(b) {
		if b[i] != 0xff {
			return 1
		}
		marker := b[i+1]
		if marker == 0xff { // fill byte
			i++
			continue
		}
		if marker == 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker == 0x01 {
			i += 2
			continue
		}
		if marker == 0xda || marker == 0xd9 { // image data or end: no Exif before it
			return 1
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return 1
		}
		seg := b[i+4 : i+2+n]
		if marker == 0xe1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			if o := tiffOrientation(seg[6:]); o != 0 {
				return o
			}
		}
		i += 2 + n
	}
	return 1
}

// tiffOrientation is the Orientation tag of the first IFD of the TIFF
// structure inside an Exif segment, or 0.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var order binary.ByteOrder
	switch string(t[:4]) {
	case "II*\x00":
		order = binary.LittleEndian
	case "MM\x00*":
		order = binary.BigEndian
	default:
		return 0
	}
	off := uint64(order.Uint32(t[4:]))
	if off+2 > uint64(len(t)) {
		return 0
	}
	count := uint64(order.Uint16(t[off:]))
	for k := uint64(0); k < count; k++ {
		e := off + 2 + 12*k
		if e+12 > uint64(len(t)) {
			return 0
		}
		if order.Uint16(t[e:]) != 0x0112 {
			continue
		}
		if order.Uint16(t[e+2:]) != 3 { // SHORT
			return 0
		}
		if v := int(order.Uint16(t[e+8:])); v >= 1 && v <= 8 {
			return v
		}
		return 0
	}
	return 0
}

// orient turns or mirrors img as an Exif orientation (1 to 8) says, so
// that it shows upright; 1 and unknown values give img itself.
func orient(img image.Image, o int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	// dst(x, y) takes src(sx, sy).
	var src func(x, y int) (int, int)
	switch o {
	case 2: // mirrored left to right
		src = func(x, y int) (int, int) { return w - 1 - x, y }
	case 3: // upside down
		src = func(x, y int) (int, int) { return w - 1 - x, h - 1 - y }
	case 4: // mirrored top to bottom
		src = func(x, y int) (int, int) { return x, h - 1 - y }
	case 5: // mirrored along the main diagonal
		src = func(x, y int) (int, int) { return y, x }
	case 6: // turned a quarter anticlockwise: shown a quarter clockwise
		src = func(x, y int) (int, int) { return y, h - 1 - x }
	case 7: // mirrored along the other diagonal
		src = func(x, y int) (int, int) { return w - 1 - y, h - 1 - x }
	case 8: // turned a quarter clockwise: shown a quarter anticlockwise
		src = func(x, y int) (int, int) { return w - 1 - y, x }
	default:
		return img
	}
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	return remap(img, dw, dh, src)
}

// remap makes a dw×dh image whose pixel (x, y) is img's pixel src(x, y)
// (relative to img's corner), grey when img is grey and RGBA otherwise.
func remap(img image.Image, dw, dh int, src func(x, y int) (int, int)) image.Image {
	b := img.Bounds()
	if g, ok := img.(*image.Gray); ok {
		out := image.NewGray(image.Rect(0, 0, dw, dh))
		for y := 0; y < dh; y++ {
			for x := 0; x < dw; x++ {
				sx, sy := src(x, y)
				out.Pix[y*out.Stride+x] = g.Pix[g.PixOffset(b.Min.X+sx, b.Min.Y+sy)]
			}
		}
		return out
	}
	rgba, ok := img.(*image.RGBA)
	if !ok || b.Min != (image.Point{}) {
		rgba = image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(rgba, rgba.Bounds(), img, b.Min, draw.Src)
	}
	out := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < dh; y++ {
		for x := 0; x < dw; x++ {
			sx, sy := src(x, y)
			copy(out.Pix[y*out.Stride+4*x:y*out.Stride+4*x+4], rgba.Pix[sy*rgba.Stride+4*sx:])
		}
	}
	return out
}
