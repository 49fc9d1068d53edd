package chart

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"chartkeeper/store"
)

// BenchmarkFileClinicalScan20Pages times filing a 20-page scan (3 MB of
// random bytes, as page images are) from the inbox into a clinical category, as
// front desk does: since clinical documents are sealed to the clinical
// compartment, filing re-seals the content. Taking the scan into the inbox
// is not timed.
func BenchmarkFileClinicalScan20Pages(b *testing.B) {
	p := newPractice(b)
	pt := p.patient("Testbench", "Ève", "1975-06-07")
	desk := p.as(store.RoleFrontDesk)
	rng := rand.New(rand.NewPCG(1, 2))
	content := make([]byte, 20*150<<10)
	for i := range content {
		content[i] = byte(rng.Uint32())
	}
	b.SetBytes(int64(len(content)))
	for b.Loop() {
		b.StopTimer()
		for i := range content[:64] {
			content[i] = byte(rng.Uint32())
		}
		in, err := desk.AddDocument(bytes.NewReader(content), Document{ContentType: "application/pdf", Pages: 20})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := desk.FileDocument(in.ID, pt.ID, "lab", "2026-05-01", "bench"); err != nil {
			b.Fatal(err)
		}
	}
}
