package web

import (
	"net/http"
	"strconv"
)

func statusText(code int) string { return strconv.Itoa(code) + " · " + http.StatusText(code) }

func plural(n int) string { return strconv.Itoa(n) }
