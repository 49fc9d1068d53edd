package ui

import (
	"fmt"
	"math"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"

	"chartkeeper/chart"
	"chartkeeper/internal/plots"
)

// historyDays is how far back the HIM manager's plots go.
const historyDays = 90

// plotMin is the least a plot on the HIM home is drawn at; two fit side by
// side in 1024 px, and a narrower window shows them one a row.
var plotMin = fyne.NewSize(400, 190)

// himHome: the worklists with their counts and oldest items, then plots of
// the last 90 days, each of which can be saved as PNG or PDF.
func (s *session) himHome() fyne.CanvasObject {
	s.homePlots = nil
	box := container.NewVBox()
	lists, err := s.svc.Worklists()
	box.Add(homeSection(lang.L("Worklists")))
	if err != nil {
		box.Add(paragraph(sentence(err)))
	}
	grid := container.NewGridWithColumns(2)
	for _, w := range lists {
		name := lang.L(w.Name) // chart's worklist names are marked for translation
		text := fmt.Sprintf("%s: %d", name, w.Count)
		switch {
		case w.Count == 0:
			text = fmt.Sprintf(lang.L("%s: %d, nothing waiting"), name, w.Count)
		case !w.Oldest.IsZero():
			text = fmt.Sprintf(lang.L("%s: %d, the oldest %s old"), name, w.Count, ago(w.Oldest))
		}
		grid.Add(homeRow(text, lang.L("Open"), s.openWorklists))
	}
	box.Add(grid)

	box.Add(homeSection(fmt.Sprintf(lang.L("The last %d days"), historyDays)))
	h, err := s.svc.History(historyDays)
	if err != nil {
		box.Add(paragraph(sentence(err)))
		return s.homePage(box)
	}
	one := func(title, unit string, values []int) plots.Chart {
		return plots.Chart{Title: title, Unit: unit, Series: []plots.Series{{Name: title, Points: dayPoints(h.Days, values)}}, DateFormat: axisDate()}
	}
	unsigned := plots.Chart{Title: lang.L("Unsigned notes by age"), Unit: lang.L("notes"), DateFormat: axisDate()}
	for k, name := range chart.UnsignedAges {
		unsigned.Series = append(unsigned.Series, plots.Series{Name: lang.L(name), Points: dayPoints(h.Days, h.Unsigned[k])})
	}
	plotGrid := newUpTo(2,
		s.newHomePlot(one(lang.L("Documents waiting to be filed"), lang.L("documents"), h.Waiting)),
		s.newHomePlot(unsigned),
		s.newHomePlot(one(lang.L("Coding backlog (signed visits without codes)"), lang.L("visits"), h.Backlog)),
		s.newHomePlot(one(lang.L("Disclosures recorded per day"), lang.L("disclosures"), h.Disclosures)),
		s.newHomePlot(one(lang.L("Break-glass openings per day"), lang.L("openings"), h.BreakGlass)),
	)
	sync := s.newHomePlot(plots.Chart{Title: lang.L("Days since each workstation's last sync"), Unit: lang.L("days"), DateFormat: axisDate()})
	syncNote := paragraph(lang.L("Reading the other workstations' audit logs…"))
	plotGrid.Add(container.NewBorder(nil, syncNote, nil, nil, sync))
	box.Add(plotGrid)
	// The workstations' plot reads every audit log held here: off the UI
	// goroutine, drawn when it is ready.
	svc, days := s.svc, h.Days
	s.bg.Go(func() {
		ws, err := svc.WorkstationSyncs(historyDays)
		fyne.Do(func() {
			if s.ws.sess != s {
				return
			}
			switch {
			case err != nil:
				syncNote.SetText(sentence(err))
			case len(ws) == 0:
				syncNote.SetText(lang.L("No other workstation has synced with this one yet."))
			default:
				c := sync.chart
				var last []string
				for _, w := range ws {
					var pts []plots.Point
					for i, d := range w.DaysSince {
						if !math.IsNaN(d) {
							pts = append(pts, plots.Point{At: days[i], Value: d})
						}
					}
					c.Series = append(c.Series, plots.Series{Name: w.Name, Points: pts})
					last = append(last, w.Name+": "+whenText(w.Last))
				}
				sync.SetChart(c)
				syncNote.SetText(fmt.Sprintf(lang.L("Last heard from %s."), joinAnd(last)))
			}
		})
	})
	return s.homePage(box)
}

// newHomePlot is a plot of the HIM home, kept for the tests.
func (s *session) newHomePlot(c plots.Chart) *plotView {
	v := newPlotView(s.ws.win, c, plotMin)
	s.homePlots = append(s.homePlots, v)
	return v
}

// dayPoints pairs each day with its value.
func dayPoints(days []time.Time, values []int) []plots.Point {
	pts := make([]plots.Point, len(days))
	for i, d := range days {
		pts[i] = plots.Point{At: d, Value: float64(values[i])}
	}
	return pts
}

// openWorklists opens Administration on its Worklists tab.
func (s *session) openWorklists() {
	s.admin()
	if s.adm != nil {
		s.adm.tabs.SelectIndex(adminWorklists)
	}
}

// joinAnd is "a", "a and b", "a, b and c" (in the language shown).
func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	out := ""
	for i, it := range items[:len(items)-1] {
		if i > 0 {
			out += ", "
		}
		out += it
	}
	return fmt.Sprintf(lang.L("%s and %s"), out, items[len(items)-1])
}
