package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/syncclient"
	"chartkeeper/syncproto"
)

// syncTimeout bounds each request the sync screens make.
const syncTimeout = time.Minute

// syncAdmin is the HIM manager's sync screen: connect this workstation to
// a server, add workstations with enrollment codes, list or revoke the
// practice's devices, and see what sync set aside. The store refuses
// enrollment to other roles, and the Administration screens are offered to
// HIM managers only.
func (a *adminView) syncAdmin() fyne.CanvasObject {
	cfg, err := syncclient.Load(a.s.ws.st)
	switch {
	case errors.Is(err, syncclient.ErrNotConnected):
		return a.connectForm()
	case err != nil:
		return container.NewVBox(heading(lang.L("Sync")), paragraph(sentence(err)))
	}
	info := paragraph(fmt.Sprintf(lang.L("This workstation syncs with %s."), cfg.Server))
	fp := &widget.Label{Text: fmt.Sprintf(lang.L("Server certificate: %s"), groupHex(cfg.Fingerprint)), TextStyle: fyne.TextStyle{Monospace: true}, Wrapping: fyne.TextWrapBreak}
	if cfg.Fingerprint == "" {
		fp.SetText(lang.L("Server certificate: signed by a certificate authority"))
	}
	add := &widget.Button{Text: lang.L("Add a workstation…"), Icon: theme.ContentAddIcon(), OnTapped: func() { a.issueCode(cfg) }}
	devices := container.NewVBox(paragraph(lang.L("Loading the practice's devices…")))
	refresh := &widget.Button{Text: lang.L("Refresh"), Icon: theme.ViewRefreshIcon(), Importance: widget.LowImportance}
	refresh.OnTapped = func() { a.s.touch(); a.loadDevices(cfg, devices) }
	a.loadDevices(cfg, devices)
	return container.NewVScroll(container.NewVBox(
		heading(lang.L("Sync")), info, fp,
		container.NewHBox(add),
		widget.NewSeparator(),
		container.NewBorder(nil, nil, heading(lang.L("Devices")), refresh),
		devices,
		widget.NewSeparator(),
		a.setAside(), // setaside.go
	))
}

// groupHex writes a fingerprint in groups of four, as chartkeeperd prints
// it for comparing by eye.
func groupHex(h string) string {
	var b strings.Builder
	for i := 0; i < len(h); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(h[i:min(i+4, len(h))])
	}
	return b.String()
}

// connectForm connects a workstation that is not connected yet: the first
// workstation of a practice registers the practice with the server.
func (a *adminView) connectForm() fyne.CanvasObject {
	server := newEntry("https://sync.example.org:8443")
	fingerprint := newEntry(lang.L("as chartkeeperd printed it; empty for a certificate from an authority"))
	secret := newPasswordEntry()
	secret.PlaceHolder = lang.L("only if the server asks for one")
	result := errorLabel()
	var connect *widget.Button
	connect = &widget.Button{Text: lang.L("Connect"), Icon: theme.LoginIcon(), Importance: widget.HighImportance, OnTapped: func() {
		a.s.touch()
		url := strings.TrimSpace(server.Text)
		fp := strings.ToLower(strings.Join(strings.FieldsFunc(fingerprint.Text, func(r rune) bool { return r == ' ' || r == ':' }), ""))
		if url == "" {
			setError(result, lang.L("Type the server's address first."))
			return
		}
		connect.Disable()
		setError(result, "")
		st, sec := a.s.ws.st, secret.Text
		runInBackground(func() {
			name, _ := os.Hostname()
			ctx, cancel := context.WithTimeout(context.Background(), syncTimeout)
			defer cancel()
			_, err := syncclient.Register(ctx, st, url, fp, syncclient.RegisterOptions{DeviceName: name, RegistrationSecret: sec})
			fyne.Do(func() {
				connect.Enable()
				if err != nil {
					setError(result, sentence(err))
					return
				}
				a.s.startSync()
				a.refresh(adminSync)
			})
		})
	}}
	f := newForm()
	f.add(lang.L("Server address"), "server", server)
	f.add(lang.L("Certificate fingerprint"), "fingerprint", fingerprint)
	f.add(lang.L("Registration secret"), "secret", secret)
	return container.NewVScroll(container.NewVBox(
		heading(lang.L("Sync")),
		paragraph(lang.L("This workstation is not connected to a sync server. Connecting the first workstation registers the practice with the server; the other workstations then join with enrollment codes from this screen. The server keeps only sealed records: it cannot read them.")),
		f.content(), result, container.NewHBox(connect),
	))
}

