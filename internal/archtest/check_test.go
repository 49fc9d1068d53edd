package archtest

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// graph builds packages from "path: import import ..." lines (our paths
// without the module's name); a path ending in _test names the package's
// tests. A package's Deps are its code's imports, closed over the graph.
func graph(lines ...string) []pkg {
	var pkgs []pkg
	index := map[string]int{}
	for _, line := range lines {
		path, imps, _ := strings.Cut(line, ":")
		path = strings.TrimSpace(path)
		test := strings.HasSuffix(path, "_test")
		path = strings.TrimSuffix(path, "_test")
		if !strings.HasPrefix(path, module) {
			path = module + "/" + path
		}
		var imports []string
		for _, imp := range strings.Fields(imps) {
			if !strings.Contains(imp, ".") && !strings.HasPrefix(imp, "crypto") && imp != "testing" {
				imp = module + "/" + imp
			}
			imports = append(imports, imp)
		}
		i, ok := index[path]
		if !ok {
			i = len(pkgs)
			index[path] = i
			pkgs = append(pkgs, pkg{Path: path})
		}
		name := strings.TrimPrefix(path, module+"/") + "/x.go"
		if test {
			name = strings.TrimSuffix(name, ".go") + "_test.go"
		} else {
			pkgs[i].Deps = append(pkgs[i].Deps, imports...)
		}
		pkgs[i].Files = append(pkgs[i].Files, goFile{Name: name, Test: test, Imports: imports})
	}
	// Deps are transitive: close them over our packages.
	for changed := true; changed; {
		changed = false
		for i := range pkgs {
			for _, d := range pkgs[i].Deps {
				j, ok := index[d]
				if !ok {
					continue
				}
				for _, dd := range pkgs[j].Deps {
					if !slices.Contains(pkgs[i].Deps, dd) {
						pkgs[i].Deps = append(pkgs[i].Deps, dd)
						changed = true
					}
				}
			}
		}
	}
	return pkgs
}

// before is the graph before the sync split, as go list shows it.
var before = []string{
	"assets: embed",
	"store: crypto/cipher crypto/hkdf crypto/hmac crypto/rand crypto/sha256 golang.org/x/crypto/argon2 golang.org/x/crypto/chacha20poly1305 go.etcd.io/bbolt",
	"chart/search: golang.org/x/text/unicode/norm",
	"chart/jsonmerge: encoding/json",
	"chart/icd10: golang.org/x/text/runes",
	"chart/synth: math/rand/v2",
	"chart: chart/icd10 chart/jsonmerge chart/search store crypto/rand",
	"chart_test: chart scan store",
	"chart/demo: chart chart/synth store",
	"report: chart chart/icd10 github.com/jung-kurt/gofpdf",
	"scan: chart report store crypto/sha256 github.com/fsnotify/fsnotify",
	"interop/fhir: chart crypto/sha1 crypto/sha256",
	"interop/csvimport: chart",
	"interop/access: chart interop/fhir report",
	"internal/atomicfile: os",
	"internal/pgtest: crypto/rand testing github.com/jackc/pgx/v5",
	"sync: store crypto/ecdsa crypto/elliptic crypto/hkdf crypto/rand crypto/sha256 crypto/subtle crypto/tls crypto/x509 crypto/x509/pkix",
	"sync_test: sync store chart internal/pgtest sync/backendtest sync/pgbackend",
	"sync/backendtest: store sync testing",
	"sync/pgbackend: store sync crypto/rand github.com/jackc/pgx/v5",
	"sync/pgbackend_test: internal/pgtest sync/backendtest",
	"sync/synctestserver: sync crypto/tls testing",
	"ui: assets chart chart/demo interop/access report scan store sync crypto/rand fyne.io/fyne/v2 fyne.io/fyne/v2/widget",
	"ui_test: sync/synctestserver fyne.io/fyne/v2/test",
	"cmd/chartkeeper: store ui fyne.io/fyne/v2/app",
	"cmd/chartkeeperd: sync sync/pgbackend crypto/tls",
	"cmd/chartkeeperd_test: internal/pgtest sync",
	"cmd/ckadmin: chart chart/demo chart/icd10 interop/access interop/csvimport interop/fhir report scan store sync golang.org/x/term",
	"cmd/ckadmin_test: sync/synctestserver go.etcd.io/bbolt",
	"internal/archtest_test: testing go/parser",
}

