package input

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cvmkit/cvm/internal/check"
)

// fullWriter accepts limit bytes, then fails as a full disk does.
type fullWriter struct {
	limit int
	n     int
}

func (f *fullWriter) Write(p []byte) (int, error) {
	if f.n+len(p) > f.limit {
		k := f.limit - f.n
		f.n = f.limit
		return k, syscall.ENOSPC
	}
	f.n += len(p)
	return len(p), nil
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	return string(check.Must(os.ReadFile(path)))
}

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := io.WriteString(w, s)
		return err
	}
}

func TestCreateFileReplacesOnlyOnSuccess(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.csv")
	check.NoErr(t, os.WriteFile(p, []byte("old\n"), 0o600))

	// A failing write leaves the old file and no temporary file.
	boom := errors.New("boom")
	err := CreateFile(p, nil, func(w io.Writer) error {
		io.WriteString(w, "half a new fi")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("CreateFile = %v, want %v", err, boom)
	}
	if got := readFile(t, p); got != "old\n" {
		t.Errorf("after a failed write the file holds %q, want the old %q", got, "old\n")
	}
	assertOnly(t, dir, "out.csv")

	// A successful write replaces it and keeps its permissions.
	check.NoErr(t, CreateFile(p, nil, writeString("new\n")))
	if got := readFile(t, p); got != "new\n" {
		t.Errorf("file holds %q, want %q", got, "new\n")
	}
	fi := check.Must(os.Stat(p))
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("mode %v, want the replaced file's 0600", got)
	}
	assertOnly(t, dir, "out.csv")

	// A new file gets 0644.
	q := filepath.Join(dir, "new.json")
	check.NoErr(t, CreateFile(q, nil, writeString("{}\n")))
	if got := check.Must(os.Stat(q)).Mode().Perm(); got != 0o644 {
		t.Errorf("new file mode %v, want 0644", got)
	}
}

func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	got := check.Must(readDirNames(dir))
	if strings.Join(got, " ") != strings.Join(names, " ") {
		t.Errorf("%s holds %v, want %v", dir, got, names)
	}
}

func TestOutputSymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.csv")
	link := filepath.Join(dir, "link.csv")
	check.NoErr(t, os.WriteFile(real, []byte("old"), 0o644))
	if err := os.Symlink(real, link); err != nil {
		t.Skip("no symbolic links:", err)
	}
	check.NoErr(t, CreateFile(link, nil, writeString("new")))
	if fi := check.Must(os.Lstat(link)); fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the symbolic link was replaced by a file")
	}
	if got := readFile(t, real); got != "new" {
		t.Errorf("link target holds %q, want %q", got, "new")
	}
}

func TestOutputStdoutWriteError(t *testing.T) {
	// Standard output on a full disk: the error surfaces at Commit even
	// when the writer ignored Write's result, and it names the output.
	o := check.Must(Create("-", &fullWriter{limit: 10}))
	for range 10000 {
		io.WriteString(o, "customer,1.5\n")
	}
	err := o.Commit()
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Commit = %v, want ENOSPC", err)
	}
	if !strings.Contains(err.Error(), "standard output") {
		t.Errorf("error %q does not name standard output", err)
	}
	// Small outputs stay in the buffer until Commit: the error is still
	// reported.
	o = check.Must(Create("-", &fullWriter{limit: 0}))
	io.WriteString(o, "x\n")
	if err := o.Commit(); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Commit of a buffered write = %v, want ENOSPC", err)
	}
}

func TestOutputDevFull(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	// A device is written in place (never renamed over) and its write
	// error is returned.
	err := CreateFile("/dev/full", nil, writeString("a,b\n"))
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "/dev/full") {
		t.Fatalf("CreateFile(/dev/full) = %v, want ENOSPC naming /dev/full", err)
	}
	// /dev/null stays a device.
	check.NoErr(t, CreateFile(os.DevNull, nil, writeString("a,b\n")))
	if fi := check.Must(os.Stat(os.DevNull)); fi.Mode().IsRegular() {
		t.Fatal("/dev/null became a regular file")
	}
}

