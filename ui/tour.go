package ui

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"chartkeeper/chart"
	"chartkeeper/report"
	"chartkeeper/store"
)

// The tour opens every screen, form and dialog the signed-in user's role
// reaches, one stop at a time. The fit test measures each stop's minimum
// size, the real-window test and `make screens` drive the workstation
// through it (Script), so all three see the same screens.

// tourStop is one screen of the tour.
type tourStop struct {
	name string
	open func(t *tourState) error
}

// tourState is what the stops share: the session and the chart they open.
type tourState struct {
	s     *session
	chart string // the ID of the patient whose chart the stops open
}

// tourStops are the stops for the signed-in role, in order.
func tourStops(role store.Role) []tourStop {
	may := func(a chart.Action) bool { return chart.Allowed(role, a) }
	var out []tourStop
	add := func(name string, open func(t *tourState) error) { out = append(out, tourStop{name, open}) }

	add("home", func(t *tourState) error { t.s.goHome(); return nil })
	add("find", func(t *tourState) error {
		t.s.findFromHome()
		found, err := t.patients(1)
		if err != nil || len(found) == 0 {
			return fmt.Errorf("no patient to find: %v", err) // i18n:skip
		}
		name := []rune(found[0].Family)
		t.s.find.query.SetText(string(name[:min(2, len(name))]))
		return nil
	})
	if may(chart.WriteDemographics) {
		add("register", func(t *tourState) error { t.s.register(); return nil })
	}
	tabs := []string{"summary", "problems", "allergies", "medications", "visits", "vitals", "immunizations", "documents", "results"}
	for i, name := range tabs {
		add("chart-"+name, func(t *tourState) error { return t.chartTab(i) })
		if form := tabForms[i]; form != "" && may(chart.WriteClinical) {
			add("chart-"+name+"-form", func(t *tourState) error {
				if err := t.chartTab(i); err != nil {
					return err
				}
				sec := t.s.chart.sections[i]
				if sec == nil || sec.edit == nil {
					return errors.New("the " + name + " tab offers no form") // i18n:skip
				}
				sec.edit(-1)
				return nil
			})
		}
	}
	add("chart-document", func(t *tourState) error {
		if err := t.chartTab(tabDocuments); err != nil {
			return err
		}
		v := t.s.chart
		if len(v.c.Documents) == 0 {
			return errors.New("the chart shows no document") // i18n:skip
		}
		v.openDocument(v.c.Documents[0])
		return nil
	})
	if may(chart.WriteClinical) {
		add("chart-visit-new", func(t *tourState) error {
			if err := t.chartTab(tabVisits); err != nil {
				return err
			}
			t.s.chart.newVisit()
			return nil
		})
	}
	if may(chart.ReadClinical) {
		add("chart-visit-signed", func(t *tourState) error {
			visit, err := t.signedVisit()
			if err == nil {
				t.s.chart.showSigned(visit)
			}
			return err
		})
	}
	if may(chart.WriteCodes) {
		add("chart-visit-codes", func(t *tourState) error {
			visit, err := t.signedVisit()
			if err == nil {
				t.s.chart.codeVisit(visit)
			}
			return err
		})
	}
	if may(chart.WriteDemographics) {
		add("chart-demographics", func(t *tourState) error {
			if err := t.chartTab(tabSummary); err != nil {
				return err
			}
			t.s.chart.editDemographics()
			return nil
		})
	}
	onChart := func(do func(v *chartView)) func(t *tourState) error {
		return func(t *tourState) error {
			if err := t.chartTab(tabSummary); err != nil {
				return err
			}
			do(t.s.chart)
			return nil
		}
	}
	if may(chart.SignVisit) {
		add("chart-visit-amend", func(t *tourState) error {
			visit, err := t.signedVisit()
			if err == nil {
				t.s.chart.amend(visit)
			}
			return err
		})
	}
	if may(chart.ReadClinical) {
		add("chart-vitals-blood-pressure", func(t *tourState) error {
			if err := t.chartTab(tabVitals); err != nil {
				return err
			}
			if t.s.chart.trendChoice == nil {
				return errors.New("the vital signs tab shows no trend") // i18n:skip
			}
			t.s.chart.trendChoice.SetSelected(trendBP)
			return nil
		})
	}
	if may(chart.WriteClinical) {
		add("chart-no-known-allergies", onChart(func(v *chartView) { v.recordNoKnownAllergies() }))
	}
	add("chart-print", onChart(func(v *chartView) { v.printMenu() }))
	if may(chart.PrintClinical) {
		add("chart-print-disclosure", onChart(func(v *chartView) { v.print(chart.PrintSummary) }))
		add("chart-print-visit", onChart(func(v *chartView) { v.pickVisitToPrint() }))
	}
	if may(chart.PrintAdmin) {
		add("chart-print-cover", onChart(func(v *chartView) { v.printCover() }))
		add("chart-print-labels", onChart(func(v *chartView) { v.printLabels() }))
		add("chart-printout", onChart(func(v *chartView) {
			// What a finished printout offers; nothing is written until
			// a button is chosen.
			// The labels are made here, not through Service.Print: the
			// tour prints nothing and records nothing.
			// They are in the workstation's language and carry the
			// practice's name, as a real printout's do.
			var buf bytes.Buffer
			name := lang.L("Sample labels")
			if practice, err := v.s.ws.st.Practice(); err == nil {
				name = practice.Name
			}
			pg := report.Page{T: translateMessage, Practice: name, PrintedBy: v.s.user.Name, PrintedAt: time.Now(), Dates: showDateTime, Number: showNumber}
			if _, err := report.Labels(&buf, pg, v.c.Patient, 3); err != nil {
				fyne.LogError("making the tour's labels", err)
			}
			v.s.ws.showPrintout(&printout{title: fmt.Sprintf(lang.L("Labels for %s"), v.c.Patient.Name()), file: "labels.pdf", pdf: buf.Bytes()})
		}))
	}
	// The file dialog, as "Save a copy…" and a code table's import show
	// it; nothing is written or read.
	add("file-save", func(t *tourState) error {
		chooseFile(t.s.ws.win, true, "summary.pdf", nil, func(string) {})
		return nil
	})
	if may(chart.Administer) {
		add("file-open", func(t *tourState) error {
			chooseFile(t.s.ws.win, false, "", []string{".txt"}, func(string) {})
			return nil
		})
	}
	if may(chart.FileDocuments) {
		add("inbox", func(t *tourState) error { t.s.showInbox(); return nil })
		inboxDialog := func(do func(v *inboxView)) func(t *tourState) error {
			return func(t *tourState) error {
				t.s.showInbox()
				v := t.s.inboxv
				if len(v.docs) == 0 {
					return errors.New("the inbox is empty") // i18n:skip
				}
				v.list.Select(0)
				if do != nil {
					do(v)
				}
				return nil
			}
		}
		add("inbox-document", inboxDialog(nil))
		add("inbox-split", inboxDialog(func(v *inboxView) { v.split() }))
		add("inbox-reject", inboxDialog(func(v *inboxView) { v.reject() }))
	}
	if may(chart.Administer) {
		add("inbox-scan-folders", func(t *tourState) error { t.s.showFolderSettings(); return nil })
		add("inbox-rejected", func(t *tourState) error { t.s.showInbox(); t.s.inboxv.showRejected(); return nil })
		admin := []string{"users", "settings", "audit", "worklists", "duplicates", "sync"}
		for i, name := range admin {
			add("admin-"+name, func(t *tourState) error { return t.adminTab(i) })
		}
		add("admin-reset-password", func(t *tourState) error {
			if err := t.adminTab(adminUsers); err != nil {
				return err
			}
			t.s.adm.resetPassword(t.s.user)
			return nil
		})
		add("admin-merge", func(t *tourState) error {
			if err := t.adminTab(adminDuplicates); err != nil {
				return err
			}
			pairs, err := t.s.svc.DuplicateCandidates(1)
			if err != nil {
				return err
			}
			if len(pairs) == 0 {
				// No likely duplicates: compare two patients all the same.
				found, err := t.patients(2)
				if err != nil || len(found) < 2 {
					return fmt.Errorf("no two patients to compare: %v", err) // i18n:skip
				}
				t.s.adm.compare(found[0].ID, found[1].ID)
				return nil
			}
			t.s.adm.compare(pairs[0].A.ID, pairs[0].B.ID)
			return nil
		})
	}
	add("conflicts", func(t *tourState) error { t.s.conflictQueue(); return nil })
	return out
}

