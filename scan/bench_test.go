package scan_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"chartkeeper/chart"
	"chartkeeper/scan"
)

// BenchmarkIntake20MB takes one 20 MB scan: read, check, look for a cover
// sheet, hash, seal, commit, delete the original. Each round's file
// differs in its last page so none is a duplicate.
func BenchmarkIntake20MB(b *testing.B) {
	for _, tc := range []struct {
		name string
		make func(i int) []byte
	}{
		{"tiff", bigTIFF},
		{"pdf", func(i int) []byte { return makePDF(3, fmt.Sprintf("bench %d", i), 20<<20) }},
		{"pdf-scanned", scannedPDF},
	} {
		b.Run(tc.name, func(b *testing.B) {
			p := newPractice(b)
			in := scan.NewIntake(p.svc)
			dir := b.TempDir()
			f := scan.Folder{Path: dir}
			i := 0
			for b.Loop() {
				b.StopTimer()
				i++
				data := tc.make(i)
				path := filepath.Join(dir, "scan.bin")
				writeFile(b, path, data)
				b.SetBytes(int64(len(data)))
				b.StartTimer()
				if r := in.Take(path, f); r.Outcome != scan.Imported {
					b.Fatalf("%s %s", r.Outcome, r.Reason)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "scan.bin")); err == nil {
				b.Fatal("original left")
			}
		})
	}
}

// BenchmarkSeal20MB is the sealing step alone: 20 MB sealed into the
// store and committed as an inbox document (the design's budget line).
func BenchmarkSeal20MB(b *testing.B) {
	p := newPractice(b)
	data := makePDF(3, "seal", 20<<20)
	b.SetBytes(int64(len(data)))
	i := 0
	for b.Loop() {
		i++
		data[len(data)/2] = byte(i)
		data[len(data)/2+1] = byte(i >> 8)
		if _, err := p.svc.AddDocument(bytes.NewReader(data), chart.Document{ContentType: "application/pdf", Source: "x.pdf"}); err != nil {
			b.Fatal(err)
		}
	}
}

var scannedPages [][]byte

