#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets added for issue 6 into
tests/data/<name>/ (run from the top: python3 tests/fuzz/seeds.py). Stream and
reply seeds come from the mock serving endpoint's own generators
(tests/mock/chat.py, embeddings.py, server.py), so they have the shapes
Databricks sends; the rest are written out here. The files are committed: this
script only documents where they came from and regenerates them."""
import json
import os
import sys
import threading

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tests", "mock"))
import chat  # noqa: E402
import embeddings  # noqa: E402
import server  # noqa: E402


class State:
    def __init__(self):
        self.lock = threading.Lock()


def out(name, file, data):
    d = os.path.join(TOP, "tests", "data", name)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, file), "wb") as f:
        f.write(data)


def body(spec):
    if "chunks" in spec:
        return "".join(spec["chunks"])
    return json.dumps(spec["body"])


TOOLS_CHAT = [{"type": "function", "function": {"name": "get_weather", "parameters": {}}},
              {"type": "function", "function": {"name": "get_time", "parameters": {}}}]
TOOLS_RESP = [{"type": "function", "name": "get_weather", "parameters": {}},
              {"type": "function", "name": "get_time", "parameters": {}}]
SCENARIOS = ["", "tool_call", "parallel-tools", "parallel-tools tool-only", "reasoning",
             "array-content", "usage-last", "no-usage", "no-done", "error-event", "failed",
             "length", "crlf", "cr", "newline-end"]


def streams():
    for i, s in enumerate(SCENARIOS):
        words = " ".join("scenario:" + w for w in s.split())
        for stream in (True, False):
            req = {"messages": [{"role": "user", "content": "hi there " + words}],
                   "tools": TOOLS_CHAT, "stream": stream,
                   "stream_options": {"include_usage": True}}
            spec = chat.invocations(State(), "databricks-claude-sonnet-4", {}, req)
            if spec.get("status") == 200:
                out("chat", "%02d-%s%s" % (i, s.replace(" ", "+") or "plain",
                                           ".sse" if stream else ".json"), body(spec))
            req = {"model": "databricks-gpt-5", "input": "hi there " + words,
                   "instructions": "Be brief.", "tools": TOOLS_RESP, "stream": stream}
            spec = chat.responses(State(), {}, req)
            if spec.get("status") == 200:
                out("resp", "%02d-%s%s" % (i, s.replace(" ", "+") or "plain",
                                           ".sse" if stream else ".json"), body(spec))


def replies():
    sys.modules["server"] = server  # embeddings.endpoints() looks there
    for i, s in enumerate(["", "dim=3", "string", "bad-number", "bad-dim", "no-index", "dup-index"]):
        req = {"input": ["first text", "second text scenario:" + s if s else "second text"]}
        spec = embeddings.invocations(State(), "text-embedding-3-small", {}, req)
        n = len(req["input"])
        # the target reads the count of inputs from the first byte
        out("embed", "%02d-%s.json" % (i, s or "plain"), bytes([n]) + body(spec).encode())
    out("models", "00-mock.json", json.dumps(
        {"endpoints": [server.endpoint_json(e) for e in server.ENDPOINTS]}))
    out("models", "01-empty.json", "{}")
    out("models", "02-null-task.json",
        '{"endpoints":[{"name":"a","task":null,"state":{"ready":"NOT_READY"}},'
        '{"name":"b\\u00e9","state":{"ready":"READY","config_update":"NOT_UPDATING"}}]}')
    # one endpoint's metadata, as dbx_chat reads it for a "gpt" name
    out("models", "03-metadata.json", json.dumps(
        server.endpoint_json([e for e in server.ENDPOINTS if e["name"] == "databricks-gpt-5"][0])))


# cfg: the first line is the profile to ask for ("" for none), the rest the file.
CFG = {
    "default": "\n[DEFAULT]\nhost = https://adb-1234567890123456.7.azuredatabricks.net\ntoken = dapi0123456789abcdef\n",
    "profiles": "dev\n; comment\n# another\n[DEFAULT]\nhost=https://a.cloud.databricks.com\n\n[dev]\n"
                "host  =  https://dev.cloud.databricks.com/?o=123  \ntoken = dapiDEV\n"
                "client_id = abc\nclient_secret = s3cr3t\nauth_type = oauth-m2m\n\n[prod]\n"
                "host = https://prod.cloud.databricks.com\n",
    "missing": "staging\n[DEFAULT]\nhost = https://x\n[dev]\nhost = https://y\n",
    "crlf": "DEFAULT\r\n[DEFAULT]\r\nhost = https://x.cloud.databricks.com\r\nTOKEN = t\r\n",
    "spaces": "a b\n[ a b ]\nHost = https://ab.example.com\n",
    "bad-section": "dev\n[dev\nhost = x\n",
    "no-equals": "dev\n[dev]\nhost https://x\n",
}

CACHE = {"version": 1, "entries": [
    {"host": "https://a.cloud.databricks.com", "client_id": "databricks-cli",
     "access_token": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln", "refresh_token": "doare1234",
     "token_type": "Bearer", "expiry": 1700003600, "issued": 1700000000},
    {"host": "https://b.cloud.databricks.com", "client_id": "my-app",
     "access_token": "tok\\u00e9\"quoted", "token_type": "Bearer", "expiry": 0, "issued": 0}]}

URLS = ["https://adb-1234567890123456.7.azuredatabricks.net",
        "https://x.cloud.databricks.com/?o=123#frag",
        "HTTP://LOCALHOST:8080/api/2.0/serving-endpoints?x=1",
        "http://127.0.0.1:65535/", "https://[::1]:443/p", "http://[::ffff:127.0.0.1]/",
        "x.cloud.databricks.com", "  https://a.b.c/  ", "https://a..b/", "https://u@h/",
        "https://h:0/", "https://h:99999/", "ftp://h/", "https://[fe80::1%eth0]/",
        "http://example.com/", "/api/2.0/serving-endpoints", "https://h.example.com/oidc/v1/token"]

PROXY = [  # NO_PROXY, target host, target port, proxy value
    ("", "x.cloud.databricks.com", "443", "http://proxy.corp:3128"),
    ("localhost,127.0.0.1,.corp", "a.corp", "443", "user:p%40ss@proxy:8080"),
    ("*", "anything", "443", "proxy"),
    ("10.0.0.0/8, ::1, [::1]:8443, *.example.com:443", "10.1.2.3", "443", "http://[2001:db8::1]:3128/"),
    ("example.com.", "sub.EXAMPLE.com", "8443", "https://proxy:443"),
    ("fe80::/10,192.168.1.1:80", "::1", "443", "socks5://p:1080"),
    ("", "h", "443", "http://u:p:w@x@proxy:1/path"),
]

REDIRECTS = [  # expected state, pasted text
    ("st4te", "http://localhost:8020/?code=abc123&state=st4te"),
    ("st4te", "  /?state=st4te&code=a%2Fb%3D%3D  \n"),
    ("st4te", "code=xyz&state=wrong"),
    ("st4te", "http://localhost:8020/?error=access_denied&error_description=The+user+said+no%0A"),
    ("st4te", "http://localhost:8020/favicon.ico"),
    ("st4te", "http://localhost:8020/?code=%zz&state=st4te#frag"),
    ("", "?code=&state="),
    ("st4te", "http://localhost:8020/?code=abc123&state=st4te&iss=https%3A%2F%2Fh%2Foidc"),
    ("st4te", "http://localhost:8020/?error=access_denied&state=st4te&iss=https://evil/oidc"),
    ("st4te", '{"access_token":"AT","expires_in":"9223372036854775807","refresh_token":"RT"}'),
    ("st4te", '{"device_code":"DC","user_code":"U","verification_uri":"https://h/d",'
              '"interval":"1e309","expires_in":-5}'),
]

RETRY = ["1", "0", "120", "Wed, 21 Oct 2015 07:28:00 GMT", "Sun, 06 Nov 1994 08:49:37 GMT",
         "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "-1", "1.5", " 3 ",
         "99999999999999999999", ""]


def rest():
    for name, text in CFG.items():
        out("cfg", name + ".cfg", text)
    out("cache", "00-two.json", json.dumps(CACHE))
    out("cache", "01-empty.json", '{"version":1,"entries":[]}')
    out("cache", "02-dup.json", json.dumps({"version": 1, "entries": CACHE["entries"] * 2}))
    for i, u in enumerate(URLS):
        out("url", "%02d.txt" % i, u + "\n" + "https://base.example.com/path")
    for i, p in enumerate(PROXY):
        out("proxy", "%02d.txt" % i, "\n".join(p))
    for i, (state, text) in enumerate(REDIRECTS):
        out("oauth", "%02d.txt" % i, state + "\n" + text)
    for i, r in enumerate(RETRY):
        out("retry", "%02d.txt" % i, r)


if __name__ == "__main__":
    streams()
    replies()
    rest()