// openTourStop closes dialogs, then opens the stop named name.
func (s *session) openTourStop(t *tourState, name string) error {
	i := slices.IndexFunc(tourStops(s.user.Role), func(st tourStop) bool { return st.name == name })
	if i < 0 {
		return fmt.Errorf("no screen %q for a %s", name, s.user.Role.Title()) // i18n:skip
	}
	closeOverlays(s.ws.win)
	s.touch() // a stop is asked for on purpose: a slow run is not locked out as idle
	return tourStops(s.user.Role)[i].open(t)
}

// closeOverlays removes the window's dialogs and pop-ups.
func closeOverlays(w fyne.Window) {
	c := w.Canvas()
	for o := c.Overlays().Top(); o != nil; o = c.Overlays().Top() {
		c.Overlays().Remove(o)
	}
}

// chartTab opens the tour's chart (the one with the most records the role
// may read) at tab i.
func (t *tourState) chartTab(i int) error {
	if t.chart == "" {
		found, err := t.patients(200)
		if err != nil {
			return err
		}
		best := -1
		for _, p := range found {
			c, err := t.s.svc.OpenChart(p.ID)
			if err != nil {
				continue
			}
			n := len(c.Visits) + len(c.Problems) + len(c.Allergies) + len(c.Medications) + len(c.Documents) + len(c.Results)
			if n > best {
				best, t.chart = n, p.ID
			}
		}
		if t.chart == "" {
			return errors.New("no patient to open") // i18n:skip
		}
	}
	t.s.openChart(t.chart)
	if t.s.chart == nil {
		return errors.New("the chart did not open") // i18n:skip
	}
	t.s.chart.tabs.SelectIndex(i)
	return nil
}

