package scan_test

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"chartkeeper/scan"
)

// hugePNG is a real, valid PNG of w×h white pixels (1 bit each), written
// row by row so that making it never holds the picture: a few tens of
// kilobytes on disk that decode to gigabytes.
func hugePNG(w, h int) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		c := crc32.NewIEEE()
		c.Write([]byte(typ))
		c.Write(data)
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, c.Sum32())
	}
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 1, 0 // 1-bit grey
	chunk("IHDR", ihdr[:])
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	bw := bufio.NewWriter(zw)
	row := bytes.Repeat([]byte{0xff}, 1+(w+7)/8)
	row[0] = 0 // filter: none
	for y := 0; y < h; y++ {
		bw.Write(row)
	}
	bw.Flush()
	zw.Close()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return b.Bytes()
}

// hugeJPEG is a small JPEG whose frame header claims w×h pixels.
func hugeJPEG(w, h int) []byte {
	b := bytes.Clone(makeJPEG(1))
	for i := 2; i+9 < len(b); {
		if b[i] == 0xff && (b[i+1] == 0xc0 || b[i+1] == 0xc2) {
			binary.BigEndian.PutUint16(b[i+5:], uint16(h))
			binary.BigEndian.PutUint16(b[i+7:], uint16(w))
			return b
		}
		i += 2 + int(binary.BigEndian.Uint16(b[i+2:]))
	}
	panic("no frame header")
}

// hugeTIFF is a small TIFF whose second page claims w×h pixels.
func hugeTIFF(w, h int) []byte {
	b := makeTIFF(pageImage(1), pageImage(2))
	le := binary.LittleEndian
	ifd := le.Uint32(b[4:])
	ifd = le.Uint32(b[ifd+2+12*uint32(le.Uint16(b[ifd:])):]) // the second
	le.PutUint32(b[ifd+2+8:], uint32(w))                     // 256 ImageWidth
	le.PutUint32(b[ifd+2+12+8:], uint32(h))                  // 257 ImageLength
	return b
}

// allocated is how many bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestHugeImagesRefusedUndecoded(t *testing.T) {
	png := hugePNG(20000, 20000)
	if len(png) > 1<<20 {
		t.Fatalf("the test PNG is %d bytes on disk", len(png))
	}
	for _, tc := range []struct {
		name, want string
		b          []byte
	}{
		{"png", "this image is 20000 × 20000 pixels, larger than Chartkeeper takes (200 megapixels); scan it at a lower resolution", png},
		{"jpeg", "this image is 40000 × 40000 pixels, larger than Chartkeeper takes (200 megapixels); scan it at a lower resolution", hugeJPEG(40000, 40000)},
		{"tiff", "page 2 of this TIFF is 30000 × 30000 pixels, larger than Chartkeeper takes (200 megapixels); scan it at a lower resolution", hugeTIFF(30000, 30000)},
		{"tiff overflow", "page 2 of this TIFF is 4294967295 × 4294967295 pixels", hugeTIFF(1<<32-1, 1<<32-1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := allocated(func() {
				refused(t, tc.b, tc.want)
				if _, err := scan.Page(tc.b, 1, scan.ThumbnailSize); err == nil {
					t.Error("a preview of the huge image was drawn")
				}
				if _, _, err := scan.EditPages(tc.b, []scan.PageTurn{{Page: 1, Turn: 90}}); err == nil {
					t.Error("the huge image was turned")
				}
			})
			if n > 64<<20 {
				t.Errorf("refusing the file allocated %d MB", n>>20)
			}
		})
	}
	// Just under the limit, the header passes (the file, cut after it, is
	// damaged rather than too large).
	ok := hugePNG(14000, 14000)[:33]
	if _, err := scan.Analyze(ok); err == nil || !bytes.Contains([]byte(err.Error()), []byte("damaged")) {
		t.Errorf("196 megapixels, header only: %v, want damaged", err)
	}
}

