package icd10

// common lists ICD-10-CM codes seen often in primary care, most frequent
// first, as a hand-made ranking (from the usual lists of the commonest
// office-visit diagnoses: hypertension, diabetes, lipids, checkups,
// infections, mood, pain). Search lists these before other codes that
// match a query's words equally well. It is a ranking hint, not data:
// a code missing from a practice's table is simply never matched.
var common = []string{
	"I10", "E119", "E785", "Z0000", "Z0001", "J069", "E669", "F419", "F329", "F32A",
	"J45909", "N390", "K219", "E039", "R059", "J029", "J0190", "H6690", "G4700", "E559",
	"E7800", "I2510", "I4891", "N1830", "J449", "R519", "R109", "L309", "B349", "Z23",
	"R5383", "D649", "M5450", "E6601", "E1165", "E1122", "I110", "Z7901", "R7303", "E860",
	"J209", "J189", "K5900", "R42", "R0602", "M170", "G43909", "F17210", "F411", "J3089",
	"J301", "L700", "B354", "N951", "R609", "E876",
}

// commonRank is a code's place in common, or len(common) for the others.
var commonRank = func() map[string]int {
	m := make(map[string]int, len(common))
	for i, c := range common {
		m[c] = i
	}
	return m
}()

func rankOf(code string) int {
	if r, ok := commonRank[code]; ok {
		return r
	}
	return len(common)
}

// abbreviations are the short forms clinicians type into a code search,
// searched as the words they stand for.
var abbreviations = map[string]string{
	"uti":  "urinary tract infection",
	"htn":  "hypertension",
	"dm":   "diabetes mellitus",
	"dm2":  "type 2 diabetes mellitus",
	"t2dm": "type 2 diabetes mellitus",
	"copd": "chronic obstructive pulmonary",
	"gerd": "gastro-esophageal reflux",
	"uri":  "upper respiratory infection",
	"ckd":  "chronic kidney disease",
	"chf":  "heart failure",
	"afib": "atrial fibrillation",
	"cad":  "atherosclerotic heart disease",
	"oa":   "osteoarthritis",
}

// Common is the list of codes common in primary care that Search ranks
// first, most frequent first.
func Common() []string { return append([]string(nil), common...) }
