#!/usr/bin/env python3
"""Side-by-side bench: dbxai against curl -N, the OpenAI Node SDK and Databricks'
AI SDK provider, on the same local TLS endpoint (tests/bench/server.py, started by
run.sh). Prints a table; writes every sample and median to build/bench/results.json.

Each client run is a fresh process, started by runmeter (a small static launcher):
wall time from fork to exit (monotonic clock), user+sys CPU and peak RSS from
wait4(2). The time to first token is taken on a pseudo-terminal (what a user
watches): fork -> first byte of output.

Paced streams are sent as a model sends them, one write (one TLS record) per SSE
event, at the server's pace and with a pause between events. For dbxai and curl,
the per-event figures add syscalls (strace -c -f, in runs apart from the timed ones)
and TLS records. The printed report, with the machine's description, is also kept
in tests/bench/RESULTS.md.
"""
import json
import os
import platform
import re
import select
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import workload  # noqa: E402


def env_int(name, default):
    return int(os.environ.get(name, default))


BIN = os.path.abspath(os.environ.get("DBXAI_BIN", os.path.join(TOP, "build/x86_64-linux-musl/dbxai")))
RUN = shlex.split(os.environ.get("DBXAI_RUN", ""))
PORT_FILE = os.environ["BENCH_PORT_FILE"]
SERVER_LOG = os.environ["BENCH_SERVER_LOG"]
TOKEN = os.environ["BENCH_TOKEN"]
CA = os.path.join(TOP, "build", "pki", "ca.pem")
OUT = os.environ.get("BENCH_OUT", os.path.join(TOP, "build", "bench", "results.json"))
RUNS = env_int("BENCH_RUNS", 5)
RUNS_BIG = env_int("BENCH_RUNS_BIG", 3)
RUNS_EMBED = env_int("BENCH_RUNS_EMBED", 3)
SMALL = env_int("BENCH_SMALL", 2000)
BIG = env_int("BENCH_BIG", 100000)
DELAY_MS = env_int("BENCH_DELAY_MS", 200)
TTFT_CHUNKS = 50
EMBED_N = env_int("BENCH_EMBED_INPUTS", 10000)
EMBED_BATCH = env_int("BENCH_EMBED_BATCH", 64)
EMBED_DIM = env_int("BENCH_EMBED_DIM", 1024)
CG_BIG = env_int("BENCH_CALLGRIND_BIG", 20000)
PACED = env_int("BENCH_PACED", 28572)
PACE_US = env_int("BENCH_PACE_US", 50)
RUNS_PACED = env_int("BENCH_RUNS_PACED", 3)
RESULTS_MD = os.environ.get("BENCH_RESULTS_MD", os.path.join(HERE, "RESULTS.md"))
NODE_MODULES = os.path.join(HERE, "node_modules")
RUNMETER = os.path.abspath(os.environ.get("BENCH_RUNMETER", os.path.join(TOP, "build", "bench", "runmeter")))
PEERS_NOTE = os.environ.get("BENCH_PEERS_NOTE", "")
TIMEOUT = 300

with open(PORT_FILE) as f:
    PORT = int(f.read())
URL = "https://127.0.0.1:%d" % PORT
TMP = tempfile.mkdtemp(prefix="dbxai-bench-")
HOME = os.path.join(TMP, "home")  # no ~/.databrickscfg, no npm or node state of the user
os.makedirs(HOME)
notes = []


# ---------------------------------------------------------------- measuring

def run_once(argv, env, stdin=None, stdout=None, pty_first=False):
    """Runs one client process under runmeter; returns a sample: exit code, wall time
    from fork to exit, user and sys CPU, peak RSS, stderr tail, first output byte."""
    errf = tempfile.TemporaryFile(dir=TMP)
    meter = os.path.join(TMP, "meter.out")
    if os.path.exists(meter):
        os.unlink(meter)
    inf = open(stdin, "rb") if stdin else subprocess.DEVNULL
    master = slave = None
    if pty_first:
        master, slave = os.openpty()
        out = slave
    else:
        out = open(stdout or os.devnull, "wb")
    p = subprocess.Popen([RUNMETER, meter] + argv, env=env, stdin=inf, stdout=out, stderr=errf,
                         close_fds=True, start_new_session=True)
    killer = threading.Timer(TIMEOUT, lambda: os.killpg(p.pid, signal.SIGKILL))
    killer.start()
    t_first = None
    try:
        if pty_first:
            os.close(slave)
            while True:
                r, _, _ = select.select([master], [], [], TIMEOUT)
                if not r:
                    break
                try:
                    d = os.read(master, 65536)
                except OSError:  # EIO: the last writer closed the terminal
                    break
                if not d:
                    break
                if t_first is None:
                    t_first = time.monotonic()
        p.wait()
    finally:
        killer.cancel()
        if master is not None:
            os.close(master)
        if not pty_first:
            out.close()
        if stdin:
            inf.close()
    errf.seek(0)
    err = errf.read()[-600:].decode("utf-8", "replace")
    errf.close()
    try:
        with open(meter) as f:
            code, t0, t1, user, sys_, rss = (int(x) for x in f.read().split())
    except (OSError, ValueError):
        return {"rc": p.returncode if p.returncode else -1, "stderr": err or "runmeter wrote nothing"}
    s = {"rc": code, "wall_ms": (t1 - t0) / 1e6, "user_ms": user / 1000.0, "sys_ms": sys_ / 1000.0,
         "cpu_ms": (user + sys_) / 1000.0, "rss_kib": rss, "t0": t0 / 1e9, "stderr": err}
    if t_first is not None:
        s["first_byte_ms"] = (t_first - t0 / 1e9) * 1000.0
        s["t_first"] = t_first
    return s


