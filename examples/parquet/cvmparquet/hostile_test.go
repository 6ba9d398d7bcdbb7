package cvmparquet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/cvmkit/cvm"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// splitFooter returns a file's bytes before its footer and the footer
// decoded.
func splitFooter(t testing.TB, data []byte) ([]byte, *format.FileMetaData) {
	t.Helper()
	n := int(binary.LittleEndian.Uint32(data[len(data)-8:]))
	body := data[:len(data)-8-n]
	md := new(format.FileMetaData)
	if err := thrift.Unmarshal(new(thrift.CompactProtocol), data[len(body):len(data)-8], md); err != nil {
		t.Fatal(err)
	}
	return body, md
}

// withFooter returns body followed by md encoded as a footer.
func withFooter(t testing.TB, body []byte, md *format.FileMetaData) []byte {
	t.Helper()
	foot, err := thrift.Marshal(new(thrift.CompactProtocol), md)
	if err != nil {
		t.Fatal(err)
	}
	out := append(bytes.Clone(body), foot...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(foot)))
	return append(out, "PAR1"...)
}

// editFooter decodes data's footer, lets edit change it and encodes it
// again.
func editFooter(t testing.TB, data []byte, edit func(md *format.FileMetaData)) []byte {
	t.Helper()
	body, md := splitFooter(t, data)
	edit(md)
	return withFooter(t, body, md)
}

// schemaOf returns the schema element named name.
func schemaOf(md *format.FileMetaData, name string) *format.SchemaElement {
	for i := range md.Schema {
		if md.Schema[i].Name == name {
			return &md.Schema[i]
		}
	}
	panic("no schema element " + name)
}

// chunksOf returns the column chunk metadata of the leaf named name in
// every row group.
func chunksOf(md *format.FileMetaData, name string) []*format.ColumnMetaData {
	var out []*format.ColumnMetaData
	for g := range md.RowGroups {
		for i := range md.RowGroups[g].Columns {
			cm := &md.RowGroups[g].Columns[i].MetaData
			if len(cm.PathInSchema) == 1 && cm.PathInSchema[0] == name {
				out = append(out, cm)
			}
		}
	}
	return out
}

// editPageHeader rewrites the page header at off, which must encode to
// the same length after edit.
func editPageHeader(t testing.TB, data []byte, off int64, edit func(h *format.PageHeader)) []byte {
	t.Helper()
	var proto thrift.CompactProtocol
	br := proto.NewReaderFromBytes(data[off:])
	var h format.PageHeader
	if err := thrift.NewDecoder(br).Decode(&h); err != nil {
		t.Fatal(err)
	}
	n := br.BytesRead()
	edit(&h)
	b, err := thrift.Marshal(&proto, &h)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != n {
		t.Fatalf("page header at %d (%+v): %d bytes after the edit, %d before", off, h, len(b), n)
	}
	out := bytes.Clone(data)
	copy(out[off:], b)
	return out
}

// hostileBase is the file the hostile cases edit: 60 rows of synthCSV in
// row groups of 30, every column written by Write (customer, order,
// product, category and channel dictionary-encoded).
func hostileBase(t testing.TB) ([]byte, []cvm.Transaction) {
	txs := csvTransactions(t, synthCSV(21, 20, false), allColumns)
	if len(txs) < 60 {
		t.Fatalf("%d transactions, want 60 or more", len(txs))
	}
	txs = txs[:60]
	return toParquet(t, txs, &WriteSettings{RowGroupRows: 30}), txs
}

// hostileCase is a file made hostile in one way and the outcome it must
// have.
type hostileCase struct {
	name string
	data []byte
	// want is the error the file must give (from NewReader or the
	// read), errors.Is; nil means either the good file's transactions or
	// an error wrapping ErrCorrupt (a lie parquet-go may see through).
	want error
}

