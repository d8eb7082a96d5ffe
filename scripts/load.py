#!/usr/bin/env python3
"""The load tests of issue 12, in one command; prints a markdown section for BENCHMARKS.md.

    python3 scripts/load.py                 # everything, about 12 minutes after the build
    python3 scripts/load.py --quick         # shorter runs, 1 000 and 10 000 applications
    python3 scripts/load.py --only reads,writes --backends sqlite

What it does (standard library only; needs wrk, and psql for PostgreSQL):

1. builds the release binary and the baseline (`cargo build --release --bin statsbidrag
   --example baseline`), unless --skip-build;
2. generates databases of 1 000 and 100 000 applications (`statsbidrag generate`) on SQLite
   (files under target/load/) and PostgreSQL (databases statsbidrag_load_N on --pg);
3. cold start: the time from exec to /readyz 200 on an empty data folder with the demo
   (three times, the median);
4. reads: wrk at 64 connections against the demo's public allocation JSON and public call
   page, and against examples/baseline.rs's bare actix-web handler answering a body of the
   same size, in the same run;
5. writes: wrk at 16 connections saving drafts (PUT /api/v1/applications/{id}/draft), each
   connection cycling over drafts of applicants of their own, and submitting (each request
   a different draft and applicant, logged in beforehand), on SQLite and PostgreSQL, against
   the baseline's bare single-writer SQLite insert of the same rows (WAL, synchronous=FULL),
   run right before and right after each SQLite save and submit run: the disk's sync rate
   moves by 2× within minutes on a shared machine, so each ratio is to the mean of the two
   bare runs beside it;
6. lists: every officer page, CSV and API list, one request at a time, at 1 000 and at
   100 000 applications: the median time and the ratio; both services run at once and the
   requests alternate between them, so that the machine's drift falls on both sizes alike;
7. memory: VmRSS of each service after its load and after 30 s idle.

Ids are read from the generator's manifest and the API, never written in here. Pages added
or changed by others (pagination) are read as they answer; a 5xx is reported, not fatal.
The service is started with RUST_LOG=warn, its default pool, and LOAD_DEMO=false on the
generated databases; before measuring, the script waits until the service's CPU use is
quiet and its outbox sent (the start-up jobs done) for at most --settle seconds, and says if
it was not.
"""

import argparse
import datetime
import http.client
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSWORD = "lasttest-lösenord-2026"
DEMO_PASSWORD = "demo-lösenord-2026"
WORK = os.path.join(ROOT, "target", "load")

# The draft every save sends: the shape of a real application (five answers, a budget of
# two years in four cost categories, two staff lines a year).
ANSWER = (
    "Arbetet är förankrat i ledningen och hos de verksamheter som berörs. En styrgrupp "
    "med representanter för båda huvudmännen följer arbetet. "
) * 4


def draft_body(years):
    budget, staff = [], []
    for year in years:
        for category, amount in (("personal", 900000), ("resor", 40000),
                                 ("utbildning", 60000), ("ovrigt", 25000)):
            budget.append({"year": str(year), "category": category, "amount": str(amount),
                           "description": f"{category} {year}"})
        staff.append({"year": str(year), "role": "Projektledare", "fte_percent": "100",
                      "months": "12", "cost": "600000"})
        staff.append({"year": str(year), "role": "Behandlare", "fte_percent": "50",
                      "months": "12", "cost": "300000"})
    return {
        "project_title": "Integrerad vård för barn och unga",
        "answers": {str(n): ANSWER for n in range(1, 6)},
        "budget": budget,
        "staff": staff,
    }


# ---------------------------------------------------------------------------------------
# Processes and HTTP


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, body=None, headers=None, timeout=300, timing=None):
    """One request. With `timing` (a dict), also records in it `first_byte`: seconds from
    sending until the first byte of the body (or the end of the headers when the body is
    empty), which is what a streamed CSV is judged by."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = None
        headers = dict(headers or {})
        if body is not None:
            data = json.dumps(body).encode() if not isinstance(body, bytes) else body
            headers.setdefault("Content-Type", "application/json")
        started = time.monotonic()
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        first = response.read(1)
        if timing is not None:
            timing["first_byte"] = time.monotonic() - started
        payload = first + response.read()
        return response.status, response.getheaders(), payload
    finally:
        conn.close()


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory(pid):
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def outbox_due(url):
    """E-mails queued and due but not yet sent, read from the service's database (SQLite
    through Python's sqlite3, read-only; PostgreSQL through psql); None if unreadable."""
    query = "SELECT COUNT(*) FROM outbox_messages WHERE sent_at IS NULL AND attempts = 0"
    try:
        if url.startswith("sqlite://"):
            import sqlite3
            path = url[len("sqlite://"):]
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
                return db.execute(query).fetchone()[0]
        out = subprocess.run(["psql", "-Atqc", query, url], capture_output=True, text=True,
                             timeout=30)
        return int(out.stdout.strip()) if out.returncode == 0 else None
    except Exception:  # an unreadable count never holds the run up: see settle's limit
        return None


