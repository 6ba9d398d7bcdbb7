package cvmparquet

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// Bounds on what one page may claim, checked before parquet-go reads the
// page, so that the lengths in a hostile file cannot size allocations
// beyond what the file could hold.
const (
	// maxPageValues bounds a page's values. Parquet writers cut pages at
	// about 1 MiB or 20,000 rows; 16M values is far beyond any.
	maxPageValues = 1 << 24
	// A page's uncompressed size may be at most maxPageRatio times its
	// compressed size plus maxPageSlack.
	maxPageRatio = 256
	maxPageSlack = 1 << 20
	// maxHeader bounds a page header (its statistics included).
	maxHeader = 16 << 20
)

// checkPages walks the page headers of the column chunk of rows rows
// stored at off, of size bytes, in r: each page must fit in the chunk,
// declare an uncompressed size within maxPageRatio of its compressed
// size, and no more values than the row group's rows (a dictionary, no
// more than the chunk's bytes). Headers are decoded from a window of the
// file, so a length in a header sizes nothing.
func checkPages(r io.ReaderAt, off, size, rows int64) error {
	var proto thrift.CompactProtocol
	var buf []byte
	for pos := int64(0); pos < size; {
		var h format.PageHeader
		var hl int64
		for window := int64(64 << 10); ; window *= 16 {
			n := min(window, size-pos)
			if int64(cap(buf)) < n {
				buf = make([]byte, n)
			}
			b := buf[:n]
			if _, err := r.ReadAt(b, off+pos); err != nil && err != io.EOF {
				return fmt.Errorf("reading the page header at offset %d: %v", off+pos, err)
			}
			br := proto.NewReaderFromBytes(b)
			h = format.PageHeader{}
			err := thrift.NewDecoder(br).Decode(&h)
			if err == nil {
				hl = int64(br.BytesRead())
				break
			}
			if n == size-pos || window >= maxHeader {
				return fmt.Errorf("page header at offset %d: %v", off+pos, err)
			}
		}
		c, u := int64(h.CompressedPageSize), int64(h.UncompressedPageSize)
		switch {
		case c < 0 || u < 0:
			return fmt.Errorf("page at offset %d has a negative size", off+pos)
		case c > size-pos-hl:
			return fmt.Errorf("page at offset %d of %d bytes overruns its column chunk (%d bytes left)", off+pos, c, size-pos-hl)
		case u > c*maxPageRatio+maxPageSlack:
			return fmt.Errorf("page at offset %d claims %d bytes uncompressed from %d", off+pos, u, c)
		}
		var nv, most int64 = 0, rows
		switch {
		case h.DataPageHeader.Valid:
			nv = int64(h.DataPageHeader.V.NumValues)
		case h.DataPageHeaderV2.Valid:
			nv = int64(h.DataPageHeaderV2.V.NumValues)
		case h.DictionaryPageHeader.Valid:
			nv, most = int64(h.DictionaryPageHeader.V.NumValues), max(rows, u)
		}
		if nv < 0 || nv > most || nv > maxPageValues {
			return fmt.Errorf("page at offset %d claims %d values (the row group has %d rows)", off+pos, nv, rows)
		}
		pos += hl + c
	}
	return nil
}

// checkFooter checks the file's magic bytes and that the footer length
// it ends with fits in the file, before parquet-go sizes a buffer by it.
func checkFooter(r io.ReaderAt, size int64) error {
	if size < 12 {
		return fmt.Errorf("%d bytes is too short for a Parquet file", size)
	}
	var head [4]byte
	var tail [8]byte
	if _, err := r.ReadAt(head[:], 0); err != nil {
		return err
	}
	if _, err := r.ReadAt(tail[:], size-8); err != nil && err != io.EOF {
		return err
	}
	if string(head[:]) != "PAR1" || string(tail[4:]) != "PAR1" {
		return fmt.Errorf("no PAR1 magic bytes at the start and end (not Parquet, cut short, or encrypted)")
	}
	if n := int64(binary.LittleEndian.Uint32(tail[:4])); n > size-12 {
		return fmt.Errorf("the footer claims %d bytes of a %d-byte file", n, size)
	}
	return nil
}
