package store

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Role is what a user may do; chart/ enforces the role table of the design.
type Role string

// The roles of Chartkeeper's users.
const (
	RoleFrontDesk Role = "front-desk"
	RoleClinician Role = "clinician"
	RoleCoder     Role = "coder"
	RoleHIM       Role = "him"
)

// Roles lists every role, in the order screens show them.
var Roles = []Role{RoleFrontDesk, RoleClinician, RoleCoder, RoleHIM}

// ParseRole reads a role name as typed on the command line.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == strings.ToLower(strings.TrimSpace(s)) {
			return r, nil
		}
	}
	return "", fmt.Errorf("%w: unknown role %q (choose front-desk, clinician, coder or him)", ErrInvalid, s)
}

// Title is the role's name for people.
func (r Role) Title() string {
	switch r {
	case RoleFrontDesk:
		return "front desk"
	case RoleClinician:
		return "clinician"
	case RoleCoder:
		return "medical coder"
	case RoleHIM:
		return "health information manager"
	}
	return string(r)
}

// User is a person who signs in. Users are records of type [TypeUser], so
// they are revisioned, audited and synced like everything else.
type User struct {
	ID       string `json:"-"`
	Rev      string `json:"-"`
	Username string `json:"username"`
	Name     string `json:"name"`
	Role     Role   `json:"role"`
	Disabled bool   `json:"disabled,omitempty"`
}

// TypeUser is the record type of users.
const TypeUser = "user"

// NewUser describes a user to add.
type NewUser struct {
	Username string
	Name     string
	Role     Role
	Password []byte
}

func normalizeUsername(u string) string { return strings.ToLower(strings.TrimSpace(u)) }

// checkUsername accepts 2–64 characters: lower-case letters, digits, '.',
// '-' and '_'.
func checkUsername(u string) error {
	if n := len(u); n < 2 || n > 64 {
		return fmt.Errorf("%w: a username has 2 to 64 characters", ErrInvalid)
	}
	for _, c := range u {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return fmt.Errorf("%w: username %q may only use letters a–z, digits, '.', '-' and '_'", ErrInvalid, u)
		}
	}
	return nil
}

func checkName(n string) error {
	if strings.TrimSpace(n) == "" {
		return fmt.Errorf("%w: a full name is required", ErrInvalid)
	}
	if len(n) > 200 {
		return fmt.Errorf("%w: the full name is too long", ErrInvalid)
	}
	if hasControls(n) {
		return fmt.Errorf("%w: the full name contains control characters (such as a line break or an escape code)", ErrInvalid)
	}
	return nil
}

// hasControls reports whether s is not valid text or holds a character no
// name may: a C0 or C1 control (line breaks, tabs and the escape that
// starts a terminal's escape sequences among them), or a bidirectional
// embedding, override or isolate, which makes a name read differently
// from what it is.
func hasControls(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, c := range s {
		if unicode.IsControl(c) || c >= 0x202a && c <= 0x202e || c >= 0x2066 && c <= 0x2069 {
			return true
		}
	}
	return false
}

func decodeUser(r Record) (User, error) {
	ub, err := decodeUserBody(r)
	return ub.User, err
}

func decodeUserBody(r Record) (userBody, error) {
	var ub userBody
	if err := json.Unmarshal(r.Body, &ub); err != nil {
		return ub, fmt.Errorf("%w: user record %s: %v", ErrTampered, r.ID, err)
	}
	ub.ID, ub.Rev = r.ID, r.Rev
	return ub, nil
}

// findUser returns the user with that username (case-insensitive).
func (tx *Tx) findUser(username string) (User, error) {
	want := normalizeUsername(username)
	var found *User
	err := tx.List(TypeUser, func(r Record) error {
		u, err := decodeUser(r)
		if err != nil {
			return err
		}
		if u.Username == want {
			found = &u
		}
		return nil
	})
	if err != nil {
		return User{}, err
	}
	if found == nil {
		return User{}, fmt.Errorf("%w: %q", ErrUnknownUser, username)
	}
	return *found, nil
}