def autovacuum_running(url):
    """PostgreSQL's autovacuum workers at work (on any database of the server): after the
    start-up e-mails (11 000 rows written twice at 100 000 applications) autovacuum comes to
    that table within its minute, and lists timed meanwhile measured its reading and writing
    beside theirs. Zero on SQLite, None if unreadable."""
    if not url.startswith("postgres"):
        return 0
    query = "SELECT COUNT(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"
    try:
        out = subprocess.run(["psql", "-Atqc", query, url], capture_output=True, text=True,
                             timeout=30)
        return int(out.stdout.strip()) if out.returncode == 0 else None
    except Exception:  # an unreadable count never holds the run up: see settle's limit
        return None


class Service:
    """One `statsbidrag serve` process."""

    def __init__(self, binary, url, name, load_demo=False, extra_env=None):
        self.port = free_port()
        self.name = name
        self.url = url
        env = dict(os.environ)
        env.update({
            "DATABASE_URL": url,
            "BIND_ADDRESS": f"127.0.0.1:{self.port}",
            "RUST_LOG": "warn",
            "LOAD_DEMO": "true" if load_demo else "false",
            "DEMO_PASSWORD": DEMO_PASSWORD,
            "OUTBOX_DIR": os.path.join(WORK, f"outbox-{name}"),
            "NO_COLOR": "1",
        })
        env.update(extra_env or {})
        self.log_path = os.path.join(WORK, f"service-{name}.log")
        self.log_file = open(self.log_path, "w")
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [binary, "serve"], env=env, stdout=self.log_file, stderr=subprocess.STDOUT)
        self.pid = self.process.pid

    def wait_ready(self, timeout=600):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited, see {self.log_path}")
            try:
                status, _, _ = request(self.port, "GET", "/readyz", timeout=5)
                if status == 200:
                    return time.monotonic() - self.started
            except OSError:
                pass
            time.sleep(0.005)
        raise RuntimeError(f"{self.name} not ready after {timeout} s, see {self.log_path}")

    def settle(self, limit):
        """Waits until the process uses under 5 % of a core over 2 s, no autovacuum runs (see
        `autovacuum_running`) and its outbox holds no message due (its start-up jobs done: at 100 000 applications the reminder job queues
        about 11 000 e-mails, which the sender writes out for a minute or two at little CPU
        but one synced commit per batch, and lists timed meanwhile measured that, not the
        size); returns the seconds waited, or None when it did not settle within `limit`."""
        start = time.monotonic()
        while time.monotonic() - start < limit:
            before = cpu_seconds(self.pid)
            time.sleep(2)
            if (cpu_seconds(self.pid) - before < 0.1 and not outbox_due(self.url)
                    and not autovacuum_running(self.url)):
                return time.monotonic() - start
        return None

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                log(f"{self.name} did not stop on SIGTERM within 20 s; killing it")
                self.process.kill()
                self.process.wait()
        self.log_file.close()


def login(port, email, password):
    """Logs in through the API: (Cookie header, CSRF token)."""
    status, headers, body = request(port, "POST", "/api/v1/session",
                                    {"email": email, "password": password})
    if status != 200:
        raise RuntimeError(f"login of {email}: {status} {body[:200]!r}")
    cookies = [v.split(";", 1)[0] for k, v in headers if k.lower() == "set-cookie"]
    return "; ".join(cookies), json.loads(body)["csrf_token"]


def login_many(port, emails, password, workers=4):
    results = [None] * len(emails)
    errors = []

    def work(indices):
        for i in indices:
            try:
                results[i] = login(port, emails[i], password)
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(str(e))

    threads = [threading.Thread(target=work, args=(range(w, len(emails), workers),))
               for w in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"{len(errors)} logins failed, first: {errors[0]}")
    return results


# ---------------------------------------------------------------------------------------
# wrk


def lua_string(s):
    return "[==[" + s + "]==]"


