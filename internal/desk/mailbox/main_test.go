package mailbox

import (
	"testing"

	"rapport/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }
