package interop

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/connectorstore"
	"github.com/conductorone/baton-sdk/pkg/dotc1z"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

// everyOptionalPart turns on every optional part of the PlanetScale connector.
var everyOptionalPart = []string{
	"--planetscale-list-databases",
	"--planetscale-sync-service-tokens",
	"--planetscale-sync-oauth-applications",
	"--planetscale-sync-invitations",
	"--planetscale-sync-audit-log",
}

// ourTablePrefix names the tables of our own a .c1z may hold beside baton's (the audit log's
// events, `rs_events_v1`): baton's readers never read them.
const ourTablePrefix = "rs_"

// TestBatonReadsOurFiles: files baton-planetscale wrote against the fake (demo and bench-sized
// data, every optional part on, grant expansion on and off, a second sync carrying the first
// over) open with baton-sdk's own reader, which lists exactly what our inspect lists.
func TestBatonReadsOurFiles(t *testing.T) {
	cases := []struct {
		name, preset string
		flags        []string
		syncs        int
	}{
		{"demo-expanded-two-syncs", "demo", everyOptionalPart, 2},
		{"demo-unexpanded", "demo", append([]string{"--skip-expand-grants"}, everyOptionalPart...), 1},
		{"bench-expanded", "bench", everyOptionalPart, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := StartFake(t, tc.preset)
			dir := t.TempDir()
			var file string
			for i := range tc.syncs {
				if i > 0 {
					// A change between syncs, so the next one reads an audit-log entry and
					// the file holds an events table of ours beside baton's.
					revokeATeamMembership(t, fake, file)
				}
				file = fake.Sync(t, dir, "sync.c1z", tc.flags...)
			}
			if tc.syncs > 1 {
				if _, ok := readSchema(t, decompress(t, file)).Objects["rs_events_v1"]; !ok {
					t.Fatal("the second sync stored no audit-log event: the case tests nothing of our own tables")
				}
			}
			if tc.preset == "bench" {
				// Our writer puts 32 MiB of the database in each zstd frame (so that our
				// reader decompresses a file on several cores): this file is several frames,
				// which baton's decoder reads as one stream.
				info, err := os.Stat(decompress(t, file))
				if err != nil {
					t.Fatal(err)
				}
				if info.Size() <= 32<<20 {
					t.Fatalf("the bench file decompresses to %d bytes, one frame: the case tests no file of several", info.Size())
				}
			}
			assertNoMigration(t, file)
			assertBatonListsWhatWeList(t, file, tc.syncs)
		})
	}
}

// assertNoMigration: our schema is the one baton-sdk v0.25.0 creates, and opening our file with
// baton's reader changes nothing in it (no column added, no index built, no backfill).
func assertNoMigration(t *testing.T, file string) {
	t.Helper()
	db := decompress(t, file)
	before := readSchema(t, db)
	fresh := batonFreshSchema(t)
	batons := map[string]string{}
	for name, text := range before.Objects {
		if !strings.HasPrefix(name, ourTablePrefix) {
			batons[name] = text
		}
	}
	if !reflect.DeepEqual(batons, fresh.Objects) {
		t.Errorf("our schema differs from the one baton-sdk v0.25.0 creates:\n%s", schemaDiff(batons, fresh.Objects))
	}
	ctx := context.Background()
	// baton removes the directory of the database it closes: it opens a second name of the
	// same file, in a directory of its own, so what it did stays to be read.
	opened := filepath.Join(t.TempDir(), "opened.sqlite")
	if err := os.Link(db, opened); err != nil {
		t.Fatal(err)
	}
	f, err := dotc1z.NewC1File(ctx, opened, dotc1z.WithC1FReadOnly(true))
	if err != nil {
		t.Fatalf("baton cannot open our database: %v", err)
	}
	migrated, err := f.InitTables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if migrated {
		t.Error("baton's InitTables migrated our file")
	}
	if err := f.Close(ctx); err != nil {
		t.Errorf("closing read-only: %v (baton changed the file)", err)
	}
	after := readSchema(t, db)
	if !reflect.DeepEqual(before, after) {
		t.Errorf("a read-only open by baton changed the schema (version %d → %d):\n%s",
			before.Version, after.Version, schemaDiff(after.Objects, before.Objects))
	}
}