def write_lua(path, method, entries, body, threads, once):
    """A wrk script: each thread takes entries i, i+threads, ...; `once` uses each entry
    once and stops the thread when they run out (for submits)."""
    lines = ["local entries = {"]
    for cookie, csrf, target in entries:
        lines.append("  {" + f"cookie={lua_string(cookie)}, csrf={lua_string(csrf)}, "
                     f"path={lua_string(target)}" + "},")
    lines.append("}")
    lines.append(f"local body = {lua_string(json.dumps(body)) if body is not None else 'nil'}")
    lines.append(f"local method = {lua_string(method)}")
    lines.append(f"local threads = {threads}")
    lines.append(f"local once = {'true' if once else 'false'}")
    lines.append("""
local counter = 0
local next_id = 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end
function request()
  local i = id + 1 + counter * threads
  counter = counter + 1
  if i > #entries then
    if once then wrk.thread:stop() end
    i = ((i - 1) % #entries) + 1
  end
  local e = entries[i]
  local headers = {["Cookie"] = e.cookie, ["X-CSRF-Token"] = e.csrf}
  if body then headers["Content-Type"] = "application/json" end
  return wrk.format(method, e.path, headers, body)
end
""")
    if once:
        # wrk divides by the whole -d duration even when every thread stopped early, its
        # entries used up: a rate of (pool / duration), a bound and not a measurement. So
        # each thread notes when it sent its first request and when its last answer came
        # (LuaJIT's ffi: the monotonic clock, the same in every thread), and `done` prints
        # the span, over which `wrk()` then computes the rate.
        lines.append("""
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } load_timespec;
int clock_gettime(int clock, load_timespec *ts);
]]
local ts = ffi.new("load_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
end
first_us = nil
last_us = nil
local make_request = request
request = function()
  if not first_us then first_us = now_us() end
  return make_request()
end
function response(status, headers, body)
  last_us = now_us()
end
local all_threads = {}
local setup_thread = setup
setup = function(thread)
  table.insert(all_threads, thread)
  setup_thread(thread)
end
function done(summary, latency, requests)
  local first, last = nil, nil
  for _, t in ipairs(all_threads) do
    local f, l = t:get("first_us"), t:get("last_us")
    if f and (not first or f < first) then first = f end
    if l and (not last or l > last) then last = l end
  end
  if first and last and last > first then
    io.write(string.format("Answered span: %.0f us\\n", last - first))
  end
end
""")
    with open(path, "w") as f:
        f.write("\n".join(lines))


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def parse_duration(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text.strip())
    return float(m.group(1)) * UNITS[m.group(2)] if m else None


def wrk(url, connections, seconds, script=None, headers=(), threads=2):
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
           "--timeout", "30s"]
    for h in headers:
        cmd += ["-H", h]
    if script:
        cmd += ["-s", script]
    cmd.append(url)
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    result = {"rps": 0.0, "p50": None, "p99": None, "mean": None, "requests": 0, "errors": 0,
              "raw": out}
    m = re.search(r"^\s+Latency\s+(\S+)", out, re.M)
    if m:
        result["mean"] = parse_duration(m.group(1))
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if m:
        result["rps"] = float(m.group(1))
    for pct, key in (("50%", "p50"), ("99%", "p99")):
        m = re.search(rf"^\s+{re.escape(pct)}\s+(\S+)", out, re.M)
        if m:
            result[key] = parse_duration(m.group(1))
    m = re.search(r"(\d+) requests in", out)
    if m:
        result["requests"] = int(m.group(1))
    # A script that uses each entry once prints the span from its first request to its
    # last answer (see write_lua): the rate is over that span, not over -d.
    m = re.search(r"Answered span: ([\d.]+) us", out)
    if m and float(m.group(1)) > 0:
        result["span"] = float(m.group(1)) / 1e6
        result["rps"] = result["requests"] / result["span"]
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        result["errors"] += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        result["errors"] += sum(int(x) for x in m.groups())
    return result


# ---------------------------------------------------------------------------------------
# Data


def run(cmd, env=None, **kwargs):
    log("$", " ".join(cmd))
    return subprocess.run(cmd, env=env, check=True, **kwargs)


def pg_url(base, name):
    return base.rstrip("/").rsplit("/", 1)[0] + "/" + name


def generate(binary, backend, size, pg_base):
    """Generates a database; returns (DATABASE_URL, manifest, seconds)."""
    manifest_path = os.path.join(WORK, f"{backend}-{size}.json")
    if backend == "sqlite":
        path = os.path.join(WORK, f"sqlite-{size}.sqlite3")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        url = f"sqlite://{path}"
    else:
        name = f"statsbidrag_load_{size}"
        admin = pg_url(pg_base, "postgres")
        run(["psql", "-q", admin, "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
             "-c", f"CREATE DATABASE {name}"], stdout=subprocess.DEVNULL)
        url = pg_url(pg_base, name)
    env = dict(os.environ, DATABASE_URL=url, GENERATE_PASSWORD=PASSWORD, RUST_LOG="warn")
    started = time.monotonic()
    run([binary, "generate", "--applications", str(size), "--manifest", manifest_path],
        env=env, stdout=subprocess.DEVNULL)
    seconds = time.monotonic() - started
    with open(manifest_path) as f:
        return url, json.load(f), seconds


# ---------------------------------------------------------------------------------------
# Measurements


def cold_start(binary, rounds=3):
    times = []
    service = None
    for i in range(rounds):
        folder = os.path.join(WORK, f"cold-{i}")
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        service = Service(binary, f"sqlite://{folder}/statsbidrag.sqlite3", f"cold-{i}",
                          load_demo=True)
        times.append(service.wait_ready())
        if i < rounds - 1:
            service.stop()
    return statistics.median(times), times, service


def first_call(port):
    status, _, body = request(port, "GET", "/api/v1/calls")
    calls = json.loads(body)
    calls = calls if isinstance(calls, list) else calls.get("items", [])
    return calls[0]["id"]


def streamed(label):
    """Exports that stream every row (CSV, the public report export)."""
    return "CSV" in label or "export" in label