// scannedPDF is a 20 MB PDF as a scanner makes it: every page one JPEG
// image (200 dpi letter, grey, with noise so that it is large), drawn
// full page. Round i differs in its last page's content stream.
func scannedPDF(i int) []byte {
	if scannedPages == nil {
		r := rand.New(rand.NewPCG(1, 2))
		for total := 0; total < 20<<20; {
			img := image.NewGray(image.Rect(0, 0, 1700, 2200))
			for k := range img.Pix {
				img.Pix[k] = 0xc0 + byte(r.IntN(64))
			}
			var b bytes.Buffer
			jpeg.Encode(&b, img, &jpeg.Options{Quality: 92})
			scannedPages = append(scannedPages, b.Bytes())
			total += b.Len()
		}
	}
	var b bytes.Buffer
	var offs []int
	obj := func(head string, stream []byte) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\n", len(offs), head)
		if stream != nil {
			fmt.Fprintf(&b, "stream\n")
			b.Write(stream)
			b.WriteString("\nendstream\n")
		}
		b.WriteString("endobj\n")
	}
	n := len(scannedPages)
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	var kids []string
	for k := 0; k < n; k++ {
		kids = append(kids, fmt.Sprintf("%d 0 R", 3+3*k))
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>", nil)
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n), nil)
	for k, jp := range scannedPages {
		content := fmt.Sprintf("q 612 0 0 792 0 0 cm /Im0 Do Q %% round %d\n", i)
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>", 5+3*k, 4+3*k), nil)
		obj(fmt.Sprintf("<< /Length %d >>", len(content)), []byte(content))
		obj(fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width 1700 /Height 2200 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>", len(jp)), jp)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, x)
	return b.Bytes()
}

// bigTIFF is a 20 MB uncompressed grey TIFF of five pages.
func bigTIFF(seed int) []byte {
	pages := make([]*image.Gray, 5)
	for k := range pages {
		pages[k] = pageOfSize(2048, 2048, seed*10+k)
	}
	return makeTIFF(pages...)
}

func pageOfSize(w, h, seed int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for x := 0; x < w; x++ {
		img.Pix[(seed%h)*img.Stride+x] = 0
	}
	return img
}

// BenchmarkIntakeImg2PDF24 takes in a 20 MB, 24-page PDF made by img2pdf
// (every page a grey 200 dpi letter JPEG), as a phone app or a scanning
// script outside Chartkeeper makes them. Each round is a fresh process
// (this test binary, see intakeChild) that opens the store, signs in and
// takes the one file in, nothing else; it reports the intake's time
// (ns/op and intake-ms, the median; cpu-ms, the median of the process's
// CPU time during the intake, over both cores; faults, the median of the
// page faults it took then: in a fresh process every page of memory
// first touched is one, and they cost much of the time) and the process's peak resident
// memory, VmHWM (peak-RSS-MB, the most of any round; open-RSS-MB is the
// peak before the intake began: the runtime, the binary's pages, the
// store and service opened). pdftoppm, which draws page 1 for the cover
// look in a process of its own, is reported apart (pdftoppm-RSS-MB).
func BenchmarkIntakeImg2PDF24(b *testing.B) { benchIntakeImg2PDF24(b, false) }

// BenchmarkIntakeImg2PDF24Second is the same scan taken in by a process
// that has taken one like it in before (first-ms is that one's time): a
// workstation that has been running, whose memory is no longer all new
// to it. peak-RSS-MB covers both intakes.
func BenchmarkIntakeImg2PDF24Second(b *testing.B) { benchIntakeImg2PDF24(b, true) }

func benchIntakeImg2PDF24(b *testing.B, second bool) {
	if runtime.GOOS != "linux" {
		b.Skip("reads the peak resident memory from /proc")
	}
	i2p := tool(b, "img2pdf")
	work := b.TempDir()
	r := rand.New(rand.NewPCG(3, 4))
	var names []string
	for k := 1; k <= 24; k++ {
		img := image.NewGray(image.Rect(0, 0, 1700, 2200))
		for j := range img.Pix {
			img.Pix[j] = 0xd0 + byte(r.IntN(48))
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 72}); err != nil {
			b.Fatal(err)
		}
		name := filepath.Join(work, fmt.Sprintf("p%02d.jpg", k))
		writeFile(b, name, buf.Bytes())
		names = append(names, name)
	}
	out := filepath.Join(work, "scan.pdf")
	run(b, i2p, append(append([]string{"--pagesize", "Letter"}, names...), "-o", out)...)
	data, err := os.ReadFile(out)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("img2pdf made %d pages in %.1f MB", 24, float64(len(data))/(1<<20))

	p := newPractice(b)
	storeDir := p.st.Dir()
	p.close()
	dir := b.TempDir()
	var runs []intakeFigures
	i := 0
	for b.Loop() {
		b.StopTimer()
		i++
		// A byte inside the last page's JPEG data differs each round, so
		// no round is a duplicate of another.
		data[len(data)-5000] = byte(i)
		data[len(data)-5001] = byte(i >> 8)
		path := filepath.Join(dir, "scan.pdf")
		writeFile(b, path, data)
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "SCAN_INTAKE_CHILD=1", "SCAN_STORE="+storeDir, "SCAN_FILE="+path)
		if second {
			// Another scan, taken in first by the same process.
			data[len(data)-5002] ^= 0xff
			firstPath := filepath.Join(dir, "first.pdf")
			writeFile(b, firstPath, data)
			data[len(data)-5002] ^= 0xff
			cmd.Env = append(cmd.Env, "SCAN_FIRST="+firstPath)
		}
		cmd.Stderr = os.Stderr
		js, err := cmd.Output()
		if err != nil {
			b.Fatalf("intake process: %v", err)
		}
		var f intakeFigures
		if err := json.Unmarshal(js, &f); err != nil {
			b.Fatalf("intake process said %q: %v", js, err)
		}
		if f.Outcome != scan.Imported.String() || f.Pages != 24 {
			b.Fatalf("%s %s, %d pages", f.Outcome, f.Reason, f.Pages)
		}
		b.Logf("round %d: %.0f ms (%.0f ms of CPU, %d page faults; first intake %.0f ms), peak RSS %.1f MB (%.1f MB before the intake), pdftoppm %.1f MB",
			i, f.Millis, f.CPUMillis, f.Faults, f.FirstMillis, f.PeakKB/1024, f.OpenKB/1024, f.ChildKB/1024)
		runs = append(runs, f)
		b.StartTimer()
	}
	ms := make([]float64, len(runs))
	firsts := make([]float64, len(runs))
	cpu := make([]float64, len(runs))
	faults := make([]float64, len(runs))
	var peak, open, child float64
	for k, f := range runs {
		ms[k], cpu[k], faults[k], firsts[k] = f.Millis, f.CPUMillis, float64(f.Faults), f.FirstMillis
		peak, open, child = max(peak, f.PeakKB), max(open, f.OpenKB), max(child, f.ChildKB)
	}
	slices.Sort(ms)
	slices.Sort(cpu)
	slices.Sort(faults)
	slices.Sort(firsts)
	if second {
		b.ReportMetric(firsts[len(firsts)/2], "first-ms")
	}
	med := ms[len(ms)/2]
	b.ReportMetric(med*1e6, "ns/op")
	b.ReportMetric(med, "intake-ms")
	b.ReportMetric(cpu[len(cpu)/2], "cpu-ms")
	b.ReportMetric(faults[len(faults)/2], "faults")
	b.ReportMetric(peak/1024, "peak-RSS-MB")
	b.ReportMetric(open/1024, "open-RSS-MB")
	b.ReportMetric(child/1024, "pdftoppm-RSS-MB")
}

