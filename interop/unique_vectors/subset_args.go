package main

import (
	"github.com/riverqueue/river"
)

// River takes a by_args subset from `river:"unique"` struct tags, so each case
// with by_args_paths needs a typed Go struct: the tags are what the C++ side
// names as paths, and the value must encode to exactly goEncoding of the
// case's args (checked before inserting). Their kind is vectorKind.

const vectorKind = "vector_kind"

type customerID struct {
	ID   int64  `json:"id" river:"unique"`
	Name string `json:"name"`
}

// Paths customer.id and label.
type customerLabelArgs struct {
	Customer customerID `json:"customer"`
	Label    string     `json:"label,omitempty" river:"unique"`
	Other    int64      `json:"other"`
}

func (customerLabelArgs) Kind() string { return vectorKind }

type cOfNonePresent struct {
	D *int64 `json:"d,omitempty" river:"unique"`
}

// Paths a and c.d, neither present.
type nonePresentArgs struct {
	A *int64          `json:"a,omitempty" river:"unique"`
	B int64           `json:"b"`
	C *cOfNonePresent `json:"c,omitempty"`
}

func (nonePresentArgs) Kind() string { return vectorKind }

// Path label, encoded as null.
type nullLabelArgs struct {
	Label *string `json:"label" river:"unique"`
	M     int64   `json:"m"`
}

func (nullLabelArgs) Kind() string { return vectorKind }

type accountRegionID struct {
	Region string `json:"region" river:"unique"`
	Name   string `json:"name"`
	ID     string `json:"id" river:"unique"`
}

// Paths account.region and account.id.
type accountSiblingsArgs struct {
	Account accountRegionID `json:"account"`
	Label   string          `json:"label"`
}

func (accountSiblingsArgs) Kind() string { return vectorKind }

type accountNested struct {
	ID string `json:"id"`
}

// Path account\.id: a top-level name containing a dot, not account's id.
type dottedNameArgs struct {
	AccountID string        `json:"account.id" river:"unique"`
	Account   accountNested `json:"account"`
	X         int64         `json:"x"`
}

func (dottedNameArgs) Kind() string { return vectorKind }

// Path path/key.
type slashNameArgs struct {
	PathKey string `json:"path/key" river:"unique"`
	Y       int64  `json:"y"`
}

func (slashNameArgs) Kind() string { return vectorKind }

type metaObject struct {
	Z int64 `json:"z"`
	A []any `json:"a"`
}

// Path meta: a whole object, its members in declaration order.
type wholeObjectArgs struct {
	Meta  metaObject `json:"meta" river:"unique"`
	Other bool       `json:"other"`
}

func (wholeObjectArgs) Kind() string { return vectorKind }

// subsetArgs holds the typed args of each case that has by_args_paths, by
// case name.
var subsetArgs = map[string]river.JobArgs{
	"subset_some_present":    customerLabelArgs{Customer: customerID{ID: 7, Name: "n"}, Label: "l", Other: 9},
	"subset_one_absent":      customerLabelArgs{Customer: customerID{ID: 8}, Other: 1},
	"subset_none_present":    nonePresentArgs{B: 5},
	"subset_explicit_null":   nullLabelArgs{M: 1},
	"subset_nested_siblings": accountSiblingsArgs{Account: accountRegionID{Region: "west", Name: "x", ID: "acct"}, Label: "l"},
	"subset_escaped_dot":     dottedNameArgs{AccountID: "flat", Account: accountNested{ID: "nested"}, X: 1},
	"subset_slash_key":       slashNameArgs{PathKey: "p", Y: 2},
	"subset_whole_object":    wholeObjectArgs{Meta: metaObject{Z: 1, A: []any{1.0, "<"}}, Other: true},
}
