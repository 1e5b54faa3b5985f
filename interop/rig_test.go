// Package interop is the project's interop harness: Go tests that hold our Rust binaries against
// baton-sdk's own code (its .c1z reader and writer, its configuration and capability types).
//
// `cargo xtask ci` builds the binaries and runs `go test ./...` here with their paths in
// BATON_PLANETSCALE_BIN, BATON_DIRECTORY_BIN and PLANETSCALE_FAKE_BIN. This file is the shared
// rig every case uses: locating the binaries, starting the fake PlanetScale API on 127.0.0.1,
// running a sync into a temporary directory, and running our commands with JSON output.
package interop

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Env vars naming the binaries under test; `cargo xtask ci` sets all three.
const (
	EnvBatonPlanetScaleBin = "BATON_PLANETSCALE_BIN"
	EnvBatonDirectoryBin   = "BATON_DIRECTORY_BIN"
	EnvPlanetScaleFakeBin  = "PLANETSCALE_FAKE_BIN"
)

// FakeToken is the fake's built-in full-access service token (planetscale-fake's
// DEFAULT_TOKEN_ID:DEFAULT_TOKEN).
const FakeToken = "pscale_tkn_fake0000000001:pscale_tok_fakesecret0000000000000001"

// CommandTimeout bounds every process the rig runs; a bench-sized sync takes seconds.
const CommandTimeout = 5 * time.Minute

// Bin returns the path of the binary named by env (one of the Env* constants), failing the test
// with what to do when it is unset or missing.
func Bin(t testing.TB, env string) string {
	t.Helper()
	path := os.Getenv(env)
	if path == "" {
		t.Fatalf("%s is not set: run the harness with `cargo xtask ci`, or build the binaries "+
			"(cargo build --release -p baton-planetscale -p baton-directory -p planetscale-fake) and set %s, %s and %s "+
			"to their paths", env, EnvBatonPlanetScaleBin, EnvBatonDirectoryBin, EnvPlanetScaleFakeBin)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s=%s: %v (build it first)", env, path, err)
	}
	return path
}

// Fake is a running planetscale-fake process.
type Fake struct {
	// URL is its base URL, http://127.0.0.1:PORT.
	URL string
}

// StartFake starts planetscale-fake on 127.0.0.1 with a data preset (small, demo or bench) and
// extra flags, without a rate limit; the test's cleanup stops it.
func StartFake(t testing.TB, preset string, extra ...string) *Fake {
	t.Helper()
	args := append([]string{"--preset", preset, "--port", "0", "--rate-limit", "0"}, extra...)
	cmd := exec.Command(Bin(t, EnvPlanetScaleFakeBin), args...)
	cmd.Env = append(os.Environ(), "RUST_LOG=warn")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting planetscale-fake: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(stdout)
		if s.Scan() {
			line <- s.Text()
		}
		close(line)
	}()
	select {
	case l := <-line:
		url, ok := strings.CutPrefix(strings.TrimSpace(l), "listening on ")
		if !ok {
			t.Fatalf("planetscale-fake did not say where it listens: %q (stderr: %s)", l, stderr.String())
		}
		return &Fake{URL: url}
	case <-time.After(CommandTimeout):
		t.Fatalf("planetscale-fake did not start within %s (stderr: %s)", CommandTimeout, stderr.String())
	}
	return nil
}

// Env is the environment of a baton-planetscale run against this fake.
func (f *Fake) Env() []string {
	return []string{
		"BATON_PLANETSCALE_SERVICE_TOKEN=" + FakeToken,
		"BATON_PLANETSCALE_API_URL=" + f.URL,
	}
}

// Run runs bin with args and extra environment variables and returns its stdout, failing the
// test with stderr when it exits non-zero.
func Run(t testing.TB, bin string, env []string, args ...string) []byte {
	t.Helper()
	out, stderr, err := RunResult(t, bin, env, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\nstderr: %s", filepath.Base(bin), strings.Join(args, " "), err, stderr)
	}
	return out
}

// RunResult runs bin like Run and returns stdout, stderr and the exit error without failing.
func RunResult(t testing.TB, bin string, env []string, args ...string) ([]byte, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), CommandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	// No BATON_* setting of the caller's leaks into a run.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BATON_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	return stdout.Bytes(), stderr.String(), err
}

// Sync runs one baton-planetscale sync against the fake into dir/name (created if missing) with
// extra flags, and returns the file's path. The client's own request ceiling is off: the fake
// has no rate limit either.
func (f *Fake) Sync(t testing.TB, dir, name string, flags ...string) string {
	t.Helper()
	file := filepath.Join(dir, name)
	args := append([]string{"--file", file, "--log-level", "warn", "--requests-per-minute", "0"}, flags...)
	Run(t, Bin(t, EnvBatonPlanetScaleBin), f.Env(), args...)
	return file
}

// InspectJSON runs `baton-planetscale inspect --file FILE ARGS... -o json` and decodes its
// output into out.
func InspectJSON(t testing.TB, file string, out any, args ...string) {
	t.Helper()
	full := append([]string{"inspect", "--file", file}, args...)
	full = append(full, "-o", "json")
	raw := Run(t, Bin(t, EnvBatonPlanetScaleBin), nil, full...)
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("inspect %s -o json: %v\n%s", strings.Join(args, " "), err, truncate(raw))
	}
}

func truncate(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}
