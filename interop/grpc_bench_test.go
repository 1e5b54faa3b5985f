package interop

// The Go half of `cargo xtask bench --scenarios grpc`: baton-sdk's syncer driving a running
// `baton-planetscale serve`, timed here so that building this test is not counted.
//
// The sync writes with the storage engine GRPC_BENCH_ENGINE names (baton-sdk's default, Pebble,
// when unset: what a baton host runs). Its content is then compared with our own sync of the
// same data (GRPC_BENCH_OURS), both files read with baton-sdk's engine-neutral store: every
// resource, entitlement and grant id, and every grant's expansion sources, equal.

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/dotc1z"
	"github.com/conductorone/baton-sdk/pkg/dotc1z/c1zstore"
	batonsync "github.com/conductorone/baton-sdk/pkg/sync"
)

func TestGrpcBenchSync(t *testing.T) {
	addr := os.Getenv("GRPC_BENCH_ADDR")
	if addr == "" {
		t.Skip("run by `cargo xtask bench --scenarios grpc`, which sets GRPC_BENCH_ADDR")
	}
	workers, err := strconv.Atoi(os.Getenv("GRPC_BENCH_WORKERS"))
	grpcMust(t, err, "GRPC_BENCH_WORKERS")
	engine := c1zstore.EnginePebble
	if name := os.Getenv("GRPC_BENCH_ENGINE"); name != "" {
		engine = c1zstore.Engine(name)
	}
	client := grpcDial(t, addr, nil)
	theirs := os.Getenv("GRPC_BENCH_C1Z")
	cpuBefore := grpcProcessCPU(t)
	wall := grpcBatonSync(t, client, theirs, batonsync.WithWorkerCount(workers), batonsync.WithStorageEngine(engine))
	fmt.Printf("grpc-bench wall_s=%f\n", wall.Seconds())
	fmt.Printf("grpc-bench cpu_s=%f\n", (grpcProcessCPU(t) - cpuBefore).Seconds())
	if ours := os.Getenv("GRPC_BENCH_OURS"); ours != "" {
		differences := grpcContentDifferences(grpcStoreContent(t, ours), grpcStoreContent(t, theirs))
		for _, d := range differences {
			t.Log(d)
		}
		fmt.Printf("grpc-bench identical=%t\n", len(differences) == 0)
	}
}

// grpcProcessCPU is the CPU time this process has used so far (user and system): what baton's
// side of the sync costs, set against the server's and the fake's.
func grpcProcessCPU(t *testing.T) time.Duration {
	t.Helper()
	var usage syscall.Rusage
	grpcMust(t, syscall.Getrusage(syscall.RUSAGE_SELF, &usage), "getrusage")
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}

// grpcStoreContent is what a .c1z of any engine holds, read with baton-sdk's engine-neutral
// store: one entry per resource type, resource, entitlement and grant, by kind and id, a grant's
// value its expansion sources.
func grpcStoreContent(t *testing.T, path string) map[string]string {
	t.Helper()
	ctx := context.Background()
	store, err := dotc1z.NewStore(ctx, path, dotc1z.WithReadOnly(true), dotc1z.WithTmpDir(t.TempDir()))
	grpcMust(t, err, "baton-sdk cannot open %s", path)
	defer store.Close(ctx)
	out := map[string]string{}
	for token := ""; ; {
		resp, err := store.ListResourceTypes(ctx, v2.ResourceTypesServiceListResourceTypesRequest_builder{PageToken: token}.Build())
		grpcMust(t, err, "listing the resource types of %s", path)
		for _, rt := range resp.GetList() {
			out["resource type "+rt.GetId()] = ""
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	for token := ""; ; {
		resp, err := store.ListResources(ctx, v2.ResourcesServiceListResourcesRequest_builder{PageToken: token}.Build())
		grpcMust(t, err, "listing the resources of %s", path)
		for _, r := range resp.GetList() {
			out["resource "+r.GetId().GetResourceType()+":"+r.GetId().GetResource()] = ""
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	for token := ""; ; {
		resp, err := store.ListEntitlements(ctx, v2.EntitlementsServiceListEntitlementsRequest_builder{PageToken: token}.Build())
		grpcMust(t, err, "listing the entitlements of %s", path)
		for _, e := range resp.GetList() {
			out["entitlement "+e.GetId()] = ""
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	for token := ""; ; {
		resp, err := store.ListGrants(ctx, v2.GrantsServiceListGrantsRequest_builder{PageToken: token}.Build())
		grpcMust(t, err, "listing the grants of %s", path)
		for _, g := range resp.GetList() {
			sources := slices.Sorted(maps.Keys(g.GetSources().GetSources()))
			out["grant "+g.GetId()] = strings.Join(sources, " ")
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	return out
}

// grpcContentDifferences says what differs between two contents, at most 20 lines.
func grpcContentDifferences(ours, theirs map[string]string) []string {
	var out []string
	for _, key := range slices.Sorted(maps.Keys(ours)) {
		switch got, ok := theirs[key]; {
		case !ok:
			out = append(out, "only in ours: "+key)
		case got != ours[key]:
			out = append(out, fmt.Sprintf("%s: sources %q in ours, %q in baton's", key, ours[key], got))
		}
	}
	for _, key := range slices.Sorted(maps.Keys(theirs)) {
		if _, ok := ours[key]; !ok {
			out = append(out, "only in baton's: "+key)
		}
	}
	if len(out) > 20 {
		out = append(out[:20], fmt.Sprintf("… and %d more", len(out)-20))
	}
	return out
}
