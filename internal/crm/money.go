package crm

import (
	"errors"
	"strconv"
	"strings"
)

// MaxAmountCents is the largest amount a deal may have: 999,999,999,999.99.
const MaxAmountCents int64 = 99_999_999_999_999

// The messages ParseMoney returns, shown beside the amount field as they are.
var (
	ErrMoneyEmpty    = errors.New("Enter an amount, like 12,500 or 12500.50.")
	ErrMoneyFormat   = errors.New("Enter an amount like 12,500 or 12500.50: digits, an optional dot and cents.")
	ErrMoneyNegative = errors.New("The amount cannot be negative.")
	ErrMoneyDecimals = errors.New("Use at most two decimals (cents), like 12500.50.")
	ErrMoneyCommas   = errors.New("Commas separate thousands, like 12,500; use a dot for cents, like 12500.50.")
	ErrMoneyTooLarge = errors.New("That is more than the largest amount accepted, 999,999,999,999.99.")
)

// ParseMoney reads an amount typed in currency units ("12,500", "12500.50",
// "$1,250.5") as integer cents, exactly: no floating point is involved. Commas are
// accepted only as thousands separators in their right places, a dot separates at most
// two decimals, and a leading "$" is allowed. The error is a sentence for the person.
func ParseMoney(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, ErrMoneyEmpty
	}
	if s[0] == '-' || strings.HasPrefix(s, "$-") || strings.HasPrefix(s, "−") {
		return 0, ErrMoneyNegative
	}
	s = strings.TrimPrefix(s, "+")
	s = strings.TrimPrefix(s, "$")
	s = strings.TrimSpace(s)
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" && frac == "" {
		return 0, ErrMoneyFormat
	}
	if strings.Contains(whole, ",") {
		groups := strings.Split(whole, ",")
		if len(groups[0]) == 0 || len(groups[0]) > 3 {
			return 0, ErrMoneyCommas
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return 0, ErrMoneyCommas
			}
		}
		whole = strings.Join(groups, "")
	}
	if !digits(whole) || !digits(frac) {
		if hasDot && strings.ContainsAny(frac, ".,") && digits(strings.NewReplacer(".", "", ",", "").Replace(frac)) {
			return 0, ErrMoneyCommas
		}
		return 0, ErrMoneyFormat
	}
	if len(frac) > 2 {
		return 0, ErrMoneyDecimals
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > 12 {
		return 0, ErrMoneyTooLarge
	}
	units := int64(0)
	if whole != "" {
		units, _ = strconv.ParseInt(whole, 10, 64) // at most 12 digits: cannot fail
	}
	cents := int64(0)
	if frac != "" {
		cents, _ = strconv.ParseInt(frac, 10, 64)
		if len(frac) == 1 {
			cents *= 10
		}
	}
	total := units*100 + cents
	if total > MaxAmountCents {
		return 0, ErrMoneyTooLarge
	}
	return total, nil
}

// digits reports whether s is empty or only ASCII digits.
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// FormatMoney shows cents as dollars with thousands separators: "$12,500" for whole
// amounts, "$12,500.50" otherwise.
func FormatMoney(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	s := "$" + sign + groupThousands(cents/100)
	if c := cents % 100; c != 0 {
		s += "." + twoDigits(c)
	}
	return s
}

// AmountInput is cents as typed into the amount field: "12500.50", "12500", or "" for 0
// on a new deal.
func AmountInput(cents int64) string {
	s := strconv.FormatInt(cents/100, 10)
	if c := cents % 100; c != 0 {
		s += "." + twoDigits(c)
	}
	return s
}

// ShortMoney is an amount for a chart label: "$1.2M", "$350k", "$900".
func ShortMoney(cents int64) string {
	d := cents / 100
	switch {
	case d >= 1_000_000_000:
		return "$" + strconv.FormatFloat(float64(d)/1e9, 'f', 1, 64) + "B"
	case d >= 1_000_000:
		return "$" + strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) + "M"
	case d >= 10_000:
		return "$" + strconv.FormatInt(d/1000, 10) + "k"
	}
	return "$" + groupThousands(d)
}

func groupThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func twoDigits(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}