// patients returns up to n patients, found by the first letter of their
// names.
func (t *tourState) patients(n int) ([]chart.PatientSummary, error) {
	var out []chart.PatientSummary
	seen := map[string]bool{}
	for c := 'a'; c <= 'z' && len(out) < n; c++ {
		found, err := t.s.svc.Find(string(c), n)
		if err != nil {
			return nil, err
		}
		for _, p := range found {
			if !seen[p.ID] && len(out) < n {
				seen[p.ID] = true
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// signedVisit opens the tour's chart at its visits and returns a signed
// visit.
func (t *tourState) signedVisit() (chart.Visit, error) {
	if err := t.chartTab(tabVisits); err != nil {
		return chart.Visit{}, err
	}
	for _, v := range t.s.chart.c.Visits {
		if v.Signed {
			return v, nil
		}
	}
	return chart.Visit{}, errors.New("the chart has no signed visit") // i18n:skip
}

// adminTab opens the administration screens at tab i.
func (t *tourState) adminTab(i int) error {
	t.s.admin()
	if t.s.adm == nil {
		return errors.New("the administration screens did not open") // i18n:skip
	}
	t.s.adm.tabs.SelectIndex(i)
	if i == adminUsers { // selecting the tab shown calls nothing
		t.s.adm.refresh(i)
	}
	return nil
}
