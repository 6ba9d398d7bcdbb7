package cvm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// TestEachBatch checks EachBatch against Read on the same input: the same
// rows with the same customer, time and amount, the same error, in files
// for both parsers (quotes send a block to the general one), with bad rows
// skipped or fatal, times before 1970 and with fractions, a location,
// quantity times price, and the optional product, category and channel
// columns (empty fields among them); and that fn's error stops it.
func TestEachBatch(t *testing.T) {
	defer func(n int) { chunkSize = n }(chunkSize)
	chunkSize = 128
	var plain, quoted, bad strings.Builder
	plain.WriteString("customer,time,amount\n")
	quoted.WriteString("customer,time,amount\n")
	bad.WriteString("customer,time,amount\n")
	for i := range 400 {
		fmt.Fprintf(&plain, "C%03d,2024-%02d-%02d %02d:%02d:%02d,%d.%02d\n", i/6, 1+i%12, 1+i%28, i%24, i%60, (7*i)%60, i-200, i%100)
		fmt.Fprintf(&quoted, "\"C,%03d\",1969-12-31T23:59:%02d.%03dZ,-%d.5\n", i/5, i%60, i%1000, i)
		if i%37 == 5 {
			fmt.Fprintf(&bad, "C%03d,not a time,1\n", i)
		} else {
			fmt.Fprintf(&bad, "C%03d,2025-03-%02d,%d\n", i/3, 1+i%28, i)
		}
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip(err)
	}
	for _, tc := range []struct {
		name string
		in   string
		set  ReadSettings
	}{
		{"fast", plain.String(), ReadSettings{}},
		{"quoted-before-1970", quoted.String(), ReadSettings{}},
		{"location", plain.String(), ReadSettings{Location: ny}},
		{"bad-skipped", bad.String(), ReadSettings{SkipBadRows: true, MaxErrors: -1}},
		{"bad-fatal", bad.String(), ReadSettings{}},
		{"quantity-price", "customer,time,q,p\nA,2024-01-01,3,1.5\nA,2024-01-02,-1,1.5\nB,2024-02-01,2,0.25\n", ReadSettings{Quantity: "q", Price: "p"}},
		{"optional-columns", "customer,time,q,p,sku,cat,ch\nA,2024-01-01,3,1.5,X1,toys,web\nA,2024-01-02,-1,1.5,,toys,\nB,2024-02-01,2,0.25,Y2,,shop\n\"C\",2024-02-02,1,1,\"Z,3\",games,web\n",
			ReadSettings{Quantity: "q", Price: "p", Product: "sku", Category: "cat", Channel: "ch"}},
		{"truncated", "customer,time,amount\nA,2024-01-01,1\nB,2024-01-02,\"2", ReadSettings{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := tc.set
			rd, err := NewReader(strings.NewReader(tc.in), &set)
			if err != nil {
				t.Fatal(err)
			}
			var want []Transaction
			var werr error
			for {
				tx, err := rd.Read()
				if err != nil {
					if !errors.Is(err, io.EOF) {
						werr = err
					}
					break
				}
				want = append(want, tx)
			}
			set = tc.set
			rd2, err := NewReader(strings.NewReader(tc.in), &set)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			gerr := rd2.EachBatch(context.Background(), func(b *Batch) error {
				for i := range b.Len() {
					if n >= len(want) {
						return fmt.Errorf("row %d beyond Read's %d", n, len(want))
					}
					w := want[n]
					sec, nsec := b.Unix(i)
					if string(b.Customer(i)) != w.Customer || b.Amount(i) != w.Amount || !b.Time(i).Equal(w.Time) ||
						b.Time(i).Location().String() != w.Time.Location().String() || sec != w.Time.Unix() || int(nsec) != w.Time.Nanosecond() {
						return fmt.Errorf("row %d: %s %v (%d, %d) %v, want %s %v %v", n, b.Customer(i), b.Time(i), sec, nsec, b.Amount(i), w.Customer, w.Time, w.Amount)
					}
					if b.Quantity(i) != w.Quantity || string(b.Product(i)) != w.Product || string(b.Category(i)) != w.Category || string(b.Channel(i)) != w.Channel {
						return fmt.Errorf("row %d: %v %q %q %q, want %v %q %q %q", n, b.Quantity(i), b.Product(i), b.Category(i), b.Channel(i), w.Quantity, w.Product, w.Category, w.Channel)
					}
					n++
				}
				return nil
			})
			if n != len(want) || (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() {
				t.Fatalf("%d rows, error %v; Read gave %d, error %v", n, gerr, len(want), werr)
			}
		})
	}
	// fn's error stops the reading and is returned.
	rd, _ := NewReader(strings.NewReader(plain.String()), nil)
	stop := errors.New("stop")
	calls := 0
	if err := rd.EachBatch(context.Background(), func(*Batch) error { calls++; return stop }); err != stop || calls != 1 {
		t.Errorf("EachBatch = %v after %d calls, want %v after 1", err, calls, stop)
	}
}
