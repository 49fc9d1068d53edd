package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"chartkeeper/chart"
	"chartkeeper/internal/words"
	"chartkeeper/store"
)

// runPatientAdd registers a patient. Likely duplicates are printed as
// warnings first; the new MRN is the last line, alone, for scripts.
func runPatientAdd(e *env, args []string) error {
	fs := e.flags()
	sf := addStoreFlags(fs)
	family := fs.String("family", "", "the family `name`")
	given := fs.String("given", "", "the given `name`")
	dob := fs.String("dob", "", "the birth `date`, YYYY-MM-DD")
	sex := fs.String("sex", "", "`sex` as registered: female, male, other or unknown")
	phone := fs.String("phone", "", "a phone `number`")
	preferred := fs.String("preferred", "", "the `name` they prefer to be called by")
	if _, err := e.parseExact(fs, args); err != nil {
		return err
	}
	switch {
	case *family == "":
		return usagef("missing --family NAME")
	case *given == "":
		return usagef("missing --given NAME")
	case *dob == "":
		return usagef("missing --dob YYYY-MM-DD")
	case *sex == "":
		return usagef("missing --sex (female, male, other or unknown)")
	}
	sx, err := chart.ParseSex(*sex)
	if err != nil {
		return usagef("--sex must be female, male, other or unknown, not %q", *sex)
	}
	svc, done, err := e.openService(sf)
	if err != nil {
		return err
	}
	defer done()
	p, dups, err := svc.RegisterPatient(chart.Patient{Family: *family, Given: *given, Preferred: *preferred,
		DOB: *dob, Sex: sx, Phone: *phone})
	if err != nil {
		return err
	}
	for _, d := range dups {
		fmt.Fprintf(e.stdout, "warning: likely duplicate of MRN %s %s, born %s\n", d.MRN, d.Name(), d.DOB)
	}
	fmt.Fprintln(e.stdout, p.MRN)
	return nil
}

// runPatientFind prints one line per match: MRN, name, birth date.
func runPatientFind(e *env, args []string) error {
	fs := e.flags()
	sf := addStoreFlags(fs)
	limit := fs.Int("limit", 50, "print at most `n` patients")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	query := strings.TrimSpace(strings.Join(pos, " "))
	if query == "" {
		return usagef("missing QUERY: a name or its beginning, a birth date, an MRN or a phone number")
	}
	if *limit < 1 {
		return usagef("--limit must be at least 1")
	}
	svc, done, err := e.openService(sf)
	if err != nil {
		return err
	}
	defer done()
	hits, err := svc.Find(query, *limit)
	if err != nil {
		return err
	}
	if len(hits) == 0 {
		fmt.Fprintf(e.stderr, "No patient matches %q.\n", query)
		return nil
	}
	w, flush := e.columns()
	defer flush()
	for _, h := range hits {
		fmt.Fprintf(w, "%s\t%s\t%s\n", h.MRN, field(h.Name()), h.DOB)
	}
	return nil
}

// runPatientShow prints a patient's chart as far as the signed-in user's
// role reaches, and says what it leaves out.
func runPatientShow(e *env, args []string) error {
	fs := e.flags()
	sf := addStoreFlags(fs)
	mrnFlag := fs.String("mrn", "", "the patient's medical record `number`")
	glass := fs.String("break-glass", "", "open the whole chart beyond your role, giving the `reason` (audited, flagged for review)")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	mrn, err := mrnFlagOrArg(*mrnFlag, pos)
	if err != nil {
		return err
	}
	svc, done, err := e.openService(sf)
	if err != nil {
		return err
	}
	defer done()
	id, err := svc.PatientByMRN(mrn)
	if err != nil {
		return err
	}
	var until time.Time
	if *glass != "" {
		g, err := svc.OpenBreakGlass(id, *glass)
		if err != nil {
			return err
		}
		until = g.Until
	}
	c, err := svc.OpenChart(id)
	if err != nil {
		return err
	}
	if c.Patient.MRN != mrn {
		fmt.Fprintf(e.stdout, "MRN %s was merged into MRN %s; this is that chart.\n\n", mrn, c.Patient.MRN)
	}
	printChart(e.stdout, c, time.Now())
	if c.BreakGlass {
		if until.IsZero() { // a grant opened earlier, still running
			until = svc.BreakGlassUntil(id)
		}
		fmt.Fprintf(e.stdout, "\nOpened with break-glass access until %s. This access is recorded and will be reviewed.\n",
			until.Local().Format("2006-01-02 15:04"))
	}
	if len(c.Hidden) > 0 {
		var what []string
		for _, h := range c.Hidden {
			if h == "clinical" {
				h = "the clinical chart (problems, allergies, medications, visits, vital signs, immunizations)"
			}
			what = append(what, h)
		}
		fmt.Fprintf(e.stdout, "\nNot shown to your role (%s): %s.\n", roleOf(svc).Title(), strings.Join(what, "; "))
		if svc.Store().Holds(store.CompartmentClinical) {
			fmt.Fprintf(e.stdout, "In an emergency, open them with --break-glass \"REASON\": the access is audited and reviewed.\n")
		} else {
			fmt.Fprintf(e.stdout, "Your keys do not reach them: in an emergency, ask a clinician or a health information manager.\n")
		}
	}
	return nil
}

