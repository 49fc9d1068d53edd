//go:build linux

package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestWindowStaysOnScreen runs the workstation on a 1024×768 virtual
// display with a demo practice, signs in as the HIM manager and as front
// desk, opens screens of their tour (the HIM manager's every screen: the
// chart with each tab and form, the inbox, the dialogs, administration;
// front desk's chart and inbox) and reads the window's
// geometry with xdotool after each: the window must stay within the
// display. The window grows to fit its content, so a screen that asks for
// more than the display pushes it past the edge. A window made larger than
// the display before signing out must come back at sign-out.
func TestWindowStaysOnScreen(t *testing.T) {
	windowStaysOnScreen(t, 1024, 768, "")
}

// TestWindowStaysOnScreenScaled is TestWindowStaysOnScreen at Fyne scale
// 1.5 on a 1366×768 display (910×512 of Fyne's units): the window opens
// within the display and no screen pushes it past the edge. The HIM
// manager opens the tallest and widest screens (the home, a chart's
// summary, results and a filed document, the inbox with a document,
// Administration's users, audit log and merge comparison), front desk its
// usual screens: the whole HIM tour at this scale took seven minutes more,
// and TestEveryScreenFitsScaled measures every screen headless.
func TestWindowStaysOnScreenScaled(t *testing.T) {
	windowStaysOnScreen(t, 1366, 768, "1.5", "home", "find", "chart-summary", "chart-results", "chart-document",
		"inbox-document", "admin-users", "admin-audit", "admin-merge")
}

// TestWindowStaysOnScreenSmallScaled is TestWindowStaysOnScreen at Fyne
// scale 1.5 on a 1024×768 display (683×512 of Fyne's units), where the
// workspace shows one pane at a time. The HIM manager opens the screens
// that grew the window past that display before: the home, find, the
// chart (summary, results, a filed document), the inbox with a document,
// and Administration (users, audit log, a merge comparison); the whole
// tour would take over ten minutes more, and TestEveryScreenFitsSmallScaled
// measures every screen headless.
func TestWindowStaysOnScreenSmallScaled(t *testing.T) {
	windowStaysOnScreen(t, 1024, 768, "1.5", "home", "find", "chart-summary", "chart-results", "chart-document",
		"inbox-document", "admin-users", "admin-audit", "admin-merge")
}

// windowStaysOnScreen runs windowTour on a screenW×screenH display at Fyne
// scale scale; him names the HIM manager's screens to open, all of them
// when none is named.
func windowStaysOnScreen(t *testing.T, screenW, screenH int, scale string, him ...string) {
	rw := startRealWindow(t, screenW, screenH, scale)
	// The whole tour, HIM manager and front desk, on a busy machine.
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	windowTour(t, rw.env, rw.xdotool, rw.display, exec.CommandContext(ctx, rw.bin, "--data", filepath.Join(rw.dir, "data"), "--demo", "--demo-patients", "30", "--script"), screenW, screenH, him)
}

// TestSignInHasKeyboardAtLaunch launches the workstation on a practice that
// exists, so the sign-in screen is its first screen, built before the
// window runs: the username or password field must have the keyboard, so
// a user can type at once without reaching for the mouse.
func TestSignInHasKeyboardAtLaunch(t *testing.T) {
	rw := startRealWindow(t, 1024, 768, "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	data := filepath.Join(rw.dir, "data")

	ask, end := scriptSession(t, rw.env, exec.CommandContext(ctx, rw.bin, "--data", data, "--demo", "--demo-patients", "5", "--script"))
	ask("ready")
	ask("quit")
	end()

	ask, end = scriptSession(t, rw.env, exec.CommandContext(ctx, rw.bin, "--data", data, "--script"))
	defer end()
	ask("ready")
	var focused []string
	for range 50 {
		if focused = ask("focused"); len(focused) == 1 && focused[0] != "" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(focused) != 1 || (focused[0] != "password" && focused[0] != "entry username") {
		t.Errorf("at launch the keyboard is on %q, want the sign-in screen's username or password field", focused)
	}
	ask("quit")
}

// realWindow is a private X display and the workstation built for it.
type realWindow struct {
	bin, dir, display, xdotool string
	env                        []string
}

// startRealWindow builds the workstation and starts a virtual display of
// w×h for it, at Fyne scale scale ("" for the default) (both stop with the test); without Xvfb and xdotool the test
// is skipped, or fails under CI, where make deps installs them.
func startRealWindow(t *testing.T, screenW, screenH int, scale string) realWindow {
	t.Helper()
	var tools []string
	for _, tool := range []string{"Xvfb", "xdotool"} {
		path, err := exec.LookPath(tool)
		if err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed; make deps installs it", tool)
			}
			t.Skipf("%s is not installed; make deps installs it", tool)
		}
		tools = append(tools, path)
	}
	xvfb, xdotool := tools[0], tools[1]

	dir := t.TempDir()
	bin := filepath.Join(dir, "chartkeeper")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	display := startXvfb(t, xvfb, fmt.Sprintf("%dx%dx24", screenW, screenH))
	env := append(os.Environ(), "DISPLAY="+display,
		"XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
		"XDG_CACHE_HOME="+filepath.Join(dir, "cache"),
		"XDG_DATA_HOME="+filepath.Join(dir, "share"),
		"GALLIUM_DRIVER=softpipe", "FYNE_SCALE="+scale)

	return realWindow{bin: bin, dir: dir, display: display, xdotool: xdotool, env: env}
}

