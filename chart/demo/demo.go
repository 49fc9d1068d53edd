// Package demo fills a practice with invented patients and charts, for
// evaluation, demonstrations and benchmarks ("ckadmin demo").
//
// Every patient comes from [synth] (names in Latin with and without
// accents, Greek, Cyrillic, Arabic and CJK scripts; 555 phone numbers),
// and a few take names in Hebrew, Devanagari, Ethiopic, Thai, Korean and
// Vietnamese instead.
// A share of them also get clinical content: problems with real ICD-10-CM
// codes, allergies, medications, visits (most signed, some signed without
// diagnosis codes for the coders' queue, some left unsigned), vital signs,
// laboratory results (HbA1c, glucose, cholesterol with LOINC codes and
// reference ranges, a history of them for diabetes and hyperlipidemia),
// immunizations and scanned documents, most filed into the chart and a few
// left in the inbox. Nothing is real, and the same seed gives the same
// practice (only dates move with the day it runs).
//
// # Who does the work
//
// Chartkeeper's roles hold for demo data too: the service acts as whoever
// is signed in to the store, and every record and audit entry names them.
// Fill does each part of the work as the role that would do it in a clinic:
//
//   - front desk: registers the patients and files the scanned documents;
//   - clinician: writes problems, allergies, medications, visits, vitals,
//     laboratory results and immunizations, and signs visit notes;
//   - medical coder: codes some of the signed visits.
//
// [Options.As] switches the store to a user of a role (ckadmin signs demo
// users in and out with [store.Store.Unlock]); Fill calls it once per part,
// only when the role changes, and leaves the last user signed in. Without
// As, the signed-in user does everything, which only a clinician may (front
// desk staff and HIM managers may still register patients alone, with
// Clinical set negative); Fill checks that before it writes anything.
package demo

import (
	"bytes"
	"cmp"
	"fmt"
	"math/rand/v2"
	"time"

	"chartkeeper/chart"
	"chartkeeper/chart/synth"
	"chartkeeper/store"
)

// everyScript are made-up names ("Test", "Trial" and common given names)
// in the scripts synth does not write. The first plain-Latin people of
// every demo practice (after its first person) take them, so the screens and printouts show names in
// Hebrew, Devanagari (Hindi and Nepali), Ethiopic (Amharic), Thai, Korean
// and Vietnamese too.
var everyScript = []struct{ family, given, sex, language, script string }{
	{"בדיקה", "נועה", "female", "Hebrew", "hebrew"},
	{"परीक्षण", "प्रिया", "female", "Hindi", "devanagari"},
	{"ሙከራ", "ሰላም", "female", "Amharic", "ethiopic"},
	{"ทดสอบ", "สมชาย", "male", "Thai", "thai"},
	{"시험", "민준", "male", "Korean", "korean"},
	{"Thử Nghiệm", "Nguyễn Thị Ánh", "female", "Vietnamese", "latin-accented"},
	{"परीक्षा", "सृष्टि", "female", "Nepali", "devanagari"},
}

// Options says what Fill makes and who makes it.
type Options struct {
	// Patients is how many patients to register.
	Patients int
	// Seed makes the practice: the same seed, the same people and charts.
	Seed uint64
	// Clinical is how many of the patients get clinical content and
	// documents, spread evenly over them. Zero means the default: every
	// patient up to 200, else one in five (so 100,000 patients take minutes,
	// not hours). Negative means none: patients only.
	Clinical int
	// Progress, if set, is called as the work advances: done of total
	// steps (one per patient registered, chart written, visit coded and
	// document stored).
	Progress func(done, total int)
	// As, if set, signs in a user of the given role; Fill does each part of
	// the work as the role that would do it (see the package documentation).
	// Without it the signed-in user does everything.
	As func(role store.Role) error
	// Today is the day the practice is made on; zero means now. Visits and
	// other dates lie before it.
	Today time.Time
}