// hostileCases edits the base file's footer, schema and page headers
// into lies a hostile or broken writer could tell.
func hostileCases(t testing.TB) []hostileCase {
	good, _ := hostileBase(t)
	body, md := splitFooter(t, good)
	footLen := len(good) - 8 - len(body)
	foot := good[len(body) : len(good)-8]
	var cs []hostileCase
	add := func(name string, want error, data []byte) { cs = append(cs, hostileCase{name, data, want}) }
	footer := func(f func(md *format.FileMetaData)) []byte { return editFooter(t, good, f) }

	// Truncated footers: the length says what is there, the thrift is cut.
	for _, keep := range []int{0, 1, footLen / 3, footLen - 1} {
		b := append(bytes.Clone(body), foot[:keep]...)
		b = binary.LittleEndian.AppendUint32(b, uint32(keep))
		add("footer cut to "+strconv.Itoa(keep)+" bytes", ErrCorrupt, append(b, "PAR1"...))
	}
	// The length claims more than the file, or the whole file.
	for _, n := range []uint32{uint32(footLen + 1), uint32(len(good) - 12), uint32(len(good)), math.MaxUint32} {
		b := bytes.Clone(good)
		binary.LittleEndian.PutUint32(b[len(b)-8:], n)
		add("footer length "+strconv.FormatUint(uint64(n), 10), ErrCorrupt, b)
	}

	// Huge or negative declared lengths and counts.
	add("file rows 2^62", ErrCorrupt, footer(func(md *format.FileMetaData) { md.NumRows = 1 << 62 }))
	add("file and row group rows 2^62", ErrCorrupt, footer(func(md *format.FileMetaData) {
		md.NumRows += 1<<62 - md.RowGroups[0].NumRows
		md.RowGroups[0].NumRows = 1 << 62
	}))
	add("row group rows one more", ErrCorrupt, footer(func(md *format.FileMetaData) { md.NumRows++; md.RowGroups[1].NumRows++ }))
	add("row group rows one fewer", ErrCorrupt, footer(func(md *format.FileMetaData) { md.NumRows--; md.RowGroups[1].NumRows-- }))
	add("negative row group rows", ErrCorrupt, footer(func(md *format.FileMetaData) { md.RowGroups[0].NumRows = -1 }))
	add("negative file rows", ErrCorrupt, footer(func(md *format.FileMetaData) { md.NumRows = -60 }))
	for _, col := range []string{ColCustomer, ColAmount} {
		add(col+" chunk of 2^62 bytes", ErrCorrupt, footer(func(md *format.FileMetaData) { chunksOf(md, col)[0].TotalCompressedSize = 1 << 62 }))
		add(col+" chunk of -1 bytes", ErrCorrupt, footer(func(md *format.FileMetaData) { chunksOf(md, col)[1].TotalCompressedSize = -1 }))
		add(col+" chunk at offset -8", ErrCorrupt, footer(func(md *format.FileMetaData) {
			cm := chunksOf(md, col)[0]
			cm.DataPageOffset, cm.DictionaryPageOffset = -8, 0
		}))
		add(col+" chunk at offset 2^62", ErrCorrupt, footer(func(md *format.FileMetaData) {
			cm := chunksOf(md, col)[1]
			cm.DataPageOffset, cm.DictionaryPageOffset = 1<<62, 0
		}))
		add(col+" chunk of 2^62 values", nil, footer(func(md *format.FileMetaData) { chunksOf(md, col)[0].NumValues = 1 << 62 }))
		add(col+" chunk of -1 values", ErrCorrupt, footer(func(md *format.FileMetaData) { chunksOf(md, col)[0].NumValues = -1 }))
	}
	add("root claims 2^30 children", ErrCorrupt, footer(func(md *format.FileMetaData) { md.Schema[0].NumChildren.V = 1 << 30 }))
	add("root claims -1 children", nil, footer(func(md *format.FileMetaData) { md.Schema[0].NumChildren.V = -1 }))
	add("no schema", ErrCorrupt, footer(func(md *format.FileMetaData) { md.Schema = nil }))
	add("no row groups but rows", ErrCorrupt, footer(func(md *format.FileMetaData) { md.RowGroups = nil }))
	add("a row group without columns", ErrCorrupt, footer(func(md *format.FileMetaData) { md.RowGroups[1].Columns = nil }))

	// Wrong physical types for mapped columns: in the schema only (the
	// chunks still say what the pages hold), and in both.
	for _, x := range []struct {
		col string
		typ format.Type
	}{
		{ColAmount, format.Int64}, {ColAmount, format.ByteArray}, {ColAmount, format.Int96}, {ColAmount, format.Float},
		{ColCustomer, format.Int64}, {ColCustomer, format.FixedLenByteArray}, {ColTime, format.Int96}, {ColTime, format.ByteArray},
	} {
		name := x.col + " as " + x.typ.String()
		add(name+" in the schema", ErrCorrupt, footer(func(md *format.FileMetaData) {
			el := schemaOf(md, x.col)
			el.Type.V, el.LogicalType, el.ConvertedType.Valid = x.typ, format.LogicalType{}, false
			if x.typ == format.FixedLenByteArray {
				el.TypeLength.V, el.TypeLength.Valid = 4, true
			}
		}))
		add(name+" in the schema and chunks", errMaybe, footer(func(md *format.FileMetaData) {
			el := schemaOf(md, x.col)
			el.Type.V, el.LogicalType, el.ConvertedType.Valid = x.typ, format.LogicalType{}, false
			if x.typ == format.FixedLenByteArray {
				el.TypeLength.V, el.TypeLength.Valid = 4, true
			}
			for _, cm := range chunksOf(md, x.col) {
				cm.Type = x.typ
			}
		}))
	}
	add("BOOLEAN amount", ErrColumnType, footer(func(md *format.FileMetaData) {
		schemaOf(md, ColAmount).Type.V = format.Boolean
		for _, cm := range chunksOf(md, ColAmount) {
			cm.Type = format.Boolean
		}
	}))
	for _, n := range []int32{-1, 0, 1 << 30, math.MaxInt32} {
		add("customer FIXED_LEN_BYTE_ARRAY("+strconv.Itoa(int(n))+")", errMaybe, footer(func(md *format.FileMetaData) {
			el := schemaOf(md, ColCustomer)
			el.Type.V, el.LogicalType = format.FixedLenByteArray, format.LogicalType{}
			el.TypeLength.V, el.TypeLength.Valid = n, true
			for _, cm := range chunksOf(md, ColCustomer) {
				cm.Type = format.FixedLenByteArray
			}
		}))
	}
	// DECIMAL annotations no writer makes.
	for _, scale := range []int32{-1, 39, math.MaxInt32, math.MinInt32} {
		add("amount DECIMAL scale "+strconv.Itoa(int(scale)), ErrColumnType, footer(func(md *format.FileMetaData) {
			el := schemaOf(md, ColAmount)
			el.Type.V = format.Int64
			el.LogicalType = format.LogicalType{Value: &format.DecimalType{Scale: scale, Precision: 18}}
			for _, cm := range chunksOf(md, ColAmount) {
				cm.Type = format.Int64
			}
		}))
	}

	// Dictionary pages that lie about their entries, and pages that lie
	// about their sizes.
	dict := chunksOf(md, ColCustomer)[0].DictionaryPageOffset
	for _, n := range []int32{0, 1, 3, 60} {
		add("customer dictionary claims "+strconv.Itoa(int(n))+" entries", nil, editPageHeader(t, good, dict, func(h *format.PageHeader) {
			h.DictionaryPageHeader.V.NumValues = n
		}))
	}
	add("customer dictionary of negative size", ErrCorrupt, editPageHeader(t, good, dict, func(h *format.PageHeader) {
		h.UncompressedPageSize = -h.UncompressedPageSize
	}))
	add("customer dictionary claims 20 more bytes", ErrCorrupt, editPageHeader(t, good, dict, func(h *format.PageHeader) {
		h.CompressedPageSize += 20
	}))
	add("customer dictionary one byte short", ErrCorrupt, editPageHeader(t, good, dict, func(h *format.PageHeader) {
		h.CompressedPageSize--
	}))
	add("customer dictionary as a data page", nil, editPageHeader(t, good, dict, func(h *format.PageHeader) {
		h.Type = format.DataPage
	}))
	amt := chunksOf(md, ColAmount)[0].DataPageOffset
	values := func(n int32) func(h *format.PageHeader) {
		return func(h *format.PageHeader) {
			h.DataPageHeader.V.NumValues = n
			h.DataPageHeaderV2.V.NumValues, h.DataPageHeaderV2.V.NumRows = n, n
		}
	}
	add("amount page claims 2 values", nil, editPageHeader(t, good, amt, values(2)))
	add("amount page claims 62 values", ErrCorrupt, editPageHeader(t, good, amt, values(62)))
	add("amount page claims -1 values", ErrCorrupt, editPageHeader(t, good, amt, values(-1)))
	return cs
}