// Users lists every user of the practice, disabled ones included.
func (s *Store) Users() ([]User, error) {
	var out []User
	err := s.View(func(tx *Tx) error {
		return tx.List(TypeUser, func(r Record) error {
			u, err := decodeUser(r)
			if err == nil {
				out = append(out, u)
			}
			return err
		})
	})
	return out, err
}

// requireHIM refuses the action unless the signed-in user is an HIM manager.
func (tx *Tx) requireHIM(action string) error {
	if tx.sess.user.Role != RoleHIM {
		return fmt.Errorf("%w: only a health information manager may %s", ErrPermission, action)
	}
	return nil
}

// AddUser adds a user with a password. Only an HIM manager may.
func (s *Store) AddUser(nu NewUser) (User, error) {
	nu.Username = normalizeUsername(nu.Username)
	if err := checkUsername(nu.Username); err != nil {
		return User{}, err
	}
	if err := checkName(nu.Name); err != nil {
		return User{}, err
	}
	if _, err := ParseRole(string(nu.Role)); err != nil {
		return User{}, err
	}
	if err := CheckPassword(nu.Password, nu.Username, nu.Name, s.practiceName()); err != nil {
		return User{}, err
	}
	var u User
	err := s.Update(func(tx *Tx) error {
		if err := tx.requireHIM("add users"); err != nil {
			return err
		}
		var err error
		u, _, err = tx.addUser(nu)
		if err != nil {
			return err
		}
		return tx.Audit(AuditEvent{Action: "user.add", Subject: u.ID, Detail: fmt.Sprintf(detailUserAdded, u.Username, u.Role)})
	})
	return u, err
}

// addUser writes the user record and keyslot of a new user. In a practice
// on the key hierarchy the user gets a key seed of their own (returned),
// whose public keys go into the record with the keys of their role sealed
// to them.
func (tx *Tx) addUser(nu NewUser) (User, []byte, error) {
	if _, err := tx.findUser(nu.Username); err == nil {
		return User{}, nil, fmt.Errorf("%w: there is already a user named %q", ErrInvalid, nu.Username)
	}
	u := User{ID: NewID(), Username: nu.Username, Name: strings.TrimSpace(nu.Name), Role: nu.Role}
	var (
		keys userKeys
		seed []byte
	)
	if tx.sess.adminPub != nil {
		seed = randomBytes(keySize)
		var err error
		if keys, err = tx.keysFor(u, seed); err != nil {
			return User{}, nil, err
		}
	}
	body, _ := json.Marshal(userBody{u, keys})
	r, err := tx.Put(TypeUser, u.ID, "", body)
	if err != nil {
		return User{}, nil, err
	}
	u.Rev = r.Rev
	return u, seed, tx.writeSlot(u, nu.Password, seed)
}

// keysFor is the key part of u's record for the key seed seed: its public
// keys, and the keys of u's role sealed to it.
func (tx *Tx) keysFor(u User, seed []byte) (userKeys, error) {
	us, err := deriveUserKeys(seed)
	if err != nil {
		return userKeys{}, err
	}
	keys := userKeys{BoxPub: us.box.PublicKey().Bytes(), SignPub: us.sign.Public().(ed25519.PublicKey)}
	if !u.Disabled {
		if keys.Grants, err = tx.grantsFor(u.ID, u.Role, keys.BoxPub); err != nil {
			return keys, err
		}
	}
	return keys, nil
}