// Stats counts what Fill made.
type Stats struct {
	Patients int
	Scripts  map[string]int // patients by the script of their names, as synth names them
	Charts   int            // patients given clinical content

	Problems, Allergies, Medications, Vitals, Immunizations int
	Results                                                 int // laboratory results
	NoKnownAllergies                                        int // charts where a clinician recorded "No known allergies"

	Visits   int // every visit
	Signed   int // visits signed
	Coded    int // visits with diagnosis codes (by the clinician or a coder)
	Unsigned int // visits left unsigned (the unsigned-notes worklist)
	Uncoded  int // signed visits left without codes (the coders' queue)

	Documents int // documents filed into charts
	Inbox     int // documents left in the inbox to be filed
}

// DefaultClinical is how many of n patients get clinical content by default.
func DefaultClinical(n int) int {
	if n <= 200 {
		return n
	}
	return (n + 4) / 5
}

// maxInbox bounds the documents left unfiled: an inbox of a few.
const maxInbox = 20

// importBatch is how many patients one ImportPatients call registers.
const importBatch = 5000

// Fill registers o.Patients invented patients in svc's practice and writes
// clinical content for some of them. It returns what it made; on an error
// what was written so far stays.
func Fill(svc *chart.Service, o Options) (Stats, error) {
	st := Stats{Scripts: map[string]int{}}
	if o.Patients < 0 {
		return st, fmt.Errorf("%w: demo: a negative number of patients", store.ErrInvalid)
	}
	today := o.Today
	if today.IsZero() {
		today = time.Now()
	}
	nClinical := o.Clinical
	switch {
	case nClinical == 0:
		nClinical = DefaultClinical(o.Patients)
	case nClinical < 0:
		nClinical = 0
	case nClinical > o.Patients:
		nClinical = o.Patients
	}
	f := &filler{svc: svc, o: o, today: dateOf(today), now: today, stats: &st}
	if err := f.checkRoles(nClinical > 0); err != nil {
		return st, err
	}
	f.codes = f.usableCodes()

	// Plan everything first, so that progress knows its total and every
	// random draw is fixed by the seed alone.
	gen := synth.NewAt(o.Seed, today)
	people := make([]synth.Person, o.Patients)
	patients := make([]chart.Patient, o.Patients)
	other := 0
	for i := range people {
		sp := gen.Person()
		if i > 0 && sp.Script == "latin" && other < len(everyScript) {
			// a plain Latin person, after the first, takes one of the
			// names in the scripts synth does not write, so every practice
			// shows them too; the seed's first person stays as synth made
			// them
			n := everyScript[other]
			sp.Family, sp.Given, sp.Preferred, sp.Sex, sp.Language, sp.Script = n.family, n.given, "", n.sex, n.language, n.script
			other++
		}
		people[i] = sp
		patients[i] = chart.Patient{Family: sp.Family, Given: sp.Given, Preferred: sp.Preferred,
			DOB: sp.DOB.Format(dateLayout), Sex: chart.Sex(sp.Sex), Phone: sp.Phone, Language: sp.Language}
	}
	var plans []*chartPlan
	for i := range people {
		if nClinical > 0 && i*nClinical%o.Patients < nClinical {
			plans = append(plans, f.plan(i, people[i]))
		}
	}
	f.assignVisitKinds(plans)
	f.total = o.Patients + len(plans)
	for _, p := range plans {
		f.total += len(p.docs)
		for _, v := range p.visits {
			if v.coderCodes != nil {
				f.total++
			}
		}
	}
	f.inboxDocs = f.planInbox(plans)
	f.total += len(f.inboxDocs)

	// Front desk: registration.
	if err := f.as(store.RoleFrontDesk); err != nil {
		return st, err
	}
	for start := 0; start < len(patients); start += importBatch {
		batch := patients[start:min(start+importBatch, len(patients))]
		done, err := svc.ImportPatients(batch, "")
		if err != nil {
			return st, fmt.Errorf("demo: registering patients: %w", err)
		}
		copy(batch, done)
		for _, sp := range people[start : start+len(batch)] {
			st.Scripts[sp.Script]++
		}
		st.Patients += len(batch)
		f.step(len(batch))
	}
	for _, p := range plans {
		p.bind(patients[p.index])
	}

	// Clinician: the charts.
	if len(plans) > 0 {
		if err := f.as(store.RoleClinician); err != nil {
			return st, err
		}
	}
	for _, p := range plans {
		if err := f.writeChart(p); err != nil {
			return st, fmt.Errorf("demo: the chart of MRN %s: %w", p.patient.MRN, err)
		}
		st.Charts++
		f.step(1)
	}

	// Medical coder: codes for half of the signed visits the clinician left
	// uncoded; the other half stay in the coders' queue.
	var coding []*visitPlan
	for _, p := range plans {
		for _, v := range p.visits {
			if v.coderCodes != nil {
				coding = append(coding, v)
			}
		}
	}
	if len(coding) > 0 {
		if err := f.as(store.RoleCoder); err != nil {
			return st, err
		}
	}
	for _, v := range coding {
		if _, err := svc.SetVisitCodes(v.v.ID, v.v.Rev, v.coderCodes, nil); err != nil {
			return st, fmt.Errorf("demo: coding a visit: %w", err)
		}
		st.Coded++
		st.Uncoded--
		f.step(1)
	}

	// Front desk: scanned paper, filed and unfiled.
	if len(plans) > 0 {
		if err := f.as(store.RoleFrontDesk); err != nil {
			return st, err
		}
	}
	for _, p := range plans {
		for _, d := range p.docs {
			if err := f.addDocument(d); err != nil {
				return st, fmt.Errorf("demo: a document for MRN %s: %w", p.patient.MRN, err)
			}
			st.Documents++
			f.step(1)
		}
	}
	for _, d := range f.inboxDocs {
		if err := f.addDocument(d); err != nil {
			return st, fmt.Errorf("demo: a document for the inbox: %w", err)
		}
		st.Inbox++
		f.step(1)
	}
	return st, nil
}