def officer_pages(manifest, years):
    """Every officer page, CSV and API list, by the manifest's ids."""
    open_call = manifest["open_call_id"]
    decided = manifest["decided_call_id"]
    case_open = manifest["sample_open_application_id"]
    case_decided = manifest["sample_decided_application_id"]
    decision = manifest["sample_decision_id"]
    org = manifest["sample_organisation_id"]
    report = manifest["sample_report_id"]
    year = years[0]
    return [
        ("start page (officer)", "/"),
        ("open call page", f"/utlysningar/{open_call}"),
        ("application list, open call", f"/utlysningar/{open_call}/ansokningar"),
        ("application list CSV, open call", f"/utlysningar/{open_call}/ansokningar.csv"),
        ("decided call page", f"/utlysningar/{decided}"),
        ("application list, decided call", f"/utlysningar/{decided}/ansokningar"),
        ("payments page", f"/utlysningar/{decided}/utbetalningar"),
        ("payments CSV", f"/utlysningar/{decided}/utbetalningar.csv"),
        ("economy dashboard", f"/utlysningar/{decided}/ekonomi"),
        ("allocation CSV", f"/utlysningar/{decided}/fordelning.csv"),
        ("report-back overview", f"/utlysningar/{decided}/aterrapporter"),
        ("report-back CSV", f"/utlysningar/{decided}/aterrapporter.csv"),
        ("case page, open call", f"/ansokningar/{case_open}"),
        ("case page, decided", f"/ansokningar/{case_decided}"),
        ("organisation's payments", f"/organisationer/{org}/utbetalningar"),
        ("report page", f"/aterrapporter/{report}"),
        ("audit trail page", "/granskningslogg"),
        ("API applications, open call", f"/api/v1/applications?call_id={open_call}"),
        ("API applications, all", "/api/v1/applications"),
        ("API application", f"/api/v1/applications/{case_decided}"),
        ("API decision", f"/api/v1/decisions/{decision}"),
        ("API payments", f"/api/v1/calls/{decided}/payments"),
        ("API dashboard", f"/api/v1/calls/{decided}/dashboard"),
        ("API report overview", f"/api/v1/calls/{decided}/reports"),
        ("API public report export", f"/api/v1/calls/{decided}/reports/public?year={year}"),
        ("API reports", "/api/v1/reports"),
        ("API audit events", "/api/v1/audit-events"),
        ("public allocation JSON, decided call", f"/api/v1/calls/{decided}/allocation"),
    ]


def time_page(port, path, cookie, budget, max_requests):
    """One request at a time: (median ms, statuses, bytes of the last answer, median ms to
    the first byte)."""
    headers = {"Cookie": cookie} if cookie else {}
    times, firsts, statuses, size = [], [], [], 0
    t = time.monotonic()
    timing = {}
    status, _, body = request(port, "GET", path, headers=headers, timing=timing)  # warm-up
    first = (time.monotonic() - t) * 1000
    # A page of many seconds is timed once (its warm-up), one slower than the budget once
    # more: the run stays within minutes when a page is broken.
    if first > 10_000:
        return first, [status], len(body), timing.get("first_byte", 0) * 1000
    least = 1 if first > budget * 1000 else 2
    started = time.monotonic()
    while len(times) < max_requests and (len(times) < least or time.monotonic() - started < budget):
        t = time.monotonic()
        timing = {}
        status, _, body = request(port, "GET", path, headers=headers, timing=timing)
        times.append((time.monotonic() - t) * 1000)
        firsts.append(timing.get("first_byte", 0) * 1000)
        statuses.append(status)
        size = len(body)
    return statistics.median(times), sorted(set(statuses)), size, statistics.median(firsts)


def time_once(port, path, headers):
    """One request: (ms, status, bytes, ms to the first byte)."""
    t = time.monotonic()
    timing = {}
    status, _, body = request(port, "GET", path, headers=headers, timing=timing)
    return (time.monotonic() - t) * 1000, status, len(body), timing.get("first_byte", 0) * 1000


def measure_lists_side_by_side(small, large, args):
    """Every page on both sizes' services, running at once, one request at a time and
    alternating between them (small, large, small, ...): the machine's speed drifts by 2x
    within minutes here, and pages measured minutes apart compared that drift, not the
    sizes. Returns the two results, as `measure_lists` gives them."""
    (s_service, s_manifest, s_years), (l_service, l_manifest, l_years) = small, large
    sides = []
    for service, manifest in ((s_service, s_manifest), (l_service, l_manifest)):
        cookie, _ = login(service.port, manifest["officer_email"], PASSWORD)
        auditor, _ = login(service.port, manifest["auditor_email"], PASSWORD)
        sides.append((service, cookie, auditor))
    results = ({}, {})
    pages = zip(officer_pages(s_manifest, s_years), officer_pages(l_manifest, l_years))
    for (label, s_path), (_, l_path) in pages:
        paths = (s_path, l_path)
        headers = [{"Cookie": auditor if "audit" in label else cookie}
                   for _, cookie, auditor in sides]
        try:
            warm = [time_once(side[0].port, paths[i], headers[i]) for i, side in enumerate(sides)]
            samples = ([], [])
            slowest = max(w[0] for w in warm)
            if slowest <= 10_000:
                least = 1 if slowest > args.page_seconds * 1000 else 2
                started = time.monotonic()
                while len(samples[1]) < args.page_requests and (
                        len(samples[1]) < least or time.monotonic() - started < args.page_seconds):
                    for i, side in enumerate(sides):
                        samples[i].append(time_once(side[0].port, paths[i], headers[i]))
            for i in range(2):
                taken = samples[i] or [warm[i]]
                results[i][label] = (
                    statistics.median(x[0] for x in taken),
                    sorted({x[1] for x in taken}),
                    taken[-1][2],
                    statistics.median(x[3] for x in taken),
                )
        except OSError as e:
            for i in range(2):
                results[i].setdefault(label, (None, [f"error: {e}"], 0, None))
        for i, (service, _, _) in enumerate(sides):
            log(f"  {service.name} {label}: {results[i][label][0]} ms {results[i][label][1]}")
    return results


