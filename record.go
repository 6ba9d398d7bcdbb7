package cvm

import "bytes"

// Where a record ends, and how a record splits into fields. Both readers
// (Read, and the blocks of the parallel ReadAll and Summarize) find
// records with the same splitter, so they agree on every input.
//
// A record is one line, or, when a quoted field holds line ends, the lines
// up to the one that closes it. A record is bounded: its bytes
// (ReadSettings.MaxRecordBytes, counting the line ends inside it but not
// the last) and its lines (ReadSettings.MaxRecordLines). A line longer
// than the byte bound is a bad record of its own (recLong). A quoted field
// not closed within the bounds, or by the end of the input, makes its
// first line a bad record of its own (recQuote), and the next line starts
// a new record: one stray quote costs one row.

// Outcomes of splitter.record.
const (
	recOK    = iota // a record
	recMore         // more input is needed to decide
	recLong         // the line has no line end within the byte bound
	recQuote        // a quoted field is not closed within the bounds: the first line alone is a bad record
)

// splitter finds records. It remembers where its last search for the
// line that closes a quoted field got to, so that a stray quote on every
// line costs each line a constant number of scans: parsing is linear
// whatever the input.
type splitter struct {
	comma    byte
	maxBytes int // most bytes in a record, not counting its last line end
	maxLines int // most lines in a record

	// No line starting in [memoFrom, memoTo) closes a quoted field that
	// is open at its start; memoToLine is the line number of the line at
	// memoTo, and none of buf[memoTo:memoNL] is a line end. memoFrom < 0:
	// nothing remembered.
	memoFrom, memoTo, memoToLine, memoNL int
}

func newSplitter(comma byte, maxBytes, maxLines int) splitter {
	return splitter{comma: comma, maxBytes: maxBytes, maxLines: maxLines, memoFrom: -1}
}

// forget drops what the splitter remembers about buf.
func (sp *splitter) forget() { sp.memoFrom = -1 }

// shift tells the splitter that buf lost its first n bytes.
func (sp *splitter) shift(n int) {
	if sp.memoFrom < n {
		sp.memoFrom = -1
		return
	}
	sp.memoFrom -= n
	sp.memoTo -= n
	sp.memoNL -= n
}

// record finds the record starting at buf[pos], a record boundary before
// len(buf); line is its line number. eof says buf holds the rest of the
// input. It returns what it found and end, the offset just past the
// record's last line end (or len(buf)), and the record's number of lines.
// For recQuote, end and lines are those of the first line alone; for
// recLong and recMore they are 0.
func (sp *splitter) record(buf []byte, pos, line int, eof bool) (status, end, lines int) {
	limit := pos + sp.maxBytes + 1 // a line end at limit or later is too far
	var first []byte
	if nl := bytes.IndexByte(buf[pos:min(len(buf), limit)], '\n'); nl >= 0 {
		first, end = buf[pos:pos+nl], pos+nl+1
	} else {
		switch {
		case len(buf) >= limit:
			return recLong, 0, 0
		case !eof:
			return recMore, 0, 0
		}
		first, end = buf[pos:], len(buf)
	}
	if sp.comma == Whitespace || bytes.IndexByte(first, '"') < 0 || !quoteOpen(first, sp.comma, false) {
		return recOK, end, 1
	}
	if end == len(buf) && eof {
		return recQuote, end, 1
	}
	// A quoted field is open at the end of the first line: find the line
	// that closes it, within the bounds.
	q, qLine, from := end, line+1, end
	if sp.memoFrom >= 0 && sp.memoFrom <= end && end <= sp.memoTo {
		q, qLine, from = sp.memoTo, sp.memoToLine, sp.memoNL
	} else {
		sp.memoFrom, sp.memoNL = end, end
	}
	for {
		sp.memoTo, sp.memoToLine, sp.memoNL = q, qLine, max(from, q)
		if qLine-line+1 > sp.maxLines {
			return recQuote, end, 1
		}
		from = max(from, q)
		if from >= limit {
			return recQuote, end, 1
		}
		k := bytes.IndexByte(buf[from:min(len(buf), limit)], '\n')
		if k < 0 {
			sp.memoNL = min(len(buf), limit)
			switch {
			case len(buf) >= limit:
				return recQuote, end, 1
			case !eof:
				return recMore, 0, 0
			case q < len(buf) && !quoteOpen(buf[q:], sp.comma, true):
				return recOK, len(buf), qLine - line + 1
			}
			return recQuote, end, 1
		}
		qEnd := from + k
		if !quoteOpen(buf[q:qEnd], sp.comma, true) {
			return recOK, qEnd + 1, qLine - line + 1
		}
		q, qLine, from = qEnd+1, qLine+1, qEnd+1
	}
}