// after is the graph once sync is split.
var after = []string{
	"assets: embed",
	"store: crypto/cipher golang.org/x/crypto/argon2",
	"internal/words: strings",
	"chart: store internal/words",
	"report: chart internal/words",
	"internal/testchart: chart internal/testpractice store testing",
	"interop/fhir_test: internal/testchart",
	"scan: chart report store",
	"interop/fhir: chart",
	"interop/access: chart interop/fhir report",
	"internal/atomicfile: os",
	"internal/pgtest: testing",
	"internal/testpractice: store chart testing",
	"chart_test: internal/testpractice",
	"syncproto: store",
	"syncserver: syncproto store crypto/tls crypto/subtle internal/atomicfile",
	"syncserver/boltbackend: syncserver syncproto store go.etcd.io/bbolt",
	"syncserver/pgbackend: syncserver syncproto store",
	"syncserver/backendtest: syncserver store testing",
	"syncclient: syncproto store crypto/hkdf crypto/tls crypto/x509 internal/atomicfile",
	"syncclient_test: syncserver syncserver/boltbackend internal/testpractice",
	"ui: chart store scan report interop/access syncclient fyne.io/fyne/v2",
	"cmd/chartkeeper: store ui fyne.io/fyne/v2/app",
	"cmd/chartkeeperd: syncserver syncserver/boltbackend syncserver/pgbackend crypto/tls",
	"cmd/ckadmin: chart store scan report interop/fhir syncclient",
}

func TestTodaysAndTheSplitGraphPass(t *testing.T) {
	for name, g := range map[string][]string{"before the split": before, "after the split": after} {
		if got := check(graph(g...)); len(got) > 0 {
			t.Errorf("%s: %d broken rules in a good graph:\n%s", name, len(got), strings.Join(got, "\n"))
		}
	}
}

