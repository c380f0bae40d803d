"""Benchmarks: python bench/run.py [--n 10000 100000 1000000] [--db sqlite postgres]
[--parts daily summary list send incremental]

For each database and size: a fresh database, synthetic data, then each
measure in a fresh process (so that peak memory is the measure's own).
Prints one table.
"""

import argparse
import contextlib
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def postgres_available() -> bool:
    try:
        import psycopg

        psycopg.connect(
            host="127.0.0.1", user="postgres", dbname="postgres", connect_timeout=3
        ).close()
        return True
    except Exception:
        return False


class Database:
    def __init__(self, kind: str, folder: Path):
        self.kind = kind
        self.name = f"relance_bench_{uuid.uuid4().hex[:8]}"
        if kind == "sqlite":
            self.url = f"sqlite:///{folder / 'bench.sqlite3'}"
        else:
            import psycopg

            with psycopg.connect(
                host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True
            ) as c:
                c.execute(f'CREATE DATABASE "{self.name}"')
            self.url = f"postgres://postgres@127.0.0.1:5432/{self.name}"

    def drop(self) -> None:
        if self.kind == "postgres":
            import psycopg

            with psycopg.connect(
                host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True
            ) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def kept_url(kind: str, folder: Path) -> str:
    """A database kept between runs in `folder` (SQLite) or by its name and
    its parent's (PostgreSQL), created the first time."""
    if kind == "sqlite":
        return f"sqlite:///{folder / 'bench.sqlite3'}"
    import psycopg

    # Named after the keep folder too: two benches keeping theirs apart.
    where = f"{folder.parent.name}_{folder.name}".replace("-", "_").replace(".", "_")
    name = f"relance_bench_kept_{where}"
    with psycopg.connect(
        host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True
    ) as c:
        if not c.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone():
            c.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def inner_rows(
    script: str, kinds: list[str], sizes: list[int], runs: int, keep: str | None
) -> list[dict]:
    """For each database kind and size, `script --inner --n N --runs R` in a
    process of its own, on a fresh database (or one kept in the folder
    `keep`): the JSON of its last line, with its kind and size."""
    rows = []
    for kind in kinds:
        for n in sizes:
            with tempfile.TemporaryDirectory(prefix="relance-bench-") as folder:
                database = None
                if keep:
                    kept = Path(keep) / f"{kind}-{n}"
                    kept.mkdir(parents=True, exist_ok=True)
                    url = kept_url(kind, kept)
                else:
                    database = Database(kind, Path(folder))
                    url = database.url
                env = {
                    **os.environ,
                    "DATABASE_URL": url,
                    "RELANCE_DATA_DIR": folder,
                    "RELANCE_LOG_LEVEL": "ERROR",
                }
                try:
                    result = subprocess.run(
                        [
                            *(PYTHON, script, "--inner"),
                            *("--n", str(n), "--runs", str(runs)),
                        ],
                        env=env,
                        capture_output=True,
                        text=True,
                        timeout=7200,
                    )
                    if result.returncode:
                        raise SystemExit(result.stdout + result.stderr)
                    row = json.loads(result.stdout.strip().splitlines()[-1])
                    rows.append({"db": kind, "n": n, **row})
                    print(f"… {kind} {n:,}: {json.dumps(row)}", file=sys.stderr)
                finally:
                    if database:
                        database.drop()
    return rows


