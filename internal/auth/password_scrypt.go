package auth

import (
	"crypto/subtle"
	"encoding/hex"

	"golang.org/x/crypto/scrypt"
	"golang.org/x/text/unicode/norm"
)

// Better Auth's password hashes, as a database adopted from the seed stack holds them
// (rapport migrate adopt): "<salt>:<key>", the salt 16 random bytes as 32 lower-case hex
// characters and the key scrypt(NFKC(password), salt, N=16384, r=16, p=1, 64 bytes) as
// 128, where the salt given to scrypt is the 32-character hex text itself, not the bytes
// it spells (better-auth 1.7's crypto/password.ts). They verify here once and are
// rehashed to argon2id at that sign-in (SignInSubmit).
const (
	betterAuthN      = 16384
	betterAuthR      = 16
	betterAuthP      = 1
	betterAuthKeyLen = 64
	betterAuthSalt   = 32 // hex characters
)

// isBetterAuth reports whether encoded has Better Auth's exact shape.
func isBetterAuth(encoded string) bool {
	if len(encoded) != betterAuthSalt+1+2*betterAuthKeyLen || encoded[betterAuthSalt] != ':' {
		return false
	}
	for i := 0; i < len(encoded); i++ {
		c := encoded[i]
		if i == betterAuthSalt {
			continue
		}
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// betterAuthKey is the scrypt key Better Auth derives for password with the hex salt.
func betterAuthKey(password, salt string) []byte {
	key, err := scrypt.Key([]byte(norm.NFKC.String(password)), []byte(salt), betterAuthN, betterAuthR, betterAuthP, betterAuthKeyLen)
	if err != nil { // only for parameters scrypt refuses, and these are constants it accepts
		panic("scrypt: " + err.Error())
	}
	return key
}

// verifyBetterAuth checks password against a hash isBetterAuth accepted.
func verifyBetterAuth(password, encoded string) bool {
	want, err := hex.DecodeString(encoded[betterAuthSalt+1:])
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(betterAuthKey(password, encoded[:betterAuthSalt]), want) == 1
}

// betterAuthDummy is a well-formed Better Auth hash no password matches in practice,
// verified against to make a refusal cost what checking a real one does.
const betterAuthDummy = "00000000000000000000000000000000:" +
	"00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