// TestHugePNGIntake drops a 400-megapixel PNG, small on disk, into a
// watched folder: it is refused with the reason and stays where it is.
func TestHugePNGIntake(t *testing.T) {
	p := newPractice(t)
	in := scan.NewIntake(p.svc)
	dir := t.TempDir()
	path := filepath.Join(dir, "blank.png")
	writeFile(t, path, hugePNG(20000, 20000))
	var r scan.Result
	if n := allocated(func() { r = in.Take(path, scan.Folder{Path: dir}) }); n > 64<<20 {
		t.Errorf("intake allocated %d MB for the huge PNG", n>>20)
	}
	if want := "this image is 20000 × 20000 pixels, larger than Chartkeeper takes (200 megapixels); scan it at a lower resolution"; r.Outcome != scan.Refused || r.Reason != want {
		t.Errorf("huge PNG: %s %q", r.Outcome, r.Reason)
	}
	if _, err := os.Stat(path); err != nil {
		t.Error("the refused PNG is gone from its folder")
	}
	if docs := p.documents(); len(docs) != 0 {
		t.Errorf("%d documents stored", len(docs))
	}
}

// upright is the picture as it should be seen: 40×20, white, with a black
// 10×10 square in its top-left corner.
func upright() *image.Gray {
	img := image.NewGray(image.Rect(0, 0, 40, 20))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y := 0; y < 10; y++ {
		for x := 0; x < 10; x++ {
			img.SetGray(x, y, color.Gray{})
		}
	}
	return img
}

// checkUpright says whether img is the upright picture: 40×20 with the
// black square top-left and the other corners white.
func checkUpright(t *testing.T, what string, img image.Image) {
	t.Helper()
	if r := img.Bounds(); r.Dx() != 40 || r.Dy() != 20 {
		t.Errorf("%s: %dx%d, want 40x20", what, r.Dx(), r.Dy())
		return
	}
	min := img.Bounds().Min
	lum := func(x, y int) uint8 { return color.GrayModel.Convert(img.At(min.X+x, min.Y+y)).(color.Gray).Y }
	if lum(3, 3) > 0x40 || lum(36, 3) < 0xc0 || lum(3, 16) < 0xc0 || lum(36, 16) < 0xc0 {
		t.Errorf("%s: the marked corner is not top-left (corners %d %d %d %d)", what, lum(3, 3), lum(36, 3), lum(3, 16), lum(36, 16))
	}
}

// withOrientation puts an Exif segment holding orientation o (in the byte
// order given) right after a JPEG's start marker.
func withOrientation(jpg []byte, o int, order binary.ByteOrder) []byte {
	var t bytes.Buffer
	if order == binary.LittleEndian {
		t.WriteString("II*\x00")
	} else {
		t.WriteString("MM\x00*")
	}
	binary.Write(&t, order, uint32(8))
	binary.Write(&t, order, uint16(2))
	for _, e := range [][3]uint32{{0x010f, 2, 0}, {0x0112, 3, uint32(o)}} { // Make, then Orientation
		binary.Write(&t, order, uint16(e[0]))
		binary.Write(&t, order, uint16(e[1]))
		binary.Write(&t, order, uint32(1))
		if e[1] == 3 {
			binary.Write(&t, order, uint16(e[2]))
			binary.Write(&t, order, uint16(0))
		} else {
			binary.Write(&t, order, uint32(0))
		}
	}
	binary.Write(&t, order, uint32(0))
	seg := append([]byte("Exif\x00\x00"), t.Bytes()...)
	var out bytes.Buffer
	out.Write(jpg[:2])
	out.Write([]byte{0xff, 0xe1})
	binary.Write(&out, binary.BigEndian, uint16(2+len(seg)))
	out.Write(seg)
	out.Write(jpg[2:])
	return out.Bytes()
}

// stored is how a camera stores the upright picture for orientation o:
// the pixels as the sensor saw them, to be turned by o when shown.
func stored(o int) image.Image {
	u := upright()
	w, h := 40, 20
	var src func(x, y int) (int, int) // stored(x, y) is upright(src(x, y))
	sw, sh := w, h
	switch o {
	case 1:
		return u
	case 2:
		src = func(x, y int) (int, int) { return w - 1 - x, y }
	case 3:
		src = func(x, y int) (int, int) { return w - 1 - x, h - 1 - y }
	case 4:
		src = func(x, y int) (int, int) { return x, h - 1 - y }
	case 5:
		src = func(x, y int) (int, int) { return y, x }
	case 6: // turned a quarter anticlockwise
		src = func(x, y int) (int, int) { return w - 1 - y, x }
	case 7:
		src = func(x, y int) (int, int) { return w - 1 - y, h - 1 - x }
	case 8: // turned a quarter clockwise
		src = func(x, y int) (int, int) { return y, h - 1 - x }
	}
	if o >= 5 {
		sw, sh = h, w
	}
	out := image.NewGray(image.Rect(0, 0, sw, sh))
	for y := 0; y < sh; y++ {
		for x := 0; x < sw; x++ {
			sx, sy := src(x, y)
			out.SetGray(x, y, u.GrayAt(sx, sy))
		}
	}
	return out
}

