package auth

import "strings"

// Device names the browser and system a user agent string describes, for the account
// page's list of sessions: "Firefox on Linux", "Safari on iPhone". It knows the common
// browsers and systems only; anything else is shown by its first word ("curl/8.5.0"),
// and an empty one as "Unknown device". The string is the browser's own claim: a label
// for recognising one's devices, never a proof of anything.
func Device(ua string) string {
	browser := firstMatch(ua, []pair{
		{"Edg/", "Edge"}, {"EdgA/", "Edge"}, {"EdgiOS/", "Edge"},
		{"OPR/", "Opera"}, {"Opera", "Opera"},
		{"SamsungBrowser/", "Samsung Internet"},
		{"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"},
		{"Chrome/", "Chrome"}, {"CriOS/", "Chrome"}, {"Chromium/", "Chromium"},
		{"Safari/", "Safari"},
	})
	system := firstMatch(ua, []pair{
		{"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Android", "Android"},
		{"CrOS", "ChromeOS"}, {"Windows", "Windows"}, {"Mac OS X", "macOS"}, {"Macintosh", "macOS"},
		{"Linux", "Linux"},
	})
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	case system != "":
		return "A browser on " + system
	}
	word, _, _ := strings.Cut(strings.TrimSpace(ua), " ")
	if word == "" {
		return "Unknown device"
	}
	return clip(word, 40)
}

type pair struct{ marker, name string }

// firstMatch is the name of the first pair whose marker ua contains (the order matters:
// Edge's string also says Chrome and Safari, Chrome's says Safari).
func firstMatch(ua string, pairs []pair) string {
	for _, p := range pairs {
		if strings.Contains(ua, p.marker) {
			return p.name
		}
	}
	return ""
}