_log_pos = [0]


def server_records(expect, wait=2.0):
    """The server's log lines written since the last call (waits for `expect` of them)."""
    deadline = time.monotonic() + wait
    recs = []
    while True:
        with open(SERVER_LOG) as f:
            f.seek(_log_pos[0])
            data = f.read()
        lines = data.split("\n")
        complete = lines[:-1]
        if len(complete) >= expect or time.monotonic() > deadline:
            _log_pos[0] += sum(len(line.encode()) + 1 for line in complete)
            return [json.loads(line) for line in complete if line.strip()]
        time.sleep(0.01)


# ---------------------------------------------------------------- clients

def base_env(**extra):
    e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": HOME, "LANG": "C.UTF-8"}
    e.update(extra)
    return e


def chat_body(prompt):
    return json.dumps({"messages": [{"role": "user", "content": prompt}], "stream": True,
                       "stream_options": {"include_usage": True}})


def curl_common():
    return ["curl", "-sS", "--fail-with-body", "--cacert", CA, "-H", "Authorization: Bearer " + TOKEN,
            "-H", "Content-Type: application/json"]


class Client:
    def __init__(self, key, label, note=""):
        self.key, self.label, self.note = key, label, note
        self.available = True

    def chat(self, prompt):
        raise NotImplementedError

    def embed(self, inputs_file, batch_dir, count):
        return None  # (argv, env, stdin) or None when the client has no embeddings

    def cold(self):
        raise NotImplementedError


class Dbxai(Client):
    def __init__(self):
        super().__init__("dbxai", "dbxai")
        self.env = base_env(DATABRICKS_HOST=URL, DATABRICKS_TOKEN=TOKEN, SSL_CERT_FILE=CA)
        h = subprocess.run(RUN + [BIN, "help"], capture_output=True, text=True, env=self.env)
        self.has_embed = re.search(r"^\s+embed\b", h.stdout + h.stderr, re.M) is not None

    def chat(self, prompt):
        return RUN + [BIN, "chat", prompt], self.env, None

    def embed(self, inputs_file, batch_dir, count):
        if not self.has_embed:
            return None
        return RUN + [BIN, "embed"], self.env, inputs_file

    def cold(self):
        return RUN + [BIN, "--version"], self.env, None


class Curl(Client):
    def __init__(self):
        super().__init__("curl", "curl -N", "raw transfer, no parsing")
        self.available = shutil.which("curl") is not None
        self.env = base_env()

    def chat(self, prompt):
        return (curl_common() + ["-N", "--data-binary", chat_body(prompt),
                                 URL + "/serving-endpoints/%s/invocations" % workload.MODEL], self.env, None)

    def embed(self, inputs_file, batch_dir, count):
        # one process, one request per batch over one connection (curl reuses it)
        cfg = os.path.join(batch_dir, "curl-%d.cfg" % count)
        if not os.path.exists(cfg):
            with open(cfg, "w") as f:
                nb = (count + EMBED_BATCH - 1) // EMBED_BATCH
                for b in range(nb):
                    if b:
                        f.write("next\n")
                    f.write('silent\nshow-error\nfail-with-body\ncacert = "%s"\n'
                            'header = "Authorization: Bearer %s"\nheader = "Content-Type: application/json"\n'
                            'data-binary = "@%s"\nurl = "%s/serving-endpoints/%s/invocations"\n'
                            % (CA, TOKEN, os.path.join(batch_dir, "batch-%d.json" % b), URL,
                               workload.EMBED_MODEL))
        return ["curl", "-K", cfg], self.env, None

    def cold(self):
        return ["curl", "--version"], self.env, None


class Node(Client):
    def __init__(self, key, label, sdk, packages):
        super().__init__(key, label)
        self.sdk = sdk
        node = shutil.which("node")
        missing = [p for p in packages if not os.path.exists(os.path.join(NODE_MODULES, p, "package.json"))]
        if not node:
            self.available, self.note = False, "node not found"
        elif missing:
            self.available, self.note = False, "not installed: " + ", ".join(missing)
        self.env = base_env(NODE_EXTRA_CA_CERTS=CA, BENCH_URL=URL, BENCH_TOKEN=TOKEN,
                            BENCH_EMBED_BATCH=str(EMBED_BATCH), BENCH_BATCH=str(EMBED_BATCH))

    def _argv(self, mode):
        return ["node", os.path.join(HERE, "peers.mjs"), self.sdk, mode]

    def chat(self, prompt):
        return self._argv("chat"), dict(self.env, BENCH_PROMPT=prompt), None

    def embed(self, inputs_file, batch_dir, count):
        if self.sdk != "openai":
            return None
        return self._argv("embed"), dict(self.env, BENCH_EMBED_FILE=inputs_file), None

    def cold(self):
        return self._argv("cold"), self.env, None


