"""The bench workloads, rendered to bytes once: a Databricks-style chat stream of N
chunks (chunked transfer encoding, one HTTP chunk per event), and embedding replies.
Shared by the bench server (what it sends) and the harness (what a client must print).
"""
import json
import random

MODEL = "databricks-claude-sonnet-4"
EMBED_MODEL = "text-embedding-3-small"
CREATED = 1730000000
STREAM_ID = "chatcmpl-5e0b9c1d-7a3f-4b2e-9c61-0d8a2f4e6b10"

# Deltas as a model sends them: mostly a word and a space, some punctuation, a few
# escapes (quote, newline, tab, backslash), raw UTF-8 and one \u surrogate pair.
WORDS = [
    "The ", "quick ", "brown ", "fox ", "jumps ", "over ", "the ", "lazy ", "dog", ". ",
    "Streaming ", "tokens ", "arrive ", "one ", "by ", "one", ", ", "and ", "each ", "is ",
    "a ", "small ", "JSON ", "object ", "in ", "an ", "SSE ", "event", ".\n\n", "- ",
    "\"quoted\" ", "text ", "with ", "a\ttab ", "and ", "a ", "back\\slash ", "caf\u00e9 ",
    "na\u00efve ", "r\u00e9sum\u00e9 ", "\u65e5\u672c\u8a9e ", "rocket \U0001F680 ", "code: ",
    "`x = y + 1;` ", "{\"k\": [1, 2]} ", "</tag> ", "100% ", "done", "!\n", "Next ",
    "line ", "keeps ", "going ", "until ", "the ", "stream ", "ends", "; ", "then ", "usage ",
    "comes ", "last", ".\n",
]


def _dump(obj):
    # compact, raw UTF-8 like most servers, except the emoji: as a \u surrogate pair
    s = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return s.replace("\U0001F680", "\\ud83d\\ude80")


def deltas(n):
    """The n text deltas of a stream (n >= 1)."""
    return [WORDS[i % len(WORDS)] for i in range(n)]


def expected_text(n):
    return "".join(deltas(n))


def chunk_events(n, prompt_tokens=12):
    """The SSE events (bytes, each ending in a blank line) of an n-chunk stream."""
    out = []
    for i, d in enumerate(deltas(n)):
        delta = {"role": "assistant", "content": d} if i == 0 else {"content": d}
        ev = {"id": STREAM_ID, "object": "chat.completion.chunk", "created": CREATED,
              "model": MODEL, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
        out.append(("data: " + _dump(ev) + "\n\n").encode())
    last = {"id": STREAM_ID, "object": "chat.completion.chunk", "created": CREATED, "model": MODEL,
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": n,
                      "total_tokens": prompt_tokens + n}}
    out.append(("data: " + _dump(last) + "\n\n").encode())
    out.append(b"data: [DONE]\n\n")
    return out


def http_chunk(data):
    return b"%x\r\n%s\r\n" % (len(data), data)


STREAM_HEAD = (b"HTTP/1.1 200 OK\r\n"
               b"Content-Type: text/event-stream; charset=utf-8\r\n"
               b"Cache-Control: no-cache\r\n"
               b"X-Request-Id: 0f1e2d3c-bench\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n")


def chat_stream(n):
    """(head, [first chunk bytes, rest bytes]) of the whole HTTP response, chunked."""
    evs = chunk_events(n)
    first = http_chunk(evs[0])
    rest = b"".join(http_chunk(e) for e in evs[1:]) + b"0\r\n\r\n"
    return STREAM_HEAD, first, rest


def chat_chunks(n):
    """The body of an n-chunk stream as a paced server writes it: one item per SSE
    event (its HTTP chunk), the last one carrying the closing zero chunk too."""
    out = [http_chunk(e) for e in chunk_events(n)]
    out[-1] += b"0\r\n\r\n"
    return out


def sse_body(n):
    """What a raw client (curl -N) prints: the de-chunked body."""
    return b"".join(chunk_events(n))


_VEC_POOL = {}


def _vectors(dim, count=64):
    if dim not in _VEC_POOL:
        rnd = random.Random(dim)
        pool = []
        for _ in range(count):
            vals = [rnd.gauss(0.0, 1.0 / (dim ** 0.5)) for _ in range(dim)]
            pool.append("[" + ",".join("%.9f" % v for v in vals) + "]")
        _VEC_POOL[dim] = pool
    return _VEC_POOL[dim]


def embed_body(k, dim):
    """The JSON reply (bytes) to an embeddings request of k inputs."""
    pool = _vectors(dim)
    items = ['{"object":"embedding","index":%d,"embedding":%s}' % (i, pool[i % len(pool)])
             for i in range(k)]
    return ('{"object":"list","data":[' + ",".join(items) + '],"model":"%s",'
            '"usage":{"prompt_tokens":%d,"total_tokens":%d}}' % (EMBED_MODEL, 8 * k, 8 * k)).encode()


def embed_inputs(count):
    """The embedding inputs: one short sentence per line, no newlines inside."""
    return ["passage %d: %s" % (i, " ".join(WORDS[(i + j) % 30].strip() for j in range(8)))
            for i in range(count)]
