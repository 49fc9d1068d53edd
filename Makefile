# Chartkeeper's everyday tasks. Needs GNU make, Go and, for the workstation,
# the system packages that `make deps` installs on Debian and Ubuntu.

GO ?= go
# Tests derive keyslots with cheap Argon2id parameters; release builds never do.
TEST_TAGS := chartkeeper_insecure_kdf
# Debian/Ubuntu packages: what the workstation needs to build, and what the
# tests need on top (a virtual display, xdotool to read the window's size, pdftotext/pdftoppm/pdfunite for PDFs,
# tesseract with its Arabic, Simplified Chinese, Hindi and Amharic models to read printed names back,
# ImageMagick and libtiff's tools to make real scanner files, and Node.js for
# the FHIR schema validator, whose npm packages scripts/node-deps.sh installs;
# PostgreSQL for the sync server's tests, which start a private one on loopback).
BUILD_PACKAGES := gcc pkg-config libgl1-mesa-dev xorg-dev
# The Windows build: mingw-w64's C compiler for the cgo workstation, zip for
# the package, and Wine to run it on the virtual display in the tests.
WINDOWS_PACKAGES := gcc-mingw-w64-x86-64 zip wine wine64
TEST_PACKAGES := $(BUILD_PACKAGES) $(WINDOWS_PACKAGES) xvfb xauth xdotool poppler-utils tesseract-ocr tesseract-ocr-ara tesseract-ocr-chi-sim tesseract-ocr-hin tesseract-ocr-amh imagemagick libtiff-tools qpdf img2pdf libimage-exiftool-perl postgresql nodejs

# Packages that use Fyne and so need cgo; everything else must build and test
# without it.
GUI_PACKAGES := -e 'chartkeeper/ui' -e 'chartkeeper/ui/.*' -e 'chartkeeper/cmd/chartkeeper'

.NOTPARALLEL:
.PHONY: all deps deps-build deps-windows build run test fmt vet lint unit pure fuzz windows windows-smoke bench screens package clean

all: build

deps:
	@scripts/deps.sh $(TEST_PACKAGES)
	@scripts/node-deps.sh interop/fhir/testdata/validator

deps-build:
	@scripts/deps.sh $(BUILD_PACKAGES)

deps-windows:
	@scripts/deps.sh $(WINDOWS_PACKAGES)

build: deps-build
	$(GO) build -o bin/ ./cmd/...

run: deps-build
	$(GO) run ./cmd/chartkeeper $(ARGS)

test: deps fmt vet lint unit pure fuzz windows-smoke

# `make test` installs every tool the tests use, so under it a missing tool
# fails its test instead of skipping it (tests read CI, as CI machines set it).
test: export CI ?= true

fmt:
	@files=$$(gofmt -l .); \
	if [ -n "$$files" ]; then echo "gofmt wants to reformat:"; echo "$$files"; exit 1; fi

vet:
	$(GO) vet -tags $(TEST_TAGS) ./...

# staticcheck, at the version go.mod's tool line pins.
lint:
	$(GO) tool staticcheck -tags $(TEST_TAGS) ./...

unit:
	$(GO) test -tags $(TEST_TAGS) -count=1 -timeout 20m ./...

pure:
	CGO_ENABLED=0 $(GO) test -tags $(TEST_TAGS) -count=1 -timeout 20m \
		$$($(GO) list ./... | grep -vx $(GUI_PACKAGES))

fuzz:
	scripts/fuzz.sh

# chartkeeper.exe (packaged by the fyne tool), ckadmin.exe and
# chartkeeperd.exe, cross-built from Linux, and their zip under build/.
windows: deps-windows
	scripts/windows.sh

# The Windows workstation under Wine on a virtual display: first run, a demo
# practice, sign-in; pictures under build/windows-smoke/.
windows-smoke: windows
	scripts/wine-smoke.sh

bench: deps-build
	$(GO) test -tags $(TEST_TAGS) -run '^$$' -bench . -benchmem -timeout 60m ./...

# A picture of every screen for every demo user at 1366x768 (or
# SIZE=WIDTHxHEIGHT; SCALE=1.5 for Fyne scale 1.5) under build/screens/.
screens: deps
	SCALE=$(SCALE) scripts/screens.sh $(SIZE)

package: deps-build
	$(GO) install fyne.io/tools/cmd/fyne@latest
	scripts/package.sh

clean:
	rm -rf bin build
	rm -rf cmd/chartkeeper/FyneApp.toml cmd/chartkeeper/assets