def pkg_version(name):
    """The installed version of an npm package, else the one the lockfile pins."""
    try:
        with open(os.path.join(NODE_MODULES, name, "package.json")) as f:
            return json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        pass
    try:
        with open(os.path.join(HERE, "package-lock.json")) as f:
            return json.load(f)["packages"]["node_modules/" + name]["version"]
    except (OSError, ValueError, KeyError):
        return None


# ---------------------------------------------------------------- workloads

def fail_text(s):
    return "rc=%s: %s" % (s["rc"], " ".join(s.get("stderr", "").split())[-300:])


def median_of(samples, keys):
    return {k: statistics.median(s[k] for s in samples) for k in keys if all(k in s for s in samples)}


METRICS = ["wall_ms", "cpu_ms", "user_ms", "sys_ms", "rss_kib"]


def run_workload(name, title, clients, make, runs, expect_requests, extra=None, pty_first=False):
    """Round-robin runs of every client; returns the workload's result dict."""
    res = {"title": title, "runs": runs, "clients": {}}
    active = []
    for c in clients:
        r = {"label": c.label, "samples": []}
        res["clients"][c.key] = r
        if not c.available:
            r["status"] = "skipped: " + c.note
            continue
        spec = make(c)
        if spec is None:
            r["status"] = "n/a" + (": " + c.na if getattr(c, "na", "") else "")
            continue
        active.append((c, spec, r))
    for i in range(runs):
        for c, (argv, env, stdin), r in active:
            if r.get("status"):
                continue
            s = run_once(argv, env, stdin=stdin, pty_first=pty_first)
            recs = server_records(expect_requests)
            if s["rc"] != 0:
                r["status"] = "failed: " + fail_text(s)
                continue
            s["server_cpu_ms"] = sum(rec.get("cpu_ms", 0.0) for rec in recs)
            if extra:
                extra(s, recs)
            s.pop("stderr", None)
            r["samples"].append(s)
    keys = METRICS + ["first_byte_ms", "overhead_ms", "to_request_ms", "shown_after_sent_ms",
                      "connections", "requests", "server_cpu_ms", "records", "events"]
    for c, _, r in active:
        if not r.get("status"):
            r["status"] = "ok"
        if r["samples"]:
            r["median"] = median_of(r["samples"], keys)
        for s in r["samples"]:
            for k in ("t0", "t_first"):
                s.pop(k, None)
    d = res["clients"].get("dbxai", {}).get("median")
    if d:
        for r in res["clients"].values():
            if r.get("median"):
                r["ratio_to_dbxai"] = {k: (v / d[k] if d.get(k) else None) for k, v in r["median"].items()
                                       if k in d}
    return res


def verify_chat(clients, n, mode=""):
    """One run per client with stdout captured: the text must be the stream's text."""
    text = workload.expected_text(n).encode()
    raw = workload.sse_body(n)
    out = {}
    for c in clients:
        if not c.available:
            continue
        argv, env, stdin = c.chat(("bench n=%d " % n + mode).strip())
        path = os.path.join(TMP, "verify-%s.out" % c.key)
        s = run_once(argv, env, stdin=stdin, stdout=path)
        server_records(1)
        with open(path, "rb") as f:
            got = f.read()
        want = raw if c.key == "curl" else text
        if s["rc"] != 0:
            out[c.key] = "failed: " + fail_text(s)
        elif got in (want, want + b"\n"):
            out[c.key] = "ok"
        else:
            i = next((i for i in range(min(len(got), len(want))) if got[i] != want[i]), min(len(got), len(want)))
            out[c.key] = "wrong output: %d bytes, want %d; first difference at byte %d: %r" % (
                len(got), len(want), i, got[i:i + 40])
    return out


