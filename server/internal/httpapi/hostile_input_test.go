package httpapi_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/servertest"
)

// hostileTexts is the seed corpus of the hostile-input test: bytes that are
// not UTF-8, texts that a cut by bytes leaves invalid, NUL, control and
// format characters, and lengths past every bound.
var hostileTexts = []string{
	"probe\xff",
	"\xc3",                         // the first half of é
	"a" + strings.Repeat("é", 40),  // 81 bytes: a cut at 64 halves an é
	"a" + strings.Repeat("é", 200), // 401 bytes: a cut at 256 halves an é
	strings.Repeat("é", 3000),
	"nul\x00byte",
	"\x00",
	"ctl\x01\x1b[2J\x7f\tend",
	"\xed\xa0\x80",     // a UTF-16 surrogate, encoded
	"\xf4\x90\x80\x80", // past U+10FFFF
	"\xc0\xaf",         // an overlong '/'
	"\u202eexe.fdp\u200b",
	"",
	"' OR '1'='1",
	"%00%ff\\u0000",
	strings.Repeat("x", 70000) + "\xff",
}

// hostileGenerated returns n random texts: runs of bytes drawn mostly from
// the troublesome ones (NUL, controls, lone continuation and lead bytes,
// halves of é), up to 600 bytes long.
func hostileGenerated(r *rand.Rand, n int) []string {
	palette := []byte{0, 1, 0x1b, 0x7f, 0x80, 0xbf, 0xc3, 0xa9, 0xe2, 0xed, 0xf0, 0xff, '"', '\\', 'a', '/'}
	out := make([]string, n)
	for i := range out {
		b := make([]byte, r.IntN(600))
		for j := range b {
			b[j] = palette[r.IntN(len(palette))]
		}
		out[i] = string(b)
	}
	return out
}

// hostileHeaders are the request headers the server reads; X-Client-Cert is
// the client-certificate header of the server under test.
var hostileHeaders = []string{"User-Agent", "X-Forwarded-For", "X-Real-Ip", "X-Request-Id", api.HeaderIdempotencyKey,
	"Authorization", "If-Match", "Content-Type", "Accept", "X-Client-Cert"}

// No input to any route is a 5xx, on either database: arbitrary bytes in
// every header, every path parameter, every query parameter and every JSON
// string of every route of the route table (so that a new route is covered
// without touching this test). Each request is valid but for one hostile
// text, so the text goes as deep as the route lets it: into lookups, audit
// events and stored objects.
func TestHostileInputIsNeverA5xx(t *testing.T) {
	for _, b := range []servertest.Backend{servertest.Postgres, servertest.SQLite} {
		t.Run(string(b), func(t *testing.T) {
			srv := servertest.Start(t, servertest.Options{Backend: b, ClientCertHeader: "X-Client-Cert",
				TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}})
			testHostileInput(t, srv)
		})
	}
}

