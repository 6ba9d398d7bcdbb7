package input

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Output is one output of a program, written whole or not at all. A file
// is written to a temporary file in the same folder; [Output.Commit]
// flushes it, syncs it to disk and renames it over the file at its path,
// and [Output.Abort] removes it, leaving any previous file as it was. On
// Linux the kernel is asked to start writing a temporary file out every
// 8 MiB, so that the sync at Commit waits for the last part only.
// Standard output, and a path that is not a regular file (a device such
// as /dev/null, a named pipe), are written in place: Commit flushes them
// and reports the first write error.
//
// Writes are buffered. The first write error is kept and returned by
// every later Write and by Commit, so a program that ignores the result
// of Write (fmt.Fprintf) still learns of a full disk when it commits.
type Output struct {
	name string // the path, or "standard output"
	path string // the file renamed over on Commit; "" when in place
	tmp  string // the temporary file; "" when in place
	f    *os.File
	bw   *bufio.Writer
	wb   *writeback // under bw for a temporary file
	err  error
	done bool
}

// Create starts the output at path: standard output (stdout) when path is
// "-" or empty, else a temporary file beside path (after resolving
// symbolic links), created with the permissions of the file it replaces,
// or 0644 for a new one.
func Create(path string, stdout io.Writer) (*Output, error) {
	if path == "-" || path == "" {
		return &Output{name: "standard output", bw: bufio.NewWriterSize(stdout, 1<<16)}, nil
	}
	o := &Output{name: path}
	target := path
	perm := fs.FileMode(0o644)
	if real, err := filepath.EvalSymlinks(path); err == nil {
		target = real
	}
	if fi, err := os.Stat(target); err == nil {
		if !fi.Mode().IsRegular() {
			// A device or a pipe cannot be replaced: write to it.
			f, err := os.OpenFile(target, os.O_WRONLY|os.O_TRUNC, 0)
			if err != nil {
				return nil, err
			}
			o.f, o.bw = f, bufio.NewWriterSize(f, 1<<16)
			return o, nil
		}
		perm = fi.Mode().Perm()
	}
	dir, base := filepath.Split(target)
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return nil, o.pathError("create", err)
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, o.pathError("create", err)
	}
	o.wb = &writeback{f: f}
	o.path, o.tmp, o.f, o.bw = target, f.Name(), f, bufio.NewWriterSize(o.wb, 1<<16)
	return o, nil
}

// writebackEvery is how many bytes a temporary file takes before the
// kernel is asked to start writing them out.
const writebackEvery = 8 << 20

// writeback writes to a temporary file, and after every writebackEvery
// bytes asks the kernel to start writing them to disk (on Linux), so that
// the disk works while the rest is formatted and the sync at Commit waits
// only for the last bytes: 77 MB of summaries took 37 ms to sync at the
// end without it.
type writeback struct {
	f          *os.File
	n, started int64 // bytes written, and handed to the kernel's writeback
}

func (w *writeback) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.n += int64(n)
	if w.n-w.started >= writebackEvery {
		startWriteback(w.f, w.started, w.n-w.started)
		w.started = w.n
	}
	return n, err
}

// Name returns the output's path, or "standard output".
func (o *Output) Name() string { return o.name }

// Write writes p, buffered. After an error every Write returns that
// error.
func (o *Output) Write(p []byte) (int, error) {
	if o.done {
		return 0, o.pathError("write", os.ErrClosed)
	}
	if o.err != nil {
		return 0, o.err
	}
	n, err := o.bw.Write(p)
	if err != nil {
		o.err = o.pathError("write", err)
	}
	return n, o.err
}

// WriteString writes s, as Write.
func (o *Output) WriteString(s string) (int, error) {
	if o.done {
		return 0, o.pathError("write", os.ErrClosed)
	}
	if o.err != nil {
		return 0, o.err
	}
	n, err := o.bw.WriteString(s)
	if err != nil {
		o.err = o.pathError("write", err)
	}
	return n, o.err
}