// errMaybe marks a hostile case that lies consistently (the schema and
// the chunks agree on a wrong type): any result but a panic, and an
// error must name the file.
var errMaybe = errors.New("any result")

// TestHostile reads every hostile case: the error it must give, naming
// the file, and never a panic or fewer rows than the file declares.
func TestHostile(t *testing.T) {
	good, want := hostileBase(t)
	if got, err := open(t, good, allColumns).ReadAll(ctx); err != nil || len(got) != len(want) {
		t.Fatalf("base file: %d transactions, %v", len(got), err)
	}
	for _, tc := range hostileCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			for _, rs := range []*cvm.ReadSettings{allColumns, {SkipBadRows: true}} {
				rd, err := NewReader(bytes.NewReader(tc.data), int64(len(tc.data)), "hostile.parquet", rs)
				var got []cvm.Transaction
				if err == nil {
					got, err = rd.ReadAll(ctx)
				}
				if err == nil && rs == allColumns {
					// The lie did not change what was read.
					switch tc.want {
					case errMaybe:
					case nil:
						sameTransactions(t, got, want)
					default:
						t.Fatalf("read %d rows, no error; want %v", len(got), tc.want)
					}
					continue
				}
				if err == nil {
					continue
				}
				if !strings.Contains(err.Error(), `"hostile.parquet"`) {
					t.Errorf("error %v does not name the file", err)
				}
				switch tc.want {
				case errMaybe:
				case nil:
					if !errors.Is(err, ErrCorrupt) {
						t.Errorf("error %v, want ErrCorrupt", err)
					}
				default:
					if !errors.Is(err, tc.want) {
						t.Errorf("error %v, want %v", err, tc.want)
					}
				}
			}
		})
	}
}

