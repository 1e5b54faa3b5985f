package interop

// Our grant expansion on a file baton-sdk wrote: the harness's own connector's data (users,
// nested groups, a role, grants carrying GrantExpandable), written unexpanded with baton's
// store, expanded once by our engine (the expand_c1z example) and once by baton-sdk's own
// expander, gives the same grants, sources and all.

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conductorone/baton-sdk/pkg/dotc1z"
	"github.com/conductorone/baton-sdk/pkg/dotc1z/c1zstore"
	"github.com/conductorone/baton-sdk/pkg/sdk"
	batonsync "github.com/conductorone/baton-sdk/pkg/sync"
)

// EnvExpandC1zBin names the expand_c1z example (examples/examples/expand_c1z.rs), our engine's
// grant expansion of an existing file; `cargo xtask ci` builds it beside the binaries.
const EnvExpandC1zBin = "EXPAND_C1Z_BIN"

func TestOurExpansionOfBatonsFileIsBatons(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "baton.c1z")
	wrote := writeBatonFile(t, file, c1zstore.EngineSQLite)
	syncID := wrote.finished[len(wrote.finished)-1]

	ours := filepath.Join(dir, "ours-expanded.c1z")
	out := Run(t, Bin(t, EnvExpandC1zBin), nil, file, ours, syncID)
	t.Logf("expand_c1z: %s", strings.TrimSpace(string(out)))

	theirs := batonExpand(t, file, syncID)
	o := openWithBaton(t, ours)
	got := contentObjects(t, batonContents(t, o, latestFull(t, o)))
	want := contentObjects(t, batonContents(t, theirs, syncID))
	derived := 0
	for key, g := range want {
		if strings.HasPrefix(key, "grant ") && g["sources"] != nil {
			derived++
		}
	}
	// The data's two expandable grants (platform in eng, eng holding admin) reach three users.
	if derived < 4 {
		t.Fatalf("baton's expansion gives %d grants with sources: the case tests too little", derived)
	}
	assertSameObjectsAs(t, got, want, "our expansion", "baton's expansion")
}

// batonExpand runs baton-sdk's own grant expansion on sync syncID of a copy of file, as baton's
// compactor and rollback-expansion replay do (its syncer, an empty connector, only-expand-grants
// on the existing store), and returns the copy, open.
func batonExpand(t *testing.T, file, syncID string) *dotc1z.C1File {
	t.Helper()
	ctx := context.Background()
	raw, err := os.ReadFile(file)
	grpcMust(t, err, "reading %s", file)
	work := filepath.Join(t.TempDir(), "baton-expanded.c1z")
	grpcMust(t, os.WriteFile(work, raw, 0o600), "copying %s", file)
	store, err := dotc1z.NewC1ZFile(ctx, work, dotc1z.WithTmpDir(t.TempDir()))
	grpcMust(t, err, "baton-sdk cannot open %s", work)
	t.Cleanup(func() { _ = store.Close(ctx) })
	empty, err := sdk.NewEmptyConnector()
	grpcMust(t, err, "baton's empty connector")
	syncer, err := batonsync.NewSyncer(ctx, empty,
		batonsync.WithConnectorStore(store),
		batonsync.WithSyncID(syncID),
		batonsync.WithOnlyExpandGrants(),
		batonsync.WithTmpDir(t.TempDir()),
	)
	grpcMust(t, err, "baton's syncer")
	grpcMust(t, syncer.Sync(ctx), "baton's grant expansion of %s", file)
	return store
}
