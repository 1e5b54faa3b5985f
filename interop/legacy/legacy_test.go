// Package legacy holds the interop case of older baton readers: baton-sdk v0.1.0 (May 2023, the
// era of the `c1z` crate's fixtures), in a Go module of its own so that its dependencies stay
// apart from the harness's baton-sdk v0.25.0. It opens a file the current baton-planetscale
// writes with that version's own reader and checks what it reads against our `inspect`.
//
// `cargo xtask ci` runs `go test ./...` here with the same environment as the harness:
// BATON_PLANETSCALE_BIN and PLANETSCALE_FAKE_BIN.
package legacy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/dotc1z"
)

// fakeToken is the fake's built-in full-access service token.
const fakeToken = "pscale_tkn_fake0000000001:pscale_tok_fakesecret0000000000000001"

// bin is the binary env names, the test failing with what to set when it is not.
func bin(t *testing.T, env string) string {
	t.Helper()
	path := os.Getenv(env)
	if path == "" {
		t.Fatalf("%s is not set: run the harness with `cargo xtask ci`, or build the binaries and "+
			"set BATON_PLANETSCALE_BIN and PLANETSCALE_FAKE_BIN to their paths", env)
	}
	return path
}

// startFake starts planetscale-fake with the demo data on 127.0.0.1 and returns its URL.
func startFake(t *testing.T) string {
	t.Helper()
	cmd := exec.Command(bin(t, "PLANETSCALE_FAKE_BIN"), "--preset", "demo", "--port", "0", "--rate-limit", "0")
	cmd.Env = append(os.Environ(), "RUST_LOG=warn")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting planetscale-fake: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- strings.TrimSpace(line)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case line := <-lines:
		url, ok := strings.CutPrefix(line, "listening on ")
		if !ok {
			t.Fatalf("planetscale-fake said %q, not its address", line)
		}
		return url
	case <-time.After(time.Minute):
		t.Fatal("planetscale-fake did not start within a minute")
		return ""
	}
}

// run runs baton-planetscale with args and returns its standard output.
func run(t *testing.T, env []string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(bin(t, "BATON_PLANETSCALE_BIN"), args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BATON_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("baton-planetscale %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

// TestOlderBatonReadsOurFiles: baton-sdk v0.1.0 opens a file of the current baton-planetscale
// (demo data, every optional part, grants expanded), finds its sync as the latest finished one,
// and lists exactly the resource types, resources, entitlements and grants our `inspect` lists
// (expanded grants included: v0.1.0 predates expansion and reads them as plain grants, their
// sources an unknown field it skips); opening it to read changes nothing in the file.
func TestOlderBatonReadsOurFiles(t *testing.T) {
	url := startFake(t)
	file := filepath.Join(t.TempDir(), "sync.c1z")
	run(t, []string{"BATON_PLANETSCALE_SERVICE_TOKEN=" + fakeToken},
		"--planetscale-api-url", url, "--file", file, "--log-level", "warn", "--requests-per-minute", "0",
		"--planetscale-list-databases", "--planetscale-sync-service-tokens",
		"--planetscale-sync-oauth-applications", "--planetscale-sync-invitations")
	before, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	f, err := dotc1z.NewC1ZFile(ctx, file)
	if err != nil {
		t.Fatalf("baton-sdk v0.1.0 cannot open our file: %v", err)
	}
	syncID, err := f.LatestSyncID(ctx)
	if err != nil {
		t.Fatalf("baton-sdk v0.1.0 finds no finished sync: %v", err)
	}
	theirs := older(t, f)
	if err := f.Close(); err != nil {
		t.Fatalf("closing our file: %v", err)
	}
	after, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("baton-sdk v0.1.0 rewrote our file on a read")
	}

	ours := ourListing(t, file, syncID)
	if len(ours) == 0 {
		t.Fatal("our inspect lists nothing")
	}
	t.Logf("sync %s: baton-sdk v0.1.0 lists %d objects, our inspect %d", syncID, len(theirs), len(ours))
	for _, key := range slices.Sorted(maps.Keys(ours)) {
		if _, ok := theirs[key]; !ok {
			t.Errorf("baton-sdk v0.1.0 does not list %s", key)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(theirs)) {
		if _, ok := ours[key]; !ok {
			t.Errorf("baton-sdk v0.1.0 lists %s, which our inspect does not", key)
		}
	}
}

// older lists everything of the latest finished sync with baton-sdk v0.1.0's reader: one entry
// per object, by kind and id.
func older(t *testing.T, f *dotc1z.C1File) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	for token := ""; ; {
		resp, err := f.ListResourceTypes(ctx, &v2.ResourceTypesServiceListResourceTypesRequest{PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, rt := range resp.GetList() {
			out["type "+rt.GetId()] = ""
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	for token := ""; ; {
		resp, err := f.ListResources(ctx, &v2.ResourcesServiceListResourcesRequest{PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range resp.GetList() {
			out["resource "+r.GetId().GetResourceType()+":"+r.GetId().GetResource()] = ""
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	for token := ""; ; {
		resp, err := f.ListEntitlements(ctx, &v2.EntitlementsServiceListEntitlementsRequest{PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range resp.GetList() {
			out["entitlement "+e.GetId()] = ""
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	for token := ""; ; {
		resp, err := f.ListGrants(ctx, &v2.GrantsServiceListGrantsRequest{PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range resp.GetList() {
			out["grant "+g.GetId()] = ""
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	return out
}

// ourListing is what our `inspect … -o json` lists of syncID, keyed as older's.
func ourListing(t *testing.T, file, syncID string) map[string]string {
	t.Helper()
	var listing struct {
		ResourceTypes []struct {
			ResourceType struct {
				ID string `json:"id"`
			} `json:"resourceType"`
		} `json:"resourceTypes"`
		Resources []struct {
			Resource struct {
				ID struct {
					ResourceType string `json:"resourceType"`
					Resource     string `json:"resource"`
				} `json:"id"`
			} `json:"resource"`
		} `json:"resources"`
		Entitlements []struct {
			Entitlement struct {
				ID string `json:"id"`
			} `json:"entitlement"`
		} `json:"entitlements"`
		Grants []struct {
			Grant struct {
				ID string `json:"id"`
			} `json:"grant"`
		} `json:"grants"`
	}
	for _, what := range []string{"resource-types", "resources", "entitlements", "grants"} {
		raw := run(t, nil, "inspect", "--file", file, "--sync-id", syncID, what, "-o", "json")
		if err := json.Unmarshal(raw, &listing); err != nil {
			t.Fatalf("inspect %s -o json: %v", what, err)
		}
	}
	out := map[string]string{}
	for _, rt := range listing.ResourceTypes {
		out["type "+rt.ResourceType.ID] = ""
	}
	for _, r := range listing.Resources {
		out["resource "+r.Resource.ID.ResourceType+":"+r.Resource.ID.Resource] = ""
	}
	for _, e := range listing.Entitlements {
		out["entitlement "+e.Entitlement.ID] = ""
	}
	for _, g := range listing.Grants {
		out["grant "+g.Grant.ID] = ""
	}
	return out
}