const dateLayout = "2006-01-02"

// filler is one run of Fill.
type filler struct {
	svc       *chart.Service
	o         Options
	today     time.Time // midnight UTC of the local date, like chart's dates
	now       time.Time
	stats     *Stats
	codes     map[string]bool // usable codes (with their dot)
	role      store.Role      // the role As last signed in
	done      int
	total     int
	inboxDocs []*docPlan
	docNo     int
}

func (f *filler) step(n int) {
	f.done += n
	if f.o.Progress != nil {
		f.o.Progress(f.done, f.total)
	}
}

// as makes a user of role the signed-in one, through Options.As.
func (f *filler) as(role store.Role) error {
	if f.o.As == nil || f.role == role {
		return nil
	}
	if err := f.o.As(role); err != nil {
		return fmt.Errorf("demo: signing in as %s: %w", role.Title(), err)
	}
	u, err := f.svc.Store().CurrentUser()
	if err != nil {
		return err
	}
	if u.Role != role {
		return fmt.Errorf("demo: %w: Options.As was to sign in a %s, but %s is a %s", store.ErrInvalid, role.Title(), u.Username, u.Role.Title())
	}
	f.role = role
	return nil
}

// checkRoles refuses, before anything is written, a run without Options.As
// whose signed-in user may not do all of it.
func (f *filler) checkRoles(clinical bool) error {
	if f.o.As != nil {
		return nil
	}
	u, err := f.svc.Store().CurrentUser()
	if err != nil {
		return err
	}
	need := []chart.Action{chart.WriteDemographics}
	if clinical {
		need = append(need, chart.WriteClinical, chart.SignVisit, chart.WriteCodes, chart.FileDocuments)
	}
	for _, a := range need {
		if !chart.Allowed(u.Role, a) {
			return fmt.Errorf("demo data with clinical content is written by a clinician, or by users of each role through Options.As: %w",
				&chart.PermissionError{Role: u.Role, Action: a})
		}
	}
	return nil
}

