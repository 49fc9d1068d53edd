package report

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// EmergencyKit prints the practice's emergency kit: the recovery key shown
// once at practice creation, with what it is for, how to use it and where
// to keep it. Its furniture is the practice and "Keep this sheet locked
// away" rather than a patient. The key must print exactly, so a key with a
// character the fonts cannot draw is an error; a practice name with one
// prints with placeholders. It prints in English; see [EmergencyKitPage].
func EmergencyKit(w io.Writer, practice, practiceID, recoveryKey string, created time.Time) error {
	return EmergencyKitPage(w, Page{Practice: practice, PrintedAt: created}, practiceID, recoveryKey)
}

// EmergencyKitPage is [EmergencyKit] with the page's settings: pg.Practice,
// pg.PrintedAt as the time the practice was created, and the translator and
// date form (pg.T, pg.Dates) the workstation prints with. The commands on
// the sheet print as they must be typed.
func EmergencyKitPage(w io.Writer, pg Page, practiceID, recoveryKey string) error {
	created := pg.PrintedAt
	key := strings.TrimSpace(recoveryKey)
	if key == "" {
		return errors.New("report: the emergency kit needs the recovery key")
	}
	for _, r := range key {
		if r < '!' || r > '~' {
			return fmt.Errorf("report: the recovery key has the character %q, which the emergency kit cannot print exactly", r)
		}
	}
	d := newDoc(pg.tr("Emergency kit"), pg, nil)
	d.kit = true
	d.addFonts(famMono)
	d.printed = fmt.Sprintf(d.tr("Created %s"), d.stamp(created))
	pdf := d.pdf
	pdf.AddPage()

	d.setFont(famSans, "B", 22)
	d.cell(d.width(), 11, d.tr("Chartkeeper emergency kit"), "", 1, "L", false, 0, "")
	d.setFont(famSans, "", 11)
	d.para(d.tr("Keep this sheet locked away. It is the only way back into your records if every workstation is lost or every password forgotten."))
	pdf.Ln(3)

	d.setFont(famSans, "", 10.5)
	d.labelled(d.tr("Practice"), 34, d.practice)
	d.setFont(famMono, "", 10)
	lw := 34.0
	d.setFont(famSans, "B", bodySize)
	d.cell(lw, lineBody, d.tr("Practice ID"), "", 0, "L", false, 0, "")
	d.setFont(famMono, "", 10)
	d.cell(d.width()-lw, lineBody, d.t.line(fPracticeID, practiceID), "", 1, "L", false, 0, "")
	d.setFont(famSans, "", bodySize)
	d.labelled(d.tr("Created"), lw, d.stamp(created))
	pdf.Ln(5)

	d.setFont(famSans, "B", 12)
	d.para(d.tr("Recovery key"))
	pdf.Ln(1)
	size := 18.0
	d.setFont(famMono, "B", size)
	for size > 9 && pdf.GetStringWidth(key)+8 > d.width() {
		size--
		d.setFont(famMono, "B", size)
	}
	pdf.SetLineWidth(0.8)
	pdf.SetX(marginX)
	for _, l := range d.lines(key, d.width()-6) {
		d.cell(d.width(), 14, l, "1", 1, "C", false, 0, "")
		pdf.SetX(marginX)
	}
	pdf.SetLineWidth(0.2)
	d.setFont(famSans, "", 9)
	d.para(d.tr("Letters and digits in groups; O is read as 0 and I or L as 1, and case does not matter."))
	pdf.Ln(4)

	d.setFont(famSans, "B", 11)
	d.para(d.tr("What it does"))
	d.setFont(famSans, "", 10)
	d.para(d.tr("Every record of the practice is encrypted. The recovery key, together with a backup file or the sync server, " +
		"brings all of it back on a new computer when every workstation is lost (theft, fire, a dead disk), " +
		"and sets a new password when nobody remembers one. Chartkeeper showed this key once, when the practice was created, and cannot show it again."))
	pdf.Ln(2)
	d.setFont(famSans, "B", 11)
	d.para(d.tr("How to use it"))
	d.setFont(famSans, "", 10)
	for _, step := range [][2]string{
		{d.tr("Restore a backup on a new computer, with the key in a file:"), "ckadmin restore --from BACKUP --data FOLDER --recovery-key-file FILE"},
		{d.tr("Set a new password when nobody remembers one:"), "ckadmin recover --data FOLDER --user USERNAME --recovery-key-file FILE"},
	} {
		d.setFont(famSans, "", 10)
		d.para(step[0])
		d.setFont(famMono, "", 9)
		d.paraAt(marginX+6, d.width()-6, step[1])
	}
	d.setFont(famSans, "", 10)
	d.para(d.tr("Delete the key file as soon as you are done."))
	pdf.Ln(2)
	d.setFont(famSans, "B", 11)
	d.para(d.tr("Where to keep it"))
	d.setFont(famSans, "", 10)
	d.para(d.tr("Anyone who has this key and a backup can read every chart of the practice. Keep this sheet locked away " +
		"(a safe, or a sealed envelope with the practice's owner), never with the backups or beside a workstation. " +
		"Do not photograph, scan, e-mail or copy it into a computer. If it may have been seen by someone who should not have it, " +
		"tell the practice's HIM manager at once."))
	pdf.Ln(5)

	d.setFont(famSans, "", 10)
	for _, f := range []string{d.tr("Backups are kept at:"), d.tr("Sync server address:"), d.tr("Sheet kept by:"), d.tr("Where this sheet is kept:")} {
		d.need(9)
		pdf.SetX(marginX)
		d.cell(50, 9, f, "", 0, "L", false, 0, "")
		pdf.Line(marginX+50, pdf.GetY()+7, marginX+d.width(), pdf.GetY()+7)
		pdf.Ln(9)
	}
	_, err := d.finish(w)
	return err
}
