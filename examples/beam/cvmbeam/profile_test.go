package cvmbeam

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/profile"
)

// readStream reads the files one after the other, the single-machine
// stream.
func readStream(t *testing.T, paths []string, rs ReadSettings) []cvm.Transaction {
	t.Helper()
	var out []cvm.Transaction
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		rd, err := cvm.NewReader(f, rs.cvm())
		if err != nil {
			t.Fatal(err)
		}
		txs, err := rd.ReadAll(context.Background())
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, txs...)
	}
	return out
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkProfiles runs the profile pipeline on the files and compares its
// CSV with profile.Build on the single stream, line by line (every
// customer).
func checkProfiles(t *testing.T, paths []string, rs ReadSettings, ps ProfileSettings) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "profiles.csv")
	p, s := beam.NewPipelineWithRoot()
	ProfileCSV(s, BuildProfiles(s, ReadCSV(s, paths, rs, time.Time{}), ps), out)
	runPipeline(t, p)
	got := readLines(t, out)

	set := &profile.Settings{Reasons: ps.Reasons, Clusters: ps.Clusters}
	if err := set.Indicators.UnmarshalText([]byte(ps.Indicators)); ps.Indicators != "" && err != nil {
		t.Fatal(err)
	}
	f, err := profile.Build(context.Background(), slices.Values(readStream(t, paths, rs)), nil, set)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{profile.CSVHeader}
	for i := range f.Profiles {
		want = append(want, strings.TrimSuffix(string(profile.AppendCSV(nil, &f.Profiles[i])), "\n"))
	}
	if len(got) != len(want) {
		t.Errorf("%d lines, want %d", len(got), len(want))
	}
	bad := 0
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			if bad++; bad <= 3 {
				t.Errorf("line %d:\n got %s\nwant %s", i+1, got[i], want[i])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d lines differ", bad, len(want))
	}
}

func TestProfilesSynthetic(t *testing.T) {
	dir := t.TempDir()
	paths, _ := writeShards(t, dir, synthetic(1500, 5), 3, 13)
	for _, ps := range []ProfileSettings{
		{Reasons: 3, Batches: 7},
		{Indicators: "summary", Clusters: -1, Batches: 1},
	} {
		checkProfiles(t, paths, ReadSettings{Product: "product"}, ps)
	}
}

func TestProfilesCDNOW(t *testing.T) {
	path := filepath.Join(dataDir(), "CDNOW_master.txt")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("CDNOW master not found (set CVM_DATA): %v", err)
	}
	if raceEnabled || testing.Short() {
		t.Skip("the CDNOW profile pipeline is too slow with -race or -short")
	}
	rs := ReadSettings{Customer: "1", Time: "2", Amount: "4", Order: cvm.NoColumn, Comma: cvm.Whitespace}
	checkProfiles(t, []string{path}, rs, ProfileSettings{Reasons: 3, Batches: 16})
}

func TestProfilesOnlineRetail(t *testing.T) {
	path := filepath.Join(dataDir(), "online_retail.csv.gz")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("Online Retail not found (set CVM_DATA): %v", err)
	}
	if raceEnabled || testing.Short() {
		t.Skip("the Online Retail profile pipeline is too slow with -race or -short")
	}
	checkProfiles(t, []string{path}, onlineRetail, ProfileSettings{Reasons: 3, Batches: 16})
}