// windowTour signs in to the demo practice cmd opens as the HIM manager and
// as front desk, opens their screens (the HIM manager's named in him, or
// all), and checks the window's geometry after each step.
func windowTour(t *testing.T, env []string, xdotool, display string, cmd *exec.Cmd, screenW, screenH int, him []string) {
	t.Helper()
	ask, done := scriptSession(t, env, cmd)
	defer done()

	window := ""
	geometry := func(after string) {
		t.Helper()
		if window == "" {
			out, err := exec.Command(xdotool, "search", "--sync", "--onlyvisible", "--name", "^Chartkeeper$").Output()
			if err != nil {
				t.Fatalf("xdotool search: %v", err)
			}
			window = strings.Fields(string(out))[0]
		}
		c := exec.Command(xdotool, "getwindowgeometry", "--shell", window)
		c.Env = env
		out, err := c.Output()
		if err != nil {
			t.Fatalf("xdotool getwindowgeometry: %v", err)
		}
		g := map[string]int{}
		for _, line := range strings.Fields(string(out)) {
			k, v, _ := strings.Cut(line, "=")
			g[k], _ = strconv.Atoi(v)
		}
		if g["X"]+g["WIDTH"] > screenW || g["Y"]+g["HEIGHT"] > screenH || g["WIDTH"] == 0 {
			t.Errorf("after %s the window is %d×%d at %d,%d: past the %d×%d display", after,
				g["WIDTH"], g["HEIGHT"], g["X"], g["Y"], screenW, screenH)
		}
	}

	ask("ready")
	t.Setenv("DISPLAY", display)
	geometry("opening")
	for _, user := range []string{"demo-him", "demo-frontdesk"} {
		ask("signin " + user)
		geometry(user + " signing in")
		screens := ask("screens")
		for _, want := range []string{"chart-summary", "inbox"} {
			if !contains(screens, want) {
				t.Errorf("%s's screens %q lack %s", user, screens, want)
			}
		}
		if user == "demo-frontdesk" {
			screens = []string{"chart-summary", "chart-demographics", "register", "inbox", "inbox-document"}
		}
		if user == "demo-him" && len(him) > 0 {
			screens = him
		}
		for _, s := range screens {
			ask("open " + s)
			geometry(user + " opening " + s)
		}
		if user == "demo-him" {
			// A window the user made larger than the display comes back
			// to its size at sign-in when they sign out.
			c := exec.Command(xdotool, "windowsize", "--sync", window, "1500", "900")
			c.Env = env
			if out, err := c.CombinedOutput(); err != nil {
				t.Fatalf("xdotool windowsize: %v\n%s", err, out)
			}
		}
		ask("signout")
		geometry(user + " signing out")
	}
	ask("quit")
}

// scriptSession starts cmd (the workstation with --script) and gives a
// function that sends one command and returns the lines it answered, and
// one that ends the program.
func scriptSession(t *testing.T, env []string, cmd *exec.Cmd) (ask func(string) []string, end func()) {
	t.Helper()
	cmd.Env = env
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	end = func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}
	answers := bufio.NewScanner(stdout)
	ask = func(command string) []string {
		t.Helper()
		fmt.Fprintln(stdin, command)
		var lines []string
		for answers.Scan() {
			line := answers.Text()
			switch {
			case line == "ok":
				return lines
			case strings.HasPrefix(line, "error:"):
				t.Fatalf("%s: %s", command, line)
			}
			lines = append(lines, line)
		}
		t.Fatalf("%s: the workstation quit\n%s", command, logs.String())
		return nil
	}

	return ask, end
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// startXvfb starts a virtual display of the given screen size on a free
// display number and returns its name; it stops with the test.
func startXvfb(t *testing.T, xvfb, screen string) string {
	t.Helper()
	for n := 90 + os.Getpid()%100; ; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", n)); err == nil {
			continue
		}
		display := fmt.Sprintf(":%d", n)
		cmd := exec.Command(xvfb, display, "-screen", "0", screen, "-nolisten", "tcp")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		for range 100 {
			if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
				return display
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("Xvfb did not start on %s", display)
	}
}