// Commit completes the output: it flushes the buffer and, for a file,
// syncs the temporary file, closes it and renames it over the path. It
// returns the first error of writing, flushing, syncing, closing or
// renaming, naming the path; on an error the temporary file is removed
// and a previous file at the path is left as it was. Commit after Commit
// or Abort does nothing and returns nil.
func (o *Output) Commit() error {
	if o.done {
		return nil
	}
	o.done = true
	err := o.err
	if err == nil {
		if ferr := o.bw.Flush(); ferr != nil {
			err = o.pathError("write", ferr)
		}
	}
	if o.f == nil { // standard output
		return err
	}
	if err == nil && o.tmp != "" {
		if serr := o.f.Sync(); serr != nil {
			err = o.pathError("sync", serr)
		}
	}
	if cerr := o.f.Close(); err == nil && cerr != nil {
		err = o.pathError("close", cerr)
	}
	if o.tmp == "" {
		return err
	}
	if err == nil {
		if rerr := os.Rename(o.tmp, o.path); rerr != nil {
			err = o.pathError("rename", rerr)
		}
	}
	if err != nil {
		os.Remove(o.tmp)
		return err
	}
	syncDir(filepath.Dir(o.path))
	return nil
}

// Abort abandons the output: a temporary file is closed and removed, and
// the file at the path is left as it was. What was written to standard
// output or a device stays written. Abort after Commit does nothing.
func (o *Output) Abort() {
	if o.done {
		return
	}
	o.done = true
	if o.f != nil {
		o.f.Close()
	}
	if o.tmp != "" {
		os.Remove(o.tmp)
	}
}

// pathError names the output's path (not the temporary file's) in err.
func (o *Output) pathError(op string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &fs.PathError{Op: op, Path: o.name, Err: err}
}

// syncDir makes a rename in dir durable, where the system allows it; an
// error is ignored (some systems cannot sync a folder), since the rename
// itself has succeeded.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// CreateFile writes one output with write: to standard output when path is
// "-" or empty, else to a temporary file renamed over path only when write
// returns nil and everything was written and synced. It returns the first
// error of write and of completing the output.
func CreateFile(path string, stdout io.Writer, write func(io.Writer) error) error {
	o, err := Create(path, stdout)
	if err != nil {
		return err
	}
	if err := write(o); err != nil {
		o.Abort()
		return err
	}
	return o.Commit()
}

// Outputs are the outputs of one program run, committed together once the
// whole run has succeeded, so that a run that fails part way replaces no
// file. The zero value is ready to use; call Abort on every path out (a
// deferred Abort after a Commit does nothing).
type Outputs struct {
	list []*Output
}

// Create starts an output as [Create] and adds it to s.
func (s *Outputs) Create(path string, stdout io.Writer) (*Output, error) {
	o, err := Create(path, stdout)
	if err != nil {
		return nil, err
	}
	s.list = append(s.list, o)
	return o, nil
}

// Write starts an output and runs write on it; it is committed by
// [Outputs.Commit]. It returns the error of write, or the output's first
// write error.
func (s *Outputs) Write(path string, stdout io.Writer, write func(io.Writer) error) error {
	o, err := s.Create(path, stdout)
	if err != nil {
		return err
	}
	if err := write(o); err != nil {
		return err
	}
	return o.err
}

// Commit commits every output in the order they were created and returns
// the first error; the outputs after a failing one are aborted.
func (s *Outputs) Commit() error {
	for i, o := range s.list {
		if err := o.Commit(); err != nil {
			for _, rest := range s.list[i+1:] {
				rest.Abort()
			}
			return err
		}
	}
	return nil
}

// Abort aborts every output not yet committed.
func (s *Outputs) Abort() {
	for _, o := range s.list {
		o.Abort()
	}
}

// ErrWriter passes writes to W until one fails, and keeps that first
// error in Err; every later write returns it without writing. A program
// wraps its standard output in one to exit with an error when output was
// lost (a full disk, a closed pipe), whatever it did with Write's result.
type ErrWriter struct {
	W   io.Writer
	Err error
}

// Write writes p to W unless an earlier write failed.
func (e *ErrWriter) Write(p []byte) (int, error) {
	if e.Err != nil {
		return 0, e.Err
	}
	n, err := e.W.Write(p)
	if err != nil {
		e.Err = err
	} else if n < len(p) {
		e.Err = io.ErrShortWrite
	}
	return n, e.Err
}