def verify_embed(clients, inputs_file, batch_dir, count):
    pool = workload._vectors(EMBED_DIM)
    out = {}
    for c in clients:
        if not c.available:
            continue
        spec = c.embed(inputs_file, batch_dir, count)
        if spec is None:
            continue
        argv, env, stdin = spec
        path = os.path.join(TMP, "verify-embed-%s.out" % c.key)
        s = run_once(argv, env, stdin=stdin, stdout=path)
        recs = server_records((count + EMBED_BATCH - 1) // EMBED_BATCH)
        if s["rc"] == 2 and c.key == "dbxai":  # usage: no embed command (yet)
            c.has_embed = False
            c.na = " ".join(s["stderr"].split())[:120]
            out[c.key] = "n/a: " + c.na
            continue
        if s["rc"] != 0:
            out[c.key] = "failed: " + fail_text(s)
            continue
        with open(path, "rb") as f:
            got = f.read()
        if c.key == "curl":
            ok = len(recs) == (count + EMBED_BATCH - 1) // EMBED_BATCH and got.count(b'"object":"list"') == len(recs)
            out[c.key] = "ok" if ok else "wrong output"
            continue
        lines = got.decode("utf-8", "replace").splitlines()
        msg = "ok"
        if len(lines) != count:
            msg = "wrong output: %d lines for %d inputs" % (len(lines), count)
        else:
            for idx in (0, count - 1):
                try:
                    v = json.loads(lines[idx])
                    w = json.loads(pool[(idx % EMBED_BATCH) % len(pool)])
                    good = len(v) == len(w) and all(abs(a - b) <= 1e-6 for a, b in zip(v, w))
                except (ValueError, TypeError):
                    good = False
                if not good:
                    msg = "wrong output: line %d is not the vector for input %d" % (idx + 1, idx + 1)
                    break
        out[c.key] = msg
    return out


STRACE_LINE = re.compile(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\S+)\s*$")


def syscalls(c, prompt):
    """Syscalls of one chat by client c (strace -c -f; a run apart from the timed
    ones, since strace slows every call): {"total": n, "by_call": {name: n}, "records": r}."""
    argv, env, stdin = c.chat(prompt)
    f = os.path.join(TMP, "strace.out")
    p = subprocess.run(["strace", "-f", "-c", "-o", f] + argv, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, timeout=TIMEOUT)
    recs = server_records(1)
    if p.returncode != 0:
        raise RuntimeError("strace %s: rc=%d %s" % (c.key, p.returncode, p.stderr[-300:].decode("utf-8", "replace")))
    by = {}
    with open(f) as fh:
        for line in fh:
            m = STRACE_LINE.match(line)
            if m and m.group(2) != "total":
                by[m.group(2)] = int(m.group(1))
    return {"total": sum(by.values()), "by_call": by,
            "records": sum(r.get("records", 0) for r in recs), "events": sum(r.get("events", 0) for r in recs)}


def per_event(W, clients):
    """CPU, syscalls and TLS records per SSE event on the paced streams, for dbxai
    and curl. CPU from the timed runs (medians); syscalls from strace runs."""
    out = {}
    have_strace = shutil.which("strace") is not None
    for c in clients:
        if c.key not in ("dbxai", "curl") or not c.available:
            continue
        r = {}
        for mode, wname in (("paced", "chat_paced"), ("paced=%d" % PACE_US, "chat_paced_delay")):
            m = W[wname]["clients"].get(c.key, {}).get("median")
            ev = W[wname].get("events")
            sub = {}
            if m and ev:
                sub["cpu_us"] = m["cpu_ms"] * 1000.0 / ev
                sub["events"] = ev
                if m.get("records"):
                    sub["records_per_event"] = m["records"] / ev
            if have_strace:
                try:
                    st = syscalls(c, "bench n=%d %s" % (PACED, mode))
                    ev = st["events"] or ev
                    sub["syscalls"] = st["total"]
                    sub["syscalls_per_event"] = st["total"] / ev
                    reads = sum(st["by_call"].get(k, 0) for k in ("recvfrom", "read", "recvmsg"))
                    sub["reads_per_record"] = reads / st["records"] if st["records"] else None
                    sub["by_call"] = st["by_call"]
                except (RuntimeError, subprocess.TimeoutExpired) as e:
                    sub["strace"] = "failed: %s" % e
            else:
                sub["strace"] = "skipped: strace not found"
            r["delay" if "=" in mode else "paced"] = sub
        out[c.key] = r
    return out


def callgrind(dbx):
    """Instructions (valgrind --tool=callgrind) of dbxai: a SMALL-chunk chat, a
    CG_BIG-chunk chat (for the cost of one more chunk), and --version."""
    if not shutil.which("valgrind"):
        return {"status": "skipped: valgrind not found"}
    res = {"status": "ok"}

    def ir(argv, expect):
        f = os.path.join(TMP, "callgrind.out")
        p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + f] + argv,
                           env=dbx.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=TIMEOUT)
        server_records(expect)
        if p.returncode != 0:
            raise RuntimeError("valgrind %s: rc=%d %s" % (argv[-1], p.returncode, p.stderr[-300:]))
        with open(f) as fh:
            for line in fh:
                if line.startswith("summary:") or line.startswith("totals:"):
                    return int(line.split()[1])
        raise RuntimeError("no totals in callgrind output")

    try:
        small = ir(RUN + [BIN, "chat", "bench n=%d" % SMALL], 1)
        big = ir(RUN + [BIN, "chat", "bench n=%d" % CG_BIG], 1)
        cold = ir(RUN + [BIN, "--version"], 0)
        paced = ir(RUN + [BIN, "chat", "bench n=%d paced" % PACED], 1)
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        return {"status": "failed: %s" % e}
    prof = profile(dbx)
    if prof:
        res["profile"] = prof
    res.update(chunks=SMALL, instructions=small, per_chunk=small / SMALL,
               big_chunks=CG_BIG, big_instructions=big,
               marginal_per_chunk=(big - small) / (CG_BIG - SMALL),
               fixed=small - SMALL * (big - small) / (CG_BIG - SMALL), version_instructions=cold,
               paced_chunks=PACED, paced_instructions=paced)
    # the events of a paced stream: the chunks, the usage event and [DONE]
    res["paced_per_event"] = (paced - res["fixed"]) / (PACED + 2)
    return res


