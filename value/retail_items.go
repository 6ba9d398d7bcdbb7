package value

import "github.com/cvmkit/cvm"

// lineItem returns the units and the item (category, else product) of a
// transaction, for the volume and breadth indicators. Until
// cvm.Transaction carries them it returns 0 and "".
func lineItem(t cvm.Transaction) (qty float64, item string) {
	return 0, ""
}
