package interop

// baton-sdk's own syncer drives our connectors through `<connector> serve`, and what it writes
// is what our own engine writes: our `diff` between the two files finds nothing, and baton's
// reader lists the same objects in both, field for field (grpc_compare_test.go).

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	connectorwrapperV1 "github.com/conductorone/baton-sdk/pb/c1/connector_wrapper/v1"
	ratelimitV1 "github.com/conductorone/baton-sdk/pb/c1/ratelimit/v1"
	batonsync "github.com/conductorone/baton-sdk/pkg/sync"
	"github.com/conductorone/baton-sdk/pkg/utls"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
)

func TestGrpcBatonSyncsPlanetScaleAsOurEngineDoes(t *testing.T) {
	bin := Bin(t, EnvBatonPlanetScaleBin)
	fake := StartFake(t, "small")
	args, env := grpcPlanetScale(fake)
	dir := t.TempDir()
	ours, theirs := filepath.Join(dir, "ours.c1z"), filepath.Join(dir, "baton.c1z")
	Run(t, bin, env, append(args, "--file", ours)...)

	client := grpcDial(t, grpcServe(t, bin, env, args...), nil)
	grpcBatonSync(t, client, theirs)

	grpcAssertSameAccess(t, bin, ours, theirs)
	// Not two empty files: the small preset has grants, some only through grant expansion,
	// which baton's syncer ran from our annotations.
	if n := grpcGrantCount(t, bin, theirs); n < 50 {
		t.Fatalf("baton's file has %d grants; the small preset has more", n)
	}
	grpcAssertSameContents(t, ours, theirs)
	grpcAssertSameSyncRun(t, ours, theirs)

	// baton's RollbackExpansion accepts our expanded sync (it carries baton's supports_diff
	// marker) and takes it back to our sync without expansion.
	unexpanded := filepath.Join(dir, "ours-unexpanded.c1z")
	Run(t, bin, env, append(args, "--skip-expand-grants", "--file", unexpanded)...)
	assertRollbackUndoesOurExpansion(t, ours, unexpanded)
}

// grpcDirectory writes a directory for baton-directory: users, and groups with members and
// owners.
func grpcDirectory(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	users := `[{"id":"ada","name":"Ada","email":"ada@example.com"},
		{"id":"bob","name":"Bob","email":"bob@example.com"},
		{"id":"cy","name":"Cy","email":"cy@example.com"}]`
	grpcMust(t, os.WriteFile(filepath.Join(dir, "users.json"), []byte(users), 0o600), "users.json")
	grpcMust(t, os.Mkdir(filepath.Join(dir, "groups"), 0o700), "groups/")
	groups := map[string]string{
		"eng": `{"name":"Engineering","members":["ada","bob"],"owners":["ada"]}`,
		"ops": `{"name":"Operations","members":["cy"]}`,
	}
	for id, body := range groups {
		path := filepath.Join(dir, "groups", id+".json")
		grpcMust(t, os.WriteFile(path, []byte(body), 0o600), "%s", path)
	}
	return dir
}

func TestGrpcBatonSyncsDirectoryAsOurEngineDoes(t *testing.T) {
	bin := Bin(t, EnvBatonDirectoryBin)
	data := grpcDirectory(t)
	dir := t.TempDir()
	ours, theirs := filepath.Join(dir, "ours.c1z"), filepath.Join(dir, "baton.c1z")
	Run(t, bin, nil, "--directory", data, "--file", ours)

	client := grpcDial(t, grpcServe(t, bin, nil, "--directory", data), nil)
	grpcBatonSync(t, client, theirs)

	grpcAssertSameAccess(t, bin, ours, theirs)
	if n := grpcGrantCount(t, bin, theirs); n != 4 {
		t.Fatalf("baton's file has %d grants, not the directory's 4", n)
	}
	grpcAssertSameContents(t, ours, theirs)
	grpcAssertSameSyncRun(t, ours, theirs)
}

// grpcSubprocess starts `bin serve args...` as baton-sdk starts a connector subprocess: a
// loopback listener passed as descriptor 3 (BATON_CONNECTOR_SERVICE_LISTENER_FD=3), the base64
// ServerConfig with fresh Ed25519 mutual-TLS material on standard input. It returns the
// address, the client's TLS credentials, the process, what closes its standard input, and the
// file its standard error goes to.
func grpcSubprocess(t *testing.T, bin string, env []string, args ...string) (string, credentials.TransportCredentials, *exec.Cmd, func() error, string) {
	t.Helper()
	return grpcSubprocessLimited(t, bin, env, nil, args...)
}

