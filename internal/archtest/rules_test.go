package archtest

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// module is the module path every package of ours starts with.
const module = "chartkeeper"

// A room is a package's place in the layering (docs/ARCHITECTURE.md). A
// package's subpackages share its room (chart/search is in "chart"), except
// under internal/, where each package is a room of its own.
const (
	roomStore          = "store"
	roomChart          = "chart"
	roomScan           = "scan"
	roomReport         = "report"
	roomInterop        = "interop"
	roomUI             = "ui"
	roomAssets         = "assets"
	roomSyncProto      = "syncproto"
	roomSyncServer     = "syncserver"
	roomSyncClient     = "syncclient"
	roomSyncOld        = "sync" // chartkeeper/sync before its split into the three above
	roomWorkstation    = "cmd/chartkeeper"
	roomServer         = "cmd/chartkeeperd"
	roomAdmin          = "cmd/ckadmin"
	roomAtomicFile     = "internal/atomicfile"
	roomPgTest         = "internal/pgtest"
	roomTestPractice   = "internal/testpractice"
	roomArchTest       = "internal/archtest"
	roomOtherInternals = "internal/*" // an internal package not named above: a shared helper
)

// movedSync maps the paths of the sync code before its split to the room
// the package moves to. chartkeeper/sync itself is roomSyncOld: protocol,
// server and client in one, so the rules between those three do not apply
// to it, and it may be imported wherever one of them may.
var movedSync = map[string]string{
	"sync/pgbackend":      roomSyncServer,
	"sync/boltbackend":    roomSyncServer,
	"sync/backendtest":    roomSyncServer,
	"sync/synctestserver": roomSyncServer,
}

// roomOf is the room of one of our packages, or "" for a package that has
// none yet (a new top-level package must be given one here and in
// docs/ARCHITECTURE.md).
func roomOf(path string) string {
	rel, ok := strings.CutPrefix(path, module+"/")
	if !ok {
		return ""
	}
	if r, ok := movedSync[rel]; ok {
		return r
	}
	if rel == "sync" || strings.HasPrefix(rel, "sync/") {
		return roomSyncOld
	}
	first, rest, _ := strings.Cut(rel, "/")
	switch first {
	case "cmd":
		name, _, _ := strings.Cut(rest, "/")
		switch r := "cmd/" + name; r {
		case roomWorkstation, roomServer, roomAdmin:
			return r
		}
		return ""
	case "internal":
		name, _, _ := strings.Cut(rest, "/")
		switch r := "internal/" + name; r {
		case roomAtomicFile, roomPgTest, roomTestPractice, roomArchTest:
			return r
		}
		return roomOtherInternals
	case roomStore, roomChart, roomScan, roomReport, roomInterop, roomUI, roomAssets,
		roomSyncProto, roomSyncServer, roomSyncClient:
		return first
	}
	return ""
}

// below lists, for each room, the other rooms its code (not its tests) may
// import. Imports within a room are free.
var below = map[string][]string{
	roomAssets:       nil,
	roomAtomicFile:   nil,
	roomPgTest:       nil,
	roomArchTest:     nil,
	roomStore:        {roomAtomicFile},
	roomChart:        {roomStore, roomAtomicFile},
	roomReport:       {roomChart, roomStore, roomAtomicFile},
	roomScan:         {roomReport, roomChart, roomStore, roomAtomicFile},
	roomInterop:      {roomReport, roomChart, roomStore, roomAtomicFile},
	roomSyncProto:    {roomStore},
	roomSyncServer:   {roomSyncProto, roomStore, roomAtomicFile},
	roomSyncClient:   {roomSyncProto, roomStore, roomAtomicFile},
	roomSyncOld:      {roomSyncProto, roomSyncServer, roomSyncClient, roomStore, roomAtomicFile},
	roomUI:           {roomAssets, roomChart, roomStore, roomScan, roomReport, roomInterop, roomSyncClient, roomSyncProto, roomAtomicFile},
	roomWorkstation:  {roomUI, roomAssets, roomChart, roomStore, roomScan, roomReport, roomInterop, roomSyncClient, roomSyncProto, roomAtomicFile},
	roomAdmin:        {roomChart, roomStore, roomScan, roomReport, roomInterop, roomSyncClient, roomSyncProto, roomAtomicFile},
	roomServer:       {roomSyncServer, roomSyncProto, roomStore, roomAtomicFile},
	roomTestPractice: {roomStore, roomChart, roomScan, roomReport, roomInterop, roomSyncProto, roomSyncServer, roomSyncClient, roomAtomicFile, roomPgTest},
	roomOtherInternals: {roomStore, roomChart, roomScan, roomReport, roomInterop, roomSyncProto, roomSyncServer,
		roomSyncClient, roomAtomicFile, roomPgTest, roomTestPractice},
}

// mayImport reports whether code in room from may import a package of room
// to. Any package may import a shared internal helper (internal/words,
// say); what the helper itself imports is checked for each importer.
func mayImport(from, to string) bool {
	if from == to || to == roomOtherInternals || to == roomAtomicFile {
		return true
	}
	if to == roomSyncOld {
		return mayImport(from, roomSyncProto) || mayImport(from, roomSyncServer) || mayImport(from, roomSyncClient)
	}
	return slices.Contains(below[from], to)
}

// fyneRooms may import Fyne.
var fyneRooms = []string{roomUI, roomWorkstation}

func isFyne(path string) bool { return path == "fyne.io" || strings.HasPrefix(path, "fyne.io/") }

