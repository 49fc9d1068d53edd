package chart

import (
	"fmt"
	"strings"

	"chartkeeper/store"
)

// Action is something a role may or may not do; the table below is the
// practice's role table, and the only place it is written down in code
// (docs/SECURITY.md explains it).
type Action int

const (
	ReadDemographics   Action = iota // find patients, read demographics
	WriteDemographics                // register and edit patients
	ReadClinical                     // problems, allergies, medications, notes, vitals, immunizations
	WriteClinical                    // create and edit those
	SignVisit                        // sign a visit note, amend a signed one
	ReadCodes                        // diagnosis and procedure codes
	WriteCodes                       // assign them
	FileDocuments                    // scanned-document intake and filing
	ViewDocuments                    // filed documents of every category
	ViewAdminDocuments               // filed documents of administrative categories only
	PrintClinical                    // summaries, visit notes, exports
	PrintAdmin                       // cover sheets and labels
	Administer                       // users, roles, devices, settings, audit review, merges, amendments, disclosures
	numActions
)

var actionNames = [numActions]string{
	"read demographics", "register or edit patients",
	"read the clinical chart", "change the clinical chart", "sign visit notes",
	"read diagnosis and procedure codes", "assign diagnosis and procedure codes",
	"take in and file scanned documents", "view filed documents", "view administrative documents",
	"print summaries or export", "print cover sheets and labels",
	"manage users, settings, audit review, merges, amendments and disclosures",
}

func (a Action) String() string {
	if a >= 0 && a < numActions {
		return actionNames[a]
	}
	return fmt.Sprintf("action %d", int(a))
}

const (
	fd   = store.RoleFrontDesk
	cl   = store.RoleClinician
	co   = store.RoleCoder
	him  = store.RoleHIM
	none = store.Role("")
)

// roleTable is the role table: a role reaches an action when it is listed.
// Write implies read only where the table says so. Roles are enforced here,
// by the service, never only by hiding buttons.
var roleTable = [numActions][]store.Role{
	ReadDemographics:   {fd, cl, co, him},
	WriteDemographics:  {fd, cl, him},
	ReadClinical:       {cl, co, him},
	WriteClinical:      {cl},
	SignVisit:          {cl},
	ReadCodes:          {cl, co, him},
	WriteCodes:         {cl, co},
	FileDocuments:      {fd, cl, him},
	ViewDocuments:      {cl, co, him},
	ViewAdminDocuments: {fd, cl, co, him},
	PrintClinical:      {cl, him},
	PrintAdmin:         {fd, cl, him},
	Administer:         {him},
}

// Allowed reports whether role may do a by the role table alone (without
// break-glass).
func Allowed(role store.Role, a Action) bool {
	if a < 0 || a >= numActions {
		return false
	}
	for _, r := range roleTable[a] {
		if r == role {
			return true
		}
	}
	return false
}

// breakGlassReach is what break-glass opens beyond a role: reading the chart
// and its documents. It never grants changes.
func breakGlassReach(a Action) bool {
	return a == ReadClinical || a == ReadCodes || a == ViewDocuments || a == ViewAdminDocuments
}

// PermissionError says what was refused and which roles may do it. It
// matches store.ErrPermission with errors.Is.
type PermissionError struct {
	Role   store.Role
	Action Action
	// BreakGlass is true when break-glass access would open it.
	BreakGlass bool
	// Note, when set, ends the message in place of the break-glass hint.
	Note string
}

func (e *PermissionError) Error() string {
	msg := fmt.Sprintf("your role (%s) may not %s; only %s may", e.Role.Title(), e.Action, WhoMay(e.Action))
	switch {
	case e.Note != "":
		msg += " (" + e.Note + ")"
	case e.BreakGlass:
		msg += " (or open the chart with break-glass access, giving a reason)"
	}
	return msg
}

func (e *PermissionError) Is(target error) bool { return target == store.ErrPermission }

// WhoMay names the roles that may do a, e.g. "clinicians or medical coders".
func WhoMay(a Action) string {
	var names []string
	for _, r := range roleTable[a] {
		names = append(names, rolePlural(r))
	}
	switch len(names) {
	case 0:
		return "nobody"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// rolePlural names the people of a role ("front desk staff" is no
// regular plural, so this is not words.Plural).
func rolePlural(r store.Role) string {
	if r == store.RoleFrontDesk {
		return "front desk staff"
	}
	return r.Title() + "s"
}
