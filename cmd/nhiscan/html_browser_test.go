package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/nhiscan/nhiscan/findings"
	"github.com/nhiscan/nhiscan/scanners/inventory"
)

// hostile is an identity name an attacker with iam:CreateRole could pick.
const hostile = `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">`

// browser finds Chromium for the HTML tests: NHISCAN_BROWSER (CI sets it,
// making the test mandatory), else chromium on PATH; without either the
// test is skipped, saying how to run it.
func browser(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("NHISCAN_BROWSER"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("NHISCAN_BROWSER=%s: %v", p, err)
		}
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium not found: apt-get install chromium, or set NHISCAN_BROWSER to a Chromium binary, to run the HTML browser test")
	return ""
}

// hostileHTML renders the demo report as HTML after giving one finding's
// identity a hostile name and putting it into an escalation path.
func hostileHTML(t *testing.T) (string, findings.Report) {
	t.Helper()
	env := testEnv(inventory.Inventory{})
	rep := decodeReport(t, runCLI(t, env, "scan", "--demo", "--format", "json").stdout)
	rep.Findings[0].Identity.Name = hostile
	rep.Findings[0].Message = hostile + " is dangerous"
	for i := range rep.Findings {
		for j, e := range rep.Findings[i].Evidence {
			if e.Key == "path" {
				rep.Findings[i].Evidence[j].Value = hostile + " -[sts:AssumeRole]-> " + e.Value
			}
		}
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "hostile.json")
	data, _ := json.Marshal(rep)
	os.WriteFile(in, data, 0o644)
	page := filepath.Join(dir, "report.html")
	if r := runCLI(t, env, "report", "--input", in, "--format", "html", "--output", page); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	return page, rep
}

// The page is one self-contained file: nothing it would fetch, and every
// scanned value escaped.
func TestHTMLSelfContainedAndEscaped(t *testing.T) {
	page, _ := hostileHTML(t)
	b, _ := os.ReadFile(page)
	s := string(b)
	for _, bad := range []string{"<script>window.__pwned", "<img", "<link", "<iframe", "url(", "@import", "@font-face"} {
		if strings.Contains(s, bad) {
			t.Errorf("the page contains %q", bad)
		}
	}
	if m := regexp.MustCompile(`<[^>]*\s(src|href|action)\s*=`).FindString(s); m != "" {
		t.Errorf("the page loads or links something: %s", m)
	}
	if strings.Count(s, "<script>") != 1 || !strings.Contains(s, "&lt;script&gt;window.__pwned=1&lt;/script&gt;") {
		t.Error("the hostile name is not escaped as text, or the page has more than its own script")
	}
	for _, want := range []string{`id="compliance"`, `id="paths"`, `class="node admin"`, `data-filter="severity"`, `data-filter="provider"`, `data-filter="category"`, "Content-Security-Policy"} {
		if !strings.Contains(s, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
}

// The page in a real browser: it loads with no console error and no
// request, the hostile name does not run, the filters hide the rows that
// do not match, and the critical badge is drawn as designed.
func TestHTMLInBrowser(t *testing.T) {
	bin := browser(t)
	page, rep := hostileHTML(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()

	var mu sync.Mutex
	var problems []string
	note := func(s string) { mu.Lock(); problems = append(problems, s); mu.Unlock() }
	if err := chromedp.Listen(bctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			note("exception: " + ev.ExceptionDetails.Text)
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
				note("console " + string(ev.Type))
			}
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError || ev.Entry.Level == log.EntryLevelWarning {
				note("log: " + ev.Entry.Text)
			}
		case *network.EventRequestWillBeSent:
			if !strings.HasPrefix(ev.Request.URL, "file://") {
				note("request: " + ev.Request.URL)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(bctx, log.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(bctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(bctx, chromedp.Navigate("file://"+page), chromedp.WaitVisible(chromedp.ID("findings"))); err != nil {
		t.Fatal(err)
	}
	eval := func(expr string) any {
		v, err := chromedp.Run(bctx, chromedp.Evaluate[any](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return v
	}
	if v := eval(`typeof window.__pwned`); v != "undefined" {
		t.Errorf("the hostile identity name ran: typeof window.__pwned is %v", v)
	}
	if v := eval(`document.body.innerText.includes(` + jsString(hostile) + `)`); v != true {
		t.Error("the hostile name is not shown as text")
	}

	visible := func() []string {
		var out []string
		for _, v := range eval(`[...document.querySelectorAll("#findings tbody tr")].filter(r => r.offsetParent !== null).map(r => r.dataset.severity + "/" + r.dataset.provider)`).([]any) {
			out = append(out, v.(string))
		}
		return out
	}
	choose := func(id, value string) {
		if err := chromedp.Do(bctx, chromedp.SetValue(chromedp.ID(id), value)); err != nil {
			t.Fatal(err)
		}
		eval(`document.getElementById("` + id + `").dispatchEvent(new Event("change"))`)
	}
	if n := len(visible()); n != len(rep.Findings) {
		t.Fatalf("%d rows visible before filtering, want %d", n, len(rep.Findings))
	}
	count := func(sev, provider string) int {
		n := 0
		for _, f := range rep.Findings {
			if f.Severity.String() == sev && (provider == "" || f.Identity.Provider == provider) {
				n++
			}
		}
		return n
	}
	choose("f-severity", "critical")
	rows := visible()
	if len(rows) != count("critical", "") || len(rows) == 0 {
		t.Errorf("severity filter: %d rows visible, want %d", len(rows), count("critical", ""))
	}
	for _, r := range rows {
		if !strings.HasPrefix(r, "critical/") {
			t.Errorf("severity filter left a %s row visible", r)
		}
	}
	choose("f-provider", "gcp")
	if rows = visible(); len(rows) != count("critical", "gcp") {
		t.Errorf("severity and provider filter: %v visible, want %d critical gcp rows", rows, count("critical", "gcp"))
	}
	shown, err := chromedp.Run(bctx, chromedp.Text(chromedp.ID("shown")))
	if err != nil || shown != strconv.Itoa(len(rows)) {
		t.Errorf("the count says %q, %d rows are visible (%v)", shown, len(rows), err)
	}

	// The critical badge: a real box of the designed size and colour.
	shot, err := chromedp.Run(bctx, chromedp.Screenshot(chromedp.ID("badge-critical")))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	if b.Dx() < 60 || b.Dy() < 14 || b.Dy() > 40 {
		t.Errorf("critical badge is %dx%d px", b.Dx(), b.Dy())
	}
	r, g, bl, _ := img.At(b.Min.X+3, b.Min.Y+b.Dy()/2).RGBA()
	if near := func(v uint32, want int) bool { d := int(v>>8) - want; return d > -16 && d < 16 }; !near(r, 0xb3) || !near(g, 0x00) || !near(bl, 0x1b) {
		t.Errorf("critical badge colour is #%02x%02x%02x, want about #b3001b", r>>8, g>>8, bl>>8)
	}
	if os.Getenv("NHISCAN_SCREENSHOT_DIR") != "" {
		full, _ := chromedp.Run(bctx, chromedp.FullScreenshot(80))
		os.WriteFile(filepath.Join(os.Getenv("NHISCAN_SCREENSHOT_DIR"), "report.jpg"), full, 0o644)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Errorf("the page logged problems: %q", problems)
	}
}

func jsString(s string) string { b, _ := json.Marshal(s); return string(b) }
