package azure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// graphClient reads Microsoft Graph lists over plain HTTP with a token
// from an azcore.TokenCredential: a handful of GET endpoints do not
// justify msgraph-sdk-go. It follows @odata.nextLink, waits out 429 and
// 503 answers as Retry-After asks (a bounded number of times), and
// reports an HTTP error in one line naming the endpoint, never the token.
type graphClient struct {
	cred     azcore.TokenCredential
	do       policy.Transporter
	endpoint *url.URL // https://graph.microsoft.com
	scope    string
	// retries is how many times one request is repeated after a 429,
	// 503, 504 or a dropped connection; maxWait bounds one wait.
	retries int
	maxWait time.Duration
}

// token returns a token for Graph.
func (g *graphClient) token(ctx context.Context) (string, error) {
	tok, err := g.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{g.scope}})
	return tok.Token, err
}

// tokenCache keeps each scope's last token until five minutes before it
// expires, for every client of a scan: a credential such as the Azure
// CLI's runs a process per token, and each ARM SDK client would ask
// anew.
type tokenCache struct {
	cred   azcore.TokenCredential
	mu     sync.Mutex
	tokens map[string]azcore.AccessToken
}

func newTokenCache(cred azcore.TokenCredential) *tokenCache {
	return &tokenCache{cred: cred, tokens: map[string]azcore.AccessToken{}}
}

// GetToken implements azcore.TokenCredential.
func (c *tokenCache) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	key := strings.Join(o.Scopes, " ") + "|" + o.TenantID + "|" + o.Claims
	c.mu.Lock()
	defer c.mu.Unlock()
	if tok, ok := c.tokens[key]; ok && time.Until(tok.ExpiresOn) > 5*time.Minute && o.Claims == "" {
		return tok, nil
	}
	tok, err := c.cred.GetToken(ctx, o)
	if err != nil {
		return azcore.AccessToken{}, err
	}
	c.tokens[key] = tok
	return tok, nil
}

const (
	defaultGraphEndpoint = "https://graph.microsoft.com"
	graphRetries         = 6
	graphMaxWait         = 2 * time.Minute
)

func newGraphClient(cred azcore.TokenCredential, do policy.Transporter, endpoint string) (*graphClient, error) {
	if endpoint == "" {
		endpoint = defaultGraphEndpoint
	}
	u, err := url.Parse(strings.TrimSuffix(endpoint, "/"))
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("the Microsoft Graph endpoint %q is not an https URL", endpoint)
	}
	if do == nil {
		do = &http.Client{Timeout: 2 * time.Minute}
	}
	return &graphClient{cred: cred, do: do, endpoint: u, scope: defaultGraphEndpoint + "/.default", retries: graphRetries, maxWait: graphMaxWait}, nil
}

// httpError is an answer other than 200 from Graph or ARM.
type httpError struct {
	Endpoint string // "GET /v1.0/servicePrincipals"
	Status   int
	Code     string // Graph's or ARM's error.code
	Message  string // its error.message, first line
}