def measure_lists(service, manifest, years, args):
    cookie, _ = login(service.port, manifest["officer_email"], PASSWORD)
    auditor, _ = login(service.port, manifest["auditor_email"], PASSWORD)
    results = {}
    for label, path in officer_pages(manifest, years):
        who = auditor if "audit" in label else cookie
        try:
            results[label] = time_page(service.port, path, who, args.page_seconds,
                                       args.page_requests)
        except OSError as e:
            results[label] = (None, [f"error: {e}"], 0, None)
        log(f"  {service.name} {label}: {results[label][0]} ms {results[label][1]}")
    return results


def bare_insert(out, args):
    """The baseline's bare single-writer SQLite insert of a draft's rows."""
    script = os.path.join(WORK, "bare-insert.lua")
    entries = [("", "", f"/drafts/{n}") for n in range(1, args.save_accounts + 1)]
    write_lua(script, "PUT", entries, draft_body([2027, 2028]), 2, once=False)
    result = wrk(f"http://127.0.0.1:{out['baseline_port']}/", args.write_connections,
                 args.seconds, script)
    log(f"  bare insert: {result['rps']:.0f}/s p99 {result['p99']} ms")
    return result


def measure_writes(service, manifest, years, args, label, bare=None):
    """The draft save and submit runs; with `bare` (a function running the bare insert),
    each SQLite run sits between two bare runs, kept with it as "bare" (see the docstring
    above)."""
    drafts = manifest["drafts_to_submit"]
    body = draft_body(years)
    n_save = min(args.save_accounts, len(drafts))
    n_submit = max(0, min(args.submit_pool, len(drafts) - n_save))
    log(f"  {label}: logging in {n_save + n_submit} applicants")
    sessions = login_many(service.port, [d["email"] for d in drafts[:n_save + n_submit]],
                          PASSWORD)
    base = f"http://127.0.0.1:{service.port}"
    save_entries = [(c, t, f"/api/v1/applications/{d['application_id']}/draft")
                    for (c, t), d in zip(sessions[:n_save], drafts[:n_save])]
    script = os.path.join(WORK, f"save-{label}.lua")
    write_lua(script, "PUT", save_entries, body, 2, once=False)
    before = bare() if bare else None
    save = wrk(base + "/", args.write_connections, args.seconds, script)
    after = bare() if bare else None
    if bare:
        save["bare"] = (before, after)
    log(f"  {label} save: {save['rps']:.0f}/s p99 {save['p99']} ms errors {save['errors']}")
    submit = None
    if n_submit:
        entries = [(c, t, f"/api/v1/applications/{d['application_id']}/submit")
                   for (c, t), d in zip(sessions[n_save:], drafts[n_save:n_save + n_submit])]
        script = os.path.join(WORK, f"submit-{label}.lua")
        write_lua(script, "POST", entries, None, 2, once=True)
        # Long enough to use most of the pool at the rate saves reached, never longer
        # than the other runs: wrk's rate counts the whole duration.
        seconds = max(2, min(args.seconds, int(0.8 * n_submit / max(save["rps"], 1))))
        submit = wrk(base + "/", args.write_connections, seconds, script)
        if bare:
            submit["bare"] = (after, bare())
        submit["pool"] = n_submit
        submit["exhausted"] = submit["requests"] >= n_submit
        log(f"  {label} submit: {submit['rps']:.0f}/s p99 {submit['p99']} ms "
            f"errors {submit['errors']} of pool {n_submit}")
    return save, submit


# ---------------------------------------------------------------------------------------
# Report


def ms(value):
    if value is None:
        return "–"
    return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def num(value):
    """Thousands with a space, as Swedish and the rest of BENCHMARKS.md write them."""
    return f"{value:,.0f}".replace(",", " ")


def yes(ok):
    return "yes" if ok else "**no**"


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            mem = int(f.readline().split()[1]) / 1024 / 1024
    except OSError:
        mem = 0
    return f"{os.cpu_count()} cores ({model}), {mem:.0f} GiB, {platform.system()} {platform.release()}"