func testHostileInput(t *testing.T, srv *servertest.Server) {
	ctx := t.Context()
	f := newMatrixFixture(t, srv)
	rows := matrixRows()
	anon := srv.Client(t)
	login := func(clientID, secret string) string {
		return matrixMust[*api.LoginResponse](t, "login")(anon.Login(ctx, api.UniversalAuthLoginRequest{ClientID: clientID, ClientSecret: secret})).AccessToken
	}
	adminToken := login(srv.Bootstrap.ClientID, srv.Bootstrap.ClientSecret)

	// A workload whose valid login carries the hostile headers into a
	// successful login's audit event; no lockout, so that refused variants
	// do not lock the valid ones out.
	w := f.newIdentity(t, false)
	lockout := api.DefaultLockout()
	lockout.Enabled = false
	ua := matrixMust[*api.UniversalAuth](t, "attach universal auth")(f.admin.PutUniversalAuth(ctx, w.ID, 0,
		api.UniversalAuthInput{Lockout: &lockout}))
	cs := matrixMust[*api.ClientSecretCreated](t, "create client secret")(f.admin.CreateClientSecret(ctx, w.ID, api.ClientSecretInput{}))
	publicBodies := map[string]any{
		api.RouteUniversalAuthLogin.ID: api.UniversalAuthLoginRequest{ClientID: ua.ClientID, ClientSecret: cs.ClientSecret},
		api.RouteRenewToken.ID:         api.AccessTokenRequest{AccessToken: login(ua.ClientID, cs.ClientSecret)},
		api.RouteRevokeToken.ID:        api.AccessTokenRequest{AccessToken: login(ua.ClientID, cs.ClientSecret)},
	}

	hc := &hostileClient{t: t, addr: strings.TrimPrefix(srv.URL, "http://")}
	rng := rand.New(rand.NewPCG(16, 1))
	for i, route := range api.Routes {
		var (
			params []string
			body   any
			query  url.Values
		)
		if row, ok := rows[route.ID]; ok {
			params, body = row.req(t, f)
			query = row.query
		} else if route.Body != nil {
			body = publicBodies[route.ID]
			if body == nil {
				// The other logins name an identity that has no such method:
				// a refusal without any outbound call.
				body = reflect.New(reflect.TypeOf(route.Body)).Interface()
				setIdentityID(body, w.ID)
			}
		}
		base := hostileRequest{method: route.Method, params: params, query: query}
		if !route.Public {
			base.header = map[string]string{"Authorization": "Bearer " + adminToken}
		}
		if body != nil {
			base.body = jsonTree(t, body)
		}
		// The seed corpus in turn, a few texts per position and route, so
		// that over the table every text reaches every position; and some
		// generated ones. The universal-auth login, the one route anyone
		// may call with a valid credential, gets the whole corpus.
		texts := func(pos int) []string {
			if route.ID == api.RouteUniversalAuthLogin.ID {
				return append(slices.Clone(hostileTexts), hostileGenerated(rng, 8)...)
			}
			var out []string
			for k := range 3 {
				out = append(out, hostileTexts[(i*5+pos*3+k)%len(hostileTexts)])
			}
			return append(out, hostileGenerated(rng, 1)...)
		}
		var variants []hostileRequest
		for p, h := range hostileHeaders {
			for _, s := range texts(p) {
				variants = append(variants, base.withHeader(h, s))
				if h == "Authorization" {
					variants = append(variants, base.withHeader(h, "Bearer "+s))
				}
			}
		}
		for p := range params {
			for _, s := range texts(p) {
				variants = append(variants, base.withParam(p, s))
			}
		}
		if route.Query != nil {
			qt := reflect.TypeOf(route.Query)
			for p := range qt.NumField() {
				for _, s := range texts(p) {
					variants = append(variants, base.withQuery(qt.Field(p).Tag.Get("query"), s))
				}
			}
		}
		if route.Body != nil {
			for p, leaf := range stringLeaves(reflect.TypeOf(route.Body), nil) {
				for _, s := range texts(p) {
					variants = append(variants, base.withLeaf(leaf, s))
				}
			}
		}
		for _, v := range variants {
			hc.check(route, v)
		}
	}
	if hc.failures > 0 {
		t.Fatalf("%d of %d hostile requests answered 5xx", hc.failures, hc.sent)
	}
	// The requests reached the handlers: most variants of a valid request
	// are still valid (a hostile User-Agent, say).
	if hc.ok < hc.sent/10 {
		t.Fatalf("only %d of %d hostile requests succeeded: the base requests are not valid", hc.ok, hc.sent)
	}
	t.Logf("%d hostile requests, %d succeeded, none 5xx", hc.sent, hc.ok)
}

// setIdentityID sets the IdentityID field of a login request, when it has one.
func setIdentityID(body any, id string) {
	if f := reflect.ValueOf(body).Elem().FieldByName("IdentityID"); f.IsValid() && f.Kind() == reflect.String {
		f.SetString(id)
	}
}

// jsonTree turns a request body into its generic JSON form.
func jsonTree(t *testing.T, body any) any {
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var tree any
	if err := d.Decode(&tree); err != nil {
		t.Fatal(err)
	}
	return tree
}

// leafPath leads to a JSON string: object member names, array index 0, and
// mapKey where the text is a member name of a map.
type leafPath []string

const mapKey = "\x00key"

// stringLeaves lists every place of a JSON string in a body of type t, by
// its Go type (so that members the valid body omits are covered too).
func stringLeaves(t reflect.Type, at leafPath) []leafPath {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	here := func(p ...string) leafPath { return append(slices.Clone(at), p...) }
	switch {
	case t == reflect.TypeFor[time.Time](), t.Kind() == reflect.String:
		return []leafPath{here()}
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		return []leafPath{here()} // base64
	case t.Kind() == reflect.Slice:
		return stringLeaves(t.Elem(), here("0"))
	case t.Kind() == reflect.Map:
		return append([]leafPath{here(mapKey)}, stringLeaves(t.Elem(), here("k"))...)
	case t.Kind() == reflect.Struct:
		var out []leafPath
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch {
			case name == "-" || !f.IsExported():
			case f.Anonymous && name == "":
				out = append(out, stringLeaves(f.Type, at)...)
			default:
				if name == "" {
					name = f.Name
				}
				out = append(out, stringLeaves(f.Type, here(name))...)
			}
		}
		return out
	}
	return nil
}

// setLeaf returns tree with the string at path set to s, creating the
// objects and arrays on the way.
func setLeaf(tree any, path leafPath, s string) any {
	if len(path) == 0 {
		return s
	}
	switch {
	case path[0] == mapKey:
		return map[string]any{s: "v"}
	case path[0] == "0":
		arr, _ := tree.([]any)
		var first any
		if len(arr) > 0 {
			first = arr[0]
		}
		return append([]any{setLeaf(first, path[1:], s)}, slices.Clone(arr[min(1, len(arr)):])...)
	}
	obj, _ := tree.(map[string]any)
	out := maps.Clone(obj)
	if out == nil {
		out = map[string]any{}
	}
	out[path[0]] = setLeaf(obj[path[0]], path[1:], s)
	return out
}