// TestHostileDecimals: DECIMAL values at the ends of their ranges read as
// the nearest float64 to their decimal text (written out by hand), and
// one wider than 16 bytes is a bad amount, not a panic.
func TestHostileDecimals(t *testing.T) {
	ids := strs("a", "b", "c")
	day := parquet.Date()
	days := []parquet.Value{parquet.Int32Value(19675), parquet.Int32Value(19676), parquet.Int32Value(19677)}
	fixed := func(b ...byte) parquet.Value { return parquet.FixedLenByteArrayValue(b) }
	ff := bytes.Repeat([]byte{0xff}, 16)
	min128 := append([]byte{0x80}, make([]byte, 15)...)
	max128 := append([]byte{0x7f}, bytes.Repeat([]byte{0xff}, 15)...)
	for _, tc := range []struct {
		name string
		node parquet.Node
		vals []parquet.Value
		want []string // the decimal text of each amount; "" for a bad amount
	}{
		{"INT32 extremes, scale 0", parquet.Decimal(0, 9, parquet.Int32Type),
			[]parquet.Value{parquet.Int32Value(math.MinInt32), parquet.Int32Value(math.MaxInt32), parquet.Int32Value(-1)},
			[]string{"-2147483648", "2147483647", "-1"}},
		{"INT64 extremes, scale 18", parquet.Decimal(18, 18, parquet.Int64Type),
			[]parquet.Value{parquet.Int64Value(math.MinInt64), parquet.Int64Value(math.MaxInt64), parquet.Int64Value(1)},
			[]string{"-9.223372036854775808", "9.223372036854775807", "0.000000000000000001"}},
		{"INT64 extremes, scale 2", parquet.Decimal(2, 18, parquet.Int64Type),
			[]parquet.Value{parquet.Int64Value(math.MinInt64), parquet.Int64Value(math.MaxInt64), parquet.Int64Value(-(1 << 53))},
			[]string{"-92233720368547758.08", "92233720368547758.07", "-90071992547409.92"}},
		{"FIXED_LEN_BYTE_ARRAY(16) extremes, scale 2", parquet.Decimal(2, 38, parquet.FixedLenByteArrayType(16)),
			[]parquet.Value{fixed(min128...), fixed(max128...), fixed(ff...)},
			// -2^127 and 2^127-1, over 100; -1 over 100.
			[]string{"-1701411834604692317316873037158841057.28", "1701411834604692317316873037158841057.27", "-0.01"}},
		{"FIXED_LEN_BYTE_ARRAY(17), wider than DECIMAL(38)", parquet.Decimal(2, 38, parquet.FixedLenByteArrayType(17)),
			[]parquet.Value{fixed(append([]byte{0}, ff...)...), fixed(append([]byte{0xff}, ff...)...), fixed(make([]byte, 17)...)},
			[]string{"", "", ""}},
		{"BYTE_ARRAY of 0, 1 and 17 bytes", parquet.Decimal(1, 38, parquet.ByteArrayType),
			[]parquet.Value{parquet.ByteArrayValue(nil), parquet.ByteArrayValue([]byte{0x80}), parquet.ByteArrayValue(append([]byte{1}, make([]byte, 16)...))},
			[]string{"0", "-12.8", ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := build(t, []col{{"customer", parquet.String(), ids}, {"time", day, days}, {"amount", tc.node, tc.vals}})
			rd := open(t, data, &cvm.ReadSettings{SkipBadRows: true, Order: cvm.NoColumn})
			got, err := rd.ReadAll(ctx)
			if err != nil {
				t.Fatal(err)
			}
			k := 0
			for i, text := range tc.want {
				if text == "" {
					continue
				}
				w, err := strconv.ParseFloat(text, 64)
				if err != nil {
					t.Fatal(err)
				}
				if k >= len(got) || got[k].Customer != string(ids[i].ByteArray()) || math.Float64bits(got[k].Amount) != math.Float64bits(w) {
					t.Errorf("row %d: got %+v, want amount %v (%s)", i+1, got[min(k, len(got)-1)], w, text)
				}
				k++
			}
			st := rd.Stats()
			skipped := 0
			for _, text := range tc.want {
				if text == "" {
					skipped++
				}
			}
			if st.Skipped != skipped || len(got) != len(tc.want)-skipped {
				t.Errorf("%d read, %d skipped; want %d skipped", len(got), st.Skipped, skipped)
			}
			for _, e := range st.Errors {
				if !errors.Is(e, cvm.ErrBadAmount) || e.Column != "amount" {
					t.Errorf("error %v, want a bad amount in column amount", e)
				}
			}
		})
	}
}

// TestConvertReaderEmpty: a CSV of a header alone converts to a file of
// no rows, which reads back to none.
func TestConvertReaderEmpty(t *testing.T) {
	rd, err := cvm.NewReader(strings.NewReader("customer,time,amount\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	path := t.TempDir() + "/empty.parquet"
	if n, err := ConvertReader(ctx, path, rd, nil); err != nil || n != 0 {
		t.Fatalf("ConvertReader = %d, %v; want 0, nil", n, err)
	}
	pq, err := OpenFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pq.Close()
	if got, err := pq.ReadAll(ctx); err != nil || len(got) != 0 || pq.NumRows() != 0 {
		t.Errorf("read back %d transactions (%d rows), %v; want none", len(got), pq.NumRows(), err)
	}
}
