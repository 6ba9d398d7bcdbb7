package cvmbeam

import (
	"bufio"
	"context"
	"fmt"
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

// WriteSorted writes header and the lines, sorted by key, to the file at
// path (a local path, or any scheme registered with Beam's filesystem
// package, such as gs:// with its import): one worker writes the whole
// file, to path.tmp first, renamed over path when the file system can
// rename, so that a failed run leaves no partial file at path.
func WriteSorted(s beam.Scope, path, header string, lines beam.PCollection) {
	s = s.Scope("cvm.WriteSorted")
	one := beam.GroupByKey(s, beam.ParDo(s, keyAll, lines))
	beam.ParDo0(s, &writeFn{Path: path, Header: header}, one)
}

// writeFn writes the file of WriteSorted.
type writeFn struct {
	Path, Header string
}

// ProcessElement sorts every line, which iter yields, by key and writes
// them under Header to Path; a key seen twice is an error.
func (f *writeFn) ProcessElement(ctx context.Context, _ int, iter func(*Line) bool) error {
	var lines []Line
	var l Line
	for iter(&l) {
		lines = append(lines, l)
	}
	slices.SortFunc(lines, func(a, b Line) int { return strings.Compare(a.Key, b.Key) })
	fsys, err := filesystem.New(ctx, f.Path)
	if err != nil {
		return err
	}
	defer fsys.Close()
	rn, canRename := fsys.(filesystem.Renamer)
	tmp := f.Path
	if canRename {
		tmp = f.Path + ".tmp"
	}
	w, err := fsys.OpenWrite(ctx, tmp)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString(f.Header)
	bw.WriteByte('\n')
	for i := range lines {
		if i > 0 && lines[i].Key == lines[i-1].Key {
			w.Close()
			return fmt.Errorf("cvmbeam: customer %q twice in %s", lines[i].Key, f.Path)
		}
		bw.WriteString(lines[i].Text)
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		w.Close()
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	if canRename {
		return rn.Rename(ctx, tmp, f.Path)
	}
	return nil
}
