package demo

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"strings"
)

// condition is a real, common ICD-10-CM code with what a chart around it
// looks like: a visit reason, a note, and the usual medication.
type condition struct {
	Code        string // with its dot, as people write it
	Description string // the CMS description
	Chronic     bool   // belongs on the problem list
	Reason      string // the visit's reason
	Subjective  string
	Assessment  string
	Plan        string
	Med         *medicine // the usual treatment, if any
}

type medicine struct{ Name, Dose, Route, Frequency string }

// conditions is the small built-in code list. Every code is valid in the
// current CMS release; when a practice has imported a code table, only the
// ones in it are used.
var conditions = []condition{
	{"E11.9", "Type 2 diabetes mellitus without complications", true, "Diabetes follow-up",
		"Feels well. Checks glucose at home, mostly 6 to 8 mmol/L. No hypoglycaemia.", "Type 2 diabetes, reasonably controlled.",
		"Continue metformin. HbA1c and lipids before next visit. Foot check done.", &medicine{"Metformin", "500 mg", "oral", "twice daily"}},
	{"I10", "Essential (primary) hypertension", true, "Blood pressure review",
		"No headaches or chest pain. Takes tablets daily.", "Essential hypertension.",
		"Continue lisinopril. Reduce salt. Home readings for two weeks.", &medicine{"Lisinopril", "10 mg", "oral", "once daily"}},
	{"J45.909", "Unspecified asthma, uncomplicated", true, "Asthma review",
		"Wheeze with exercise twice a week. No night waking.", "Asthma, partly controlled.",
		"Reliever as needed; check inhaler technique. Review in three months.", &medicine{"Salbutamol inhaler", "100 mcg", "inhaled", "as needed"}},
	{"E78.5", "Hyperlipidemia, unspecified", true, "Cholesterol results",
		"Here to discuss lipid results. No muscle aches.", "Hyperlipidaemia.",
		"Start atorvastatin. Diet advice given. Repeat lipids in three months.", &medicine{"Atorvastatin", "20 mg", "oral", "once daily at night"}},
	{"E03.9", "Hypothyroidism, unspecified", true, "Thyroid follow-up",
		"Less tired since starting treatment.", "Hypothyroidism on replacement.",
		"Continue levothyroxine. TSH in six weeks.", &medicine{"Levothyroxine", "50 mcg", "oral", "once daily before breakfast"}},
	{"K21.9", "Gastro-esophageal reflux disease without esophagitis", true, "Heartburn",
		"Burning after meals and at night for a month. No weight loss, no difficulty swallowing.", "Gastro-oesophageal reflux.",
		"Omeprazole for eight weeks. Avoid late meals. Return if symptoms persist.", &medicine{"Omeprazole", "20 mg", "oral", "once daily"}},
	{"F41.1", "Generalized anxiety disorder", true, "Worry and poor sleep",
		"Constant worry for six months, poor sleep, tense. No thoughts of self-harm.", "Generalised anxiety disorder.",
		"Talking therapy referral. Start sertraline, review in four weeks.", &medicine{"Sertraline", "50 mg", "oral", "once daily"}},
	{"J44.9", "Chronic obstructive pulmonary disease, unspecified", true, "Breathlessness review",
		"Breathless on one flight of stairs. Stopped smoking last year.", "COPD, stable.",
		"Continue tiotropium. Pulmonary rehabilitation referral. Influenza vaccine offered.", &medicine{"Tiotropium", "18 mcg", "inhaled", "once daily"}},
	{"I48.91", "Unspecified atrial fibrillation", true, "Palpitations follow-up",
		"Occasional palpitations. No dizziness or fainting.", "Atrial fibrillation, rate controlled.",
		"Continue apixaban. Renal function annually.", &medicine{"Apixaban", "5 mg", "oral", "twice daily"}},
	{"M17.11", "Unilateral primary osteoarthritis, right knee", true, "Right knee pain",
		"Knee pain on walking, stiff in the morning for ten minutes.", "Osteoarthritis of the right knee.",
		"Weight loss advice, physiotherapy. Ibuprofen when needed.", &medicine{"Ibuprofen", "400 mg", "oral", "up to three times daily as needed"}},
	{"G43.909", "Migraine, unspecified, not intractable, without status migrainosus", true, "Headaches",
		"One-sided throbbing headaches with nausea, two a month.", "Migraine without aura.",
		"Headache diary. Sumatriptan at onset.", &medicine{"Sumatriptan", "50 mg", "oral", "at onset, may repeat once"}},
	{"D64.9", "Anemia, unspecified", true, "Tiredness",
		"Tired for two months. Heavy periods.", "Anaemia, likely iron deficiency.",
		"Ferrous sulfate. Repeat blood count in eight weeks.", &medicine{"Ferrous sulfate", "200 mg", "oral", "once daily"}},
	{"J06.9", "Acute upper respiratory infection, unspecified", false, "Sore throat and cough",
		"Three days of sore throat, runny nose and cough. Eating and drinking.", "Viral upper respiratory infection.",
		"Fluids, paracetamol. Return if breathless or not better in a week.", nil},
	{"N39.0", "Urinary tract infection, site not specified", false, "Burning on passing urine",
		"Two days of dysuria and frequency. No fever, no loin pain.", "Uncomplicated urinary tract infection.",
		"Nitrofurantoin for five days. Urine culture sent.", &medicine{"Nitrofurantoin", "100 mg", "oral", "twice daily for 5 days"}},
	{"M54.50", "Low back pain, unspecified", false, "Low back pain",
		"Back pain after lifting, a week ago. No leg weakness, no numbness.", "Mechanical low back pain.",
		"Stay active, ibuprofen for a few days. Return if leg symptoms.", nil},
	{"R50.9", "Fever, unspecified", false, "Fever",
		"Fever for one day, aches. No rash.", "Fever, no focus found.",
		"Fluids and paracetamol. Return if worse or not settled in 48 hours.", nil},
	{"Z00.00", "Encounter for general adult medical examination without abnormal findings", false, "Annual check-up",
		"No complaints.", "Healthy adult.",
		"Routine screening as due. Next check in a year.", nil},
}

