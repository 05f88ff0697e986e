// Package web holds the page shell shared by every part of Rapport (layout, navigation,
// form components, error pages) and the static assets, embedded in the binary and
// served under content-hashed names so browsers may cache them forever.
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// assetNames maps "app.css" to its hashed name "app.1a2b3c4d5e.css", and back.
var assetNames, assetFiles = hashAssets()

func hashAssets() (map[string]string, map[string]string) {
	names, files := map[string]string{}, map[string]string{}
	_ = fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		rel := strings.TrimPrefix(p, "static/")
		ext := path.Ext(rel)
		hashed := strings.TrimSuffix(rel, ext) + "." + hex.EncodeToString(sum[:5]) + ext
		names[rel] = hashed
		files[hashed] = p
		return nil
	})
	return names, files
}

// Asset returns the URL of a static file under its content-hashed name.
func Asset(name string) string {
	if h, ok := assetNames[name]; ok {
		return "/static/" + h
	}
	return "/static/" + name
}

// StaticHandler serves /static/{hashed name} with a one-year immutable cache.
// Unknown names are 404: an old page asking for a replaced asset must not get the new one
// under a stale name silently cached.
func StaticHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		p, ok := assetFiles[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		http.ServeContent(w, r, path.Base(p), buildTime, strings.NewReader(string(b)))
	})
}

// buildTime is the zero time: content hashes, not dates, decide freshness.
var buildTime = zeroTime()
