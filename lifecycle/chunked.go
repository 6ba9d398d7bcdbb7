package lifecycle

// chunked is an append-only list kept in chunks of chunkLen elements, so
// that appending never copies a long list. The first chunk grows as a
// slice does (a small list costs little); the others are allocated whole.
type chunked[T any] struct {
	chunks [][]T
	n      int
}

const (
	chunkBits = 16
	chunkLen  = 1 << chunkBits
)

// push appends x and returns a pointer to it, valid until the next push.
func (c *chunked[T]) push(x T) *T {
	k := len(c.chunks) - 1
	if k < 0 || len(c.chunks[k]) == chunkLen {
		var next []T
		if k >= 0 {
			next = make([]T, 0, chunkLen)
		}
		c.chunks = append(c.chunks, next)
		k++
	}
	c.chunks[k] = append(c.chunks[k], x)
	c.n++
	return &c.chunks[k][len(c.chunks[k])-1]
}

// at returns a pointer to element i.
func (c *chunked[T]) at(i int) *T { return &c.chunks[i>>chunkBits][i&(chunkLen-1)] }

// len returns the number of elements.
func (c *chunked[T]) len() int { return c.n }
