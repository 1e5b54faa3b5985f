package interop

// Field-by-field comparisons of a file baton-sdk's syncer wrote through `serve` with our own
// sync of the same data: every object as baton's reader lists it, and the sync-run row.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/conductorone/baton-sdk/pkg/dotc1z"
)

// contentObjects keys every object of c by kind and id, as protojson maps.
func contentObjects(t *testing.T, c Contents) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, rt := range c.ResourceTypes {
		out["type "+rt.GetId()] = protoMap(t, rt)
	}
	for _, r := range c.Resources {
		out["resource "+r.GetId().GetResourceType()+":"+r.GetId().GetResource()] = protoMap(t, r)
	}
	for _, e := range c.Entitlements {
		out["entitlement "+e.GetId()] = protoMap(t, e)
	}
	for _, g := range c.Grants {
		out["grant "+g.GetId()] = protoMap(t, g)
	}
	return out
}

// grpcAssertSameContents: the latest full sync of baton's file and of ours, both read with
// baton's reader, hold the same resource types, resources, entitlements and grants, field for
// field: display names, traits, annotations, every grant's sources.
func grpcAssertSameContents(t *testing.T, ours, theirs string) {
	t.Helper()
	o, b := openWithBaton(t, ours), openWithBaton(t, theirs)
	got := contentObjects(t, batonContents(t, b, latestFull(t, b)))
	want := contentObjects(t, batonContents(t, o, latestFull(t, o)))
	if len(want) == 0 {
		t.Fatal("our sync holds nothing: the comparison tests nothing")
	}
	assertSameObjectsAs(t, got, want, "baton's sync", "our sync")
}

// grpcAssertSameSyncRun: the row of the latest finished full sync in v1_sync_runs is the same in
// both files on every column but the ids and times of the run itself and the ingest_invariant_*
// ones (baton's syncer runs ingest checks we do not). Two columns are compared for what they
// share: sync_token is each engine's own resume state (a JSON object of version 1 in both), and
// stats holds baton's counts in both, ours adding the timing stats (step_durations_ms,
// connector_call_stats) baton's syncer records only on its Pebble engine.
func grpcAssertSameSyncRun(t *testing.T, ours, theirs string) {
	t.Helper()
	o, b := latestSyncRun(t, ours), latestSyncRun(t, theirs)
	if len(o) != len(b) {
		t.Fatalf("v1_sync_runs has %d columns in ours, %d in baton's", len(o), len(b))
	}
	for col, want := range b {
		switch {
		case col == "id", col == "sync_id", col == "started_at", col == "ended_at",
			strings.HasPrefix(col, "ingest_invariant_"):
			continue
		case col == "sync_token":
			for name, token := range map[string]string{"ours": o[col], "baton's": want} {
				if v, _ := jsonValue(t, token).(map[string]any); v["version"] != 1.0 {
					t.Errorf("v1_sync_runs.sync_token of %s is not a JSON object of version 1: %s", name, token)
				}
			}
		case col == "stats":
			got, _ := jsonValue(t, o[col]).(map[string]any)
			wanted, _ := jsonValue(t, want).(map[string]any)
			for _, timing := range []string{"step_durations_ms", "connector_call_stats"} {
				if _, ok := wanted[timing]; !ok {
					delete(got, timing)
				}
			}
			if !reflect.DeepEqual(got, wanted) {
				t.Errorf("v1_sync_runs.stats: ours %s, baton's %s", o[col], want)
			}
		case o[col] != want:
			t.Errorf("v1_sync_runs.%s: ours %q, baton's %q", col, o[col], want)
		}
	}
}

// latestSyncRun reads the latest finished full sync's row of v1_sync_runs, every column as text.
func latestSyncRun(t *testing.T, file string) map[string]string {
	t.Helper()
	conn, err := sql.Open("sqlite", decompress(t, file))
	grpcMust(t, err, "opening the database of %s", file)
	defer conn.Close()
	rows, err := conn.Query("SELECT * FROM v1_sync_runs WHERE ended_at IS NOT NULL AND sync_type = 'full' ORDER BY id DESC LIMIT 1")
	grpcMust(t, err, "reading v1_sync_runs of %s", file)
	defer rows.Close()
	cols, err := rows.Columns()
	grpcMust(t, err, "the columns of v1_sync_runs")
	if !rows.Next() {
		t.Fatalf("%s has no finished full sync", file)
	}
	values := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range values {
		ptrs[i] = &values[i]
	}
	grpcMust(t, rows.Scan(ptrs...), "reading the sync run of %s", file)
	out := map[string]string{}
	for i, c := range cols {
		out[c] = values[i].String
		if !values[i].Valid {
			out[c] = "NULL"
		}
	}
	return out
}

func jsonValue(t *testing.T, text string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		t.Fatalf("not JSON: %q: %v", text, err)
	}
	return v
}

// assertRollbackUndoesOurExpansion: baton's RollbackExpansion, which refuses a sync without the
// supports_diff marker baton's syncer sets, accepts the latest sync of our expanded file and
// turns it into our unexpanded sync of the same data, field for field.
func assertRollbackUndoesOurExpansion(t *testing.T, expanded, unexpanded string) {
	t.Helper()
	ctx := context.Background()
	// Rollback writes to the file it opens: a copy.
	raw, err := os.ReadFile(expanded)
	grpcMust(t, err, "reading %s", expanded)
	work := filepath.Join(t.TempDir(), "rollback.c1z")
	grpcMust(t, os.WriteFile(work, raw, 0o600), "copying %s", expanded)
	f, err := dotc1z.NewC1ZFile(ctx, work, dotc1z.WithTmpDir(t.TempDir()))
	grpcMust(t, err, "baton-sdk cannot open %s", work)
	syncID := latestFull(t, f)
	res, err := f.RollbackExpansion(ctx, syncID, false)
	if errors.Is(err, dotc1z.ErrSyncNotExpanded) {
		t.Fatalf("baton's RollbackExpansion refuses our sync as never expanded: %v", err)
	}
	grpcMust(t, err, "baton's RollbackExpansion of our sync %s", syncID)
	if res.GrantsDeleted == 0 || res.SuspectConnectorSourced != 0 {
		t.Errorf("rollback of our expanded sync: %+v; want derived grants deleted, none suspect", res)
	}
	// The rollback leaves the sync current: closing saves it, and a fresh open reads it.
	grpcMust(t, f.Close(ctx), "saving the rolled-back file")
	rolled, u := openWithBaton(t, work), openWithBaton(t, unexpanded)
	got := contentObjects(t, batonContents(t, rolled, syncID))
	want := contentObjects(t, batonContents(t, u, latestFull(t, u)))
	assertSameObjectsAs(t, got, want, "our expanded sync rolled back by baton", "our unexpanded sync")
}
