package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/connectorstore"
	"github.com/conductorone/baton-sdk/pkg/dotc1z"
	"github.com/conductorone/baton-sdk/pkg/dotc1z/c1zstore"
	ent "github.com/conductorone/baton-sdk/pkg/types/entitlement"
	gr "github.com/conductorone/baton-sdk/pkg/types/grant"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
)

// EnvWriteFixtures, when set to a directory, makes TestWeReadBatonsFiles copy the v1 file it
// writes there (crates/c1z/tests/fixtures/baton-v0.25.c1z is such a copy).
const EnvWriteFixtures = "INTEROP_WRITE_FIXTURES"

// batonWrites is what the harness's own small directory connector writes with baton-sdk's
// store: users, groups (one nested in another), a role, entitlements, direct grants and grants
// carrying GrantExpandable (a group in a group, a group holding a role), an asset, two finished
// full syncs that differ, and an unfinished sync beside them.
type batonWrites struct {
	finished   []string
	unfinished string
	logo       []byte
}

// writeBatonFile writes that data with baton-sdk v0.25.0's engine (sqlite: v1, pebble: v3).
func writeBatonFile(t *testing.T, path string, engine c1zstore.Engine) batonWrites {
	t.Helper()
	ctx := context.Background()
	store, err := dotc1z.NewStore(ctx, path, dotc1z.WithEngine(engine), dotc1z.WithTmpDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	userRT := rs.NewResourceType("User", []v2.ResourceType_Trait{v2.ResourceType_TRAIT_USER})
	groupRT := rs.NewResourceType("Group", []v2.ResourceType_Trait{v2.ResourceType_TRAIT_GROUP},
		v2.ChildResourceType_builder{ResourceTypeId: "group"}.Build())
	roleRT := rs.NewResourceType("Role", []v2.ResourceType_Trait{v2.ResourceType_TRAIT_ROLE})
	user := func(id, name, email string) *v2.Resource {
		r, err := rs.NewUserResource(name, userRT, id, []rs.UserTraitOption{
			rs.WithEmail(email, true), rs.WithUserLogin(id), rs.WithStatus(v2.UserTrait_Status_STATUS_ENABLED),
		})
		must(err)
		return r
	}
	group := func(id, name string, parent *v2.Resource) *v2.Resource {
		var opts []rs.ResourceOption
		if parent != nil {
			opts = append(opts, rs.WithParentResourceID(parent.GetId()))
		}
		r, err := rs.NewGroupResource(name, groupRT, id, nil, opts...)
		must(err)
		return r
	}
	role, err := rs.NewRoleResource("Admin", roleRT, "admin", nil)
	must(err)
	expandable := func(ids ...string) gr.GrantOption {
		return gr.WithAnnotation(v2.GrantExpandable_builder{EntitlementIds: ids}.Build())
	}
	out := batonWrites{logo: []byte("\x89PNG not really")}
	for i, usersOfPlatform := range [][]string{{"u2"}, {"u2", "u3"}} {
		syncID, err := store.StartNewSync(ctx, connectorstore.SyncTypeFull, "")
		must(err)
		users := []*v2.Resource{user("u1", "Ann Lee", "ann@example.com"), user("u2", "Bo Chen", "bo@example.com"), user("u3", "Cy Diaz", "cy@example.com")}
		eng := group("eng", "Engineering", nil)
		platform := group("platform", "Platform", eng)
		must(store.PutResourceTypes(ctx, userRT, groupRT, roleRT))
		must(store.PutResources(ctx, append(users, eng, platform, role)...))
		member := func(g *v2.Resource) *v2.Entitlement {
			return ent.NewAssignmentEntitlement(g, "member", ent.WithGrantableTo(userRT, groupRT))
		}
		assigned := ent.NewAssignmentEntitlement(role, "assigned", ent.WithGrantableTo(userRT, groupRT))
		must(store.PutEntitlements(ctx, member(eng), member(platform), assigned))
		grants := []*v2.Grant{
			// The platform group's members are members of engineering; engineering's hold admin.
			gr.NewGrant(eng, "member", platform.GetId(), expandable("group:platform:member")),
			gr.NewGrant(role, "assigned", eng.GetId(), expandable("group:eng:member")),
		}
		if i == 0 {
			grants = append(grants, gr.NewGrant(eng, "member", users[0].GetId()))
		}
		for _, u := range usersOfPlatform {
			grants = append(grants, gr.NewGrant(platform, "member", v2.ResourceId_builder{ResourceType: "user", Resource: u}.Build()))
		}
		must(store.PutGrants(ctx, grants...))
		must(store.PutAsset(ctx, v2.AssetRef_builder{Id: "logo"}.Build(), "image/png", out.logo))
		must(store.EndSync(ctx))
		out.finished = append(out.finished, syncID)
	}
	syncID, err := store.StartNewSync(ctx, connectorstore.SyncTypeFull, "")
	must(err)
	must(store.PutResourceTypes(ctx, userRT))
	must(store.PutResources(ctx, user("u9", "Unfinished", "u9@example.com")))
	must(store.CheckpointSync(ctx, `{"version":1}`))
	out.unfinished = syncID
	must(store.Close(ctx))
	return out
}

// ourSyncs is what `inspect syncs -o json` prints.
type ourSyncs struct {
	Syncs []struct {
		ID       string `json:"id"`
		SyncType string `json:"syncType"`
		Finished bool   `json:"finished"`
	} `json:"syncs"`
}

// TestWeReadBatonsFiles: a v1 file baton-sdk v0.25.0 wrote is read by our inspect (every sync,
// every object as baton's reader lists it, the stats baton cached) and diff; carried into a
// sync of ours as the previous output, its syncs (asset included) come through unchanged.
func TestWeReadBatonsFiles(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "baton.c1z")
	wrote := writeBatonFile(t, file, c1zstore.EngineSQLite)
	if out := os.Getenv(EnvWriteFixtures); out != "" {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, "baton-v0.25.c1z"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	var syncs ourSyncs
	InspectJSON(t, file, &syncs, "syncs")
	finished := map[string]bool{}
	for _, s := range syncs.Syncs {
		finished[s.ID] = s.Finished
		if s.SyncType != "full" {
			t.Errorf("sync %s: type %q", s.ID, s.SyncType)
		}
	}
	if len(syncs.Syncs) != 3 || !finished[wrote.finished[0]] || !finished[wrote.finished[1]] ||
		finished[wrote.unfinished] {
		t.Fatalf("our syncs %+v, baton wrote finished %v and unfinished %s", syncs.Syncs, wrote.finished, wrote.unfinished)
	}

	f := openWithBaton(t, file)
	if latest := latestFull(t, f); latest != wrote.finished[1] {
		t.Fatalf("baton's latest finished sync %s, wrote %s", latest, wrote.finished[1])
	}
	for _, syncID := range wrote.finished {
		assertSameListings(t, f, file, syncID)
		assertSameStats(t, f, file, syncID)
	}
	// The unfinished sync too: what baton wrote of it before stopping (a resource type and a
	// user), nothing lost.
	assertSameListings(t, f, file, wrote.unfinished)
	if c := batonContents(t, f, wrote.unfinished); len(c.ResourceTypes) != 1 || len(c.Resources) != 1 {
		t.Errorf("baton lists %d resource types and %d resources in the unfinished sync, not the 1 and 1 it wrote",
			len(c.ResourceTypes), len(c.Resources))
	}

	// diff: the second finished sync against the first (baton's syncs are not expanded: the
	// changes are the direct ones).
	raw := Run(t, Bin(t, EnvBatonPlanetScaleBin), nil, "diff", "--file", file, "-o", "jsonl")
	var changes []string
	for _, line := range bytes.Split(bytes.TrimSpace(raw), []byte("\n")) {
		var row struct {
			Change        string `json:"change"`
			Principal     string `json:"principal"`
			EntitlementID string `json:"entitlement_id"`
		}
		if err := json.Unmarshal(line, &row); err != nil {
			t.Fatalf("diff -o jsonl: %v: %s", err, line)
		}
		changes = append(changes, row.Change+" "+strings.Fields(row.Principal)[0]+" "+row.EntitlementID)
	}
	want := []string{"lost user:u1 group:eng:member", "gained user:u3 group:platform:member"}
	if !reflect.DeepEqual(changes, want) {
		t.Errorf("our diff of baton's syncs: %q, want %q", changes, want)
	}

	assertCarriedOver(t, file, wrote)
}

// assertSameListings: our inspect of syncID lists what baton's reader lists, and the
// GrantExpandable we show is baton's expansion column.
func assertSameListings(t *testing.T, f *dotc1z.C1File, file, syncID string) {
	t.Helper()
	baton := batonContents(t, f, syncID)
	var ours ourListing
	for _, listing := range []string{"resource-types", "resources", "entitlements", "grants"} {
		InspectJSON(t, file, &ours, "--sync-id", syncID, listing)
	}
	got, want := map[string]map[string]any{}, map[string]map[string]any{}
	for _, rt := range baton.ResourceTypes {
		want["type "+rt.GetId()] = protoMap(t, rt)
	}
	for _, r := range baton.Resources {
		want["resource "+r.GetId().GetResourceType()+":"+r.GetId().GetResource()] = protoMap(t, r)
	}
	for _, e := range baton.Entitlements {
		want["entitlement "+e.GetId()] = protoMap(t, e)
	}
	for _, g := range baton.Grants {
		want["grant "+g.GetId()] = protoMap(t, g)
	}
	for _, rt := range ours.ResourceTypes {
		got["type "+str(rt.ResourceType["id"])] = rt.ResourceType
	}
	for _, r := range ours.Resources {
		id, _ := r.Resource["id"].(map[string]any)
		got["resource "+str(id["resourceType"])+":"+str(id["resource"])] = r.Resource
	}
	for _, e := range ours.Entitlements {
		got["entitlement "+str(e.Entitlement["id"])] = e.Entitlement
	}
	expandable := map[string]map[string]any{}
	for _, g := range ours.Grants {
		id := str(g.Grant["id"])
		got["grant "+id] = g.Grant
		// baton keeps GrantExpandable out of the grant's blob, in the expansion column, and
		// its reader lists grants without it; we show it.
		if a := takeAnnotation(g.Grant, "GrantExpandable"); a != nil {
			expandable[id] = a
		}
	}
	if len(got) != len(ours.ResourceTypes)+len(ours.Resources)+len(ours.Entitlements)+len(ours.Grants) {
		t.Error("our inspect lists an id twice")
	}
	assertSameObjects(t, got, want)
	assertExpansionColumn(t, file, syncID, expandable)
}

// assertSameStats: baton's stats of syncID (cached by whoever ended the sync) equal our counts.
func assertSameStats(t *testing.T, f *dotc1z.C1File, file, syncID string) ourStats {
	t.Helper()
	var stats ourStats
	InspectJSON(t, file, &stats, "--sync-id", syncID, "stats")
	if stats.Sync.ID != syncID || !stats.Sync.Finished {
		t.Fatalf("inspect stats --sync-id %s shows sync %+v", syncID, stats.Sync)
	}
	batonStats, err := f.StatsV2(context.Background(), connectorstore.SyncTypeFull, syncID)
	if err != nil {
		t.Fatal(err)
	}
	if batonStats.GetResourceTypes() != stats.Totals.ResourceTypes ||
		batonStats.GetResources() != stats.Totals.Resources ||
		batonStats.GetEntitlements() != stats.Totals.Entitlements ||
		batonStats.GetGrants() != stats.Totals.Grants {
		t.Errorf("sync %s: baton's stats %v, our totals %+v", syncID, batonStats, stats.Totals)
	}
	for rt, c := range stats.ResourceTypes {
		if batonStats.GetResourcesByResourceType()[rt] != c.Resources ||
			batonStats.GetEntitlementsByResourceType()[rt] != c.Entitlements ||
			batonStats.GetGrantsByResourceType()[rt] != c.Grants {
			t.Errorf("sync %s, type %s: baton's stats %d/%d/%d, ours %+v", syncID, rt,
				batonStats.GetResourcesByResourceType()[rt], batonStats.GetEntitlementsByResourceType()[rt],
				batonStats.GetGrantsByResourceType()[rt], c)
		}
	}
	return stats
}

// assertCarriedOver: baton's file as the previous output of a sync of ours (baton-directory):
// its finished syncs, their objects, stats and asset come through, readable by baton.
func assertCarriedOver(t *testing.T, batonFile string, wrote batonWrites) {
	t.Helper()
	dir := t.TempDir()
	data := filepath.Join(dir, "directory")
	if err := os.MkdirAll(filepath.Join(data, "groups"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		"users.json":      `[{"id":"x1","name":"Xi","email":"xi@example.com"}]`,
		"groups/ops.json": `{"name":"Ops","members":["x1"],"owners":[]}`,
	} {
		if err := os.WriteFile(filepath.Join(data, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(dir, "sync.c1z")
	raw, err := os.ReadFile(batonFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	Run(t, Bin(t, EnvBatonDirectoryBin), nil, "--file", file, "--directory", data, "--log-level", "warn")

	before := openWithBaton(t, batonFile)
	after := openWithBaton(t, file)
	kept := map[string]bool{}
	for _, run := range syncRuns(t, after) {
		kept[run.ID] = true
	}
	for _, syncID := range wrote.finished {
		if !kept[syncID] {
			t.Errorf("baton's finished sync %s was not carried over", syncID)
			continue
		}
		a, b := batonContents(t, before, syncID), batonContents(t, after, syncID)
		if len(a.ResourceTypes) != len(b.ResourceTypes) || len(a.Resources) != len(b.Resources) ||
			len(a.Entitlements) != len(b.Entitlements) || len(a.Grants) != len(b.Grants) {
			t.Errorf("sync %s changed when carried over", syncID)
		}
		for i := range a.Grants {
			if protoMap(t, a.Grants[i])["id"] != protoMap(t, b.Grants[i])["id"] {
				t.Errorf("sync %s: grant %d changed when carried over", syncID, i)
			}
		}
		assertSameListings(t, after, file, syncID)
		assertSameStats(t, after, file, syncID)
		if err := after.ViewSync(context.Background(), syncID); err != nil {
			t.Fatal(err)
		}
		contentType, r, err := after.GetAsset(context.Background(), v2.AssetServiceGetAssetRequest_builder{
			Asset: v2.AssetRef_builder{Id: "logo"}.Build(),
		}.Build())
		if err != nil {
			t.Errorf("sync %s: the asset was not carried over: %v", syncID, err)
			continue
		}
		body, _ := io.ReadAll(r)
		if contentType != "image/png" || !bytes.Equal(body, wrote.logo) {
			t.Errorf("sync %s: asset %q %q after carrying over", syncID, contentType, body)
		}
	}
}

// TestWeRefuseBatonsV3Files: a v3 (C1Z3, Pebble) file baton-sdk v0.25.0 writes by default is
// refused by inspect, diff and a sync writing to it, each saying what it is and how to get v1.
func TestWeRefuseBatonsV3Files(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "v3.c1z")
	writeBatonFile(t, file, c1zstore.EnginePebble)
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte("C1Z3\x00")) {
		t.Fatalf("baton's pebble engine wrote %q, not a v3 file", raw[:min(len(raw), 5)])
	}
	bin := Bin(t, EnvBatonPlanetScaleBin)
	fake := StartFake(t, "small")
	for _, args := range [][]string{
		{"inspect", "--file", file, "stats"},
		{"diff", "--file", file},
		{"--file", file},
	} {
		_, stderr, err := RunResult(t, bin, fake.Env(), args...)
		if err == nil {
			t.Errorf("%v succeeded on a v3 file", args)
			continue
		}
		for _, want := range []string{"C1Z3", "v3", "--storage-engine sqlite"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("%v: the error does not say %q:\n%s", args, want, stderr)
			}
		}
	}
	if after, _ := os.ReadFile(file); !bytes.Equal(after, raw) {
		t.Error("the v3 file was changed")
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