// grpcSubprocessLimited is grpcSubprocess with limits as the ServerConfig's
// rate_limiter_config (baton's WithRateLimiterConfig; nil: none).
func grpcSubprocessLimited(t *testing.T, bin string, env []string, limits *ratelimitV1.RateLimiterConfig, args ...string) (string, credentials.TransportCredentials, *exec.Cmd, func() error, string) {
	t.Helper()
	ctx := context.Background()
	listener, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	grpcMust(t, err, "listening")
	port := listener.Addr().(*net.TCPAddr).Port
	file, err := listener.File()
	grpcMust(t, err, "the listener's descriptor")
	listener.Close()
	clientCred, serverCred, err := utls.GenerateClientServerCredentials(ctx)
	grpcMust(t, err, "TLS credentials")
	config, err := proto.Marshal(&connectorwrapperV1.ServerConfig{
		Credential:        serverCred,
		RateLimiterConfig: limits,
		ListenPort:        uint32(port),
	})
	grpcMust(t, err, "the server configuration")

	cmd := exec.Command(bin, append([]string{"serve"}, args...)...)
	cmd.Env = append(append(os.Environ(), env...), "BATON_CONNECTOR_SERVICE_LISTENER_FD=3")
	cmd.ExtraFiles = []*os.File{file}
	log := grpcLog(t, filepath.Base(bin)+"-subprocess")
	cmd.Stderr = log
	stdin, err := cmd.StdinPipe()
	grpcMust(t, err, "standard input")
	grpcMust(t, cmd.Start(), "starting %s", bin)
	t.Cleanup(func() { grpcStop(cmd) })
	file.Close()
	_, err = fmt.Fprintln(stdin, base64.StdEncoding.EncodeToString(config))
	grpcMust(t, err, "writing the server configuration")

	tlsConfig, err := utls.ClientConfig(ctx, clientCred)
	grpcMust(t, err, "the client's TLS")
	return fmt.Sprintf("127.0.0.1:%d", port), credentials.NewTLS(tlsConfig), cmd, stdin.Close, log.Name()
}

func TestGrpcSubprocessModeWithMutualTLS(t *testing.T) {
	bin := Bin(t, EnvBatonPlanetScaleBin)
	fake := StartFake(t, "small")
	args, env := grpcPlanetScale(fake)
	dir := t.TempDir()
	ours, theirs := filepath.Join(dir, "ours.c1z"), filepath.Join(dir, "baton.c1z")
	Run(t, bin, env, append(args, "--file", ours)...)

	addr, creds, cmd, closeStdin, log := grpcSubprocess(t, bin, env, append(args, "--log-level", "debug")...)

	// Without a client certificate the server answers nothing.
	plain := grpcDial(t, addr, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := plain.Validate(ctx, &v2.ConnectorServiceValidateRequest{}); err == nil {
		t.Fatal("a client without TLS was answered")
	}

	// Dialled as baton's parent dials its subprocess: every call asks the child's rate limiter
	// first (here configured with none) and reports to it after.
	client := grpcDial(t, addr, creds, grpcParent())
	grpcBatonSync(t, client, theirs)
	grpcAssertSameAccess(t, bin, ours, theirs)
	grpcAssertSameContents(t, ours, theirs)

	// Closing standard input is baton's way of stopping the subprocess.
	grpcMust(t, closeStdin(), "closing standard input")
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		grpcMust(t, err, "the subprocess's exit")
	case <-time.After(15 * time.Second):
		t.Fatal("the subprocess did not stop when its standard input closed")
	}
	// The token reached PlanetScale only: not one debug log line holds its secret.
	text, err := os.ReadFile(log)
	grpcMust(t, err, "the subprocess's log")
	secret := FakeToken[strings.Index(FakeToken, ":")+1:]
	if strings.Contains(string(text), secret) {
		t.Fatal("the token's secret is in the subprocess's log")
	}
}