// printChart writes a chart for a person to read.
func printChart(w io.Writer, c *chart.Chart, now time.Time) {
	p := c.Patient
	kv := func(k, v string) {
		if strings.TrimSpace(v) != "" {
			fmt.Fprintf(w, "%-18s %s\n", k+":", v)
		}
	}
	kv("MRN", p.MRN)
	kv("Name", p.Name())
	kv("Middle name", p.Middle)
	kv("Preferred name", p.Preferred)
	born := p.DOB
	if day, ok := chart.AgeOn(p.Deceased, p.DeceasedDate, now); ok {
		if age := chart.Age(p.DOB, day); age >= 0 {
			born = fmt.Sprintf("%s (age %d)", p.DOB, age)
		}
	}
	kv("Born", born)
	switch {
	case p.DeceasedDate != "":
		kv("Died", p.DeceasedDate)
	case p.Deceased:
		kv("Died", "yes, date not known")
	}
	kv("Sex", string(p.Sex))
	kv("Phone", p.Phone)
	kv("E-mail", p.Email)
	kv("Language", p.Language)
	a := p.Address
	kv("Address", joinNonEmpty(", ", a.Line, a.City, joinNonEmpty(" ", a.Region, a.PostalCode), a.Country))
	if ec := p.Emergency; ec.Name != "" || ec.Phone != "" {
		name := ec.Name
		if ec.Relation != "" {
			name += " (" + ec.Relation + ")"
		}
		kv("Emergency contact", joinNonEmpty(", ", name, ec.Phone))
	}
	for _, id := range p.Identifiers {
		kv("Identifier", id.System+" "+id.Value)
	}
	for _, m := range c.Merged {
		kv("Merged in", fmt.Sprintf("MRN %s, %s, born %s", m.MRN, m.Name(), m.DOB))
	}

	if !hidden(c, "clinical") {
		section(w, "Problems", len(c.Problems))
		for _, x := range c.Problems {
			code := "-"
			if x.Code != "" {
				code = chart.CodeText(x.Code)
			}
			fmt.Fprintf(w, "  %-8s %s; %s%s\n", code, x.Description, x.Status, prefixed(", since ", x.Onset))
			if x.Note != "" {
				fmt.Fprintf(w, "           %s\n", x.Note)
			}
		}
		section(w, "Allergies", len(c.Allergies))
		for _, x := range c.Allergies {
			fmt.Fprintf(w, "  %s%s; %s; %s\n", x.Substance, prefixed(": ", x.Reaction), x.Severity, x.Status)
		}
		section(w, "Medications", len(c.Medications))
		for _, x := range c.Medications {
			when := prefixed("since ", x.Start)
			if x.Stop != "" {
				when = joinNonEmpty(" ", prefixed("from ", x.Start), "to "+x.Stop)
			}
			fmt.Fprintf(w, "  %s%s\n", joinNonEmpty(" ", x.Name, x.Dose, x.Route, x.Frequency), prefixed("; ", when))
		}
		section(w, "Visits, newest first", len(c.Visits))
		for _, v := range c.Visits {
			state := "not signed"
			if v.ImportedFrom != "" {
				state = v.ImportedLine()
			} else if v.Signed {
				state = fmt.Sprintf("signed by %s on %s", v.SignedBy, v.SignedAt.Local().Format("2006-01-02"))
			}
			fmt.Fprintf(w, "  %s  %s; %s; %s\n", v.Date, v.Reason, v.Clinician, state)
			if len(v.Diagnoses) > 0 {
				var ds []string
				for _, d := range v.Diagnoses {
					s := chart.CodeText(d.Code) + prefixed(" ", d.Description)
					if d.Primary {
						s += " (primary)"
					}
					ds = append(ds, s)
				}
				fmt.Fprintf(w, "      Diagnoses: %s\n", strings.Join(ds, "; "))
			} else if v.Signed {
				fmt.Fprintf(w, "      Diagnoses: not coded yet\n")
			}
			for _, pr := range v.Procedures {
				fmt.Fprintf(w, "      Procedure: %s\n", joinNonEmpty(" ", pr.Code, pr.Description))
			}
			for _, part := range []struct{ k, v string }{{"S", v.Subjective}, {"O", v.Objective}, {"A", v.Assessment}, {"P", v.Plan}} {
				if strings.TrimSpace(part.v) != "" {
					fmt.Fprintf(w, "      %s: %s\n", part.k, indent(part.v, "         "))
				}
			}
			for _, am := range c.AmendmentsOf(v.ID) {
				fmt.Fprintf(w, "      Amendment by %s on %s (%s): %s\n", am.Author, am.At.Local().Format("2006-01-02"), am.Reason, indent(am.Text, "         "))
			}
		}
		section(w, "Vital signs, newest first", len(c.Vitals))
		for _, v := range c.Vitals {
			var m []string
			if v.Systolic != 0 {
				m = append(m, fmt.Sprintf("BP %d/%d mmHg", v.Systolic, v.Diastolic))
			}
			if v.Pulse != 0 {
				m = append(m, fmt.Sprintf("pulse %d/min", v.Pulse))
			}
			if v.TempC != 0 {
				m = append(m, fmt.Sprintf("%.1f °C", v.TempC))
			}
			if v.SpO2 != 0 {
				m = append(m, fmt.Sprintf("SpO2 %d%%", v.SpO2))
			}
			if v.WeightKg != 0 {
				m = append(m, fmt.Sprintf("%.1f kg", v.WeightKg))
			}
			if v.HeightCm != 0 {
				m = append(m, fmt.Sprintf("%.0f cm", v.HeightCm))
			}
			if b := v.BMI(); b != 0 {
				m = append(m, fmt.Sprintf("BMI %.1f", b))
			}
			fmt.Fprintf(w, "  %s  %s\n", v.Taken.Local().Format("2006-01-02 15:04"), strings.Join(m, ", "))
		}
		section(w, "Immunizations", len(c.Immunizations))
		for _, x := range c.Immunizations {
			fmt.Fprintf(w, "  %s  %s\n", x.Date, joinNonEmpty(", ", x.Vaccine, prefixed("dose ", x.Dose), prefixed("lot ", x.Lot), x.Site))
		}
		section(w, "Procedures, newest first", len(c.Procedures))
		for _, x := range c.Procedures {
			fmt.Fprintf(w, "  %s  %s; %s\n", x.Date, x.Text, x.Status)
		}
		section(w, "Results, newest first", len(c.Results))
		for _, x := range c.Results {
			fmt.Fprintf(w, "  %s  %s: %s%s%s\n", x.Taken.Local().Format("2006-01-02 15:04"), x.Name, x.ValueText(),
				prefixed(" (range ", x.RangeShown()+map[bool]string{true: ")"}[x.RangeShown() != ""]), prefixed(" ", x.Flag))
		}
		section(w, "Notes and reports, newest first", len(c.Reports))
		for _, x := range c.Reports {
			fmt.Fprintf(w, "  %s  %s (%s, %s)\n", x.Date, x.Title, x.Kind, x.Status)
		}
	}
	section(w, "Documents", len(c.Documents))
	for _, d := range c.Documents {
		cat := d.Category
		if k, ok := chart.CategoryByName(d.Category); ok {
			cat = k.Title
		}
		pages := ""
		if d.Pages > 0 {
			pages = ", " + words.Plural(d.Pages, "page")
		}
		fmt.Fprintf(w, "  %s  %s%s (%s%s, %s)\n", d.ClinicalDate, cat, prefixed(": ", d.Title), d.ContentType, pages, shortSize(d.Size))
	}
}

func hidden(c *chart.Chart, section string) bool {
	for _, h := range c.Hidden {
		if h == section {
			return true
		}
	}
	return false
}

func section(w io.Writer, title string, n int) {
	if n == 0 {
		fmt.Fprintf(w, "\n%s: none recorded\n", strings.TrimSuffix(title, ", newest first"))
		return
	}
	fmt.Fprintf(w, "\n%s (%d):\n", title, n)
}

func prefixed(prefix, s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	return prefix + s
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			out = append(out, strings.TrimSpace(p))
		}
	}
	return strings.Join(out, sep)
}

// indent continues a multi-line text under its first line.
func indent(s, pad string) string {
	return strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n"+pad)
}

// shortSize is a size for a list: "612 bytes", "1.4 MB".
func shortSize(n int64) string {
	s := byteSize(n)
	if i := strings.Index(s, " ("); i > 0 {
		return s[:i]
	}
	return s
}
