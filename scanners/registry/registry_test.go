package registry

import (
	"regexp"
	"testing"
)

func TestOfflineNamesUniqueAndValid(t *testing.T) {
	valid := regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
	seen := map[string]bool{}
	for _, l := range Offline() {
		n := l.Name()
		if !valid.MatchString(n) {
			t.Errorf("loader name %q is not a lower-case word", n)
		}
		if seen[n] {
			t.Errorf("loader name %q appears twice", n)
		}
		seen[n] = true
		if ok, err := l.Add("empty.json", []byte(`{"unrelated": true}`)); ok || err != nil {
			t.Errorf("loader %s claimed an unrelated file: ok=%v err=%v", n, ok, err)
		}
	}
	if len(seen) == 0 {
		t.Fatal("no offline loaders registered")
	}
}