def part(name: str, n: int, env: dict) -> dict:
    result = subprocess.run(
        [PYTHON, str(ROOT / "bench" / "part.py"), name, str(n)],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if result.returncode:
        raise SystemExit(f"bench part {name} failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def mail_server():
    """aiosmtpd's Sink (accepts and forgets every message) on a free port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "aiosmtpd",
            "-n",
            "-c",
            "aiosmtpd.handlers.Sink",
            "-l",
            f"127.0.0.1:{port}",
        ]
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield f"smtp://127.0.0.1:{port}?starttls=off"
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, nargs="+", default=[10_000])
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument(
        "--parts",
        nargs="+",
        default=["first", "daily", "summary", "list", "send", "aged"],
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="make bench: 3,000 messages sent by one worker instead of 10,000 "
        "by one then two",
    )
    options = parser.parse_args()
    if options.quick:
        os.environ["RELANCE_BENCH_MESSAGES"] = "3000"
        os.environ["RELANCE_BENCH_WORKERS"] = "1"
    kinds = [k for k in options.db if k != "postgres" or postgres_available()]
    rows = []
    for kind in kinds:
        for n in options.n:
            with tempfile.TemporaryDirectory(prefix="relance-bench-") as folder:
                database = Database(kind, Path(folder))
                env = {
                    **os.environ,
                    "DATABASE_URL": database.url,
                    "RELANCE_DATA_DIR": folder,
                    "RELANCE_LOG_LEVEL": "ERROR",
                }
                try:
                    started = time.perf_counter()
                    setup = part("setup", n, env)
                    row = {
                        "db": kind,
                        "n": n,
                        "load_s": round(time.perf_counter() - started, 1),
                    }
                    row["companies"] = setup["companies"]
                    for name in options.parts:
                        if name != "send":
                            row[name] = part(name, n, env)
                        elif n == min(options.n):  # 10,000 messages, once per db
                            with mail_server() as url:
                                row[name] = part(name, n, {**env, "EMAIL_URL": url})
                    rows.append(row)
                    print(f"… {kind} {n:,}: done", file=sys.stderr, flush=True)
                finally:
                    database.drop()
    print_table(rows)
    print_aged(rows)
    print_incremental(rows)


def print_incremental(rows: list[dict]) -> None:
    """Issue 16 §4: the next day's run after a day of changes (about 1 %)."""
    rows = [row for row in rows if "incremental" in row]
    if not rows:
        return
    print()
    print(
        "| DB | invoices | full run | changed during the day | next day's run "
        "| tagged | untagged | the same day again | load average |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        part = row["incremental"]
        cells = [
            row["db"],
            f"{row['n']:,}",
            f"{part['full_seconds']} s",
            f"{part['changed']:,}",
            f"{part['seconds']} s",
            f"{part['tagged']:,}",
            f"{part['untagged']:,}",
            " / ".join(f"{a} s" for a in part["again_seconds"]),
            " ".join(part["loadavg"]),
        ]
        print("| " + " | ".join(cells) + " |")


def print_aged(rows: list[dict]) -> None:
    """« Balance âgée » of the biggest company: today, and a month ago."""
    rows = [row for row in rows if "aged" in row]
    if not rows:
        return
    print()
    print(
        "| DB | invoices | its invoices | customers owing | today p50 | today p95 "
        "| a month ago p50 | a month ago p95 | queries |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        aged, today, past = row["aged"], row["aged"]["today"], row["aged"]["past"]
        cells = [
            row["db"],
            f"{row['n']:,}",
            f"{aged['invoices']:,}",
            f"{today['customers']:,}",
            f"{today['p50_ms']} ms",
            f"{today['p95_ms']} ms",
            f"{past['p50_ms']} ms",
            f"{past['p95_ms']} ms",
            f"{today['queries']}",
        ]
        print("| " + " | ".join(cells) + " |")


def print_table(rows: list[dict]) -> None:
    print(
        f"Machine: {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.machine()}"
    )
    header = (
        "| DB | invoices | load | first run | daily job | µs/invoice | invoices/s "
        "| peak RSS | 2nd run | summary 10k | list p50 | list p95 | queries "
        "| send, 1 worker | send, 2 workers | smtplib ceiling |"
    )
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for row in rows:
        first = row.get("first", {})
        daily = row.get("daily", {})
        summary = row.get("summary", {})
        listing = row.get("list", {})
        send = row.get("send", {})
        cells = [
            row["db"],
            f"{row['n']:,}",
            f"{row['load_s']} s",
            f"{first['seconds']} s" if first else "",
            f"{daily['seconds']} s" if daily else "",
            f"{daily['us_per_invoice']}" if daily else "",
            f"{daily['per_second']:,}" if daily else "",
            f"{max(daily['rss_mb'], first.get('rss_mb', 0))} MB" if daily else "",
            f"{daily['second_run_seconds']} s" if daily else "",
            f"{summary['seconds']} s ({summary['selected']:,})" if summary else "",
            f"{listing['p50_ms']} ms" if listing else "",
            f"{listing['p95_ms']} ms" if listing else "",
            ",".join(map(str, listing.get("queries", []))),
            _sent(send, "w1"),
            _sent(send, "w2") if "w2" in send else "",
            f"{send['ceiling_per_s']} msg/s" if send else "",
        ]
        print("| " + " | ".join(cells) + " |")
    for row in rows:
        send = row.get("send")
        if send:
            print(
                f"\n{row['db']}: {send['messages']:,} messages of "
                f"{send['bytes']:,} bytes; smtplib ceiling measured "
                f"{' and '.join(map(str, send['ceilings']))} msg/s, the best kept."
            )


def _sent(send: dict, workers: str) -> str:
    if not send:
        return ""
    figures = send[workers]
    return (
        f"{figures['per_s']} msg/s ({figures['ratio']:.0%}, "
        f"{figures['worker_rss_mb']} MB)"
    )


if __name__ == "__main__":
    main()