func (e *httpError) Error() string {
	s := fmt.Sprintf("%s: HTTP %d", e.Endpoint, e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	switch e.Status {
	case http.StatusUnauthorized:
		s += " (the token was refused: is it for this tenant?)"
	case http.StatusForbidden:
		s += " (the credential lacks a read permission: see README, Scanning Azure live)"
	}
	return s
}

// statusOf returns the HTTP status of an httpError in err's chain, or 0.
func statusOf(err error) int {
	var he *httpError
	if errors.As(err, &he) {
		return he.Status
	}
	return 0
}

// list GETs path (relative to the endpoint, with its query) and every
// page after it, calling page with each page's "value" items in turn.
func (g *graphClient) list(ctx context.Context, path string, page func(n int, items []json.RawMessage) error) error {
	next := g.endpoint.String() + path
	for n := 1; next != ""; n++ {
		var p graphPage
		if err := g.get(ctx, next, &p); err != nil {
			return err
		}
		if err := page(n, p.Value); err != nil {
			return fmt.Errorf("GET %s: %w", g.name(next), err)
		}
		next = p.NextLink
		if next != "" {
			u, err := url.Parse(next)
			if err != nil || u.Scheme != g.endpoint.Scheme || u.Host != g.endpoint.Host {
				// The token goes only to the endpoint it was asked for.
				return fmt.Errorf("GET %s: @odata.nextLink %q is not on %s", g.name(path), next, g.endpoint.Host)
			}
		}
	}
	return nil
}

// readList reads every item of a Graph list and checks each as the
// offline reader checks an export's: one model, one set of checks. Pages
// are decoded as they come, so a large tenant's raw JSON is not held.
func readList[T any](ctx context.Context, g *graphClient, path string, check func(*T) error) ([]T, error) {
	out := []T{}
	err := g.list(ctx, path, func(n int, items []json.RawMessage) error {
		vs, err := decodeItems(items, check)
		if err != nil && n > 1 {
			return fmt.Errorf("page %d: %w", n, err)
		}
		out = append(out, vs...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// name is the endpoint of a URL for messages: its path, without the
// host and the query (a $skiptoken says nothing to a reader).
func (g *graphClient) name(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return strings.TrimPrefix(u.Path, g.endpoint.Path)
}

// get GETs one URL into v, retrying throttling and unavailability.
func (g *graphClient) get(ctx context.Context, rawURL string, v any) error {
	endpoint := "GET " + g.name(rawURL)
	for attempt := 0; ; attempt++ {
		tok, err := g.token(ctx)
		if err != nil {
			return fmt.Errorf("%s: getting a token: %s", endpoint, oneLine(err.Error()))
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
		if err != nil {
			return fmt.Errorf("%s: %w", endpoint, err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept", "application/json")
		resp, body, err := g.exchange(req)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("%s: %w", endpoint, ctx.Err())
			}
			if attempt < g.retries {
				if err := sleep(ctx, backoff(attempt)); err != nil {
					return fmt.Errorf("%s: %w", endpoint, err)
				}
				continue
			}
			return fmt.Errorf("%s: %s", endpoint, oneLine(err.Error()))
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			if err := json.Unmarshal(body, v); err != nil {
				return fmt.Errorf("%s: the answer is not the JSON expected: %w", endpoint, err)
			}
			return nil
		case retryable(resp.StatusCode) && attempt < g.retries:
			wait := retryAfter(resp.Header, attempt)
			if wait > g.maxWait {
				wait = g.maxWait
			}
			if err := sleep(ctx, wait); err != nil {
				return fmt.Errorf("%s: %w", endpoint, err)
			}
			continue
		}
		return errorOf(endpoint, resp.StatusCode, body)
	}
}

// exchange sends req and reads the answer's body (at most 256 MiB); a
// failure of either is one the caller may retry.
func (g *graphClient) exchange(req *http.Request) (*http.Response, []byte, error) {
	resp, err := g.do.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("reading the answer: %w", err)
	}
	return resp, body, nil
}

func retryable(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
}

// retryAfter is how long an answer asks to wait: retry-after-ms or
// x-ms-retry-after-ms (milliseconds, as Azure services send), else
// Retry-After in seconds or as an HTTP date; else a growing backoff.
func retryAfter(h http.Header, attempt int) time.Duration {
	for _, k := range []string{"Retry-After-Ms", "X-Ms-Retry-After-Ms"} {
		if ms, err := strconv.Atoi(strings.TrimSpace(h.Get(k))); err == nil && ms >= 0 {
			return time.Duration(ms) * time.Millisecond
		}
	}
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if s, err := strconv.Atoi(v); err == nil && s >= 0 {
			return time.Duration(s) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(time.Until(t), 0)
		}
	}
	return backoff(attempt)
}

func backoff(attempt int) time.Duration {
	return min(time.Second<<attempt, 30*time.Second)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// errorOf reads Graph's and ARM's error body {"error": {"code",
// "message"}} into an httpError.
func errorOf(endpoint string, status int, body []byte) error {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &e)
	return &httpError{Endpoint: endpoint, Status: status, Code: e.Error.Code, Message: oneLine(e.Error.Message)}
}

// oneLine keeps the first line of s, at most 300 characters.
func oneLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	s = strings.TrimSpace(s)
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
