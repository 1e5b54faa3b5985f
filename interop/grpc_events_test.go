package interop

// The event feed over the protocol: baton-sdk's connector client reads the PlanetScale audit
// log through `baton-planetscale serve` as baton's own event-feed task does, and gets the very
// events our own sync stores in its file.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/types"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// grpcLegacyFeed is baton's id of a connector's one event feed (connectorbuilder's
// LegacyBatonFeedId), the feed a request without an event_feed_id means.
const grpcLegacyFeed = "baton_feed_event"

// grpcRoleChanges is how many role changes the audit-log case makes: more than one page of the
// audit log (100 entries), so the feed pages within an organization as well as across them.
const grpcRoleChanges = 110

func TestGrpcEventsAreOurAuditLogEvents(t *testing.T) {
	bin := Bin(t, EnvBatonPlanetScaleBin)
	fake := StartFake(t, "small")
	grpcChangeRoles(t, fake, grpcRoleChanges)
	args, env := grpcPlanetScale(fake)
	args = append(args, "--planetscale-sync-audit-log")
	ours := filepath.Join(t.TempDir(), "ours.c1z")
	Run(t, bin, env, append(args, "--file", ours)...)
	stored := grpcStoredEvents(t, ours)
	if len(stored) < grpcRoleChanges {
		t.Fatalf("our sync stored %d events, fewer than the %d role changes made", len(stored), grpcRoleChanges)
	}

	client := grpcDial(t, grpcServe(t, bin, env, args...), nil)
	ctx := context.Background()
	meta, err := client.GetMetadata(ctx, &v2.ConnectorServiceGetMetadataRequest{})
	grpcMust(t, err, "GetMetadata")
	if caps := meta.GetMetadata().GetCapabilities().GetConnectorCapabilities(); !slices.Contains(caps, v2.Capability_CAPABILITY_EVENT_FEED_V2) {
		t.Errorf("the audit log is on but CAPABILITY_EVENT_FEED_V2 is not claimed: %v", caps)
	}
	feeds, err := client.ListEventFeeds(ctx, &v2.ListEventFeedsRequest{})
	grpcMust(t, err, "ListEventFeeds")
	if ids := grpcFeedIDs(feeds); !slices.Equal(ids, []string{grpcLegacyFeed}) {
		t.Errorf("ListEventFeeds lists %v, not baton's one feed", ids)
	}

	// From a day ago: every change just made, as our first sync read them (30 days back).
	served, pages := grpcReadFeed(t, client, timestamppb.New(time.Now().Add(-24*time.Hour)))
	t.Logf("%d events in %d pages, %d stored", len(served), pages, len(stored))
	if pages < 3 {
		t.Errorf("the feed came in %d pages: %d role changes are more than one audit-log page, over several organizations", pages, grpcRoleChanges)
	}
	if len(served) != len(stored) {
		t.Errorf("ListEvents served %d events, our file holds %d", len(served), len(stored))
	}
	for id, want := range stored {
		got, ok := served[id]
		switch {
		case !ok:
			t.Errorf("event %s of our file was not served", id)
		case !proto.Equal(got, want):
			t.Errorf("event %s differs:\nserved: %v\nstored: %v", id, got, want)
		}
	}
	for _, event := range served {
		text, err := protojson.Marshal(event)
		grpcMust(t, err, "protojson of event %s", event.GetId())
		if secret := strings.SplitN(FakeToken, ":", 2)[1]; bytes.Contains(text, []byte(secret)) {
			t.Fatalf("event %s holds the token's secret", event.GetId())
		}
	}

	// From now on nothing happened: one empty page, nothing more.
	later, _ := grpcReadFeed(t, client, timestamppb.New(time.Now().Add(time.Minute)))
	if len(later) != 0 {
		t.Errorf("%d events served from a minute ahead", len(later))
	}
}

// TestGrpcNoEventFeedWithoutTheAuditLog: with the audit log off the connector has no feed and
// answers as baton's builder does for one without.
func TestGrpcNoEventFeedWithoutTheAuditLog(t *testing.T) {
	bin := Bin(t, EnvBatonPlanetScaleBin)
	fake := StartFake(t, "small")
	args, env := grpcPlanetScale(fake)
	client := grpcDial(t, grpcServe(t, bin, env, args...), nil)
	ctx := context.Background()
	meta, err := client.GetMetadata(ctx, &v2.ConnectorServiceGetMetadataRequest{})
	grpcMust(t, err, "GetMetadata")
	if caps := meta.GetMetadata().GetCapabilities().GetConnectorCapabilities(); slices.Contains(caps, v2.Capability_CAPABILITY_EVENT_FEED_V2) {
		t.Errorf("CAPABILITY_EVENT_FEED_V2 claimed without an event feed: %v", caps)
	}
	feeds, err := client.ListEventFeeds(ctx, &v2.ListEventFeedsRequest{})
	grpcMust(t, err, "ListEventFeeds")
	if ids := grpcFeedIDs(feeds); len(ids) != 0 {
		t.Errorf("ListEventFeeds lists %v without an event feed", ids)
	}
	_, err = client.ListEvents(ctx, &v2.ListEventsRequest{PageSize: 100})
	if status.Code(err) != codes.NotFound {
		t.Errorf("ListEvents without an event feed: %v, not NotFound", err)
	}
}