// ourListing is what our `inspect <listing> -o json` prints: baton's output shapes.
type ourListing struct {
	ResourceTypes []struct {
		ResourceType map[string]any `json:"resourceType"`
	} `json:"resourceTypes"`
	Resources []struct {
		Resource map[string]any `json:"resource"`
	} `json:"resources"`
	Entitlements []struct {
		Entitlement map[string]any `json:"entitlement"`
	} `json:"entitlements"`
	Grants []struct {
		Grant map[string]any `json:"grant"`
	} `json:"grants"`
}

// ourStats is what our `inspect stats -o json` prints.
type ourStats struct {
	Sync struct {
		ID       string `json:"id"`
		SyncType string `json:"syncType"`
		Finished bool   `json:"finished"`
	} `json:"sync"`
	Totals struct {
		ResourceTypes int64 `json:"resourceTypes"`
		Resources     int64 `json:"resources"`
		Entitlements  int64 `json:"entitlements"`
		Grants        int64 `json:"grants"`
	} `json:"totals"`
	ResourceTypes map[string]struct {
		Resources    int64 `json:"resources"`
		Entitlements int64 `json:"entitlements"`
		Grants       int64 `json:"grants"`
	} `json:"resourceTypes"`
}

func assertBatonListsWhatWeList(t *testing.T, file string, syncs int) {
	t.Helper()
	f := openWithBaton(t, file)
	syncID := latestFull(t, f)
	var latest ourStats
	InspectJSON(t, file, &latest, "stats")
	if latest.Sync.ID != syncID {
		t.Fatalf("baton's latest finished full sync is %s, ours %s", syncID, latest.Sync.ID)
	}
	runs := syncRuns(t, f)
	if len(runs) != syncs {
		t.Errorf("baton sees %d syncs, want %d", len(runs), syncs)
	}
	for _, run := range runs {
		if run.EndedAt == nil {
			t.Errorf("sync %s is unfinished for baton", run.ID)
		}
		if run.ID == syncID && string(run.Type) != latest.Sync.SyncType {
			t.Errorf("sync type: baton %q, ours %q", run.Type, latest.Sync.SyncType)
		}
	}
	if !latest.Sync.Finished || latest.Sync.SyncType != string(connectorstore.SyncTypeFull) {
		t.Errorf("our sync: finished %v, type %q", latest.Sync.Finished, latest.Sync.SyncType)
	}
	assertSameListings(t, f, file, syncID)
	assertSameStats(t, f, file, syncID)

	// baton's stats (cached by our writer) hold the sync token's timing, where baton's stats
	// code finds it, and equal what baton computes itself from the tables.
	batonStats, err := f.StatsV2(context.Background(), connectorstore.SyncTypeFull, syncID)
	if err != nil {
		t.Fatal(err)
	}
	if batonStats.GetConnectorCallStats()["list-grants"].GetCount() == 0 ||
		len(batonStats.GetStepDurationsMs()) == 0 {
		t.Errorf("baton finds no timing in our sync token: %v", batonStats)
	}
	assertStatsAsBatonComputes(t, file, syncID, batonStats)
}