// quoteOpen reports whether a quoted field is open at the end of line,
// given whether one is open at its start, following the quoting rules of
// splitFields: a field is quoted when its first byte other than a space
// is a quote, and "" inside it is a literal quote.
func quoteOpen(line []byte, comma byte, inQuote bool) bool {
	atStart := !inQuote
	for i := 0; i < len(line); i++ {
		if inQuote {
			j := bytes.IndexByte(line[i:], '"')
			if j < 0 {
				return true
			}
			i += j
			if i+1 < len(line) && line[i+1] == '"' {
				i++
				continue
			}
			inQuote, atStart = false, false
			continue
		}
		switch b := line[i]; b {
		case '"':
			if atStart {
				inQuote = true
			}
			atStart = false
		case ' ':
		default:
			atStart = b == comma
		}
	}
	return inQuote
}

// joinLines returns a record of several lines as splitFields takes it:
// the lines without their line ends ("\n" or "\r\n"), joined by "\n".
func joinLines(rec []byte, dst []byte) []byte {
	dst = dst[:0]
	for {
		nl := bytes.IndexByte(rec, '\n')
		if nl < 0 {
			return append(dst, trimEOL(rec)...)
		}
		dst = append(append(dst, trimEOL(rec[:nl+1])...), '\n')
		rec = rec[nl+1:]
		if len(rec) == 0 {
			return dst[:len(dst)-1]
		}
	}
}

func trimEOL(line []byte) []byte {
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line
}

func isBlank(line []byte) bool {
	for _, c := range line {
		if c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

// splitFields splits one record into fields, appending to dst. Quoted
// fields are unescaped into scr, which the returned fields may alias. ok is
// false when a quoted field is not closed by the end of the record.
//
// After limit fields (limit <= 0 means no limit) the rest of the record is
// ignored.
func splitFields(line []byte, comma byte, dst [][]byte, scr []byte, limit int) (fields [][]byte, scratch []byte, ok bool) {
	if comma == Whitespace {
		i := 0
		for {
			if len(dst) == limit && limit > 0 {
				return dst, scr, true
			}
			for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
				i++
			}
			if i == len(line) {
				return dst, scr, true
			}
			j := i
			for j < len(line) && line[j] != ' ' && line[j] != '\t' {
				j++
			}
			dst = append(dst, line[i:j])
			i = j
		}
	}
	for {
		if limit > 0 && len(dst) == limit {
			return dst, scr, true
		}
		// Skip leading spaces only to detect a quoted field.
		k := 0
		for k < len(line) && line[k] == ' ' {
			k++
		}
		if k < len(line) && line[k] == '"' {
			start := len(scr)
			i := k + 1
			for {
				j := bytes.IndexByte(line[i:], '"')
				if j < 0 {
					return dst, scr, false
				}
				scr = append(scr, line[i:i+j]...)
				i += j + 1
				if i < len(line) && line[i] == '"' {
					scr = append(scr, '"')
					i++
					continue
				}
				break
			}
			dst = append(dst, scr[start:len(scr):len(scr)])
			// Anything between the closing quote and the delimiter is kept
			// leniently as part of the field.
			j := bytes.IndexByte(line[i:], comma)
			if j < 0 {
				if rest := bytes.TrimSpace(line[i:]); len(rest) > 0 {
					dst[len(dst)-1] = append(dst[len(dst)-1], rest...)
				}
				return dst, scr, true
			}
			if rest := bytes.TrimSpace(line[i : i+j]); len(rest) > 0 {
				dst[len(dst)-1] = append(dst[len(dst)-1], rest...)
			}
			line = line[i+j+1:]
			continue
		}
		j := bytes.IndexByte(line, comma)
		if j < 0 {
			return append(dst, line), scr, true
		}
		dst = append(dst, line[:j])
		line = line[j+1:]
	}
}