func grpcFeedIDs(feeds *v2.ListEventFeedsResponse) []string {
	var ids []string
	for _, f := range feeds.GetList() {
		ids = append(ids, f.GetId())
	}
	return ids
}

// grpcReadFeed reads baton's one feed from startAt as baton-sdk's local event-feed task does
// (pages of 100 until has_more is false) and returns the events by id and the pages read.
func grpcReadFeed(t *testing.T, client types.ConnectorClient, startAt *timestamppb.Timestamp) (map[string]*v2.Event, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	events := map[string]*v2.Event{}
	cursor := ""
	for pages := 1; ; pages++ {
		resp, err := client.ListEvents(ctx, &v2.ListEventsRequest{
			PageSize: 100,
			Cursor:   cursor,
			StartAt:  startAt,
		})
		grpcMust(t, err, "ListEvents at cursor %q", cursor)
		grpcMust(t, resp.ValidateAll(), "baton's validation of the response at cursor %q", cursor)
		for _, e := range resp.GetEvents() {
			if _, again := events[e.GetId()]; again {
				t.Errorf("event %s served twice", e.GetId())
			}
			events[e.GetId()] = e
		}
		if !resp.GetHasMore() {
			return events, pages
		}
		if resp.GetCursor() == cursor {
			t.Fatalf("the page at cursor %q has more but names itself as the next", cursor)
		}
		cursor = resp.GetCursor()
	}
}

// grpcStoredEvents reads the events our sync stored in its file (rs_events_v1's `data`: baton's
// c1.connector.v2.Event), by id.
func grpcStoredEvents(t *testing.T, file string) map[string]*v2.Event {
	t.Helper()
	conn, err := sql.Open("sqlite", decompress(t, file))
	grpcMust(t, err, "opening our file")
	defer conn.Close()
	rows, err := conn.Query("SELECT event_id, data FROM rs_events_v1")
	grpcMust(t, err, "reading rs_events_v1")
	defer rows.Close()
	events := map[string]*v2.Event{}
	for rows.Next() {
		var id string
		var data []byte
		grpcMust(t, rows.Scan(&id, &data), "a row of rs_events_v1")
		event := &v2.Event{}
		grpcMust(t, proto.Unmarshal(data, event), "event %s of rs_events_v1", id)
		events[id] = event
	}
	grpcMust(t, rows.Err(), "reading rs_events_v1")
	return events
}

// grpcChangeRoles changes a member's role n times, back and forth between member and analyst,
// in the first organization whose roles the identity provider does not manage: n entries of
// its audit log.
func grpcChangeRoles(t *testing.T, fake *Fake, n int) {
	t.Helper()
	var orgs struct {
		Data []struct {
			Name            string `json:"name"`
			IdpManagedRoles bool   `json:"idp_managed_roles"`
		} `json:"data"`
	}
	grpcAPI(t, fake, http.MethodGet, "/v1/organizations", nil, &orgs)
	for _, org := range orgs.Data {
		if org.IdpManagedRoles {
			continue
		}
		var members struct {
			Data []struct {
				Role string `json:"role"`
				User struct {
					ID string `json:"id"`
				} `json:"user"`
			} `json:"data"`
		}
		grpcAPI(t, fake, http.MethodGet, "/v1/organizations/"+org.Name+"/members?per_page=100", nil, &members)
		for _, m := range members.Data {
			if m.Role != "member" {
				continue
			}
			path := fmt.Sprintf("/v1/organizations/%s/members/%s", org.Name, m.User.ID)
			for i := range n {
				role := map[bool]string{true: "analyst", false: "member"}[i%2 == 0]
				grpcAPI(t, fake, http.MethodPatch, path, map[string]string{"role": role}, nil)
			}
			return
		}
	}
	t.Fatal("the fake has no organization with a member whose role can change")
}

// grpcAPI calls the fake's PlanetScale API with the full-access token, failing on an error
// status; the answer is decoded into out when given.
func grpcAPI(t *testing.T, fake *Fake, method, path string, body, out any) {
	t.Helper()
	var payload bytes.Buffer
	if body != nil {
		grpcMust(t, json.NewEncoder(&payload).Encode(body), "encoding %s %s", method, path)
	}
	req, err := http.NewRequest(method, fake.URL+path, &payload)
	grpcMust(t, err, "%s %s", method, path)
	req.Header.Set("Authorization", FakeToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	grpcMust(t, err, "%s %s", method, path)
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %s", method, path, resp.Status)
	}
	if out != nil {
		grpcMust(t, json.NewDecoder(resp.Body).Decode(out), "the answer to %s %s", method, path)
	}
}
