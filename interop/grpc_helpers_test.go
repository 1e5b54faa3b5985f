package interop

// Helpers of the gRPC cases (grpc_*_test.go): baton-sdk's own syncer driving our connectors
// through `<connector> serve`, on the rig of rig_test.go (the binaries, the fake, running a
// command). Every name of their own starts with grpc; the fake's control endpoints are methods
// of the rig's Fake.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/conductorone/baton-sdk/pkg/connectorclient"
	"github.com/conductorone/baton-sdk/pkg/dotc1z/c1zstore"
	"github.com/conductorone/baton-sdk/pkg/ratelimit"
	batonsync "github.com/conductorone/baton-sdk/pkg/sync"
	"github.com/conductorone/baton-sdk/pkg/types"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// getJSON decodes the JSON the fake answers at path (a /__fake/ control endpoint).
func (f *Fake) getJSON(t *testing.T, path string, out any) {
	t.Helper()
	resp, err := http.Get(f.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// writes lists the changes the fake was sent, as "METHOD path", and forgets every request.
func (f *Fake) writes(t *testing.T) []string {
	t.Helper()
	var requests []struct {
		Method string `json:"method"`
		Path   string `json:"path"`
	}
	f.getJSON(t, "/__fake/requests", &requests)
	req, _ := http.NewRequest(http.MethodDelete, f.URL+"/__fake/requests", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	var out []string
	for _, r := range requests {
		if r.Method != http.MethodGet {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

// grpcPlanetScale is how baton-planetscale reaches a fake: its flags (every optional part on)
// and its environment (the token).
func grpcPlanetScale(f *Fake) (args []string, env []string) {
	args = []string{
		"--planetscale-api-url", f.URL,
		"--planetscale-list-databases",
		"--planetscale-sync-service-tokens",
		"--planetscale-sync-oauth-applications",
		"--planetscale-sync-invitations",
	}
	return args, []string{"BATON_PLANETSCALE_SERVICE_TOKEN=" + FakeToken}
}

// grpcStart starts cmd, stopped (SIGTERM, then killed) when the test ends, and returns the
// first line it prints; its standard error goes to a file in the test's directory.
func grpcStart(t *testing.T, cmd *exec.Cmd, name string) string {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = grpcLog(t, name)
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	t.Cleanup(func() { grpcStop(cmd) })
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- strings.TrimSpace(line)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case line := <-lines:
		if line == "" {
			t.Fatalf("%s printed nothing; see %s.log", name, name)
		}
		return line
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not start within a minute", name)
		return ""
	}
}

// grpcStop asks cmd to stop and kills it if it has not within five seconds.
func grpcStop(cmd *exec.Cmd) {
	if cmd.Process == nil || cmd.ProcessState != nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// grpcLog is a file for a process's standard error, kept in the test's directory.
func grpcLog(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			text, _ := os.ReadFile(f.Name())
			t.Logf("%s's standard error:\n%s", name, grpcTail(string(text), 40))
		}
		f.Close()
	})
	return f
}

func grpcTail(text string, n int) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// grpcServe starts `bin serve args...` and returns the address it prints.
func grpcServe(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	return grpcStart(t, cmd, filepath.Base(bin)+"-serve")
}

// grpcDial connects baton-sdk's connector client to addr.
func grpcDial(t *testing.T, addr string, creds credentials.TransportCredentials, opts ...grpc.DialOption) types.ConnectorClient {
	t.Helper()
	if creds == nil {
		creds = insecure.NewCredentials()
	}
	conn, err := grpc.NewClient(addr, append([]grpc.DialOption{grpc.WithTransportCredentials(creds)}, opts...)...)
	if err != nil {
		t.Fatalf("connecting to %s: %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	return connectorclient.NewConnectorClient(context.Background(), conn)
}

// grpcParent is the client interceptor baton-sdk's parent process dials its connector
// subprocess with (internal/connector's wrapper.C, which no program outside baton-sdk can
// call): before every unary call it asks the child's c1.ratelimit.v1.RateLimiterService/Do, and
// after it Reports.
func grpcParent() grpc.DialOption {
	return grpc.WithChainUnaryInterceptor(ratelimit.UnaryInterceptor(time.Now))
}

// grpcBatonSync runs baton-sdk's syncer against client into the .c1z at path (SQLite engine:
// the v1 format our tools read) and returns how long it took.
func grpcBatonSync(t *testing.T, client types.ConnectorClient, path string, opts ...batonsync.SyncOpt) time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	opts = append([]batonsync.SyncOpt{
		batonsync.WithC1ZPath(path),
		batonsync.WithTmpDir(t.TempDir()),
		batonsync.WithStorageEngine(c1zstore.EngineSQLite),
	}, opts...)
	started := time.Now()
	syncer, err := batonsync.NewSyncer(ctx, client, opts...)
	if err != nil {
		t.Fatalf("baton's syncer: %v", err)
	}
	if err := syncer.Sync(ctx); err != nil {
		_ = syncer.Close(ctx)
		t.Fatalf("baton's sync through the gRPC protocol failed: %v", err)
	}
	if err := syncer.Close(ctx); err != nil {
		t.Fatalf("closing baton's sync: %v", err)
	}
	return time.Since(started)
}

// grpcAssertSameAccess runs our `diff` between our own sync and baton's and fails on any
// access gained or lost, resource added or removed, or attribute changed.
func grpcAssertSameAccess(t *testing.T, bin, ours, theirs string) {
	t.Helper()
	out := Run(t, bin, nil, "diff", ours, theirs, "--output", "json")
	var diff map[string]json.RawMessage
	if err := json.Unmarshal(out, &diff); err != nil {
		t.Fatalf("diff printed no JSON: %v\n%s", err, out)
	}
	for _, key := range []string{"access", "resourcesAdded", "resourcesRemoved", "attributesChanged"} {
		if string(diff[key]) != "[]" {
			t.Errorf("baton's sync differs from ours in %s: %s", key, grpcTail(string(diff[key]), 30))
		}
	}
}

// grpcStats are the totals of the latest full sync of a file, from our `inspect stats`.
func grpcStats(t *testing.T, bin, file string) map[string]any {
	t.Helper()
	var stats map[string]any
	out := Run(t, bin, nil, "inspect", "--file", file, "stats", "--output", "json")
	if err := json.Unmarshal(out, &stats); err != nil {
		t.Fatalf("inspect stats printed no JSON: %v", err)
	}
	return stats
}

// grpcGrantCount is the number of grants in the latest full sync of a file.
func grpcGrantCount(t *testing.T, bin, file string) int {
	t.Helper()
	totals, _ := grpcStats(t, bin, file)["totals"].(map[string]any)
	n, ok := totals["grants"].(float64)
	if !ok {
		t.Fatalf("inspect stats has no grant total: %v", totals)
	}
	return int(n)
}

func grpcMust(t *testing.T, err error, what string, args ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", fmt.Sprintf(what, args...), err)
	}
}