func TestGrpcSubprocessServesBatonsRateLimiter(t *testing.T) {
	bin := Bin(t, EnvBatonDirectoryBin)
	// baton's parent asks for 10 calls a second: its child paces them 100 ms apart.
	limits := ratelimitV1.RateLimiterConfig_builder{
		FixedMem: ratelimitV1.FixedMemoryLimiter_builder{
			Rate:   10,
			Period: durationpb.New(time.Second),
		}.Build(),
	}.Build()
	addr, creds, _, _, _ := grpcSubprocessLimited(t, bin, nil, limits, "--directory", grpcDirectory(t))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// Do and Report as baton's generated client sends them: the token back, STATUS_EMPTY.
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
	grpcMust(t, err, "connecting to %s", addr)
	defer conn.Close()
	limiter := ratelimitV1.NewRateLimiterServiceClient(conn)
	descriptors := ratelimitV1.RateLimitDescriptors_builder{
		Entries: []*ratelimitV1.RateLimitDescriptors_Entry{ratelimitV1.RateLimitDescriptors_Entry_builder{
			Key:   "connector_method",
			Value: "/c1.connector.v2.ConnectorService/Validate",
		}.Build()},
	}.Build()
	done, err := limiter.Do(ctx, ratelimitV1.DoRequest_builder{
		RequestToken: "token-1",
		Service:      "connector",
		Descriptors:  descriptors,
	}.Build())
	grpcMust(t, err, "RateLimiterService/Do")
	if done.GetRequestToken() != "token-1" || done.GetDescription().GetStatus() != ratelimitV1.RateLimitDescription_STATUS_EMPTY {
		t.Fatalf("Do answered token %q, status %v; baton's child answers the token back, STATUS_EMPTY",
			done.GetRequestToken(), done.GetDescription().GetStatus())
	}
	_, err = limiter.Report(ctx, ratelimitV1.ReportRequest_builder{
		RequestToken: "token-1",
		Description:  ratelimitV1.RateLimitDescription_builder{Status: ratelimitV1.RateLimitDescription_STATUS_OK}.Build(),
		Service:      "connector",
		Descriptors:  descriptors,
	}.Build())
	grpcMust(t, err, "RateLimiterService/Report")
	empty := ratelimitV1.DoRequest_builder{Descriptors: &ratelimitV1.RateLimitDescriptors{}}.Build()
	if _, err := limiter.Do(ctx, empty); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("Do with descriptors without entries: %v; baton's validation answers InvalidArgument", err)
	}

	// Through baton's parent interceptor, ten calls are paced by the child: the first few may
	// use the time since the Do above, the rest wait 100 ms each.
	client := grpcDial(t, addr, creds, grpcParent())
	started := time.Now()
	for i := 0; i < 10; i++ {
		_, err := client.Validate(ctx, &v2.ConnectorServiceValidateRequest{})
		grpcMust(t, err, "Validate %d through baton's parent interceptor", i)
	}
	if took := time.Since(started); took < 700*time.Millisecond || took > 5*time.Second {
		t.Fatalf("10 calls at 10 a second took %v", took)
	}
}

func TestGrpcTargetedSyncAsksForOneResource(t *testing.T) {
	bin := Bin(t, EnvBatonDirectoryBin)
	data := grpcDirectory(t)
	theirs := filepath.Join(t.TempDir(), "baton.c1z")
	client := grpcDial(t, grpcServe(t, bin, nil, "--directory", data), nil)
	grpcBatonSync(t, client, theirs)

	// A targeted sync of group eng: GetResource, then its entitlements and grants.
	eng := &v2.Resource{Id: &v2.ResourceId{ResourceType: "group", Resource: "eng"}}
	grpcBatonSync(t, client, theirs, batonsync.WithTargetedSyncResources([]*v2.Resource{eng}))

	var syncs struct {
		Syncs []struct {
			ID   string `json:"id"`
			Type string `json:"syncType"`
		} `json:"syncs"`
	}
	out := Run(t, bin, nil, "inspect", "--file", theirs, "syncs", "--output", "json")
	grpcMust(t, json.Unmarshal(out, &syncs), "inspect syncs JSON: %s", out)
	partial := ""
	for _, s := range syncs.Syncs {
		if s.Type == "partial" {
			partial = s.ID
		}
	}
	if partial == "" {
		t.Fatalf("no partial sync in baton's file: %s", out)
	}
	grants := Run(t, bin, nil, "inspect", "--file", theirs, "--sync-id", partial, "grants", "--output", "json")
	for _, want := range []string{"group:eng:member:user:ada", "group:eng:member:user:bob", "group:eng:owner:user:ada"} {
		if !strings.Contains(string(grants), want) {
			t.Errorf("the targeted sync lacks grant %s: %s", want, grants)
		}
	}
	if strings.Contains(string(grants), "group:ops") {
		t.Errorf("the targeted sync of group eng holds group ops: %s", grants)
	}

	// A resource that does not exist answers NotFound, as baton's connectors do.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := client.GetResource(ctx, &v2.ResourceGetterServiceGetResourceRequest{
		ResourceId: &v2.ResourceId{ResourceType: "group", Resource: "../users"},
	})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("GetResource of a missing group: %v, want NotFound", err)
	}
}