// issueCode makes a one-time enrollment code and shows it once.
func (a *adminView) issueCode(cfg syncclient.Config) {
	a.s.touch()
	w, st := a.s.ws.win, a.s.ws.st
	runInBackground(func() {
		ctx, cancel := context.WithTimeout(context.Background(), syncTimeout)
		defer cancel()
		code, expires, err := syncclient.IssueEnrollment(ctx, st, cfg, 24*time.Hour)
		fyne.Do(func() {
			if err != nil {
				showError(w, lang.L("No code was made"), err)
				return
			}
			shown := widget.NewMultiLineEntry()
			shown.SetText(code)
			shown.Wrapping = fyne.TextWrapBreak
			shown.TextStyle = fyne.TextStyle{Monospace: true}
			shown.SetMinRowsVisible(3)
			shown.OnChanged = func(string) { shown.SetText(code) } // read-only, yet selectable
			copyIt := &widget.Button{Text: lang.L("Copy"), Icon: theme.ContentCopyIcon(), OnTapped: func() {
				fyne.CurrentApp().Clipboard().SetContent(code)
			}}
			d := openModal(w, lang.L("Enrollment code"), container.NewVBox(
				paragraph(fmt.Sprintf(lang.L("On the new workstation choose \"Join your practice\" and enter this code. It works once, until %s. Anyone with the code can join the practice: hand it over in person or by a trusted channel, never by e-mail."),
					showWhen(expires))),
				shown, container.NewHBox(copyIt)), nil, &action{text: lang.L("Done"), imp: widget.HighImportance})
			d.d.Resize(fyne.NewSize(640, 0))
		})
	})
}

// loadDevices fills box with the practice's devices as the server knows them.
func (a *adminView) loadDevices(cfg syncclient.Config, box *fyne.Container) {
	runInBackground(func() {
		ctx, cancel := context.WithTimeout(context.Background(), syncTimeout)
		defer cancel()
		ds, err := syncclient.Devices(ctx, cfg)
		fyne.Do(func() {
			if err != nil {
				box.Objects = []fyne.CanvasObject{paragraph(fmt.Sprintf(lang.L("The devices could not be listed: %s"), sentence(err)))}
				box.Refresh()
				return
			}
			rows := []fyne.CanvasObject{}
			for _, d := range ds {
				name := d.Name
				if name == "" {
					name = lang.L("(no name)")
				}
				state := fmt.Sprintf(lang.L("enrolled %s"), showDay(d.Created))
				if !d.Revoked.IsZero() {
					state += fmt.Sprintf(lang.L(", revoked %s"), showDay(d.Revoked))
				}
				if d.ID == cfg.DeviceID {
					state += " · " + lang.L("this workstation")
				}
				line := &widget.Label{Text: name + " — " + state + "\n" + d.ID, Wrapping: fyne.TextWrapWord}
				var act fyne.CanvasObject = widget.NewLabel("")
				if d.ID != cfg.DeviceID && d.Revoked.IsZero() {
					act = &widget.Button{Text: lang.L("Revoke…"), Importance: widget.DangerImportance, OnTapped: func() { a.revoke(cfg, d, box) }}
				}
				rows = append(rows, container.NewBorder(nil, nil, nil, act, line))
			}
			box.Objects = rows
			box.Refresh()
		})
	})
}

// revoke stops a device from syncing, after a confirmation.
func (a *adminView) revoke(cfg syncclient.Config, d syncproto.DeviceInfo, box *fyne.Container) {
	a.s.touch()
	w := a.s.ws.win
	name := d.Name
	if name == "" {
		name = d.ID
	}
	confirmAction(w, fmt.Sprintf(lang.L("Revoke %s?"), name),
		lang.L("The server will refuse this device from now on, and enrollment codes it issued stop working. What it has not synced yet stays on it. This cannot be undone: the device would have to join again with a new code."),
		fmt.Sprintf(lang.L("Revoke %s"), name), lang.L("Keep the device"),
		func() {
			runInBackground(func() {
				ctx, cancel := context.WithTimeout(context.Background(), syncTimeout)
				defer cancel()
				err := syncclient.RevokeDevice(ctx, cfg, d.ID)
				var rerr error
				if err == nil {
					// A copy of the device's folder opens what its users'
					// keys opened: records and audit entries use new keys from now on.
					_, rerr = a.s.ws.st.RotateKeys("device.revoke: " + d.ID)
				}
				fyne.Do(func() {
					if err != nil {
						showError(w, lang.L("The device was not revoked"), err)
						return
					}
					if rerr != nil {
						showError(w, lang.L("The device was revoked, but the practice's keys were not renewed"), rerr)
					} else {
						a.afterRotation()
					}
					a.loadDevices(cfg, box)
				})
			})
		})
}