// setPassword writes a new keyslot for u, and returns the key seed it
// wraps. A user's own password change keeps their seed; an HIM manager (or
// the recovery key) setting someone's password gives them a new one, and
// their record new grants, since the old seed is not theirs to know.
func (tx *Tx) setPassword(u User, password []byte) ([]byte, error) {
	var seed []byte
	switch {
	case tx.sess.adminPub == nil: // a practice still on one data key
	case u.ID == tx.sess.user.ID && tx.sess.seed != nil && !tx.sess.recovery:
		seed = bytes.Clone(tx.sess.seed)
	case tx.sess.admin != nil:
		seed = randomBytes(keySize)
		keys, err := tx.keysFor(u, seed)
		if err != nil {
			return nil, err
		}
		if _, err := tx.putUserKeys(u, &keys); err != nil {
			return nil, err
		}
	}
	return seed, tx.writeSlot(u, password, seed)
}

func (tx *Tx) writeSlot(u User, password, seed []byte) error {
	id, sl, err := newPasswordSlot(tx.s.secret(), u.Username, password, tx.sess.key, u.ID, seed, tx.sess.adminPub)
	if err != nil {
		return err
	}
	return tx.storeSlot(id, sl)
}

// putUserKeys writes u's record with keys, or with the keys its current
// revision holds when keys is nil.
func (tx *Tx) putUserKeys(u User, keys *userKeys) (User, error) {
	cur, err := tx.Get(u.ID)
	if err != nil {
		return u, err
	}
	ub, err := decodeUserBody(cur)
	if err != nil {
		return u, err
	}
	if keys != nil {
		ub.userKeys = *keys
	}
	ub.User = u
	body, _ := json.Marshal(ub)
	r, err := tx.Put(TypeUser, u.ID, cur.Rev, body)
	if err != nil {
		return u, err
	}
	u.Rev = r.Rev
	return u, nil
}

// regrant writes u's record with the keys of u's role (none once
// disabled) sealed to u's own key; a user whose slot predates the key
// hierarchy has no key to seal to, and gets theirs when an HIM manager sets
// a new password.
func (tx *Tx) regrant(u User) (User, error) {
	cur, err := tx.Get(u.ID)
	if err != nil {
		return u, err
	}
	ub, err := decodeUserBody(cur)
	if err != nil {
		return u, err
	}
	keys := ub.userKeys
	keys.Grants = nil
	if !u.Disabled && len(keys.BoxPub) > 0 {
		if keys.Grants, err = tx.grantsFor(u.ID, u.Role, keys.BoxPub); err != nil {
			return u, err
		}
	}
	return tx.putUserKeys(u, &keys)
}

// DisableUser stops a user from signing in: their keyslot is destroyed and
// their record marked disabled (history stays). Only an HIM manager may, and
// not for the last active HIM manager. When the user's role held the
// clinical key, a new epoch of it starts in the same transaction
// (rotate.go); a new recovery key, when that made one, is handed out by
// [Store.TakeNewRecoveryKey].
func (s *Store) DisableUser(username string) error {
	return s.updateRotating(func(tx *Tx) (rotation, error) {
		if err := tx.requireHIM("disable users"); err != nil {
			return rotation{}, err
		}
		u, err := tx.findUser(username)
		if err != nil {
			return rotation{}, err
		}
		if u.Disabled {
			return rotation{}, nil
		}
		if err := tx.keepOneHIM(u); err != nil {
			return rotation{}, err
		}
		// Every key the user held starts a new epoch: the general key
		// (every role), the clinical and audit keys when their role held
		// them.
		g := roleGrants(u.Role)
		held := rotation{general: true, clinical: slices.Contains(g, grantClinical), audit: slices.Contains(g, grantAudit)}
		u.Disabled = true
		if _, err := tx.regrant(u); err != nil {
			return rotation{}, err
		}
		if err := tx.storeSlot(slotIDFor(tx.s.secret(), u.Username), &keyslot{Kind: slotDisabled}); err != nil {
			return rotation{}, err
		}
		return held, tx.Audit(AuditEvent{Action: "user.disable", Subject: u.ID, Detail: u.Username})
	}, "user.disable: "+normalizeUsername(username), nil)
}