// usableCodes is the built-in codes the practice accepts: all of them
// without an imported code table, else those in it.
func (f *filler) usableCodes() map[string]bool {
	ok := map[string]bool{}
	table := false
	for c := 'A'; c <= 'Z' && !table; c++ {
		table = len(f.svc.SearchCodes(string(c), 1)) > 0
	}
	for _, c := range conditions {
		if !table {
			ok[c.Code] = true
			continue
		}
		want := undot(c.Code)
		for _, hit := range f.svc.SearchCodes(want, 1) {
			if hit.Code == want {
				ok[c.Code] = true
			}
		}
	}
	return ok
}

func undot(code string) string {
	out := make([]byte, 0, len(code))
	for i := 0; i < len(code); i++ {
		if code[i] != '.' {
			out = append(out, code[i])
		}
	}
	return string(out)
}

// dateOf is t's local calendar date as midnight UTC.
func dateOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// chartPlan is what one patient's chart will hold.
type chartPlan struct {
	index   int // the patient's place in the import
	patient chart.Patient
	r       *rand.Rand

	problems  []*chart.Problem
	allergies []*chart.Allergy
	nka       bool // "No known allergies" recorded
	meds      []*chart.Medication
	visits    []*visitPlan
	imms      []*chart.Immunization
	labs      []*chart.Result
	docs      []*docPlan
}

type visitPlan struct {
	v          chart.Visit
	cond       *condition
	others     []*condition      // the patient's other problems, for secondary codes
	sign       bool              // the clinician signs it
	codes      []chart.Diagnosis // the clinician codes it
	coderCodes []chart.Diagnosis // a coder codes it after signing
	vitals     *chart.Vitals
}

type docPlan struct {
	d     chart.Document
	png   bool
	seed  uint64
	title string
}

// bind gives every record of the plan its patient, once registered.
func (p *chartPlan) bind(pt chart.Patient) {
	p.patient = pt
	for _, x := range p.problems {
		x.Patient = pt.ID
	}
	for _, x := range p.allergies {
		x.Patient = pt.ID
	}
	for _, x := range p.meds {
		x.Patient = pt.ID
	}
	for _, x := range p.visits {
		x.v.Patient = pt.ID
		if x.vitals != nil {
			x.vitals.Patient = pt.ID
		}
	}
	for _, x := range p.imms {
		x.Patient = pt.ID
	}
	for _, x := range p.labs {
		x.Patient = pt.ID
	}
	for _, x := range p.docs {
		x.d.Patient = pt.ID
	}
}

// day draws a date between lo and hi (both included; lo when hi < lo).
func day(r *rand.Rand, lo, hi time.Time) time.Time {
	n := int(hi.Sub(lo).Hours() / 24)
	if n <= 0 {
		return lo
	}
	return lo.AddDate(0, 0, r.IntN(n+1))
}

