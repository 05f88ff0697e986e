package httpx

// CSVCell guards a value against formula injection: a spreadsheet would run a cell
// starting with = + - @ (or a tab or carriage return before one) as a formula, so such
// text gets a leading apostrophe, which spreadsheets show as plain text. Every CSV
// export writes its cells through it (the CRM's, the desk's).
func CSVCell(v string) string {
	if v != "" {
		switch v[0] {
		case '=', '+', '-', '@', '\t', '\r':
			return "'" + v
		}
	}
	return v
}
