package chart

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"chartkeeper/chart/synth"
	"chartkeeper/store"
)

// Benchmarks of the chart service on a real store file:
//
//	go test -tags chartkeeper_insecure_kdf -run x -bench . -benchtime 2000x ./chart/
//
// The 100,000-patient practice is built once per process.

const benchPatients = 100_000

var (
	bigOnce sync.Once
	big     *practice
	bigErr  error
	people  []synth.Person
)

// bigPractice is a practice with 100,000 synthetic patients.
func bigPractice(b *testing.B) *practice {
	bigOnce.Do(func() {
		big = newPractice(&keepAlive{TB: b})
		g := synth.NewAt(3, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		ps := make([]Patient, benchPatients)
		for i := range ps {
			sp := g.Person()
			people = append(people, sp)
			ps[i] = fromSynth(sp)
		}
		big.as(store.RoleHIM)
		_, bigErr = big.svc.ImportPatients(ps, "")
	})
	if bigErr != nil {
		b.Fatal(bigErr)
	}
	return big
}

// keepAlive lets the shared practice outlive the benchmark that made it
// (its temp dir is removed when the process ends).
type keepAlive struct{ testing.TB }

func (k *keepAlive) TempDir() string {
	dir, err := os.MkdirTemp("", "chart-bench-")
	if err != nil {
		k.TB.Fatal(err)
	}
	benchDirs = append(benchDirs, dir)
	return dir
}

// benchDirs are removed by TestMain when the process ends.
var benchDirs []string

func TestMain(m *testing.M) {
	code := m.Run()
	if big != nil {
		big.st.Close()
	}
	for _, d := range benchDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}
func (k *keepAlive) Cleanup(func()) {}

func fromSynth(sp synth.Person) Patient {
	return Patient{Family: sp.Family, Given: sp.Given, Preferred: sp.Preferred, DOB: sp.DOB.Format(dateLayout), Sex: Sex(sp.Sex), Phone: sp.Phone, Language: sp.Language}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkFind100k is type-ahead search through the service (permission
// check, change-feed refresh, index, summaries), median of single queries.
func BenchmarkFind100k(b *testing.B) {
	p := bigPractice(b)
	s := p.as(store.RoleFrontDesk)
	var queries []string
	for i := 0; i < 200; i++ {
		sp := people[i*409%len(people)]
		fam := []rune(sp.Family)
		queries = append(queries, string(fam[:min(3, len(fam))]), sp.Family, sp.Family+" "+string([]rune(sp.Given)[:1]), sp.DOB.Format(dateLayout))
	}
	var ds []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := s.Find(queries[i%len(queries)], 50); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(t0))
	}
	b.ReportMetric(float64(median(ds).Nanoseconds())/1e3, "median-µs")
}

// BenchmarkOpenService100k is sign-in to a usable patient list: reading
// 100,000 patients and building the finder.
func BenchmarkOpenService100k(b *testing.B) {
	p := bigPractice(b)
	p.as(store.RoleFrontDesk)
	p.svc.Close() // the practice's own service, so the figure is one service's; writes the finder cache
	for _, cache := range []bool{true, false} {
		name := "finder-cache"
		if !cache {
			name = "every-patient" // what a first sign-in, or one after an unreadable cache, does
		}
		b.Run(name, func(b *testing.B) {
			var ms0, ms1 runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms0)
			var svc *Service
			for b.Loop() {
				if !cache {
					b.StopTimer()
					if err := p.st.Update(func(tx *store.Tx) error { return tx.PutCache(finderCacheName, []byte("none")) }); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				var err error
				if svc, err = Open(p.st); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				svc.finder.bg.Wait() // a cache write after reading every patient
				b.StartTimer()
			}
			b.StopTimer()
			runtime.GC()
			runtime.ReadMemStats(&ms1)
			b.ReportMetric(float64(ms1.HeapAlloc-ms0.HeapAlloc)/(1<<20), "heap-MB")
			runtime.KeepAlive(svc)
			svc.Close()
		})
	}
}

// BenchmarkImportPatients measures bulk registration (patients per second).
func BenchmarkImportPatients(b *testing.B) {
	g := synth.NewAt(9, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	const n = 10_000
	ps := make([]Patient, n)
	for i := range ps {
		ps[i] = fromSynth(g.Person())
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		p := newPractice(b) // each round imports into an empty practice
		p.as(store.RoleHIM)
		b.StartTimer()
		if _, err := p.svc.ImportPatients(ps, ""); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "patients/s")
}

// BenchmarkOpenChart200Visits opens a chart with 200 visits and 50
// documents among other patients' records.
func BenchmarkOpenChart200Visits(b *testing.B) {
	p := newPractice(b)
	pt := p.patient("Vielbesuch", "Test", "1940-02-02")
	other := p.patient("Anderer", "Test", "1941-03-03")
	s := p.as(store.RoleClinician)
	err := p.st.Update(func(tx *store.Tx) error {
		for _, who := range []string{other.ID, pt.ID} {
			for i := 0; i < 200; i++ {
				v := Visit{Date: fmt.Sprintf("20%02d-%02d-%02d", 6+i/12%20, 1+i%12, 1+i%28), Reason: "Follow-up", Subjective: "Feels well. " + string(bytes.Repeat([]byte("Notes. "), 100)), Plan: "Continue.",
					Diagnoses: []Diagnosis{{Code: "I10", Primary: true}}, Signed: true, SignedBy: "Test Doc"}
				if _, err := put(tx, TypeVisit, childID(who), "", v); err != nil {
					return err
				}
			}
			for i := 0; i < 50; i++ {
				// As filing writes them: title and note sealed to the
				// clinical document key.
				d := Document{Meta: Meta{Patient: who}, Category: "lab", ClinicalDate: "2020-01-01", Title: "Full blood count", Note: "Within range.",
					Blob: "x", ContentType: "application/pdf", Size: 1000, Pages: 1}
				if _, err := putDocument(tx, childID(who), "", d); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	var ds []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		c, err := s.OpenChart(pt.ID)
		if err != nil || len(c.Visits) != 200 || len(c.Documents) != 50 {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(t0))
	}
	b.ReportMetric(float64(median(ds).Nanoseconds())/1e3, "median-µs")
}

// homePractice is a practice of 100,000 patients of whom 2,000 have charts
// of 10 visits (signed and coded, signed waiting for codes, or unsigned)
// and a filed document; 300 documents wait in the inbox.
var (
	homeOnce sync.Once
	homeP    *practice
	homeErr  error
)

func homePractice(b *testing.B) *practice {
	homeOnce.Do(func() {
		p := newPractice(&keepAlive{TB: b})
		homeP = p
		g := synth.NewAt(5, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		ps := make([]Patient, benchPatients-2000)
		for i := range ps {
			ps[i] = fromSynth(g.Person())
		}
		svc := p.as(store.RoleHIM)
		if _, homeErr = svc.ImportPatients(ps, ""); homeErr != nil {
			return
		}
		clin, _ := p.as(store.RoleClinician).CurrentUser()
		svc = p.as(store.RoleHIM)
		today := p.clk.now()
		for i := range 2000 {
			c := ImportedChart{Patient: fromSynth(g.Person())}
			for j := range 10 {
				day := today.AddDate(0, 0, -((i*10 + j) % 120))
				v := Visit{Date: day.Format(dateLayout), ClinicianID: clin.ID, Clinician: clin.Name, Reason: "Follow-up", Subjective: "Better.", Plan: "Review."}
				if k := (i + j) % 20; k < 17 {
					v.Signed, v.SignedBy, v.SignedByID, v.SignedAt = true, clin.Name, clin.ID, day.Add(-time.Hour)
					if k < 14 {
						v.Diagnoses = []Diagnosis{{Code: "I10", Primary: true}}
					}
				}
				c.Visits = append(c.Visits, ImportedVisit{Visit: v})
			}
			c.Documents = []ImportedDocument{{Document: Document{Category: "lab", ClinicalDate: today.Format(dateLayout), ContentType: "application/pdf",
				Received: today.AddDate(0, 0, -(i%90)-1), FiledAt: today.AddDate(0, 0, -(i % 90))}, Content: fmt.Appendf(nil, "%%PDF %d", i)}}
			if _, homeErr = svc.ImportChart(c, "bench"); homeErr != nil {
				return
			}
		}
		desk := p.as(store.RoleFrontDesk)
		for i := range 300 {
			if _, homeErr = desk.AddDocument(strings.NewReader(fmt.Sprint("%PDF scan ", i)), Document{ContentType: "application/pdf"}); homeErr != nil {
				return
			}
		}
	})
	if homeErr != nil {
		b.Fatal(homeErr)
	}
	return homeP
}

// BenchmarkHome100k opens the service (finder and home index from their
// caches) and asks what every role's home shows.
func BenchmarkHome100k(b *testing.B) {
	p := homePractice(b)
	p.as(store.RoleHIM)
	p.svc.Close()
	for _, cache := range []bool{true, false} {
		name := "home-cache"
		if !cache {
			name = "from-the-records"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if !cache {
					b.StopTimer()
					if err := p.st.Update(func(tx *store.Tx) error { return tx.PutCache(homeCacheName, []byte("none")) }); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				svc, err := Open(p.st, WithClock(p.clk.now))
				if err != nil {
					b.Fatal(err)
				}
				p.svc = svc
				if _, _, err := svc.InboxWaiting(); err != nil {
					b.Fatal(err)
				}
				_, _, _ = svc.RegisteredToday(12)
				_, _ = svc.Worklists()
				_, _ = svc.History(90)
				_, _ = svc.UncodedVisits()
				b.StopTimer()
				svc.finder.bg.Wait()
				svc.Close()
				b.StartTimer()
			}
		})
	}
}
