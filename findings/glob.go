package findings

// MatchGlob reports whether pattern matches all of s. '*' matches any run
// of characters, '/' and ':' included (so one '*' spans an ARN's path),
// '?' matches one byte, and every other byte matches itself. A '*' in s is
// an ordinary character: MatchGlob("iam:*", "iam:*") is true and
// MatchGlob("iam:Get*", "iam:*") is false, which policy evaluation uses
// to ask whether one pattern covers another.
func MatchGlob(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
