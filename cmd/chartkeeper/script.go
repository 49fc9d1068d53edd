package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"fyne.io/fyne/v2"

	"chartkeeper/ui"
)

// settle waits until the window has been laid out, resized and drawn
// after a command changed the screen. The driver draws when its event loop
// wakes, so settle wakes it a few times.
func settle() {
	for range 4 {
		time.Sleep(100 * time.Millisecond)
		fyne.DoAndWait(func() {})
	}
}

// runScript reads commands, one a line, from in and answers each on out
// with "ok" or "error: …" once the window shows the result:
//
//	ready          wait for the practice to be open (a demo practice made)
//	signin USER    sign in as a demo user
//	screens        list the signed-in user's screens, one a line, then "ok"
//	open SCREEN    show a screen
//	focused        name the control that has the keyboard, then "ok"
//	printout       wait for the printout shown to have its page drawn
//	signout        sign out
//	quit           quit
//
// The real-window test and scripts/screens.sh drive the workstation with
// it and read the window with xdotool between commands.
func runScript(a fyne.App, sc *ui.Script, in io.Reader, out io.Writer) {
	lines := bufio.NewScanner(in)
	answer := func(err error) {
		if err != nil {
			fmt.Fprintln(out, "error:", strings.ReplaceAll(err.Error(), "\n", " "))
			return
		}
		fmt.Fprintln(out, "ok")
	}
	for lines.Scan() {
		cmd, arg, _ := strings.Cut(strings.TrimSpace(lines.Text()), " ")
		switch cmd {
		case "":
			continue
		case "ready":
			answer(sc.WaitReady(10 * time.Minute))
		case "signin":
			err := sc.SignIn(arg)
			settle()
			answer(err)
		case "screens":
			for _, s := range sc.Screens() {
				fmt.Fprintln(out, s)
			}
			answer(nil)
		case "open":
			err := sc.Open(arg)
			settle()
			answer(err)
		case "focused":
			fmt.Fprintln(out, sc.Focused())
			answer(nil)
		case "printout":
			err := sc.WaitPrintout(5 * time.Minute)
			settle()
			answer(err)
		case "signout":
			sc.SignOut()
			settle()
			answer(nil)
		case "quit":
			answer(nil)
			fyne.Do(a.Quit)
			return
		default:
			answer(fmt.Errorf("unknown command %q", cmd))
		}
	}
	fyne.Do(a.Quit) // standard input closed
}