func TestOutputsCommitTogether(t *testing.T) {
	dir := t.TempDir()
	model, out := filepath.Join(dir, "model.json"), filepath.Join(dir, "out.csv")
	check.NoErr(t, os.WriteFile(model, []byte("old model"), 0o644))
	// The run fails after the model was written: nothing is replaced.
	func() {
		var outs Outputs
		defer outs.Abort()
		check.NoErr(t, outs.Write(model, nil, writeString("new model")))
		// ... the command fails here ...
	}()
	if got := readFile(t, model); got != "old model" {
		t.Errorf("model replaced by a failed run: %q", got)
	}
	assertOnly(t, dir, "model.json")
	// A run that succeeds replaces both.
	var outs Outputs
	defer outs.Abort()
	check.NoErr(t, outs.Write(model, nil, writeString("new model")))
	check.NoErr(t, outs.Write(out, nil, writeString("a,b\n")))
	check.NoErr(t, outs.Commit())
	if got := readFile(t, model); got != "new model" {
		t.Errorf("model %q, want the new one", got)
	}
	assertOnly(t, dir, "model.json", "out.csv")
}

func TestErrWriter(t *testing.T) {
	ew := &ErrWriter{W: &fullWriter{limit: 3}}
	if _, err := ew.Write([]byte("ab")); err != nil {
		t.Fatal(err)
	}
	if _, err := ew.Write([]byte("cd")); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Write = %v, want ENOSPC", err)
	}
	if _, err := ew.Write([]byte("e")); !errors.Is(err, syscall.ENOSPC) || !errors.Is(ew.Err, syscall.ENOSPC) {
		t.Fatalf("later Write = %v, Err = %v, want ENOSPC", err, ew.Err)
	}
}

func TestReplaceDir(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "run")
	build := func(files map[string]string) func(string) error {
		return func(tmp string) error {
			for name, body := range files {
				p := filepath.Join(tmp, name)
				check.NoErr(t, os.MkdirAll(filepath.Dir(p), 0o755))
				check.NoErr(t, CreateFile(p, nil, writeString(body)))
			}
			return nil
		}
	}
	// A new folder, with a manifest that sha256sum would accept.
	check.NoErr(t, ReplaceDir(dir, build(map[string]string{"a.csv": "one", "plots/p.svg": "<svg/>"})))
	sum := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	want := sum("one") + "  a.csv\n" + sum("<svg/>") + "  plots/p.svg\n"
	if got := readFile(t, filepath.Join(dir, ManifestName)); got != want {
		t.Errorf("manifest\n%s\nwant\n%s", got, want)
	}

	// A failing build leaves the previous folder whole.
	boom := errors.New("boom")
	err := ReplaceDir(dir, func(tmp string) error {
		check.NoErr(t, os.WriteFile(filepath.Join(tmp, "a.csv"), []byte("half"), 0o644))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("ReplaceDir = %v, want %v", err, boom)
	}
	if got := readFile(t, filepath.Join(dir, "a.csv")); got != "one" {
		t.Errorf("a.csv holds %q after a failed build, want the previous %q", got, "one")
	}
	assertOnly(t, parent, "run")

	// A second run replaces the folder whole: no file of the first stays.
	check.NoErr(t, ReplaceDir(dir, build(map[string]string{"b.csv": "two"})))
	assertOnly(t, dir, "b.csv", ManifestName)
	assertOnly(t, parent, "run")

	// An empty folder is used; a foreign folder is refused and kept.
	empty := filepath.Join(parent, "empty")
	check.NoErr(t, os.Mkdir(empty, 0o755))
	check.NoErr(t, ReplaceDir(empty, build(map[string]string{"c.csv": "3"})))
	assertOnly(t, empty, "c.csv", ManifestName)
	foreign := filepath.Join(parent, "home")
	check.NoErr(t, os.Mkdir(foreign, 0o755))
	check.NoErr(t, os.WriteFile(filepath.Join(foreign, "thesis.tex"), []byte("years of work"), 0o644))
	err = ReplaceDir(foreign, build(map[string]string{"c.csv": "3"}))
	if err == nil || !strings.Contains(err.Error(), "not the output of an earlier run") {
		t.Fatalf("ReplaceDir on a foreign folder = %v, want a refusal", err)
	}
	assertOnly(t, foreign, "thesis.tex")
	// A file in the way is an error.
	file := filepath.Join(parent, "file")
	check.NoErr(t, os.WriteFile(file, nil, 0o644))
	if err := ReplaceDir(file, build(nil)); err == nil {
		t.Fatal("ReplaceDir over a file succeeded")
	}
	assertOnly(t, parent, "empty", "file", "home", "run")
}

