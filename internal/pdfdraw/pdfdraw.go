// Package pdfdraw draws PDF pages as pictures in pure Go, on every
// platform, with no program installed: PDFium compiled to WebAssembly
// (github.com/klippa-app/go-pdfium, MIT; PDFium itself BSD-3-Clause and
// Apache-2.0) run by the wazero runtime (Apache-2.0).
//
// The runtime starts once, lazily, at the first page drawn, and then
// stays. Its first start on a computer compiles the 6 MB module to machine
// code and keeps that in the user's cache folder ([CacheDir]); later starts
// load it from there (figures in docs/PERFORMANCE.md). One page is drawn at a time. The
// module sees no file system: documents are handed over as bytes, and no
// picture of a page is written to disk.
package pdfdraw

import (
	"errors"
	"fmt"
	"image"
	"image/draw"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/requests"
	"github.com/klippa-app/go-pdfium/webassembly"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// maxPixels is the largest page picture Page draws.
const maxPixels = 200_000_000

var (
	once     sync.Once
	instance pdfium.Pdfium
	initErr  error
	mu       sync.Mutex // one page at a time: the instance is not shared
)

// start compiles and instantiates PDFium once.
func start() {
	// The bundled module needs WebAssembly's exception handling.
	rc := wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesExceptionHandling)
	if dir := cacheDir(); dir != "" {
		if cache, err := wazero.NewCompilationCacheWithDir(dir); err == nil {
			rc = rc.WithCompilationCache(cache)
		}
	}
	pool, err := webassembly.Init(webassembly.Config{
		RuntimeConfig: rc,
		MinIdle:       1,
		MaxIdle:       1,
		MaxTotal:      1,
		// No file system: documents come as bytes.
		FSConfig:     wazero.NewFSConfig(),
		Stdout:       io.Discard,
		Stderr:       io.Discard,
		ReuseWorkers: true,
	})
	if err != nil {
		initErr = fmt.Errorf("starting PDFium: %w", err)
		return
	}
	instance, err = pool.GetInstance(2 * time.Minute)
	if err != nil {
		initErr = fmt.Errorf("starting PDFium: %w", err)
	}
}

// CacheDir is where the module's compiled machine code is kept between
// runs, so that only the first start on a computer compiles it: the
// user's cache folder (on Windows %LocalAppData%). It holds no documents.
// Empty means no cache (tests).
var CacheDir = func() string {
	if dir, err := os.UserCacheDir(); err == nil {
		return filepath.Join(dir, "Chartkeeper", "pdfium")
	}
	return ""
}

func cacheDir() string {
	if CacheDir == nil {
		return ""
	}
	return CacheDir()
}

// Start starts PDFium now rather than at the first page (a program may
// call it in the background so that the first page shows sooner).
func Start() error {
	once.Do(start)
	return initErr
}

// ErrNoPage says that the document has no such page.
var ErrNoPage = errors.New("the document has no such page")

// Page draws page n (1-based) of the PDF content at dpi dots an inch, on
// white. Its error does not quote the document.
func Page(content []byte, n, dpi int) (img image.Image, err error) {
	if err := Start(); err != nil {
		return nil, err
	}
	if n < 1 || dpi < 1 {
		return nil, ErrNoPage
	}
	mu.Lock()
	defer mu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("PDFium failed drawing page %d: %v", n, r)
		}
	}()
	doc, err := instance.OpenDocument(&requests.OpenDocument{File: &content})
	if err != nil {
		return nil, fmt.Errorf("PDFium cannot open the document: %w", err)
	}
	defer instance.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: doc.Document})
	count, err := instance.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: doc.Document})
	if err != nil {
		return nil, fmt.Errorf("PDFium cannot count the pages: %w", err)
	}
	if n > count.PageCount {
		return nil, ErrNoPage
	}
	page := requests.Page{ByIndex: &requests.PageByIndex{Document: doc.Document, Index: n - 1}}
	size, err := instance.GetPageSizeInPixels(&requests.GetPageSizeInPixels{Page: page, DPI: dpi})
	if err != nil {
		return nil, fmt.Errorf("PDFium cannot measure page %d: %w", n, err)
	}
	if size.Width <= 0 || size.Height <= 0 || size.Width*size.Height > maxPixels {
		return nil, fmt.Errorf("page %d is %d×%d pixels at %d dpi: too large to draw", n, size.Width, size.Height, dpi)
	}
	r, err := instance.RenderPageInDPI(&requests.RenderPageInDPI{Page: page, DPI: dpi, Document: &doc.Document, RenderForm: true})
	if err != nil {
		return nil, fmt.Errorf("PDFium cannot draw page %d: %w", n, err)
	}
	defer r.Cleanup()
	src := r.Result.RenderedImage
	if src == nil {
		return nil, fmt.Errorf("PDFium drew no picture of page %d", n)
	}
	// The picture's pixels live in the module's memory until Cleanup:
	// copy them onto white (PDFium leaves an unpainted page transparent).
	out := image.NewRGBA(src.Bounds())
	draw.Draw(out, out.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(out, out.Bounds(), src, src.Bounds().Min, draw.Over)
	return out, nil
}
