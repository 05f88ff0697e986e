package db

import (
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"rapport/migrations"
)

// migration is one goose file's Up part, for adoption (adopt.go), which runs the
// migrations itself inside its one transaction instead of through goose's provider.
type migration struct {
	version int64
	path    string
	up      string
}

// migrationSources reads migrations.FS in goose's order. The Up part is sent as one
// simple-protocol query (Postgres splits it, dollar quotes included, so goose's
// StatementBegin/End marks are only comments); a file that asks goose for no
// transaction cannot run inside one and is refused.
func migrationSources() ([]migration, error) {
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, name := range names {
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: no version number", name)
		}
		b, err := fs.ReadFile(migrations.FS, name)
		if err != nil {
			return nil, err
		}
		src := string(b)
		if strings.Contains(src, "+goose NO TRANSACTION") || strings.Contains(src, "+goose ENVSUB") {
			return nil, fmt.Errorf("migration %s cannot run inside the adoption's transaction", name)
		}
		_, up, ok := strings.Cut(src, "-- +goose Up")
		if !ok {
			return nil, fmt.Errorf("migration %s: no -- +goose Up", name)
		}
		up, _, _ = strings.Cut(up, "-- +goose Down")
		out = append(out, migration{version: v, path: name, up: up})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}