func TestCreateFileStdout(t *testing.T) {
	var b bytes.Buffer
	check.NoErr(t, CreateFile("-", &b, writeString("x\n")))
	check.NoErr(t, CreateFile("", &b, writeString("y\n")))
	if b.String() != "x\ny\n" {
		t.Errorf("stdout got %q", b.String())
	}
}

func TestReplaceDirKeepsForeignFiles(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "run")
	write := func(tmp string) error { return CreateFile(filepath.Join(tmp, "a.csv"), nil, writeString("one")) }
	check.NoErr(t, ReplaceDir(dir, write))
	// The user keeps an input in the folder of an earlier run: the next
	// run must not remove it.
	check.NoErr(t, os.WriteFile(filepath.Join(dir, "tx.csv"), []byte("input"), 0o644))
	err := ReplaceDir(dir, write)
	if err == nil || !strings.Contains(err.Error(), "tx.csv is not in manifest.txt") {
		t.Fatalf("ReplaceDir = %v, want a refusal naming tx.csv", err)
	}
	if got := readFile(t, filepath.Join(dir, "tx.csv")); got != "input" {
		t.Errorf("tx.csv holds %q", got)
	}
	// Through a symbolic link, the folder it points to is replaced and the
	// link stays.
	check.NoErr(t, os.Remove(filepath.Join(dir, "tx.csv")))
	link := filepath.Join(parent, "latest")
	if err := os.Symlink(dir, link); err != nil {
		t.Skip("no symbolic links:", err)
	}
	check.NoErr(t, ReplaceDir(link, func(tmp string) error { return CreateFile(filepath.Join(tmp, "b.csv"), nil, writeString("two")) }))
	if fi := check.Must(os.Lstat(link)); fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the link was replaced by a folder")
	}
	assertOnly(t, dir, "b.csv", ManifestName)
}

// TestOutputWriteback writes a file of several writeback rounds and a
// part, in writes of odd sizes: the file is whole, and the kernel was
// asked to write the rounds out as they filled.
func TestOutputWriteback(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.csv")
	o, err := Create(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	var want []byte
	line := []byte("C0000001,2025-01-02T03:04:05Z,2025-06-07T08:09:10Z,12,34,5678.9,0\n")
	for len(want) < 2*writebackEvery+12345 {
		k := 1 + len(want)%len(line)
		o.Write(line[:k])
		want = append(want, line[:k]...)
	}
	if o.wb == nil {
		t.Fatal("no writeback under the temporary file")
	}
	started := o.wb.started
	if err := o.Commit(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("file of %d bytes differs from the %d written", len(got), len(want))
	}
	// Rounds start once writebackEvery bytes have reached the file
	// (through the 64 KiB buffer): two rounds, not the part after them.
	if started < 2*writebackEvery || started > int64(len(want)) {
		t.Fatalf("writeback started for %d bytes of %d, want the first %d at least", started, len(want), 2*writebackEvery)
	}
}