// plan draws the chart of patient i.
func (f *filler) plan(i int, sp synth.Person) *chartPlan {
	r := rand.New(rand.NewPCG(f.o.Seed, 0x64656d6f<<20|uint64(i)))
	p := &chartPlan{index: i, r: r}
	dob := dateOf(sp.DOB)
	yesterday := f.today.AddDate(0, 0, -1)
	if dob.After(yesterday) {
		dob = yesterday
	}
	age := chart.Age(sp.DOB.Format(dateLayout), f.today)

	// Problems: chronic conditions that fit the age.
	var chronic, acute []*condition
	for k := range conditions {
		c := &conditions[k]
		switch {
		case c.Chronic && age >= minAge(c):
			chronic = append(chronic, c)
		case !c.Chronic && (c.Code != "Z00.00" || age >= 18):
			acute = append(acute, c)
		}
	}
	var mine []*condition
	want := 1 + r.IntN(3)
	if age < 18 {
		want = r.IntN(2)
	}
	for _, k := range r.Perm(len(chronic)) {
		if len(mine) == want {
			break
		}
		mine = append(mine, chronic[k])
	}
	onsets := map[*condition]time.Time{}
	for _, c := range mine {
		// mostly before the visits, which cover the last three years
		onset := day(r, maxTime(dob.AddDate(minAge(c), 0, 0), f.today.AddDate(-15, 0, 0)), f.today.AddDate(-3, 0, -30))
		if onset.Before(dob) || onset.After(yesterday) {
			onset = dob
		}
		onsets[c] = onset
		pr := &chart.Problem{Description: c.Description, Onset: onset.Format(dateLayout), Status: "active"}
		if f.codes[c.Code] {
			pr.Code = c.Code
		}
		p.problems = append(p.problems, pr)
		if c.Med != nil {
			p.meds = append(p.meds, &chart.Medication{Name: c.Med.Name, Dose: c.Med.Dose, Route: c.Med.Route,
				Frequency: c.Med.Frequency, Start: onset.Format(dateLayout)})
		}
	}

	// Allergies: half have none; of those, three in five have "No known
	// allergies" recorded, the others nothing yet.
	nAllergies := 0
	switch k := r.IntN(10); {
	case k >= 8:
		nAllergies = 2
	case k >= 5:
		nAllergies = 1
	case k >= 2:
		p.nka = true
	}
	for _, k := range r.Perm(len(allergies))[:nAllergies] {
		a := allergies[k]
		p.allergies = append(p.allergies, &chart.Allergy{Substance: a.Substance, Reaction: a.Reaction, Severity: a.Severity, Status: "active"})
	}

	// Visits over the last three years, oldest first, with vital signs.
	first := maxTime(dob, f.today.AddDate(-3, 0, 0))
	nVisits := 1 + r.IntN(3)
	var dates []time.Time
	for range nVisits {
		dates = append(dates, day(r, first, yesterday))
	}
	sortTimes(dates)
	body := newBody(r, age)
	for _, d := range dates {
		var known []*condition // the problems the patient has by then
		for _, c := range mine {
			if !onsets[c].After(d) {
				known = append(known, c)
			}
		}
		c := acute[r.IntN(len(acute))]
		if len(known) > 0 && r.IntN(2) == 0 {
			c = known[r.IntN(len(known))]
		}
		vp := &visitPlan{cond: c, v: chart.Visit{Date: d.Format(dateLayout), Reason: c.Reason, Subjective: c.Subjective,
			Objective: objective(r, age), Assessment: c.Assessment, Plan: c.Plan}}
		for _, o := range known {
			if o != c {
				vp.others = append(vp.others, o)
			}
		}
		vp.vitals = body.vitals(r, d)
		if !c.Chronic && c.Med != nil {
			p.meds = append(p.meds, &chart.Medication{Name: c.Med.Name, Dose: c.Med.Dose, Route: c.Med.Route,
				Frequency: c.Med.Frequency, Start: d.Format(dateLayout), Stop: d.AddDate(0, 0, 5).Format(dateLayout)})
		}
		p.visits = append(p.visits, vp)
	}

	p.labs = labResults(rand.New(rand.NewPCG(f.o.Seed, 0x6c616273<<20|uint64(i))), age, mine, dates)

	// Immunizations: none to two.
	for _, k := range r.Perm(len(vaccines))[:r.IntN(3)] {
		v := vaccines[k]
		p.imms = append(p.imms, &chart.Immunization{Vaccine: v.Name, Dose: v.Dose, Site: v.Site,
			Date: day(r, maxTime(dob, f.today.AddDate(-10, 0, 0)), yesterday).Format(dateLayout),
			Lot:  fmt.Sprintf("DEMO%04d", r.IntN(10000))})
	}

	// Scanned paper filed into the chart: none to two documents.
	for range r.IntN(3) {
		cat := chart.Categories[r.IntN(len(chart.Categories))]
		p.docs = append(p.docs, f.newDoc(r, cat.Name, day(r, maxTime(dob, f.today.AddDate(-3, 0, 0)), yesterday)))
	}
	return p
}