// hostileRequest is a request of a route: path parameters, query,
// headers and a JSON body in generic form (whose strings may hold any byte).
type hostileRequest struct {
	method string
	params []string
	query  url.Values
	header map[string]string
	body   any
	what   string // the hostile position, for failure messages
	text   string
}

func (r hostileRequest) with(what, s string) hostileRequest {
	r.what, r.text = what, s
	return r
}

func (r hostileRequest) withHeader(name, s string) hostileRequest {
	r.header = maps.Clone(r.header)
	if r.header == nil {
		r.header = map[string]string{}
	}
	r.header[name] = s
	return r.with("header "+name, s)
}

func (r hostileRequest) withParam(i int, s string) hostileRequest {
	r.params = slices.Clone(r.params)
	r.params[i] = s
	return r.with("path parameter "+strconv.Itoa(i), s)
}

func (r hostileRequest) withQuery(name, s string) hostileRequest {
	r.query = maps.Clone(r.query)
	if r.query == nil {
		r.query = url.Values{}
	}
	r.query.Set(name, s)
	return r.with("query "+name, s)
}

func (r hostileRequest) withLeaf(path leafPath, s string) hostileRequest {
	r.body = setLeaf(r.body, path, s)
	return r.with("body "+strings.Join(path, "."), s)
}

// hostileClient sends requests as raw HTTP/1.1 over a new connection each,
// so that header bytes no Go client would send reach the server.
type hostileClient struct {
	t                  *testing.T
	addr               string
	sent, ok, failures int
}

func (c *hostileClient) check(route *api.Route, r hostileRequest) {
	t := c.t
	t.Helper()
	path := route.Path
	for _, p := range r.params {
		open, end := strings.Index(path, "{"), strings.Index(path, "}")
		path = path[:open] + url.PathEscape(p) + path[end+1:]
	}
	if len(r.query) > 0 {
		path += "?" + r.query.Encode()
	}
	var req bytes.Buffer
	fmt.Fprintf(&req, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", r.method, path, c.addr)
	for _, k := range slices.Sorted(maps.Keys(r.header)) {
		// A line break would end the header: that is framing, which the
		// HTTP server owns, not text the application stores.
		v := strings.NewReplacer("\r", "", "\n", "").Replace(r.header[k])
		fmt.Fprintf(&req, "%s: %s\r\n", k, v)
	}
	var body []byte
	if r.body != nil {
		body = rawJSON(r.body)
		if _, set := r.header["Content-Type"]; !set {
			req.WriteString("Content-Type: application/json\r\n")
		}
	}
	fmt.Fprintf(&req, "Content-Length: %d\r\n\r\n", len(body))
	req.Write(body)

	conn, err := net.DialTimeout("tcp", c.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Minute))
	if _, err := conn.Write(req.Bytes()); err != nil {
		t.Fatalf("%s with %s %q: %v", route.ID, r.what, clip(r.text), err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s with %s %q: no answer: %v", route.ID, r.what, clip(r.text), err)
	}
	resBody, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	_ = res.Body.Close()
	c.sent++
	switch {
	case res.StatusCode >= 500:
		c.failures++
		if c.failures <= 20 {
			t.Errorf("%s %s with %s %q: status %d: %s", route.Method, route.Path, r.what, clip(r.text), res.StatusCode, resBody)
		}
	case res.StatusCode < 300:
		c.ok++
	}
}

func clip(s string) string {
	if len(s) > 48 {
		return s[:48] + "..."
	}
	return s
}

// rawJSON encodes a generic JSON tree, writing the bytes of strings as they
// are (encoding/json would replace invalid UTF-8 with U+FFFD) and escaping
// only what JSON requires.
func rawJSON(v any) []byte {
	var b bytes.Buffer
	var enc func(v any)
	enc = func(v any) {
		switch v := v.(type) {
		case string:
			b.WriteByte('"')
			for i := 0; i < len(v); i++ {
				switch c := v[i]; {
				case c == '"' || c == '\\':
					b.WriteByte('\\')
					b.WriteByte(c)
				case c < 0x20:
					fmt.Fprintf(&b, `\u%04x`, c)
				default:
					b.WriteByte(c)
				}
			}
			b.WriteByte('"')
		case map[string]any:
			b.WriteByte('{')
			for i, k := range slices.Sorted(maps.Keys(v)) {
				if i > 0 {
					b.WriteByte(',')
				}
				enc(k)
				b.WriteByte(':')
				enc(v[k])
			}
			b.WriteByte('}')
		case []any:
			b.WriteByte('[')
			for i, e := range v {
				if i > 0 {
					b.WriteByte(',')
				}
				enc(e)
			}
			b.WriteByte(']')
		default:
			j, _ := json.Marshal(v)
			b.Write(j)
		}
	}
	enc(v)
	return b.Bytes()
}