// Cryptography. Hashes, randomness and constant-time comparison are for
// everyone; sealing and key wrapping only for the store; key derivation
// also for the sync packages (enrollment codes); TLS and certificates for
// the sync packages, the server and the store (device signing keys).
var (
	cryptoAnyone = []string{"crypto", "crypto/rand", "crypto/subtle", "crypto/md5", "crypto/sha1",
		"crypto/sha256", "crypto/sha512", "crypto/sha3"}
	cryptoKDF       = []string{"crypto/hkdf"}
	cryptoTransport = []string{"crypto/tls", "crypto/x509", "crypto/x509/pkix", "crypto/ecdsa",
		"crypto/elliptic", "crypto/ed25519", "crypto/rsa"}
	syncRooms = []string{roomSyncProto, roomSyncServer, roomSyncClient, roomSyncOld}
)

// cryptoRooms returns the rooms that may import a cryptographic package, or
// nil when path is not one (or anyone may).
func cryptoRooms(path string) []string {
	switch {
	case path == "golang.org/x/crypto" || strings.HasPrefix(path, "golang.org/x/crypto/"):
		return []string{roomStore}
	case path != "crypto" && !strings.HasPrefix(path, "crypto/"):
		return nil
	case slices.Contains(cryptoAnyone, path):
		return nil
	case slices.Contains(cryptoKDF, path):
		return append([]string{roomStore}, syncRooms...)
	case slices.Contains(cryptoTransport, path):
		return append([]string{roomStore, roomServer}, syncRooms...)
	}
	return []string{roomStore} // crypto/cipher, crypto/aes, crypto/hmac, crypto/ecdh, crypto/pbkdf2, ...
}

// A goFile is one Go file and what it imports.
type goFile struct {
	Name    string // relative to the module root, e.g. "chart/roles.go"
	Test    bool   // a _test.go file
	Imports []string
}

// A pkg is one of our packages.
type pkg struct {
	Path  string
	Files []goFile
	// Deps are every package the package's code (not its tests) depends
	// on, directly or not, as go list reports them.
	Deps []string
}

// check returns every broken rule, one sentence each, sorted.
func check(pkgs []pkg) []string {
	var out []string
	bad := func(f goFile, format string, args ...any) {
		out = append(out, f.Name+": "+fmt.Sprintf(format, args...))
	}
	byPath := map[string]pkg{}
	helper := map[string]bool{} // packages whose code imports testing
	for _, p := range pkgs {
		byPath[p.Path] = p
		for _, f := range p.Files {
			if !f.Test && slices.Contains(f.Imports, "testing") {
				helper[p.Path] = true
			}
		}
	}
	reachesFyne := func(path string) bool {
		return slices.ContainsFunc(byPath[path].Deps, isFyne)
	}
	for _, p := range pkgs {
		from := roomOf(p.Path)
		if from == "" {
			out = append(out, fmt.Sprintf("%s: a package with no room yet: name its concern in docs/ARCHITECTURE.md and its imports in internal/archtest", p.Path))
			continue
		}
		guiRoom := slices.Contains(fyneRooms, from)
		for _, f := range p.Files {
			for _, imp := range f.Imports {
				if !guiRoom {
					if isFyne(imp) {
						bad(f, "imports %s: only ui and cmd/chartkeeper may import Fyne; everything else builds with CGO_ENABLED=0", imp)
						continue
					}
					if slices.Contains(fyneRooms, roomOf(imp)) && reachesFyne(imp) {
						bad(f, "imports %s, which brings in Fyne: only ui and cmd/chartkeeper may", imp)
						continue
					}
				}
				if f.Test {
					continue // tests sit above everything; only the Fyne rule holds for them
				}
				if rooms := cryptoRooms(imp); rooms != nil && !slices.Contains(rooms, from) {
					bad(f, "imports %s: only %s may (cryptography lives in the store, docs/SECURITY.md)", imp, strings.Join(rooms, ", "))
				}
				to := roomOf(imp)
				if to == "" && strings.HasPrefix(imp, module+"/") {
					continue // reported as a package with no room
				}
				if to == "" {
					continue
				}
				if !mayImport(from, to) {
					bad(f, "imports %s: %s may not import %s (docs/ARCHITECTURE.md: imports go one way)", imp, from, to)
					continue
				}
				if helper[imp] && !helper[p.Path] {
					bad(f, "imports %s, a test helper (it imports testing): only tests may", imp)
					continue
				}
				if to == roomOtherInternals {
					// A shared helper must not carry its importer upward.
					for _, d := range byPath[imp].Deps {
						if r := roomOf(d); r != "" && r != roomOtherInternals && !mayImport(from, r) {
							bad(f, "imports %s, which brings in %s: %s may not depend on %s", imp, d, from, r)
							break
						}
					}
				}
			}
		}
		if !guiRoom {
			// Fyne reached only through a module not of ours (a package of
			// ours that reaches it is reported where it imports it).
			if i := slices.IndexFunc(p.Deps, isFyne); i >= 0 && !slices.ContainsFunc(p.Files, func(f goFile) bool {
				return !f.Test && slices.ContainsFunc(f.Imports, func(imp string) bool {
					return isFyne(imp) || roomOf(imp) != "" && reachesFyne(imp)
				})
			}) {
				out = append(out, fmt.Sprintf("%s: depends on %s: only ui and cmd/chartkeeper may depend on Fyne", p.Path, p.Deps[i]))
			}
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}
