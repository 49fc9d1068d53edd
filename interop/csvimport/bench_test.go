package csvimport_test

import (
	"fmt"
	"strings"
	"testing"

	"chartkeeper/chart/synth"
	"chartkeeper/interop/csvimport"
)

// BenchmarkImportList reads and registers a list of 10,000 synthetic
// patients: parse, check every row, duplicate check, one transaction.
func BenchmarkImportList(b *testing.B) {
	const n = 10_000
	g := synth.New(5)
	var sb strings.Builder
	sb.WriteString("Surname;First name;Date of birth;Sex;Phone\n")
	for range n {
		p := g.Person()
		fmt.Fprintf(&sb, "%s;%s;%s;%s;%s\n", p.Family, p.Given, p.DOB.Format("2006-01-02"), p.Sex, p.Phone)
	}
	list := sb.String()
	p := newPractice(b)
	for b.Loop() {
		sh, err := csvimport.Read(strings.NewReader(list), csvimport.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(sh.Errors) > 0 {
			b.Fatalf("bad rows: %v", sh.Errors[:1])
		}
		if _, err := csvimport.Import(p.svc, sh, true, "bench"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "patients/s")
}