func (f *filler) newDoc(r *rand.Rand, category string, date time.Time) *docPlan {
	titles := docTitles[category]
	if len(titles) == 0 {
		titles = []string{"Scanned document"}
	}
	f.docNo++
	dp := &docPlan{png: r.IntN(2) == 0, seed: r.Uint64(), title: titles[r.IntN(len(titles))]}
	dp.d = chart.Document{Title: dp.title, Category: category, ClinicalDate: date.Format(dateLayout), Pages: 1}
	if category == "" {
		dp.d.Title, dp.d.ClinicalDate = "", ""
	}
	ext := ".pdf"
	dp.d.ContentType = "application/pdf"
	if dp.png {
		ext, dp.d.ContentType = ".png", "image/png"
	}
	dp.d.Source = fmt.Sprintf("scan-%06d%s", f.docNo, ext)
	return dp
}

// planInbox picks the documents left unfiled: one for every tenth chart,
// at most maxInbox, at least one when there are charts.
func (f *filler) planInbox(plans []*chartPlan) []*docPlan {
	var out []*docPlan
	for j, p := range plans {
		if j%10 == 0 && len(out) < maxInbox {
			d := f.newDoc(p.r, "", time.Time{})
			out = append(out, d)
		}
	}
	return out
}

// assignVisitKinds decides, across all charts so that every kind appears
// even in a small practice, which visits are signed and coded: of every
// five, three are signed with codes, one signed without (of those, every
// second is coded later by a coder) and one left unsigned.
func (f *filler) assignVisitKinds(plans []*chartPlan) {
	k, uncoded := 0, 0
	for _, p := range plans {
		for _, v := range p.visits {
			codes := f.diagnoses(p.r, v)
			switch k % 5 {
			case 0, 1, 2:
				v.sign, v.codes = true, codes
			case 3:
				v.sign = true
				if uncoded%2 == 1 {
					v.coderCodes = codes
				}
				uncoded++
			case 4:
				if p.r.IntN(2) == 0 {
					v.codes = codes
				}
			}
			k++
		}
	}
}

// diagnoses codes a visit: its condition as the primary diagnosis and, now
// and then, another of the patient's problems. Nil when the practice's code
// table has none of them.
func (f *filler) diagnoses(r *rand.Rand, v *visitPlan) []chart.Diagnosis {
	var ds []chart.Diagnosis
	if f.codes[v.cond.Code] {
		ds = append(ds, chart.Diagnosis{Code: v.cond.Code, Description: v.cond.Description, Primary: true})
	}
	if len(v.others) > 0 && r.IntN(3) == 0 {
		o := v.others[r.IntN(len(v.others))]
		if f.codes[o.Code] {
			ds = append(ds, chart.Diagnosis{Code: o.Code, Description: o.Description, Primary: len(ds) == 0})
		}
	}
	return ds
}

// writeChart writes one chart's clinical records as the clinician.
func (f *filler) writeChart(p *chartPlan) error {
	st := f.stats
	for _, x := range p.problems {
		if err := f.svc.Save(x); err != nil {
			return fmt.Errorf("a problem: %w", err)
		}
		st.Problems++
	}
	for _, x := range p.allergies {
		if err := f.svc.Save(x); err != nil {
			return fmt.Errorf("an allergy: %w", err)
		}
		st.Allergies++
	}
	if p.nka {
		if _, err := f.svc.RecordNoKnownAllergies(p.patient.ID); err != nil {
			return fmt.Errorf("no known allergies: %w", err)
		}
		st.NoKnownAllergies++
	}
	for _, x := range p.meds {
		if err := f.svc.Save(x); err != nil {
			return fmt.Errorf("a medication: %w", err)
		}
		st.Medications++
	}
	for _, vp := range p.visits {
		vp.v.Diagnoses = vp.codes
		if err := f.svc.SaveVisit(&vp.v); err != nil {
			return fmt.Errorf("a visit: %w", err)
		}
		st.Visits++
		if vp.sign {
			v, err := f.svc.SignVisit(vp.v.ID, vp.v.Rev)
			if err != nil {
				return fmt.Errorf("signing a visit: %w", err)
			}
			vp.v = v
			st.Signed++
		} else {
			st.Unsigned++
		}
		switch {
		case len(vp.codes) > 0:
			st.Coded++
		case vp.sign:
			st.Uncoded++ // a coder may take it off the queue later
		}
		if vp.vitals != nil {
			if err := f.svc.Save(vp.vitals); err != nil {
				return fmt.Errorf("vital signs: %w", err)
			}
			st.Vitals++
		}
	}
	for _, x := range p.imms {
		if err := f.svc.Save(x); err != nil {
			return fmt.Errorf("an immunization: %w", err)
		}
		st.Immunizations++
	}
	for _, x := range p.labs {
		if err := f.svc.Save(x); err != nil {
			return fmt.Errorf("a laboratory result: %w", err)
		}
		st.Results++
	}
	return nil
}

