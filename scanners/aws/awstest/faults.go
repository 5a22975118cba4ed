package awstest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"time"
)

// Kind is what a Fault does to a call.
type Kind int

// Faults the server can inject.
const (
	// Throttle answers 400 Throttling, as IAM and STS do over their rate.
	Throttle Kind = iota + 1
	// InternalError answers 500 InternalFailure.
	InternalError
	// Unavailable answers 503 ServiceUnavailable.
	Unavailable
	// Deny answers 403 AccessDenied.
	Deny
	// Delay waits Fault.Delay (or until the client gives up) and then
	// answers normally.
	Delay
	// DropMidBody sends the status line, the headers and half of the
	// body, then closes the connection: the response had started.
	DropMidBody
	// Truncate sends a complete HTTP response whose body is cut in half
	// (its Content-Length says so), as a broken proxy would.
	Truncate
)

// Fault makes some calls of an action fail. A call is numbered per
// account and action from 1, in the order the server receives them.
type Fault struct {
	Kind Kind
	// Action is the API action ("GetAccountAuthorizationDetails",
	// "AssumeRole", "ListAccounts"); Account, when set, limits the fault
	// to callers in that account (for AssumeRole: to the account of the
	// role assumed).
	Action  string
	Account string
	// Calls lists the call numbers that fail; empty means every call.
	Calls []int
	// Delay is how long a Delay fault waits.
	Delay time.Duration
}

func (x *Fault) applies(acct, action string, n int) bool {
	if x.Action != action || (x.Account != "" && x.Account != acct) {
		return false
	}
	return len(x.Calls) == 0 || slices.Contains(x.Calls, n)
}

// Only makes a fault for the listed calls, e.g. 3 of the first 5:
// Only(Throttle, "ListRoles", 1, 2, 4).
func Only(k Kind, action string, calls ...int) Fault {
	return Fault{Kind: k, Action: action, Calls: calls}
}

// fault injects the first fault that applies to this call and reports
// whether it answered (a Delay fault waits, then lets the call through).
func (f *Server) fault(w http.ResponseWriter, r *http.Request, acct, action string, n int) bool {
	var x *Fault
	for i := range f.Faults {
		if f.Faults[i].applies(acct, action, n) {
			x = &f.Faults[i]
			break
		}
	}
	if x == nil {
		return false
	}
	switch x.Kind {
	case Throttle:
		faultError(w, r, 400, "Throttling", "Rate exceeded")
	case InternalError:
		faultError(w, r, 500, "InternalFailure", "We encountered an internal error. Please try again.")
	case Unavailable:
		faultError(w, r, 503, "ServiceUnavailable", "Service is unavailable. Please try again.")
	case Deny:
		faultError(w, r, 403, "AccessDenied", "User: arn:aws:sts::"+acct+":assumed-role/audit/nhiscan is not authorized to perform: "+action)
	case Delay:
		select {
		case <-r.Context().Done():
			return true
		case <-time.After(x.Delay):
		}
		return false
	case DropMidBody, Truncate:
		rec := httptest.NewRecorder()
		if r.Header.Get("X-Amz-Target") != "" {
			f.organizations(rec, r, r.Header.Get("X-Amz-Target"))
		} else {
			f.query(rec, r, acct, action, n)
		}
		body := rec.Body.Bytes()
		half := body[:len(body)/2]
		if x.Kind == Truncate {
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.Header().Set("Content-Length", strconv.Itoa(len(half)))
			w.WriteHeader(rec.Code)
			w.Write(half)
			return true
		}
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic("awstest: the server cannot hijack connections")
		}
		conn, buf, err := hj.Hijack()
		if err != nil {
			panic(err)
		}
		defer conn.Close()
		fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", rec.Code, http.StatusText(rec.Code), rec.Header().Get("Content-Type"), len(body))
		buf.Write(half)
		buf.Flush()
	}
	return true
}

// faultError answers in the protocol of the call: Query XML for IAM and
// STS, JSON 1.1 for Organizations.
func faultError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	if r.Header.Get("X-Amz-Target") == "" {
		queryError(w, status, code, msg)
		return
	}
	switch code {
	case "Throttling":
		code = "TooManyRequestsException"
	case "AccessDenied":
		code = "AccessDeniedException"
	case "InternalFailure":
		code = "ServiceException"
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"__type":%q,"Message":%q}`, code, msg)
}