// intakeFigures is what an intake process reports (see intakeChild).
type intakeFigures struct {
	Outcome     string
	Reason      string
	Pages       int
	Millis      float64 // the intake's wall time
	FirstMillis float64 // the first intake's, when the measured one is the second (SCAN_FIRST)
	CPUMillis   float64 // the process's CPU time (user and system) during it
	Faults      int64   // the page faults the process took during it
	OpenKB      float64 // VmHWM before the intake: the store and service open
	PeakKB      float64 // VmHWM at the end: the process's peak resident memory
	ChildKB     float64 // the largest peak of the processes it started (pdftoppm)
}

// intakeChild is a process that does nothing but take one file in: it
// opens the store at SCAN_STORE, signs the front desk in, takes the file
// SCAN_FILE and writes its figures to stdout as JSON.
func intakeChild() {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "intake process:", err)
		os.Exit(1)
	}
	prof := os.Getenv("SCAN_MEMPROFILE") // where to write an allocation profile
	if prof != "" {
		runtime.MemProfileRate = 4096
	}
	st, err := chart.OpenStore(os.Getenv("SCAN_STORE"))
	if err != nil {
		fail(err)
	}
	if err := st.Unlock(deskUser, []byte(testPass)); err != nil {
		fail(err)
	}
	svc, err := chart.Open(st)
	if err != nil {
		fail(err)
	}
	path := os.Getenv("SCAN_FILE")
	var f intakeFigures
	if f.OpenKB, err = vmHWM(); err != nil {
		fail(err)
	}
	var cpuProf *os.File
	if name := os.Getenv("SCAN_CPUPROFILE"); name != "" {
		// A CPU profile of the intake alone, one file per process
		// (name.pid; go tool pprof adds several up).
		if cpuProf, err = os.Create(fmt.Sprintf("%s.%d", name, os.Getpid())); err != nil {
			fail(err)
		}
		if err := pprof.StartCPUProfile(cpuProf); err != nil {
			fail(err)
		}
	}
	in := scan.NewIntake(svc)
	if first := os.Getenv("SCAN_FIRST"); first != "" {
		// The workstation has taken a scan in since it started: the
		// measured intake is its second.
		start := time.Now()
		res := in.Take(first, scan.Folder{Path: filepath.Dir(first)})
		f.FirstMillis = float64(time.Since(start).Microseconds()) / 1000
		if res.Outcome != scan.Imported {
			fail(fmt.Errorf("the first file: %s %s", res.Outcome, res.Reason))
		}
	}
	cpu0, faults0 := cpuTime()
	start := time.Now()
	res := in.Take(path, scan.Folder{Path: filepath.Dir(path)})
	f.Millis = float64(time.Since(start).Microseconds()) / 1000
	cpu1, faults1 := cpuTime()
	f.CPUMillis = float64((cpu1 - cpu0).Microseconds()) / 1000
	f.Faults = faults1 - faults0
	if cpuProf != nil {
		pprof.StopCPUProfile()
		cpuProf.Close()
	}
	if f.PeakKB, err = vmHWM(); err != nil {
		fail(err)
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err == nil {
		f.ChildKB = float64(ru.Maxrss)
	}
	f.Outcome, f.Reason, f.Pages = res.Outcome.String(), res.Reason, res.Document.Pages
	if prof != "" {
		runtime.GC() // the profile holds what the last collection saw
		w, err := os.Create(prof)
		if err != nil {
			fail(err)
		}
		if err := pprof.Lookup("allocs").WriteTo(w, 0); err != nil {
			fail(err)
		}
		w.Close()
	}
	svc.Close()
	st.Close()
	if err := json.NewEncoder(os.Stdout).Encode(f); err != nil {
		fail(err)
	}
}

// cpuTime is the CPU time this process used so far, and the page faults
// it took (minor ones: a page of memory first touched, or of a file
// mapped first read).
func cpuTime() (time.Duration, int64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), ru.Minflt
}

// vmHWM is this process's peak resident memory in KB, from /proc.
func vmHWM() (float64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb float64
			_, err := fmt.Sscanf(strings.TrimSpace(rest), "%g kB", &kb)
			return kb, err
		}
	}
	return 0, errors.New("no VmHWM in /proc/self/status")
}