def git(*args):
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="coldstart,reads,writes,lists,memory",
                        help="comma-separated: coldstart, reads, writes, lists, memory")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--sizes", default="1000,100000",
                        help="small,large: the sizes compared (applications)")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL URL; databases statsbidrag_load_N are made beside it")
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per run")
    parser.add_argument("--read-connections", type=int, default=64)
    parser.add_argument("--write-connections", type=int, default=16)
    parser.add_argument("--save-accounts", type=int, default=64,
                        help="applicants (each with a draft) the saves cycle over")
    parser.add_argument("--submit-pool", type=int, default=800,
                        help="drafts submitted (each applicant logged in beforehand)")
    parser.add_argument("--page-seconds", type=float, default=3.0)
    parser.add_argument("--page-requests", type=int, default=10)
    parser.add_argument("--settle", type=int, default=60,
                        help="seconds to wait for a started service to be idle")
    parser.add_argument("--idle", type=int, default=30, help="idle seconds before RSS")
    parser.add_argument("--quick", action="store_true",
                        help="3 s runs, 1 000 and 10 000 applications, a smaller submit pool")
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--debug", action="store_true",
                        help="a debug build (for trying the script, not for figures)")
    parser.add_argument("--out", help="also write the markdown here")
    parser.add_argument("--keep", action="store_true",
                        help="keep the generated databases (target/load/, statsbidrag_load_N)")
    args = parser.parse_args()
    if args.quick:
        # Shorter everything, unless given on the command line.
        given = {a.split("=")[0] for a in sys.argv[1:] if a.startswith("--")}
        for name, value in (("seconds", 3), ("sizes", "1000,10000"), ("submit_pool", 200),
                            ("page_seconds", 1.0), ("page_requests", 3), ("idle", 10)):
            if "--" + name.replace("_", "-") not in given:
                setattr(args, name, value)
    only = set(args.only.split(","))
    backends = [b for b in args.backends.split(",") if b]
    small, large = (int(x) for x in args.sizes.split(","))
    began = time.monotonic()
    os.makedirs(WORK, exist_ok=True)

    profile = "debug" if args.debug else "release"
    if not args.skip_build:
        run(["cargo", "build", *([] if args.debug else ["--release"]), "--bin", "statsbidrag",
             "--example", "baseline"], cwd=ROOT)
    binary = os.path.join(ROOT, "target", profile, "statsbidrag")
    baseline_bin = os.path.join(ROOT, "target", profile, "examples", "baseline")
    if shutil.which("wrk") is None:
        # A fresh machine: install it from Debian's packages, as .ci/run does for its tools.
        print("wrk is missing; installing it (apt-get install -y wrk)", file=sys.stderr)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False)
        if shutil.which("wrk") is None:
            subprocess.run(["apt-get", "update", "-q"], check=False)
            subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False)
        if shutil.which("wrk") is None:
            sys.exit("wrk is missing and could not be installed: apt-get install -y wrk")

    out = {"generated": {}, "lists": {}, "writes": {}, "memory": {}, "settle": {}}
    services = []
    baseline = None
    try:
        # Cold start and the demo for the public reads.
        demo = None
        if "coldstart" in only or "reads" in only:
            median, times, demo = cold_start(binary, 3 if "coldstart" in only else 1)
            services.append(demo)
            out["coldstart"] = (median, times)
            log(f"cold start: {times}")

        if "reads" in only or "writes" in only:
            body_bytes = 1024
            if demo:
                call = first_call(demo.port)
                _, _, alloc = request(demo.port, "GET", f"/api/v1/calls/{call}/allocation")
                body_bytes = len(alloc)
            port = free_port()
            db_path = os.path.join(WORK, "baseline.sqlite3")
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(db_path + suffix):
                    os.remove(db_path + suffix)
            baseline = subprocess.Popen(
                [baseline_bin, "--bind", f"127.0.0.1:{port}", "--db", db_path,
                 "--body-bytes", str(body_bytes)], stdout=subprocess.DEVNULL)
            for _ in range(500):
                try:
                    if request(port, "GET", "/bare")[0] == 200:
                        break
                except OSError:
                    time.sleep(0.01)
            out["baseline_port"] = port
            out["body_bytes"] = body_bytes

        if "reads" in only and demo:
            call = first_call(demo.port)
            c, s = args.read_connections, args.seconds
            out["reads"] = {
                "bare": wrk(f"http://127.0.0.1:{out['baseline_port']}/bare", c, s),
                "allocation": wrk(f"http://127.0.0.1:{demo.port}/api/v1/calls/{call}/allocation", c, s),
                "call_page": wrk(f"http://127.0.0.1:{demo.port}/utlysningar/{call}", c, s),
            }
            for k, v in out["reads"].items():
                log(f"  read {k}: {v['rps']:.0f}/s p50 {v['p50']} p99 {v['p99']} errors {v['errors']}")
        if demo:
            if "memory" in only:
                out["memory"]["demo (after the reads)"] = memory(demo.pid)
            demo.stop()
            services.remove(demo)

        if "writes" in only:
            out["writes"]["bare insert"] = (bare_insert(out, args), None)

        need_data = only & {"writes", "lists", "memory"}
        for backend in backends if need_data else []:
            # The small size's service, kept running for the lists side by side.
            kept = None
            for size in (small, large):
                if "lists" not in only and "memory" not in only and size != large:
                    continue
                url, manifest, seconds = generate(binary, backend, size, args.pg)
                out["generated"][(backend, size)] = seconds
                log(f"generated {backend} {size} in {seconds:.1f} s")
                name = f"{backend}-{size}"
                service = Service(binary, url, name)
                services.append(service)
                service.wait_ready()
                out["settle"][name] = service.settle(args.settle)
                log(f"{name}: settled after {out['settle'][name]} s")
                if backend == "postgres":
                    # The start-up work rewrote thousands of rows (the reminders' e-mails
                    # and their marks); autovacuum would come to them within its minute,
                    # in the middle of the measurements. Done here, before them.
                    started = time.monotonic()
                    subprocess.run(["psql", "-q", "-c", "VACUUM ANALYZE", url], check=True)
                    log(f"{name}: VACUUM ANALYZE after start-up in "
                        f"{time.monotonic() - started:.1f} s")
                status, _, body = request(service.port, "GET", f"/api/v1/calls/{manifest['decided_call_id']}")
                years = sorted(y["year"] for y in json.loads(body).get("years", [])) or [2024]
                if "lists" in only and size == small and small != large:
                    kept = (service, manifest, years)
                    continue
                if "lists" in only:
                    if kept:
                        pair = measure_lists_side_by_side(kept, (service, manifest, years), args)
                        out["lists"][(backend, small)], out["lists"][(backend, size)] = pair
                        if "memory" in only:
                            out["memory"][f"{backend}-{small}"] = memory(kept[0].pid)
                        kept[0].stop()
                        services.remove(kept[0])
                        kept = None
                    else:
                        out["lists"][(backend, size)] = measure_lists(service, manifest, years,
                                                                      args)
                if "writes" in only and size == large:
                    status, _, body = request(service.port, "GET", f"/api/v1/calls/{manifest['open_call_id']}")
                    open_years = sorted(y["year"] for y in json.loads(body).get("years", []))
                    beside = (lambda: bare_insert(out, args)) if backend == "sqlite" else None
                    out["writes"][backend] = measure_writes(service, manifest, open_years, args,
                                                            f"{backend}-{size}", beside)
                if "memory" in only:
                    after = memory(service.pid)
                    if size == large:
                        time.sleep(args.idle)
                        idle = memory(service.pid)
                        out["memory"][name] = (after[0], idle[0], idle[1])
                    else:
                        out["memory"][name] = after
                service.stop()
                services.remove(service)
    finally:
        for s in services:
            s.stop()
        if baseline:
            baseline.terminate()
            baseline.wait()
        if not args.keep:
            for backend, size in out["generated"]:
                if backend == "postgres":
                    subprocess.run(["psql", "-q", pg_url(args.pg, "postgres"), "-c",
                                    f"DROP DATABASE IF EXISTS statsbidrag_load_{size} WITH (FORCE)"],
                                   check=False, stdout=subprocess.DEVNULL)
                else:
                    for suffix in ("", "-wal", "-shm"):
                        path = os.path.join(WORK, f"sqlite-{size}.sqlite3{suffix}")
                        if os.path.exists(path):
                            os.remove(path)

    minutes = (time.monotonic() - began) / 60
    text = report(out, args, backends, small, large, minutes)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


