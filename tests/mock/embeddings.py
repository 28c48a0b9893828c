"""Embeddings for the mock (see serving.py), shaped like the OpenAI embeddings
API that Databricks serves:

  POST /serving-endpoints/{model}/invocations   {"input": [texts]} (or one string)
  -> {"object": "list", "data": [{"object": "embedding", "index": i,
      "embedding": [...]}], "model": .., "usage": {"prompt_tokens": N, "total_tokens": N}}

Vectors are deterministic: vector(text, dim) below (tests import it to check
the output), DIM dimensions unless a scenario says otherwise.

Scenarios: words "scenario:NAME" in any input of the request (the whole text,
scenario words included, is what gets embedded):
  shuffle        data[] in reverse order (indices still right)
  pretty         the reply indented, arrays over many lines
  dim=N          vectors of N dimensions
  bad-count      one item fewer than the inputs
  dup-index      the last item repeats the first one's index
  bad-index      the last item's index is len(input)
  no-index       the first item has no "index"
  bad-dim        the last vector is one dimension short
  string         embeddings as base64 strings (encoding_format "base64")
  bad-number     one value is the string "0.5"
  huge           a valid reply padded past 64 MiB (dbxai's limit)
  500-then-ok    500 the first time (per mock), then success
  500, 429       always that status
  401            401 UNAUTHENTICATED
Unknown endpoint names answer 404 RESOURCE_DOES_NOT_EXIST; endpoints of
another task 400 INVALID_PARAMETER_VALUE. Empty inputs, non-strings and more
than MAX_INPUTS inputs are 400 like the real service.
"""
import base64
import hashlib
import json
import re
import struct
import sys

DIM = 8
MAX_INPUTS = 2048
SCENARIO = re.compile(r"scenario:(\S+)")


def vector(text, dim=DIM):
    """The mock's embedding of text: dim values in (-1, 1) from SHA-256 of
    "j:text", rounded to 8 decimals (so their JSON text is short and exact)."""
    out = []
    for j in range(dim):
        h = hashlib.sha256(("%d:%s" % (j, text)).encode("utf-8")).digest()
        u = int.from_bytes(h[:4], "big") / 2.0 ** 32
        out.append(round(u * 2.0 - 1.0, 8))
    return out


def error(status, code, message):
    return {"status": status, "body": {"error_code": code, "message": message}}


def endpoints():
    """server.py's ENDPOINTS (it runs as __main__; tests may import it)."""
    for name in ("server", "__main__"):
        mod = sys.modules.get(name)
        if mod is not None and hasattr(mod, "ENDPOINTS"):
            return mod.ENDPOINTS
    return []


def counter(state, key):
    """Counts calls per mock and key (state gets the dict on first use)."""
    with state.lock:
        counters = state.__dict__.setdefault("embed_counters", {})
        counters[key] = counters.get(key, 0) + 1
        return counters[key]


def invocations(state, name, headers, req):
    known = [e for e in endpoints() if e["name"] == name]
    if not known:
        return error(404, "RESOURCE_DOES_NOT_EXIST", "Endpoint with name '%s' does not exist." % name)
    if known[0]["task"] != "llm/v1/embeddings":
        return error(400, "INVALID_PARAMETER_VALUE",
                     "Endpoint '%s' does not serve embeddings (task %s)." % (name, known[0]["task"]))
    inputs = req.get("input")
    if isinstance(inputs, str):
        inputs = [inputs]
    if not isinstance(inputs, list) or not inputs:
        return error(400, "INVALID_PARAMETER_VALUE", "'input' must be a non-empty string or list of strings.")
    if len(inputs) > MAX_INPUTS:
        return error(400, "INVALID_PARAMETER_VALUE",
                     "'input' has %d items; at most %d are allowed." % (len(inputs), MAX_INPUTS))
    for i, t in enumerate(inputs):
        if not isinstance(t, str) or not t:
            return error(400, "INVALID_PARAMETER_VALUE", "input[%d] must be a non-empty string." % i)

    scen = set()
    for t in inputs:
        scen.update(SCENARIO.findall(t))
    if "401" in scen:
        return error(401, "UNAUTHENTICATED", "Invalid access token.")
    if "429" in scen:
        return error(429, "REQUEST_LIMIT_EXCEEDED", "Exceeded workspace rate limit for this endpoint.")
    if "500" in scen or ("500-then-ok" in scen and counter(state, "500-then-ok") == 1):
        return error(500, "INTERNAL_ERROR", "The server encountered an internal error (mock).")

    dim = DIM
    for s in scen:
        if s.startswith("dim="):
            dim = int(s[4:])
    data = [{"object": "embedding", "index": i, "embedding": vector(t, dim)}
            for i, t in enumerate(inputs)]
    if "string" in scen:
        for d in data:
            d["embedding"] = base64.b64encode(struct.pack("<%df" % dim, *d["embedding"])).decode()
    if "bad-number" in scen:
        data[0]["embedding"][0] = "0.5"
    if "bad-dim" in scen:
        data[-1]["embedding"].pop()
    if "no-index" in scen:
        del data[0]["index"]
    if "dup-index" in scen and len(data) > 1:
        data[-1]["index"] = data[0].get("index", 0)
    if "bad-index" in scen:
        data[-1]["index"] = len(inputs)
    if "bad-count" in scen:
        data.pop()
    if "shuffle" in scen:
        data.reverse()
    tokens = sum(len(t.split()) for t in inputs)
    body = {"object": "list", "data": data, "model": name,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}
    if "huge" in scen:
        body["padding"] = "x" * (65 << 20)
    if "pretty" in scen:
        return {"status": 200, "body": json.dumps(body, indent=2)}
    return {"status": 200, "body": body}