// keepOneHIM refuses to take u out of the HIM role (by disabling them or
// changing their role) when they are the last active HIM manager, since
// nobody could then manage users.
func (tx *Tx) keepOneHIM(u User) error {
	if u.Role != RoleHIM || u.Disabled {
		return nil
	}
	n := 0
	err := tx.List(TypeUser, func(r Record) error {
		o, err := decodeUser(r)
		if err == nil && o.Role == RoleHIM && !o.Disabled {
			n++
		}
		return err
	})
	if err != nil {
		return err
	}
	if n <= 1 {
		return fmt.Errorf("%w: %s is the last active health information manager; add another first", ErrInvalid, u.Username)
	}
	return nil
}

// SetRole changes a user's role. Only an HIM manager may. A user whose
// new role no longer holds the clinical key takes it with them in copies,
// so a new epoch of it starts, as when a user is disabled.
func (s *Store) SetRole(username string, role Role) error {
	if _, err := ParseRole(string(role)); err != nil {
		return err
	}
	return s.updateRotating(func(tx *Tx) (rotation, error) {
		if err := tx.requireHIM("change roles"); err != nil {
			return rotation{}, err
		}
		u, err := tx.findUser(username)
		if err != nil {
			return rotation{}, err
		}
		if u.Role == role {
			return rotation{}, nil
		}
		if err := tx.keepOneHIM(u); err != nil {
			return rotation{}, err
		}
		old := u.Role
		u.Role = role
		// The keys of the new role are sealed to the user now.
		if _, err := tx.regrant(u); err != nil {
			return rotation{}, err
		}
		// The keys the old role held and the new one does not start a
		// new epoch; the general key stays theirs.
		lost := func(g string) bool {
			return slices.Contains(roleGrants(old), g) && !slices.Contains(roleGrants(role), g)
		}
		return rotation{clinical: lost(grantClinical), audit: lost(grantAudit)}, tx.Audit(AuditEvent{Action: "user.role", Subject: u.ID, Detail: fmt.Sprintf("%s: %s -> %s", u.Username, old, role)})
	}, "user.role: "+normalizeUsername(username)+" -> "+string(role), nil)
}

// ChangePassword changes the signed-in user's password after checking the
// current one.
func (s *Store) ChangePassword(current, next []byte) error {
	me, err := s.CurrentUser()
	if err != nil {
		return err
	}
	if err := CheckPassword(next, me.Username, me.Name, s.practiceName()); err != nil {
		return err
	}
	return s.Update(func(tx *Tx) error {
		u := tx.sess.user
		id := slotIDFor(tx.s.secret(), u.Username)
		sl, err := getSlot(tx.btx, id)
		if err != nil {
			return err
		}
		sc, err := openPasswordSlot(tx.s.secret(), id, sl, current)
		if err != nil {
			return fmt.Errorf("the current password is not right: %w", err)
		}
		sc.wipe()
		if _, err := tx.setPassword(u, next); err != nil {
			return err
		}
		return tx.Audit(AuditEvent{Action: "user.passwd", Subject: u.ID, Detail: u.Username})
	})
}

// ResetPassword sets another user's password. Only an HIM manager may.
func (s *Store) ResetPassword(username string, next []byte) error {
	practice := s.practiceName()
	if err := CheckPassword(next, username, practice); err != nil {
		return err
	}
	return s.Update(func(tx *Tx) error {
		if err := tx.requireHIM("reset passwords"); err != nil {
			return err
		}
		u, err := tx.findUser(username)
		if err != nil {
			return err
		}
		if err := CheckPassword(next, u.Username, u.Name, practice); err != nil {
			return err
		}
		if u.Disabled {
			return fmt.Errorf("%w: %s is disabled", ErrUserDisabled, u.Username)
		}
		if _, err := tx.setPassword(u, next); err != nil {
			return err
		}
		return tx.Audit(AuditEvent{Action: "user.passwd.reset", Subject: u.ID, Detail: u.Username})
	})
}