// assertStatsAsBatonComputes: the stats our writer cached are what baton's RecalculateStats
// writes for the same sync (on a writable copy).
func assertStatsAsBatonComputes(t *testing.T, file, syncID string, cached proto.Message) {
	t.Helper()
	ctx := context.Background()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(t.TempDir(), "copy.c1z")
	if err := os.WriteFile(cp, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := dotc1z.NewC1ZFile(ctx, cp, dotc1z.WithTmpDir(t.TempDir()), dotc1z.WithSkipCleanup(true))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close(ctx)
	if err := f.RecalculateStats(ctx, syncID); err != nil {
		t.Fatal(err)
	}
	recomputed, err := f.StatsV2(ctx, connectorstore.SyncTypeFull, syncID)
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(cached, recomputed) {
		t.Errorf("our cached stats differ from baton's:\n ours  %v\n baton %v", cached, recomputed)
	}
}

// assertSameObjects compares two sets of protojson objects keyed by kind and id (ours from our
// inspect, the wanted ones from baton's reader), reporting the first few differences.
func assertSameObjects(t *testing.T, got, want map[string]map[string]any) {
	t.Helper()
	assertSameObjectsAs(t, got, want, "our inspect", "baton's reader")
}

// assertSameObjectsAs compares two sets of protojson objects keyed by kind and id, naming them
// gotName and wantName in the first few differences it reports.
func assertSameObjectsAs(t *testing.T, got, want map[string]map[string]any, gotName, wantName string) {
	t.Helper()
	var problems []string
	for k, w := range want {
		g, ok := got[k]
		switch {
		case !ok:
			problems = append(problems, "missing in "+gotName+": "+k)
		case !reflect.DeepEqual(g, w):
			problems = append(problems, fmt.Sprintf("%s differs:\n  %s  %v\n  %s %v", k, gotName, g, wantName, w))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			problems = append(problems, "missing in "+wantName+": "+k)
		}
	}
	sort.Strings(problems)
	if len(problems) > 0 {
		t.Errorf("%d of %d objects differ between %s and %s; first ones:", len(problems), len(want), gotName, wantName)
		for _, p := range problems[:min(len(problems), 10)] {
			t.Error(p)
		}
	}
}

// schemaDiff lists the objects whose CREATE statements differ.
func schemaDiff(got, want map[string]string) string {
	var out string
	for name, w := range want {
		if g := got[name]; g != w {
			out += fmt.Sprintf("%s:\n  ours  %q\n  baton %q\n", name, g, w)
		}
	}
	for name, g := range got {
		if _, ok := want[name]; !ok {
			out += fmt.Sprintf("%s: only ours %q\n", name, g)
		}
	}
	return out
}

// takeAnnotation removes the annotation of type c1.connector.v2.<name> from a protojson
// object's annotations and returns it.
func takeAnnotation(obj map[string]any, name string) map[string]any {
	list, _ := obj["annotations"].([]any)
	var kept []any
	var found map[string]any
	for _, a := range list {
		m, _ := a.(map[string]any)
		if m["@type"] == "type.googleapis.com/c1.connector.v2."+name {
			found = m
			continue
		}
		kept = append(kept, a)
	}
	if len(kept) == 0 {
		delete(obj, "annotations")
	} else {
		obj["annotations"] = kept
	}
	return found
}

// assertExpansionColumn: the GrantExpandable our inspect shows for each grant is the one in
// the grant's expansion column, decoded with baton's message, and no other grant has one.
func assertExpansionColumn(t *testing.T, file, syncID string, ours map[string]map[string]any) {
	t.Helper()
	conn, err := sql.Open("sqlite", decompress(t, file))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.Query("SELECT external_id, expansion FROM v1_grants WHERE sync_id = ? AND expansion IS NOT NULL", syncID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var id string
		var blob []byte
		if err := rows.Scan(&id, &blob); err != nil {
			t.Fatal(err)
		}
		msg := &v2.GrantExpandable{}
		if err := proto.Unmarshal(blob, msg); err != nil {
			t.Fatalf("grant %s: expansion column is not a GrantExpandable: %v", id, err)
		}
		any, err := anypb.New(msg)
		if err != nil {
			t.Fatal(err)
		}
		if want := protoMap(t, any); !reflect.DeepEqual(ours[id], want) {
			t.Errorf("grant %s: our GrantExpandable %v, the expansion column %v", id, ours[id], want)
		}
		seen++
	}
	if seen != len(ours) {
		t.Errorf("%d grants have an expansion column, our inspect shows %d expandable", seen, len(ours))
	}
}

// revokeATeamMembership revokes the first membership of a team PlanetScale manages (not one
// an identity provider manages, whose members the API refuses to change) the file holds,
// through `baton-planetscale -p --revoke-grant`: the fake records it in its audit log. Grants
// are listed in the order the sync's workers wrote them, so "first" varies from run to run.
func revokeATeamMembership(t *testing.T, fake *Fake, file string) {
	t.Helper()
	var teams, listing ourListing
	InspectJSON(t, file, &teams, "resources", "-t", "team")
	native := map[string]bool{}
	for _, r := range teams.Resources {
		id, _ := r.Resource["id"].(map[string]any)
		annotations, _ := r.Resource["annotations"].([]any)
		for _, a := range annotations {
			if a, _ := a.(map[string]any); a["groupSourceType"] == "native" {
				native[fmt.Sprint(id["resource"])] = true
			}
		}
	}
	InspectJSON(t, file, &listing, "grants")
	for _, g := range listing.Grants {
		id, _ := g.Grant["id"].(string)
		team, _, _ := strings.Cut(strings.TrimPrefix(id, "team:"), ":")
		if strings.HasPrefix(id, "team:") && strings.Contains(id, ":member:user:") && native[team] {
			Run(t, Bin(t, EnvBatonPlanetScaleBin), fake.Env(), "--file", file, "-p", "--revoke-grant", id)
			return
		}
	}
	t.Fatal("the file holds no team membership to revoke")
}