def profile(dbx):
    """Where the instructions of a CG_BIG-chunk chat go, by function (self cost). The
    built binary is stripped, so an unstripped twin is linked from the same objects."""
    b = os.path.dirname(BIN)
    objs = [os.path.join(b, "obj", "cli", f[:-2] + ".o") for f in sorted(os.listdir(os.path.join(TOP, "src", "cli")))
            if f.endswith(".c")]
    libs = [os.path.join(b, "libdbxai.a"), os.path.join(b, "libmbedtls.a")]
    cc = shutil.which("musl-gcc")
    if RUN or not cc or not shutil.which("callgrind_annotate") or not all(os.path.exists(f) for f in objs + libs):
        return None
    sym = os.path.join(TMP, "dbxai-unstripped")
    if subprocess.run([cc, "-static", "-Wl,--gc-sections"] + objs + libs + ["-lm", "-o", sym],
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
        return None
    f = os.path.join(TMP, "callgrind.sym")
    p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + f, sym, "chat",
                        "bench n=%d" % CG_BIG], env=dbx.env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=TIMEOUT)
    server_records(1)
    if p.returncode != 0:
        return None
    a = subprocess.run(["callgrind_annotate", "--threshold=100", f], capture_output=True, text=True)
    top = []
    for line in a.stdout.splitlines():
        m = re.match(r"^\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+(?:\S*:)?([^\s\[]+)", line)
        if m and "PROGRAM TOTALS" not in line:
            top.append({"function": m.group(3), "instructions": int(m.group(1).replace(",", "")),
                        "percent": float(m.group(2))})
    return top[:25]


# ---------------------------------------------------------------- output

def fmt_ms(v):
    return "%.0f" % v if v >= 100 else "%.1f" % v


def fmt_kib(v):
    return "%.1f MiB" % (v / 1024.0) if v >= 10240 else "%d KiB" % v


def fmt_ratio(v):
    if v is None:
        return ""
    return ("%.0fx" % v) if v >= 100 else ("%.1fx" % v) if v >= 10 else ("%.2fx" % v)


def print_workload(w, cols):
    """cols: [(metric, header, formatter)]; each value is followed by its ratio to dbxai."""
    print("\n%s  (median of %d)" % (w["title"], w["runs"]))
    head = "  %-30s" % "client"
    for _, h, _ in cols:
        head += " %10s %7s" % (h, "/dbxai")
    print(head)
    for key, r in w["clients"].items():
        line = "  %-30s" % r["label"]
        m = r.get("median")
        if not m:
            print(line + " " + r.get("status", "no samples"))
            continue
        rat = r.get("ratio_to_dbxai", {})
        for k, _, f in cols:
            if k in m:
                line += " %10s %7s" % (f(m[k]), fmt_ratio(rat.get(k)) if key != "dbxai" else "")
            else:
                line += " %10s %7s" % ("-", "")
        if r.get("status", "ok") != "ok":
            line += "  (" + r["status"] + ")"
        print(line)


def print_per_event(pe):
    """The per-event table: dbxai and curl on the paced streams."""
    if not pe:
        return
    print("\nper SSE event, paced %s-chunk stream (%s events): at the server's pace | with the %d us pause"
          % ("{:,}".format(PACED), "{:,}".format(PACED + 2), PACE_US))
    print("  %-12s %9s %9s %10s %10s %9s %9s  %s" % ("client", "cpu us", "cpu us", "syscalls", "syscalls",
                                                  "records", "reads per", "syscalls by name (at the server's pace)"))
    print("  %-12s %9s %9s %10s %10s %9s %9s" % ("", "", "+pause", "", "+pause", "", "record"))
    for key, r in pe.items():
        a, b = r.get("paced", {}), r.get("delay", {})

        def f(d, k, fmt):
            return fmt % d[k] if d.get(k) is not None else "-"
        top = sorted(a.get("by_call", {}).items(), key=lambda kv: -kv[1])[:4]
        note = a.get("strace") or ", ".join("%s %s" % (k, "{:,}".format(v)) for k, v in top)
        print("  %-12s %9s %9s %10s %10s %9s %9s  %s" % (
            "curl -N" if key == "curl" else key, f(a, "cpu_us", "%.2f"), f(b, "cpu_us", "%.2f"),
            f(a, "syscalls_per_event", "%.2f"), f(b, "syscalls_per_event", "%.2f"),
            f(a, "records_per_event", "%.2f"), f(a, "reads_per_record", "%.2f"), note))
    print("  (cpu: median of the timed runs / events; syscalls: strace -c -f, a separate untimed run; records: "
          "TLS records the server wrote)")


class Tee:
    """stdout that also keeps what was printed, for RESULTS.md."""
    def __init__(self, out):
        self.out, self.text = out, []

    def write(self, t):
        self.text.append(t)
        return self.out.write(t)

    def flush(self):
        self.out.flush()