func (f *filler) addDocument(dp *docPlan) error {
	var content []byte
	if dp.png {
		content = demoPNG(rand.New(rand.NewPCG(dp.seed, 1)))
	} else {
		content = demoPDF(cmp.Or(dp.title, "Scanned document"), int(dp.seed%100000))
	}
	_, err := f.svc.AddDocument(bytes.NewReader(content), dp.d)
	return err
}

// minAge is the youngest age at which a chronic condition is listed.
func minAge(c *condition) int {
	switch c.Code {
	case "J45.909":
		return 3
	case "G43.909", "D64.9":
		return 12
	case "F41.1", "K21.9":
		return 16
	case "E03.9":
		return 20
	case "E11.9", "I10", "E78.5":
		return 30
	case "J44.9":
		return 40
	case "M17.11":
		return 45
	case "I48.91":
		return 50
	}
	return 18
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func sortTimes(ts []time.Time) {
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && ts[j].Before(ts[j-1]); j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
}

// objective is the examination part of a note.
func objective(r *rand.Rand, age int) string {
	findings := []string{
		"Alert, comfortable. Chest clear. Heart sounds normal.",
		"Well-looking. Throat mildly red. No lymphadenopathy.",
		"Abdomen soft, non-tender. No oedema.",
		"Full range of movement. No neurological deficit.",
	}
	s := findings[r.IntN(len(findings))]
	if age < 2 {
		s += " Growth on centile."
	}
	return s
}

// body is a patient's build, so that their measurements agree from one
// visit to the next.
type body struct {
	age              int
	weightKg, height float64
}

func newBody(r *rand.Rand, age int) *body {
	b := &body{age: age}
	switch {
	case age < 1:
		b.weightKg, b.height = 3.5+float64(r.IntN(60))/10, 50+float64(r.IntN(25))
	case age < 18:
		b.weightKg, b.height = float64(8+age*3)+float64(r.IntN(80))/10, float64(75+age*6)+float64(r.IntN(10))
	default:
		b.weightKg, b.height = 50+float64(r.IntN(600))/10, 150+float64(r.IntN(40))
	}
	b.height = min(b.height, 195)
	return b
}

// vitals draws a plausible set of measurements on day d.
func (b *body) vitals(r *rand.Rand, d time.Time) *chart.Vitals {
	taken := time.Date(d.Year(), d.Month(), d.Day(), 8+r.IntN(9), r.IntN(60), 0, 0, time.Local)
	v := &chart.Vitals{Taken: taken, TempC: 36.1 + float64(r.IntN(17))/10, SpO2: 95 + r.IntN(6),
		HeightCm: b.height, WeightKg: b.weightKg + float64(r.IntN(31)-15)/10}
	switch {
	case b.age < 1:
		v.Pulse = 100 + r.IntN(50)
	case b.age < 18:
		v.Pulse = 70 + r.IntN(40)
		if b.age >= 6 {
			v.Systolic, v.Diastolic = 95+r.IntN(20), 55+r.IntN(15)
		}
	default:
		v.Pulse = 55 + r.IntN(45)
		v.Systolic, v.Diastolic = 105+r.IntN(50), 62+r.IntN(30)
	}
	return v
}