// ManifestName is the file [ReplaceDir] writes last into every folder it
// builds: one line "SHA-256  name" per file, as sha256sum prints them, so
// "sha256sum -c manifest.txt" checks the folder. A folder holding it is
// one ReplaceDir built, and may be replaced.
const ManifestName = "manifest.txt"

// ReplaceDir builds the folder dir whole or not at all. build writes into
// a new temporary folder beside dir; when it succeeds, ReplaceDir writes
// the manifest ([ManifestName]) and swaps the folder in: a missing dir is
// the new folder renamed; an existing one (empty, or a previous folder
// that ReplaceDir built) is renamed aside, the new one renamed in, and the
// old one removed. When build or the swap fails, the temporary folder is
// removed and dir is left as it was. A dir that is a symbolic link is
// resolved, and the folder it points to is replaced.
//
// Only files ReplaceDir wrote are ever removed: an existing dir that is
// not empty and holds no manifest, or that holds a file its manifest does
// not list (an input a user put there), is an error, as is a dir that is
// not a folder.
func ReplaceDir(dir string, build func(tmp string) error) error {
	dir = filepath.Clean(dir)
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real // replace the folder a link points to, not the link
	}
	replace := false
	perm := fs.FileMode(0o755)
	if fi, err := os.Stat(abs); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%s: not a folder", dir)
		}
		if err := checkReplaceable(abs); err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
		replace, perm = true, fi.Mode().Perm()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	parent, base := filepath.Split(abs)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+base+".*.tmp")
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, perm); err != nil {
		return err
	}
	if err := build(tmp); err != nil {
		return fmt.Errorf("%s (built in %s, removed): %w", dir, filepath.Base(tmp), err)
	}
	if err := writeManifest(tmp); err != nil {
		return err
	}
	if !replace {
		if err := os.Rename(tmp, abs); err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
		ok = true
		syncDir(parent)
		return nil
	}
	old := tmp + ".old"
	if err := os.Rename(abs, old); err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	if err := os.Rename(tmp, abs); err != nil {
		if rerr := os.Rename(old, abs); rerr != nil {
			return fmt.Errorf("%s: %w; the previous folder is at %s", dir, err, old)
		}
		return fmt.Errorf("%s: %w", dir, err)
	}
	ok = true
	syncDir(parent)
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("%s: new folder in place; removing the previous one: %w", dir, err)
	}
	return nil
}

// checkReplaceable returns nil when dir is empty or holds only what its
// manifest lists (and the folders they are in): the files of an earlier
// run, and nothing a user put there since.
func checkReplaceable(dir string) error {
	names, err := readDirNames(dir)
	if err != nil || len(names) == 0 {
		return err
	}
	if !slices.Contains(names, ManifestName) {
		return fmt.Errorf("folder exists, is not empty and has no %s: not the output of an earlier run; remove it or choose another folder", ManifestName)
	}
	data, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		return err
	}
	listed := map[string]bool{ManifestName: true}
	for _, line := range strings.Split(string(data), "\n") {
		if _, name, ok := strings.Cut(line, "  "); ok {
			listed[name] = true
		}
	}
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if !listed[filepath.ToSlash(rel)] {
			return fmt.Errorf("%s is not in %s: not written by an earlier run; move it away or choose another folder", filepath.ToSlash(rel), ManifestName)
		}
		return nil
	})
}

func readDirNames(dir string) ([]string, error) {
	es, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(es))
	for i, e := range es {
		names[i] = e.Name()
	}
	return names, nil
}

// writeManifest writes dir/manifest.txt: the SHA-256 of every file under
// dir, by slash-separated path, in lexical order.
func writeManifest(dir string) error {
	var lines []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return err
		}
		lines = append(lines, hex.EncodeToString(h.Sum(nil))+"  "+filepath.ToSlash(rel)+"\n")
		return nil
	})
	if err != nil {
		return err
	}
	return CreateFile(filepath.Join(dir, ManifestName), nil, func(w io.Writer) error {
		_, err := io.WriteString(w, strings.Join(lines, ""))
		return err
	})
}