def report(out, args, backends, small, large, minutes):
    now = datetime.datetime.now(datetime.timezone.utc)
    commit = git("rev-parse", "--short", "HEAD")
    branch = git("rev-parse", "--abbrev-ref", "HEAD")
    dirty = " (with uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no") else ""
    lines = [
        f"## Load tests, {now:%Y-%m-%d %H:%M} UTC, commit {commit} ({branch}){dirty}",
        "",
        f"Machine: {machine()}; release build; load from wrk 4.x (`-t2`) on the same machine, so "
        f"load and service share the cores. `python3 scripts/load.py"
        f"{' --quick' if args.quick else ''}` took {minutes:.1f} minutes (after the build).",
        "",
    ]
    if out["generated"]:
        gen = ", ".join(f"{b} {num(n)} in {s:.0f} s" for (b, n), s in out["generated"].items())
        lines += [f"Generated databases (`statsbidrag generate`): {gen}.", ""]
    rows = []
    reads = out.get("reads")
    if reads:
        bare = reads["bare"]
        rows.append(("bare actix-web handler, fixed body of "
                     f"{out['body_bytes']} bytes", f"{args.read_connections} conn.", bare, None, "", None))
        for key, label in (("allocation", "public allocation JSON (demo call)"),
                           ("call_page", "public call page (demo call)")):
            r = reads[key]
            ratio = r["rps"] / bare["rps"] if bare["rps"] else 0
            ok = ratio >= 0.30 and r["p99"] is not None and r["p99"] < 20 and not r["errors"]
            rows.append((label, f"{args.read_connections} conn.", r, ratio,
                         "≥ 30 % of bare, p99 < 20 ms", ok))
    writes = out.get("writes", {})
    if "bare insert" in writes:
        bare = writes["bare insert"][0]
        rows.append(("bare single-writer SQLite insert of a draft's rows",
                     f"{args.write_connections} conn.", bare, None, "", None))
        for backend in backends:
            if backend not in writes:
                continue
            save, submit = writes[backend]
            for label, r in (("draft save", save), ("submit", submit)):
                if r is None:
                    continue
                if backend == "sqlite":
                    beside = [b["rps"] for b in r.get("bare", ()) if b] or [bare["rps"]]
                    mean = sum(beside) / len(beside)
                    ratio = r["rps"] / mean if mean else 0
                    note_bare = " and ".join(num(b) for b in beside)
                    goal = "≥ 50 % of bare insert, p99 < 50 ms"
                    ok = ratio >= 0.5 and r["p99"] is not None and r["p99"] < 50
                else:
                    ratio = None
                    goal = "p99 < 100 ms"
                    ok = r["p99"] is not None and r["p99"] < 100
                ok = ok and not r["errors"]
                note = ""
                if label == "submit":
                    note = f", {r['requests']} of {r['pool']} drafts" + (
                        f" in {r['span']:.2f} s" if r.get("span") else
                        " (pool used up: rate is a lower bound)" if r.get("exhausted") else "")
                if backend == "sqlite":
                    note += f"; bare insert beside it {note_bare}/s"
                rows.append((f"{label}, {backend} ({num(large)} applications{note})",
                             f"{args.write_connections} conn.", r, ratio, goal, ok))
    if rows:
        lines += ["| what | load | requests/s | p50 | p99 | errors | ratio | goal | met |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for label, load, r, ratio, goal, ok in rows:
            lines.append(
                f"| {label} | {load} | {num(r['rps'])} | {ms(r['p50'])} | {ms(r['p99'])} | "
                f"{r['errors']} | {'' if ratio is None else f'{ratio:.2f}'} | {goal} | "
                f"{'' if ok is None else yes(ok)} |")
        lines.append("")
    if out["lists"]:
        lines += [f"Pages, CSV and API lists, one request at a time (median of up to "
                  f"{args.page_requests}), at {num(small)} and {num(large)} applications; goal: "
                  f"within 1.5× and no 5xx.", ""]
        for backend in backends:
            a, b = out["lists"].get((backend, small)), out["lists"].get((backend, large))
            if not a or not b:
                continue
            lines += [f"| {backend} | {num(small)} | {num(large)} | ratio | first byte | "
                      f"status | bytes at {num(large)} | met |",
                      "|---|---|---|---|---|---|---|---|"]
            for label in a:
                ta, sa, _, fa = a[label]
                tb, sb, size, fb = b.get(label, (None, ["–"], 0, None))
                ratio = tb / ta if ta and tb else None
                first_ratio = fb / fa if fa and fb else None
                statuses = "/".join(str(s) for s in sorted(set(sa) | set(sb), key=str))
                bad = any(str(s).startswith("5") or str(s).startswith("error") for s in list(sa) + list(sb))
                # A streamed export writes every row, so its whole time grows with them; it is
                # judged by how soon it starts answering (its memory stays flat: see RSS).
                judged = first_ratio if streamed(label) else ratio
                ok = judged is not None and judged <= 1.5 and not bad
                first = (f"{ms(fa)} → {ms(fb)} ({first_ratio:.1f}×)"
                         if streamed(label) and first_ratio is not None else "")
                lines.append(f"| {label} | {ms(ta)} | {ms(tb)} | "
                             f"{'–' if ratio is None else f'{ratio:.1f}×'} | {first} | {statuses} | "
                             f"{num(size)} | {yes(ok)} |")
            lines.append("")
    if out["settle"]:
        unsettled = [n for n, s in out["settle"].items() if s is None]
        waits = ", ".join(f"{n} {'not within ' + str(args.settle) + ' s' if s is None else f'{s:.0f} s'}"
                          for n, s in out["settle"].items())
        lines += [f"Quiet after start (start-up jobs done) before measuring: {waits}."
                  + (" Where not quiet, the figures were taken with the start-up jobs running."
                     if unsettled else ""), ""]
    if out["memory"] or out.get("coldstart"):
        lines += ["| memory and start | value | goal | met |", "|---|---|---|---|"]
        for name, values in out["memory"].items():
            if len(values) == 3:
                after, idle, peak = values
                lines.append(f"| RSS {name}: after its load / after {args.idle} s idle (peak) | "
                             f"{after:.0f} / {idle:.0f} MiB ({peak:.0f}) | < 150 MiB | "
                             f"{yes(after < 150 and idle < 150)} |")
            else:
                rss, peak = values
                lines.append(f"| RSS {name} (peak) | {rss:.0f} MiB ({peak:.0f}) | < 150 MiB | "
                             f"{yes(rss < 150)} |")
        if out.get("coldstart"):
            median, times = out["coldstart"]
            lines.append(f"| cold start with the demo, exec to /readyz 200 (median of "
                         f"{len(times)}: {', '.join(f'{t:.2f}' for t in times)} s) | "
                         f"{median:.2f} s | < 1 s | {yes(median < 1)} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
