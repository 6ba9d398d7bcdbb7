package cvmbeam

import (
	"bufio"
	"container/heap"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
)

func init() {
	beam.RegisterType(reflect.TypeOf((*Line)(nil)).Elem())
	register.Function1x2(keyAll)
	register.DoFn3x1[context.Context, int, func(*Line) bool, error](&writeFn{})
	register.Iter1[Line]()
}

// Line is one line of an output file (without its line end) and the key
// it is sorted by, the customer ID.
type Line struct {
	Key, Text string
}

func keyAll(l Line) (int, Line) { return 0, l }

// DefaultSortBytes is the memory WriteSorted's worker sorts in: about this
// many bytes of lines (keys, texts and 32 bytes a line) are held at once;
// beyond it, sorted runs are spilled to temporary files and merged.
const DefaultSortBytes = 64 << 20

// WriteSorted writes header and the lines, sorted by key, to one file at
// path: a local path, or any scheme registered with Beam's filesystem
// package (such as gs:// with its import). Two lines with the same key are
// an error naming the key; no lines give a file of the header alone.
//
// One worker writes the whole file, whole or not at all. A local file is
// written to a temporary file of a unique name (os.CreateTemp) in path's
// folder, synced and renamed over path; on any error the temporary file
// is removed and a file already at path is left as it was. On another
// file system the file is written under a unique temporary name and
// renamed over path when the file system can rename (and removed on an
// error when it can remove); otherwise it is written at path directly.
//
// The worker holds about DefaultSortBytes of lines in memory, not the
// whole file: the lines are sorted in runs of that size, each full run
// spilled to a temporary file (in path's folder for a local path,
// os.TempDir otherwise) and the last kept in memory, and the runs are
// merged into the output with a 1 MiB write buffer and a 64 KiB read
// buffer a run. The spilled runs are removed whatever the outcome. The
// runner still delivers every line to this one worker, and its disk
// holds them twice at the end (the runs and the output).
func WriteSorted(s beam.Scope, path, header string, lines beam.PCollection) {
	s = s.Scope("cvm.WriteSorted")
	one := beam.GroupByKey(s, beam.ParDo(s, keyAll, lines))
	beam.ParDo0(s, &writeFn{Path: path, Header: header}, one)
}

// writeFn writes the file of WriteSorted.
type writeFn struct {
	Path, Header string
	// SortBytes is the in-memory run size in bytes; 0 means
	// DefaultSortBytes.
	SortBytes int
}

// lineBytes is what a line counts against writeFn.SortBytes.
func lineBytes(l *Line) int { return len(l.Key) + len(l.Text) + 32 }

// ProcessElement sorts every line, which iter yields, by key and writes
// them under Header to Path, whole or not at all; a key seen twice is an
// error.
func (f *writeFn) ProcessElement(ctx context.Context, _ int, iter func(*Line) bool) error {
	budget := f.SortBytes
	if budget <= 0 {
		budget = DefaultSortBytes
	}
	local := !strings.Contains(f.Path, "://")
	spillDir := os.TempDir()
	if local {
		spillDir = filepath.Dir(f.Path)
	}
	var runs []*os.File
	defer func() {
		for _, r := range runs {
			r.Close()
			os.Remove(r.Name())
		}
	}()
	var lines []Line
	size := 0
	var l Line
	for n := 0; iter(&l); n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		lines = append(lines, l)
		if size += lineBytes(&l); size >= budget {
			r, err := spill(spillDir, filepath.Base(f.Path), lines)
			if r != nil {
				runs = append(runs, r)
			}
			if err != nil {
				return fmt.Errorf("cvmbeam: spilling a sorted run for %s: %w", f.Path, err)
			}
			clear(lines) // let the strings go
			lines, size = lines[:0], 0
		}
	}
	sortLines(lines)
	src, err := newMerge(runs, lines)
	if err != nil {
		return fmt.Errorf("cvmbeam: reading a sorted run for %s: %w", f.Path, err)
	}
	if local {
		return f.writeLocal(ctx, src)
	}
	return f.writeRemote(ctx, src)
}

func sortLines(lines []Line) {
	slices.SortFunc(lines, func(a, b Line) int { return strings.Compare(a.Key, b.Key) })
}

// spill sorts lines and writes them to a new temporary file in dir,
// rewound for reading. The file is returned even with an error, when it
// was created, so that the caller removes it.
func spill(dir, base string, lines []Line) (*os.File, error) {
	sortLines(lines)
	r, err := os.CreateTemp(dir, "."+base+".run*")
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(r, 1<<20)
	var b []byte
	for i := range lines {
		b = binary.AppendUvarint(b[:0], uint64(len(lines[i].Key)))
		b = append(b, lines[i].Key...)
		b = binary.AppendUvarint(b, uint64(len(lines[i].Text)))
		bw.Write(b)
		bw.WriteString(lines[i].Text)
	}
	if err := bw.Flush(); err != nil {
		return r, err
	}
	_, err = r.Seek(0, io.SeekStart)
	return r, err
}

