//go:build linux

package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestSmoke builds the workstation, starts it on a virtual display with
// --demo on an empty data folder, and checks that it makes a demo practice,
// draws its sign-in screen and quits. The picture it leaves in
// build/smoke.png shows what a person would see.
func TestSmoke(t *testing.T) {
	xvfbRun, err := exec.LookPath("xvfb-run")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("xvfb-run is not installed; make deps installs it")
		}
		t.Skip("xvfb-run is not installed; make deps installs it")
	}
	bin := workstation(t)

	shot := filepath.Join(repoRoot(t), "build", "smoke.png")
	if err := os.MkdirAll(filepath.Dir(shot), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(shot); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}

	home := t.TempDir() // keeps Fyne's settings out of the developer's own
	data := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, xvfbRun, "-a", bin, "--data", data, "--demo", "--demo-patients", "100", "--smoke-screenshot", shot)
	cmd.Env = append(os.Environ(),
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		"XDG_CACHE_HOME="+filepath.Join(home, "cache"),
		"XDG_DATA_HOME="+filepath.Join(home, "data"),
	)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	// xvfb-run starts Xvfb and the workstation as children: on timeout, kill
	// the whole process group, not only the script.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			t.Fatalf("the workstation did not quit within 60 s\n%s", output.String())
		}
		t.Fatalf("the workstation failed: %v\n%s", err, output.String())
	}

	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v\n%s", err, output.String())
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() <= 100 || b.Dy() <= 100 {
		t.Errorf("the screenshot is %d×%d pixels, want a window larger than 100×100", b.Dx(), b.Dy())
	}
	if n := colours(img); n < 16 {
		t.Errorf("the screenshot has %d colours; a drawn screen with an icon and text has many", n)
	}
	for _, name := range []string{"chartkeeper.db", "demo-practice.json"} {
		if _, err := os.Stat(filepath.Join(data, name)); err != nil {
			t.Errorf("no demo practice in the data folder: %v", err)
		}
	}
}

// repoRoot is the module's root folder, two levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("cannot find the repository root: %v", err)
	}
	return root
}

// colours counts the distinct colours in img.
func colours(img image.Image) int {
	seen := map[color.RGBA]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			seen[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)] = true
		}
	}
	return len(seen)
}
