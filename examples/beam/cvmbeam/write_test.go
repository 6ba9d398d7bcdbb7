package cvmbeam

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/memfs"
)

// lineIter is the iterator the runner gives writeFn.ProcessElement.
func lineIter(lines []Line) func(*Line) bool {
	i := 0
	return func(l *Line) bool {
		if i == len(lines) {
			return false
		}
		*l = lines[i]
		i++
		return true
	}
}

// randomLines returns n lines with distinct random keys, in random order.
func randomLines(n int, seed uint64) []Line {
	rng := rand.New(rand.NewPCG(seed, 5))
	seen := map[string]bool{}
	var out []Line
	for len(out) < n {
		k := fmt.Sprintf("C%d", rng.IntN(10*n+10))
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, Line{Key: k, Text: k + "," + strings.Repeat("x", rng.IntN(40))})
	}
	return out
}

// wantFile is WriteSorted's file as the first version wrote it: every
// line in memory, sorted by key, after the header.
func wantFile(header string, lines []Line) string {
	s := slices.Clone(lines)
	slices.SortFunc(s, func(a, b Line) int { return strings.Compare(a.Key, b.Key) })
	var b strings.Builder
	b.WriteString(header + "\n")
	for _, l := range s {
		b.WriteString(l.Text + "\n")
	}
	return b.String()
}

// dirNames lists dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func TestWriteSorted(t *testing.T) {
	for _, tc := range []struct {
		name      string
		lines     []Line
		sortBytes int // 0: the default, no run spilled
	}{
		{"empty", nil, 0},
		{"one line", []Line{{"a", "a,1"}}, 0},
		{"in memory", randomLines(500, 1), 0},
		{"a run a line", randomLines(50, 2), 1},
		{"several runs", randomLines(2000, 3), 4000},
		{"runs and a short last one", randomLines(1001, 4), 5000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "out.csv")
			if err := os.WriteFile(path, []byte("old\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			f := &writeFn{Path: path, Header: "customer,x", SortBytes: tc.sortBytes}
			if err := f.ProcessElement(context.Background(), 0, lineIter(tc.lines)); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if want := wantFile(f.Header, tc.lines); string(got) != want {
				t.Errorf("file:\n%.300s\nwant:\n%.300s", got, want)
			}
			if names := dirNames(t, dir); !slices.Equal(names, []string{"out.csv"}) {
				t.Errorf("folder holds %q, want only out.csv", names)
			}
			if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o644 {
				t.Errorf("mode %v (%v), want 0644", st.Mode(), err)
			}
		})
	}
}

// TestWriteSortedFailure: a failed write leaves no temporary file, no
// spilled run and no partial output; a file already at the path keeps
// its content.
func TestWriteSortedFailure(t *testing.T) {
	dup := randomLines(300, 6)
	dup = append(dup, Line{Key: dup[17].Key, Text: "again"})
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name      string
		ctx       context.Context
		lines     []Line
		sortBytes int
		wantErr   string
	}{
		{"duplicate in memory", context.Background(), dup, 0, fmt.Sprintf("customer %q twice", dup[17].Key)},
		{"duplicate across runs", context.Background(), dup, 3000, fmt.Sprintf("customer %q twice", dup[17].Key)},
		{"duplicate, a run a line", context.Background(), dup, 1, fmt.Sprintf("customer %q twice", dup[17].Key)},
		{"cancelled", cancelled, randomLines(100, 7), 0, "context canceled"},
		{"cancelled with runs", cancelled, randomLines(100, 7), 1, "context canceled"},
	} {
		for _, old := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/old file %v", tc.name, old), func(t *testing.T) {
				dir := t.TempDir()
				path := filepath.Join(dir, "out.csv")
				want := []string(nil)
				if old {
					if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
						t.Fatal(err)
					}
					want = []string{"out.csv"}
				}
				f := &writeFn{Path: path, Header: "customer,x", SortBytes: tc.sortBytes}
				err := f.ProcessElement(tc.ctx, 0, lineIter(tc.lines))
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one with %q", err, tc.wantErr)
				}
				if names := dirNames(t, dir); !slices.Equal(names, want) {
					t.Errorf("folder holds %q, want %q", names, want)
				}
				if old {
					if b, err := os.ReadFile(path); err != nil || string(b) != "old\n" {
						t.Errorf("old file now %q (%v)", b, err)
					}
				}
			})
		}
	}
	t.Run("folder is a file", func(t *testing.T) {
		dir := t.TempDir()
		notDir := filepath.Join(dir, "f")
		if err := os.WriteFile(notDir, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		f := &writeFn{Path: filepath.Join(notDir, "out.csv"), Header: "h"}
		if err := f.ProcessElement(context.Background(), 0, lineIter(randomLines(5, 8))); err == nil {
			t.Fatal("no error")
		}
		if names := dirNames(t, dir); !slices.Equal(names, []string{"f"}) {
			t.Errorf("folder holds %q, want only f", names)
		}
	})
}

// TestWriteSortedRemote writes to Beam's in-memory file system, which
// renames: the output on success, nothing left on failure.
func TestWriteSortedRemote(t *testing.T) {
	ctx := context.Background()
	fsys := memfs.New(ctx)
	defer fsys.Close()
	list := func() []string {
		names, err := fsys.List(ctx, "memfs://cvmbeam-test/*")
		if err != nil {
			t.Fatal(err)
		}
		return names
	}
	path := "memfs://cvmbeam-test/out.csv"
	lines := randomLines(400, 9)
	f := &writeFn{Path: path, Header: "customer,x", SortBytes: 2000}
	if err := f.ProcessElement(ctx, 0, lineIter(lines)); err != nil {
		t.Fatal(err)
	}
	r, err := fsys.OpenRead(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	r.Close()
	if err != nil {
		t.Fatal(err)
	}
	if want := wantFile(f.Header, lines); string(got) != want {
		t.Errorf("file:\n%.300s\nwant:\n%.300s", got, want)
	}
	if names := list(); len(names) != 1 {
		t.Errorf("file system holds %q, want only %s", names, path)
	}
	fsys.(filesystem.Remover).Remove(ctx, path)
	lines = append(lines, lines[3])
	if err := f.ProcessElement(ctx, 0, lineIter(lines)); err == nil {
		t.Fatal("duplicate key: no error")
	}
	if names := list(); len(names) != 0 {
		t.Errorf("after a failure the file system holds %q, want nothing", names)
	}
}