// errRun is a spilled run that does not read back as it was written.
var errRun = errors.New("cvmbeam: spilled run is corrupt")

// runReader reads back one spilled run.
type runReader struct {
	br  *bufio.Reader
	buf []byte
}

// next reads the run's next line; io.EOF at its end.
func (r *runReader) next(l *Line) error {
	readString := func() (string, error) {
		n, err := binary.ReadUvarint(r.br)
		if err != nil {
			return "", err
		}
		if n > 1<<40 {
			return "", errRun
		}
		if uint64(cap(r.buf)) < n {
			r.buf = make([]byte, n)
		}
		b := r.buf[:n]
		if _, err := io.ReadFull(r.br, b); err != nil {
			return "", err
		}
		return string(b), nil
	}
	var err error
	if l.Key, err = readString(); err != nil {
		return err // io.EOF only here, at a line boundary
	}
	if l.Text, err = readString(); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	return nil
}

// merge yields the lines of sorted runs and of one sorted slice in key
// order.
type merge struct {
	runs []*runReader // the spilled runs
	mem  []Line       // the last run, in memory
	heap mergeHeap
}

// mergeItem is the current line of one source: a run (src >= 0) or the
// slice (src -1).
type mergeItem struct {
	line Line
	src  int
}

type mergeHeap []mergeItem

func (h mergeHeap) Len() int           { return len(h) }
func (h mergeHeap) Less(i, j int) bool { return h[i].line.Key < h[j].line.Key }
func (h mergeHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *mergeHeap) Push(x any)        { *h = append(*h, x.(mergeItem)) }
func (h *mergeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func newMerge(files []*os.File, mem []Line) (*merge, error) {
	m := &merge{mem: mem}
	for i, f := range files {
		r := &runReader{br: bufio.NewReaderSize(f, 1<<16)}
		m.runs = append(m.runs, r)
		var l Line
		if err := r.next(&l); err == io.EOF {
			continue
		} else if err != nil {
			return nil, err
		}
		m.heap = append(m.heap, mergeItem{l, i})
	}
	if len(m.mem) > 0 {
		m.heap = append(m.heap, mergeItem{m.mem[0], -1})
		m.mem = m.mem[1:]
	}
	heap.Init(&m.heap)
	return m, nil
}

// next sets l to the next line in key order and reports whether there
// was one; a run that cannot be read back is an error.
func (m *merge) next(l *Line) (bool, error) {
	if len(m.heap) == 0 {
		return false, nil
	}
	top := &m.heap[0]
	*l = top.line
	if top.src < 0 {
		if len(m.mem) == 0 {
			heap.Pop(&m.heap)
			return true, nil
		}
		top.line, m.mem = m.mem[0], m.mem[1:]
	} else {
		err := m.runs[top.src].next(&top.line)
		if err == io.EOF {
			heap.Pop(&m.heap)
			return true, nil
		}
		if err != nil {
			return false, err
		}
	}
	heap.Fix(&m.heap, 0)
	return true, nil
}

// writeTo writes the header and the merged lines to w, checking that no
// key comes twice.
func (f *writeFn) writeTo(ctx context.Context, w io.Writer, src *merge) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString(f.Header)
	bw.WriteByte('\n')
	var l Line
	prev, first := "", true
	for n := 0; ; n++ {
		ok, err := src.next(&l)
		if err != nil {
			return fmt.Errorf("cvmbeam: reading a sorted run for %s: %w", f.Path, err)
		}
		if !ok {
			break
		}
		if !first && l.Key == prev {
			return fmt.Errorf("cvmbeam: customer %q twice in %s", l.Key, f.Path)
		}
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		prev, first = l.Key, false
		bw.WriteString(l.Text)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// writeLocal writes the file at the local Path through a temporary file
// beside it, synced and renamed over Path; on an error the temporary file
// is removed.
func (f *writeFn) writeLocal(ctx context.Context, src *merge) (err error) {
	dir, base := filepath.Split(f.Path)
	if dir == "" {
		dir = "."
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = f.writeTo(ctx, tmp, src); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), f.Path)
}

// writeRemote writes the file at Path on a Beam file system: under a
// unique temporary name renamed over Path when the file system renames
// (removed on an error when it removes), at Path otherwise.
func (f *writeFn) writeRemote(ctx context.Context, src *merge) (err error) {
	fsys, err := filesystem.New(ctx, f.Path)
	if err != nil {
		return err
	}
	defer fsys.Close()
	rn, canRename := fsys.(filesystem.Renamer)
	name := f.Path
	if canRename {
		name = f.Path + ".tmp-" + rand.Text()
	}
	w, err := fsys.OpenWrite(ctx, name)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil && canRename {
			if rm, ok := fsys.(filesystem.Remover); ok {
				rm.Remove(ctx, name)
			}
		}
	}()
	if err = f.writeTo(ctx, w, src); err != nil {
		w.Close()
		return err
	}
	if err = w.Close(); err != nil {
		return err
	}
	if canRename {
		return rn.Rename(ctx, name, f.Path)
	}
	return nil
}
