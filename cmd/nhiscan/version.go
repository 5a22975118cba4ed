package main

import (
	"runtime/debug"
	"strings"
)

// versionInfo is what `nhiscan version` and --version print.
type versionInfo struct{ version, commit, date string }

// resolveVersion returns the version set by goreleaser's -ldflags, or,
// when the binary was built otherwise (go install, go build), the one the
// Go toolchain recorded: the module version (a tag, or a pseudo-version
// with the commit), else the VCS revision, time and whether the tree was
// modified. "dev" remains only when the build recorded nothing at all.
func resolveVersion(set versionInfo, info *debug.BuildInfo, ok bool) versionInfo {
	if set.version != "dev" || !ok || info == nil {
		return set
	}
	out := set
	var revision, vcsTime string
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.time":
			vcsTime = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if revision != "" {
		out.commit = revision
	}
	if vcsTime != "" {
		out.date = vcsTime
	}
	switch v := info.Main.Version; {
	case v != "" && v != "(devel)":
		out.version = v
	case revision != "":
		short := revision
		if len(short) > 12 {
			short = short[:12]
		}
		out.version = "devel-" + short
		if modified {
			out.version += "-dirty"
		}
	}
	if modified && !strings.Contains(out.version, "dirty") {
		out.version += "+dirty"
	}
	return out
}

// applyBuildInfo replaces the default "dev" version with what the Go
// toolchain recorded in the binary.
func applyBuildInfo() {
	info, ok := debug.ReadBuildInfo()
	v := resolveVersion(versionInfo{version, commit, date}, info, ok)
	version, commit, date = v.version, v.commit, v.date
}

func versionLine() string {
	return "nhiscan " + version + " (commit " + commit + ", built " + date + ")"
}