// allergies the demo charts list.
var allergies = []struct{ Substance, Reaction, Severity string }{
	{"Penicillin", "rash", "moderate"},
	{"Sulfonamides", "hives", "moderate"},
	{"Peanuts", "anaphylaxis", "severe"},
	{"Latex", "contact dermatitis", "mild"},
	{"Aspirin", "wheeze", "moderate"},
	{"Codeine", "nausea", "mild"},
	{"Shellfish", "swelling of the lips", "severe"},
	{"Iodinated contrast", "hives", "unknown"},
}

// vaccines given in the demo charts.
var vaccines = []struct{ Name, Dose, Site string }{
	{"Influenza (inactivated)", "1 of 1", "left deltoid"},
	{"Tdap", "booster", "right deltoid"},
	{"Pneumococcal conjugate (PCV20)", "1 of 1", "left deltoid"},
	{"Hepatitis B", "1 of 3", "right deltoid"},
	{"MMR", "2 of 2", "left thigh"},
	{"COVID-19 mRNA", "booster", "left deltoid"},
	{"Zoster recombinant", "1 of 2", "right deltoid"},
}

// document titles by category.
var docTitles = map[string][]string{
	"identity":       {"Identity card", "Passport copy"},
	"insurance":      {"Insurance card", "Insurance authorisation"},
	"consent":        {"Consent to treatment", "Consent to share records"},
	"correspondence": {"Change of address letter", "Appointment letter"},
	"referral":       {"Referral to cardiology", "Referral to physiotherapy"},
	"lab":            {"Full blood count", "HbA1c result", "Lipid panel"},
	"imaging":        {"Chest X-ray report", "Knee X-ray report"},
	"letter":         {"Discharge letter", "Specialist letter"},
	"prescription":   {"Prescription copy"},
	"clinical":       {"ECG tracing", "Spirometry printout"},
}

// demoPDF is a one-page PDF that says it is demonstration content. It holds
// no patient data: only the document's title and number.
func demoPDF(title string, n int) []byte {
	esc := strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`)
	text := fmt.Sprintf("BT /F1 18 Tf 72 720 Td (%s) Tj 0 -28 Td /F1 11 Tf (Chartkeeper demonstration document %d. Invented content, not a real record.) Tj ET",
		esc.Replace(asciiOnly(title)), n)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(text), text),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

func asciiOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
}

// demoPNG is a small grey "scan": a page with a few lines of pretend text,
// drawn from r so that each one differs.
func demoPNG(r *rand.Rand) []byte {
	const w, h = 170, 220
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 0xf4 - uint8(r.IntN(6))
	}
	for y := 20; y < h-20; y += 9 {
		end := 20 + r.IntN(w-40)
		if y == 20 {
			end = w / 2 // a heading
		}
		for x := 15; x < end; x++ {
			if r.IntN(7) != 0 {
				img.SetGray(x, y, color.Gray{Y: 0x30})
				img.SetGray(x, y+1, color.Gray{Y: 0x50})
			}
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img) // writing to memory cannot fail
	return b.Bytes()
}