def write_results_md(results, text):
    m = results["meta"]
    lines = ["# Bench results", "",
             "Written by `make bench` (tests/bench/bench.py) on every run; this is the last one. "
             "A figure counts only as a ratio between clients measured in this one run on this machine: "
             "absolute times move with the machine and its load.", "",
             "| | |", "|---|---|",
             "| date | %s |" % m["date"],
             "| CPU | %s |" % m["cpu_model"],
             "| cores | %d |" % m["cores"],
             "| kernel | %s (%s) |" % (m["kernel"], m["machine"]),
             "| load average (1, 5, 15 min) at start | %s |" % m["load_start"],
             "| load average at end | %s |" % m["load_end"],
             "| niceness of the bench | %s |" % m["nice"],
             "| dbxai | %s, %s (%s bytes) |" % (m["dbxai"], m["dbxai_bin"], "{:,}".format(m["dbxai_bytes"])),
             "| curl | %s |" % m["curl"],
             "| node | %s |" % (m["node"] or "not found"),
             "| npm peers | %s |" % ", ".join("%s %s" % (k, v) for k, v in m["npm"].items() if v),
             "", "The machine is shared (other jobs were running: see the load average), so the bench "
             "ran niced and every client was measured in turn, round-robin, within the same minutes.", "",
             "```", "".join(text).rstrip("\n"), "```", ""]
    with open(RESULTS_MD + ".tmp", "w") as f:
        f.write("\n".join(lines))
    os.replace(RESULTS_MD + ".tmp", RESULTS_MD)


def main():
    tee = Tee(sys.stdout)
    sys.stdout = tee
    try:
        return run(tee)
    finally:
        sys.stdout = tee.out