func TestBadImportsAreNamed(t *testing.T) {
	// Each case: a line added to the graph, what the one message it
	// causes says, and optionally the one graph it applies to and how many
	// messages it causes when more than one.
	cases := [][]string{
		{"report: fyne.io/fyne/v2", "report/x.go: imports fyne.io/fyne/v2: only ui and cmd/chartkeeper"},
		{"store_test: fyne.io/fyne/v2/test", "store/x_test.go: imports fyne.io/fyne/v2/test"},
		{"cmd/ckadmin: ui", "cmd/ckadmin/x.go: imports chartkeeper/ui, which brings in Fyne"},
		{"scan_test: ui", "scan/x_test.go: imports chartkeeper/ui, which brings in Fyne"},
		{"store: chart", "store/x.go: imports chartkeeper/chart: store may not import chart"},
		{"store: syncclient", "store/x.go: imports chartkeeper/syncclient: store may not import syncclient"},
		{"store: sync", "store/x.go: imports chartkeeper/sync: store may not import sync"},
		{"chart: report", "chart/x.go: imports chartkeeper/report: chart may not import report"},
		{"chart/search: scan", "chart/search/x.go: imports chartkeeper/scan: chart may not import scan"},
		{"chart: interop/fhir", "chart/x.go: imports chartkeeper/interop/fhir: chart may not import interop"},
		{"chart: sync", "chart/x.go: imports chartkeeper/sync: chart may not import sync"},
		{"chart: syncproto", "chart may not import syncproto"},
		{"report: scan", "report/x.go: imports chartkeeper/scan: report may not import scan"},
		{"report: interop/access", "report may not import interop"},
		{"scan: interop/fhir", "scan may not import interop"},
		{"interop/csvimport: scan", "interop may not import scan"},
		{"interop/fhir: syncclient", "interop may not import syncclient"},
		{"syncproto: chart", "syncproto may not import chart"},
		{"syncproto: syncserver", "syncproto may not import syncserver"},
		{"syncserver: syncclient", "syncserver/x.go: imports chartkeeper/syncclient: syncserver may not import syncclient"},
		{"syncserver/pgbackend: syncclient", "syncserver may not import syncclient"},
		{"syncclient: syncserver/boltbackend", "syncclient may not import syncserver"},
		{"syncclient: chart", "syncclient may not import chart"},
		{"sync: chart", "sync/x.go: imports chartkeeper/chart: sync may not import chart"},
		{"sync/pgbackend: syncclient", "sync/pgbackend/x.go: imports chartkeeper/syncclient: syncserver may not import syncclient"},
		{"ui: syncserver", "ui may not import syncserver"},
		{"cmd/chartkeeperd: chart", "cmd/chartkeeperd may not import chart"},
		{"cmd/chartkeeperd: syncclient", "cmd/chartkeeperd may not import syncclient"},
		{"cmd/ckadmin: cmd/chartkeeperd", "cmd/ckadmin may not import cmd/chartkeeperd"},
		{"internal/words: scan", "chart/x.go: imports chartkeeper/internal/words, which brings in chartkeeper/scan: chart may not depend on scan", "after the split", "2"},
		{"internal/words: ui", "internal/words/x.go: imports chartkeeper/ui, which brings in Fyne", "after the split", "3"},
		{"internal/atomicfile: store", "internal/atomicfile may not import store"},
		{"internal/testpractice: ui", "internal/testpractice/x.go: imports chartkeeper/ui, which brings in Fyne"},
		{"internal/testpractice: cmd/ckadmin", "internal/testpractice may not import cmd/ckadmin"},
		{"chart: golang.org/x/crypto/argon2", "chart/x.go: imports golang.org/x/crypto/argon2: only store may"},
		{"syncclient: golang.org/x/crypto/chacha20poly1305", "imports golang.org/x/crypto/chacha20poly1305: only store may"},
		{"ui: crypto/cipher", "ui/x.go: imports crypto/cipher: only store may"},
		{"scan: crypto/aes", "imports crypto/aes: only store may"},
		{"report: crypto/hkdf", "report/x.go: imports crypto/hkdf: only store, syncproto"},
		{"chart: crypto/tls", "chart/x.go: imports crypto/tls: only store, cmd/chartkeeperd, syncproto"},
		{"cmd/ckadmin: internal/pgtest", "cmd/ckadmin may not import internal/pgtest"},
		{"internal/other: internal/pgtest", "internal/other/x.go: imports chartkeeper/internal/pgtest, a test helper (it imports testing): only tests may"},
		{"sync/pgbackend: sync/backendtest", "sync/pgbackend/x.go: imports chartkeeper/sync/backendtest, a test helper", "before the split"},
		{"syncserver/pgbackend: syncserver/backendtest", "syncserver/pgbackend/x.go: imports chartkeeper/syncserver/backendtest, a test helper", "after the split"},
		{"newroom: store", "chartkeeper/newroom: a package with no room yet"},
	}
	for _, c := range cases {
		line, want := c[0], c[1]
		for name, g := range map[string][]string{"before the split": before, "after the split": after} {
			if len(c) > 2 && c[2] != name {
				continue
			}
			n := 1
			if len(c) > 3 {
				n, _ = strconv.Atoi(c[3])
			}
			got := check(graph(append(append([]string{}, g...), line)...))
			if len(got) != n || !slices.ContainsFunc(got, func(m string) bool { return strings.Contains(m, want) }) {
				t.Errorf("%s, adding %q: got %q, want %d message(s), one with %q", name, line, got, n, want)
			}
		}
	}
}
