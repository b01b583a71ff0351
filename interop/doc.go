// Package interop proves that jobs inserted by riverqueue-cpp are
// indistinguishable from jobs inserted by River Go: real River (pinned in
// go.mod) migrates, inserts and works jobs next to our `riverqueue` tool.
//
// Run through ctest (`ctest -L interop`), which passes the test database and
// the tool's path; or by hand with DATABASE_URL and RIVERQUEUE_CLI set.
package interop