def run(tee):
    t_start = time.monotonic()
    dbx = Dbxai()
    clients = [dbx, Curl(),
               Node("openai", "openai %s (node)" % (pkg_version("openai") or ""), "openai", ["openai"]),
               Node("aisdk", "ai-sdk-provider %s (node)" % (pkg_version("@databricks/ai-sdk-provider") or ""),
                    "aisdk", ["@databricks/ai-sdk-provider", "ai"])]
    if PEERS_NOTE:
        notes.append(PEERS_NOTE)
    else:
        for c in clients:
            if not c.available:
                notes.append("%s: skipped (%s)" % (c.label, c.note))

    results = {"meta": meta(clients), "config": {
        "runs": RUNS, "runs_big": RUNS_BIG, "runs_embed": RUNS_EMBED, "small_chunks": SMALL,
        "big_chunks": BIG, "ttft_delay_ms": DELAY_MS, "ttft_chunks": TTFT_CHUNKS,
        "embed_inputs": EMBED_N, "embed_batch": EMBED_BATCH, "embed_dim": EMBED_DIM,
        "paced_chunks": PACED, "pace_us": PACE_US, "runs_paced": RUNS_PACED,
        "stream_bytes_small": len(b"".join(workload.chat_stream(SMALL)[1:])),
        "url": URL}, "workloads": {}, "notes": notes}

    print("dbxai bench: %s, %s; endpoint %s (TLS, loopback)" % (
        results["meta"]["dbxai"], results["meta"]["cpu"], URL))
    print("clients: " + "; ".join("%s%s" % (c.label, "" if c.available else " [skipped: %s]" % c.note)
                                  for c in clients))

    # correctness first (also warms the page cache for every client)
    results["verify_chat"] = verify_chat(clients, SMALL)
    results["verify_paced"] = verify_chat(clients, SMALL, "paced")

    W = results["workloads"]
    W["chat_small"] = run_workload("chat_small", "streamed chat, %s chunks (%.0f KB)" % (
        "{:,}".format(SMALL), results["config"]["stream_bytes_small"] / 1000.0),
        clients, lambda c: c.chat("bench n=%d" % SMALL), RUNS, 1)
    W["chat_big"] = run_workload("chat_big", "streamed chat, %s chunks (%.1f MB)" % (
        "{:,}".format(BIG), len(b"".join(workload.chat_stream(BIG)[1:])) / 1e6),
        clients, lambda c: c.chat("bench n=%d" % BIG), RUNS_BIG, 1)

    def paced_extra(s, recs):
        s["records"] = sum(r.get("records", 0) for r in recs)
        s["events"] = sum(r.get("events", 0) for r in recs)
    paced_bytes = sum(len(c) for c in workload.chat_chunks(PACED))
    W["chat_paced"] = run_workload("chat_paced", "paced chat as a model sends it: %s chunks, one write (TLS record) "
                                   "per SSE event, at the server's pace (%.1f MB)" % ("{:,}".format(PACED), paced_bytes / 1e6),
                                   clients, lambda c: c.chat("bench n=%d paced" % PACED), RUNS_PACED, 1,
                                   extra=paced_extra)
    W["chat_paced_delay"] = run_workload("chat_paced_delay", "paced chat, the same with a %d us pause before each "
                                         "event" % PACE_US, clients,
                                         lambda c: c.chat("bench n=%d paced=%d" % (PACED, PACE_US)), RUNS_PACED, 1,
                                         extra=paced_extra)
    W["chat_paced"]["events"] = W["chat_paced_delay"]["events"] = PACED + 2

    def ttft_extra(s, recs):
        s["overhead_ms"] = s["first_byte_ms"] - DELAY_MS if "first_byte_ms" in s else None
        if recs and "t_first" in recs[0] and "t_first" in s:
            s["to_request_ms"] = (recs[0]["t_req"] - s["t0"]) * 1000.0
            s["shown_after_sent_ms"] = (s["t_first"] - recs[0]["t_first"]) * 1000.0
    W["ttft"] = run_workload("ttft", "time to first token: first chunk %d ms after the request; "
                             "on a terminal" % DELAY_MS, clients,
                             lambda c: c.chat("bench n=%d delay=%d" % (TTFT_CHUNKS, DELAY_MS)), RUNS, 1,
                             extra=ttft_extra, pty_first=True)

    batch_dir = os.path.join(TMP, "embed")
    os.makedirs(batch_dir)
    inputs = workload.embed_inputs(EMBED_N)
    inputs_file = os.path.join(batch_dir, "inputs.txt")
    with open(inputs_file, "w") as f:
        f.write("\n".join(inputs) + "\n")
    verify_n = min(EMBED_N, 200)
    verify_file = os.path.join(batch_dir, "inputs-verify.txt")
    with open(verify_file, "w") as f:
        f.write("\n".join(inputs[:verify_n]) + "\n")
    for b in range(0, EMBED_N, EMBED_BATCH):
        with open(os.path.join(batch_dir, "batch-%d.json" % (b // EMBED_BATCH)), "w") as f:
            json.dump({"input": inputs[b:b + EMBED_BATCH]}, f)
    results["verify_embed"] = verify_embed(clients, verify_file, batch_dir, verify_n)
    nreq = (EMBED_N + EMBED_BATCH - 1) // EMBED_BATCH

    def embed_extra(s, recs):
        s["requests"] = len(recs)
        s["connections"] = len({r["conn"] for r in recs})
    W["embed"] = run_workload("embed", "embeddings: %s inputs in batches of %d (%d requests, %d-dim vectors)" % (
        "{:,}".format(EMBED_N), EMBED_BATCH, nreq, EMBED_DIM), clients,
        lambda c: c.embed(inputs_file, batch_dir, EMBED_N), RUNS_EMBED, nreq, extra=embed_extra)
    if not dbx.has_embed:
        notes.append("dbxai embed is not available (%s): embeddings measured for the peers only"
                     % (getattr(dbx, "na", "") or "not in dbxai help"))
    notes.append("@databricks/ai-sdk-provider has no embeddings (embeddingModel: 'not supported yet')")

    W["cold"] = run_workload("cold", "cold start, no network: dbxai --version, curl --version, "
                             "node: load the SDK and make a client", clients, lambda c: c.cold(), RUNS, 0)

    results["per_event"] = per_event(W, clients)
    results["callgrind"] = callgrind(dbx)
    results["elapsed_s"] = time.monotonic() - t_start

    # ---- the table
    std = [("wall_ms", "wall ms", fmt_ms), ("cpu_ms", "cpu ms", fmt_ms), ("rss_kib", "peak RSS", fmt_kib)]
    print_workload(W["chat_small"], std)
    print_workload(W["chat_big"], std)
    srv = [r["median"]["server_cpu_ms"] for r in W["chat_big"]["clients"].values()
           if r.get("median", {}).get("server_cpu_ms")]
    if srv:
        print("  (the endpoint spends %.0f ms of CPU on one such stream, TLS included)" % statistics.median(srv))
    print_workload(W["chat_paced"], std)
    print_workload(W["chat_paced_delay"], std)
    print_per_event(results["per_event"])
    print_workload(W["ttft"], [("first_byte_ms", "1st token", fmt_ms), ("overhead_ms", "over delay", fmt_ms),
                               ("to_request_ms", "to request", fmt_ms),
                               ("shown_after_sent_ms", "sent->shown", fmt_ms)])
    print_workload(W["embed"], std + [("connections", "conns", lambda v: "%d" % v)])
    print_workload(W["cold"], std)

    cg = results["callgrind"]
    print("\ndbxai instructions (callgrind): ", end="")
    if cg["status"] == "ok":
        print("%s-chunk chat %.1f M = %s per chunk" % (
            "{:,}".format(SMALL), cg["instructions"] / 1e6, "{:,.0f}".format(cg["per_chunk"])))
        print("  each further chunk %s (from a %s-chunk run); fixed cost %.1f M (start, TLS handshake, "
              "request); --version %s" % ("{:,.0f}".format(cg["marginal_per_chunk"]), "{:,}".format(CG_BIG),
                                          cg["fixed"] / 1e6, "{:,}".format(cg["version_instructions"])))
        print("  paced %s-chunk chat: %.1f M = %s per event after the fixed cost" % (
            "{:,}".format(PACED), cg["paced_instructions"] / 1e6, "{:,.0f}".format(cg["paced_per_event"])))
        if cg.get("profile"):
            print("  where they go (%s-chunk chat, self cost): %s" % ("{:,}".format(CG_BIG), ", ".join(
                "%s %.0f%%" % (t["function"], t["percent"]) for t in cg["profile"][:8])))
    else:
        print(cg["status"])

    results["targets"] = targets(W)
    if results["targets"]:
        print("\ntargets (ratios within this run):")
        for t in results["targets"]:
            print("  %-64s %8s  %s" % (t["what"], fmt_ratio(t["value"]), "met" if t["met"] else "NOT met"))

    bad = []  # (client, text)
    for k, v in results["verify_chat"].items():
        if v != "ok":
            bad.append((k, "chat output of %s: %s" % (k, v)))
    for k, v in results["verify_paced"].items():
        if v != "ok":
            bad.append((k, "paced chat output of %s: %s" % (k, v)))
    for k, v in results["verify_embed"].items():
        if v != "ok" and not v.startswith("n/a"):
            bad.append((k, "embed output of %s: %s" % (k, v)))
    for name, w in W.items():
        for key, r in w["clients"].items():
            if r.get("status", "").startswith("failed"):
                bad.append((key, "%s %s: %s" % (name, key, r["status"])))
    if cg["status"].startswith("failed"):
        bad.append(("dbxai", "callgrind: " + cg["status"]))
    results["problems"] = [b for _, b in bad]
    def summary(d):
        return ", ".join("%s %s" % (k, v if v == "ok" or v.startswith("n/a") else "WRONG") for k, v in d.items())
    print("\noutput checked: %s-chunk chat: %s; paced: %s; %d embeddings: %s" % (
        "{:,}".format(SMALL), summary(results["verify_chat"]), summary(results["verify_paced"]), verify_n,
        summary(results["verify_embed"])))
    for n in notes:
        print("note: " + n)
    for _, b in bad:
        print("PROBLEM: " + b)

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT + ".tmp", "w") as f:
        json.dump(results, f, indent=1)
    os.replace(OUT + ".tmp", OUT)
    print("figures: %s and %s (%.0f s)" % (os.path.relpath(OUT, TOP), os.path.relpath(RESULTS_MD, TOP),
                                           results["elapsed_s"]))
    results["meta"]["load_end"] = "%.2f %.2f %.2f" % os.getloadavg()
    write_results_md(results, tee.text)
    shutil.rmtree(TMP, ignore_errors=True)
    # a failing or wrong dbxai fails the bench; a failing peer is only reported
    return 1 if any(k == "dbxai" for k, _ in bad) else 0


def targets(W):
    out = []
    paced = W["chat_paced"]["clients"]
    d, c = paced.get("dbxai", {}).get("median"), paced.get("curl", {}).get("median")
    if d and c:
        v = d["cpu_ms"] / c["cpu_ms"]
        out.append({"what": "paced %s chunks: dbxai CPU / curl -N CPU (target <= 0.4x)" % "{:,}".format(PACED),
                    "value": v, "met": v <= 0.4})
    big = W["chat_big"]["clients"]
    d = big.get("dbxai", {}).get("median")
    if not d:
        return out
    c = big.get("curl", {}).get("median")
    if c:
        v = d["cpu_ms"] / c["cpu_ms"]
        out.append({"what": "%s chunks: dbxai CPU / curl -N CPU (target <= 2x)" % "{:,}".format(BIG), "value": v,
                    "met": v <= 2})
    o = big.get("openai", {}).get("median")
    if o:
        v = o["cpu_ms"] / d["cpu_ms"]
        out.append({"what": "%s chunks: openai SDK CPU / dbxai CPU (target >= 20x)" % "{:,}".format(BIG), "value": v,
                    "met": v >= 20})
        v = o["rss_kib"] / d["rss_kib"]
        out.append({"what": "%s chunks: openai SDK peak RSS / dbxai (target >= 100x)" % "{:,}".format(BIG),
                    "value": v, "met": v >= 100})
    return out


def meta(clients):
    def first_line(argv):
        try:
            p = subprocess.run(argv, capture_output=True, text=True, timeout=30)
            return (p.stdout or p.stderr).splitlines()[0].strip()
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return None
    cpu = None
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"dbxai": first_line(RUN + [BIN, "--version"]), "dbxai_bin": os.path.relpath(BIN, TOP),
            "dbxai_bytes": os.path.getsize(BIN), "curl": first_line(["curl", "--version"]),
            "node": first_line(["node", "--version"]) if shutil.which("node") else None,
            "npm": {p: pkg_version(p) for p in ["openai", "ai", "@databricks/ai-sdk-provider",
                                                "@ai-sdk/provider", "@ai-sdk/provider-utils", "zod"]},
            "python": platform.python_version(), "kernel": platform.release(), "machine": platform.machine(),
            "cpu": "%s x%d" % (cpu or platform.machine(), os.cpu_count() or 0),
            "cpu_model": cpu or platform.machine(), "cores": os.cpu_count() or 0,
            "load_start": "%.2f %.2f %.2f" % os.getloadavg(), "nice": os.nice(0),
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


if __name__ == "__main__":
    sys.exit(main())