func TestExifOrientationGoMade(t *testing.T) {
	for o := 1; o <= 8; o++ {
		for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
			var b bytes.Buffer
			if err := jpeg.Encode(&b, stored(o), &jpeg.Options{Quality: 95}); err != nil {
				t.Fatal(err)
			}
			jpg := withOrientation(b.Bytes(), o, order)
			what := fmt.Sprintf("orientation %d (%v)", o, order)
			img, err := scan.Page(jpg, 1, 500)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			checkUpright(t, what, img)
			// A turn starts from the picture as shown.
			turned, f, err := scan.EditPages(jpg, []scan.PageTurn{{Page: 1, Turn: 180}})
			if err != nil || f != scan.PNG {
				t.Fatalf("%s: turning: %v %s", what, err, f)
			}
			back, _, err := scan.EditPages(turned, []scan.PageTurn{{Page: 1, Turn: 180}})
			if err != nil {
				t.Fatal(err)
			}
			img, err = scan.Page(back, 1, 500)
			if err != nil {
				t.Fatal(err)
			}
			checkUpright(t, what+", turned twice", img)
		}
	}
	// A damaged or odd Exif segment leaves the picture as stored.
	var b bytes.Buffer
	jpeg.Encode(&b, upright(), nil)
	for _, o := range []int{0, 9, 0xffff} {
		img, err := scan.Page(withOrientation(b.Bytes(), o, binary.BigEndian), 1, 500)
		if err != nil {
			t.Fatal(err)
		}
		checkUpright(t, fmt.Sprintf("orientation %d", o), img)
	}
	cut := withOrientation(b.Bytes(), 6, binary.BigEndian)
	cut[5] = 0xff // the segment claims more than the file holds
	if img, err := scan.Page(cut, 1, 500); err == nil {
		checkUpright(t, "segment too long", img)
	}
}

// TestExifOrientationRealTools makes phone-like JPEGs with ImageMagick
// (the pixels as a camera stores them) and tags them with exiftool.
func TestExifOrientationRealTools(t *testing.T) {
	im := tool(t, "magick", "convert")
	et := tool(t, "exiftool")
	dir := t.TempDir()
	// How ImageMagick makes the stored pixels from the upright picture.
	ops := map[int][]string{1: nil, 2: {"-flop"}, 3: {"-rotate", "180"}, 4: {"-flip"}, 5: {"-transpose"},
		6: {"-rotate", "-90"}, 7: {"-transverse"}, 8: {"-rotate", "90"}}
	for o := 1; o <= 8; o++ {
		path := filepath.Join(dir, strconv.Itoa(o)+".jpg")
		args := append([]string{"-size", "40x20", "xc:white", "-fill", "black", "-draw", "rectangle 0,0 9,9"}, ops[o]...)
		run(t, im, append(args, "-quality", "95", path)...)
		run(t, et, "-q", "-overwrite_original", "-Orientation#="+strconv.Itoa(o), path)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(bytes.TrimSpace(run(t, et, "-s3", "-n", "-Orientation", path))); got != strconv.Itoa(o) {
			t.Fatalf("exiftool wrote orientation %q, want %d", got, o)
		}
		info, err := scan.Analyze(b)
		if err != nil || info.Format != scan.JPEG {
			t.Fatalf("orientation %d: %+v %v", o, info, err)
		}
		img, err := scan.Page(b, 1, 500)
		if err != nil {
			t.Fatal(err)
		}
		checkUpright(t, "ImageMagick and exiftool, orientation "+strconv.Itoa(o), img)
		// The stored bytes are the file as received.
		unturned, _, err := scan.EditPages(b, []scan.PageTurn{{Page: 1}})
		if err != nil || !bytes.Equal(unturned, b) {
			t.Errorf("orientation %d: the unturned file changed (%v)", o, err)
		}
	}
}
