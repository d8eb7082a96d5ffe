#!/usr/bin/env python3
"""A storm of failed logins against a release build, measured (issue 11).

Starts the service on a fresh SQLite database with the demo accounts, sends failed logins
to POST /api/v1/session from many loopback addresses at once, and reports the process's
memory (VmRSS and its peak VmHWM from /proc/PID/status) and the rows and bytes of the
audit trail and the outbox before and after. Standard library only.

    cargo build --release
    python3 scripts/login_storm.py --binary target/release/statsbidrag

The load (defaults): 2 000 failed logins, 32 at a time, over 50 client addresses
(127.0.0.10-59) with a quarter of them from one address (127.0.0.2):
  - 40 % wrong passwords for the nine demo accounts,
  - 50 % invented addresses (a new one each time),
  - 10 % e-mail addresses of 1 MiB.
Every request is a failure: no demo account has the password sent. With --rounds N the
storm is repeated N times in the same process (new invented addresses each time), with
memory and tables measured after each: flat means the figures stop growing.
"""

import argparse
import concurrent.futures
import http.client
import json
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter

DEMO_ACCOUNTS = [
    "handlaggare@socialstyrelsen.example",
    "handlaggare2@socialstyrelsen.example",
    "beslutsfattare@socialstyrelsen.example",
    "revisor@revision.example",
    "admin@socialstyrelsen.example",
    "sokande@skane.example",
    "sokande@vgregion.example",
    "sokande@ostergotland.example",
    "sokande@stockholm.example",
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory(pid):
    """VmRSS and VmHWM of a process, in MiB."""
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def threads(pid):
    return len(os.listdir(f"/proc/{pid}/task"))


def table_sizes(db_path):
    """Rows and text bytes of the audit trail and the outbox."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        audit = conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(LENGTH(summary) + LENGTH(details)), 0) FROM audit_events"
        ).fetchone()
        outbox = conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(LENGTH(body_text)), 0) FROM outbox_messages"
        ).fetchone()
    finally:
        conn.close()
    size = sum(
        os.path.getsize(p)
        for p in (db_path, db_path + "-wal")
        if os.path.exists(p)
    )
    return {
        "audit_rows": audit[0],
        "audit_bytes": audit[1],
        "outbox_rows": outbox[0],
        "database_bytes": size,
    }


def wait_until_up(port, process, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            sys.exit(f"the service stopped at start-up (exit {process.returncode})")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    sys.exit("the service did not answer /healthz")


def login(port, source, email, password):
    body = json.dumps({"email": email, "password": password})
    conn = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=300, source_address=(source, 0)
    )
    try:
        conn.request(
            "POST",
            "/api/v1/session",
            body=body,
            headers={"Content-Type": "application/json"},
        )
        response = conn.getresponse()
        response.read()
        return response.status
    except OSError as e:
        return f"error: {type(e).__name__}"
    finally:
        conn.close()


def plan(requests, seed):
    rng = random.Random(seed)
    huge = "x" * (1024 * 1024) + "@example.org"
    load = []
    for n in range(requests):
        source = "127.0.0.2" if n % 4 == 0 else f"127.0.0.{10 + rng.randrange(50)}"
        kind = rng.random()
        if kind < 0.4:
            email = rng.choice(DEMO_ACCOUNTS)
        elif kind < 0.9:
            email = f"gissning{n}.{rng.randrange(10**9)}@example.org"
        else:
            email = huge
        load.append((source, email, f"fel-lösenord-{n}"))
    return load


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default="target/release/statsbidrag")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--settle", type=float, default=10.0,
                        help="seconds to wait after the storm before measuring again")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--rounds", type=int, default=1,
                        help="storms one after the other in the same process")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="login-storm-")
    db_path = os.path.join(work, "storm.sqlite3")
    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite://{db_path}",
        BIND_ADDRESS=f"127.0.0.1:{port}",
        LOAD_DEMO="true",
        DEMO_PASSWORD="storm-demo-lösenord",
        OUTBOX_DIR=os.path.join(work, "outbox"),
        RUST_LOG="warn",
    )
    log = open(os.path.join(work, "service.log"), "w")
    process = subprocess.Popen([args.binary], env=env, stdout=log, stderr=log)
    try:
        wait_until_up(port, process)
        time.sleep(1)
        rss0, _ = memory(process.pid)
        threads0 = threads(process.pid)
        tables0 = table_sizes(db_path)
        report = {
            "binary": args.binary,
            "requests_per_round": args.requests,
            "concurrency": args.concurrency,
            "rss_mib_before": round(rss0, 1),
            "threads_before": threads0,
            "before": tables0,
            "rounds": [],
        }
        for round_number in range(args.rounds):
            load = plan(args.requests, args.seed + round_number)
            started = time.time()
            statuses = Counter()
            peak_threads = threads0
            with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
                futures = [pool.submit(login, port, *item) for item in load]
                for n, future in enumerate(concurrent.futures.as_completed(futures)):
                    statuses[future.result()] += 1
                    if n % 50 == 0:
                        peak_threads = max(peak_threads, threads(process.pid))
            elapsed = time.time() - started
            rss1, hwm1 = memory(process.pid)
            time.sleep(args.settle)
            rss2, hwm2 = memory(process.pid)
            report["rounds"].append({
                "seconds": round(elapsed, 1),
                "statuses": {str(k): v for k, v in sorted(statuses.items(), key=str)},
                "rss_mib_after": round(rss1, 1),
                f"rss_mib_after_{args.settle:g}s": round(rss2, 1),
                "peak_rss_mib": round(max(hwm1, hwm2), 1),
                "threads_peak_seen": peak_threads,
                "tables": table_sizes(db_path),
            })
        print(json.dumps(report, indent=2, ensure_ascii=False))
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
