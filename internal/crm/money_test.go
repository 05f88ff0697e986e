package crm

import (
	"errors"
	"testing"
)

func TestParseMoney(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int64
		err  error
	}{
		{"12,500", 1_250_000, nil},
		{"12500.50", 1_250_050, nil},
		{"$1,250.5", 125_050, nil},
		{" 0 ", 0, nil},
		{"0.01", 1, nil},
		{".5", 50, nil},
		{"7.", 700, nil},
		{"$ 99", 9_900, nil},
		{"+15", 1_500, nil},
		{"1,000,000", 100_000_000, nil},
		{"0007", 700, nil},
		{"999,999,999,999.99", MaxAmountCents, nil},
		{"999999999999.99", MaxAmountCents, nil},
		// 0.1 + 0.2 is not 0.3 in floating point; here it is cents, exactly.
		{"0.30", 30, nil},
		{"19.99", 1_999, nil},

		{"", 0, ErrMoneyEmpty},
		{"   ", 0, ErrMoneyEmpty},
		{"-5", 0, ErrMoneyNegative},
		{"$-5", 0, ErrMoneyNegative},
		{"−5", 0, ErrMoneyNegative},
		{"12.345", 0, ErrMoneyDecimals},
		{"0.001", 0, ErrMoneyDecimals},
		{"12,50", 0, ErrMoneyCommas},
		{"1,2500", 0, ErrMoneyCommas},
		{",500", 0, ErrMoneyCommas},
		{"1234,567", 0, ErrMoneyCommas},
		{"12.500,50", 0, ErrMoneyCommas},
		{"abc", 0, ErrMoneyFormat},
		{"12k", 0, ErrMoneyFormat},
		{"1e6", 0, ErrMoneyFormat},
		{"12 500", 0, ErrMoneyFormat},
		{"1.2.3", 0, ErrMoneyCommas},
		{".", 0, ErrMoneyFormat},
		{"$", 0, ErrMoneyFormat},
		{"١٢", 0, ErrMoneyFormat},
		{"NaN", 0, ErrMoneyFormat},
		{"1,000,000,000,000", 0, ErrMoneyTooLarge},
		{"1000000000000", 0, ErrMoneyTooLarge},
		{"99999999999999999999999999", 0, ErrMoneyTooLarge},
	}
	for _, tc := range tests {
		got, err := ParseMoney(tc.in)
		if !errors.Is(err, tc.err) || got != tc.want {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestFormatMoney(t *testing.T) {
	t.Parallel()
	for cents, want := range map[int64]string{
		0: "$0", 5: "$0.05", 1_250_000: "$12,500", 1_250_050: "$12,500.50", MaxAmountCents: "$999,999,999,999.99",
	} {
		if got := FormatMoney(cents); got != want {
			t.Errorf("FormatMoney(%d) = %q, want %q", cents, got, want)
		}
	}
	for cents, want := range map[int64]string{0: "0", 5: "0.05", 1_250_050: "12500.50", 700: "7"} {
		if got := AmountInput(cents); got != want {
			t.Errorf("AmountInput(%d) = %q, want %q", cents, got, want)
		}
	}
	for cents, want := range map[int64]string{90_000: "$900", 3_500_000: "$35k", 120_000_000: "$1.2M"} {
		if got := ShortMoney(cents); got != want {
			t.Errorf("ShortMoney(%d) = %q, want %q", cents, got, want)
		}
	}
}

// Whatever parses comes back unchanged through both ways of writing it, and never
// leaves the accepted range.
func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"12,500", "12500.50", "$1,250.5", "-1", "0.001", "1,2", "999,999,999,999.99", "1e3", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cents, err := ParseMoney(s)
		if err != nil {
			if cents != 0 {
				t.Fatalf("ParseMoney(%q) = %d with error %v", s, cents, err)
			}
			return
		}
		if cents < 0 || cents > MaxAmountCents {
			t.Fatalf("ParseMoney(%q) = %d: out of range", s, cents)
		}
		for _, again := range []string{FormatMoney(cents), AmountInput(cents)} {
			back, err := ParseMoney(again)
			if err != nil || back != cents {
				t.Fatalf("ParseMoney(%q) = %d, but %q reads as %d, %v", s, cents, again, back, err)
			}
		}
	})
}
