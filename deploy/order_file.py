#!/usr/bin/env python3
"""Regenerates deploy/bootstrap.order: the functions bootstrap runs, for lld's --symbol-ordering-file.

`make lambda` links bootstrap with this list first in .text, so the code that init and the invocations run sits on
a few hundred contiguous pages instead of being spread over the whole 17 MB of code: the pages a cold start faults
in, and the peak RSS Lambda bills for, fall with it (see the Benchmarks article).

How the list is made: bootstrap runs under callgrind against a minimal Runtime API on 127.0.0.1 that hands it the
sample events of Events/, with the replay configuration of Events/_replay: once through `echo` (init and the
runtime's own loop), then each deployed handler once per event it serves (presign: apigw-* and lambdaurl-*,
authorize: authorizer-*, pretoken: cognito-pretokengen-*, object-created: the S3, SNS, SQS and EventBridge ones).
The list is the runtime's functions first, then each handler's in turn, the events of its common path first: a
deployed function, which runs one handler, then touches few pages beyond the runtime's, its common path at the
front and its rare refusals behind.

    deploy/order_file.py [--bootstrap .build-lambda/release/bootstrap] [--output deploy/bootstrap.order]

Regenerate it after changing what a handler runs (`make order-file`); a stale entry is ignored by the linker, and a
function missing from the list is only placed after the listed ones. Needs valgrind and binutils.
"""

import argparse
import http.server
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import threading

ROOT = pathlib.Path(__file__).resolve().parent.parent

# The deployed handlers, each with the sample events it serves (by file name prefix), those of its common path
# named first: their functions lead the handler's part of the list.
PROFILES = [
    ("echo", ("",), ()),
    (
        "presign",
        ("apigw-", "lambdaurl-"),
        ("apigw-http-v2-presign-put", "apigw-http-v2-presign-post", "apigw-http-v2-jwt-id-token"),
    ),
    ("authorize", ("authorizer-",), ("authorizer-http-v2-request", "authorizer-rest-token")),
    ("pretoken", ("cognito-pretokengen-",), ("cognito-pretokengen-v2",)),
    ("object-created", ("s3-", "sqs-", "sns-", "eventbridge-"), ("s3-objectcreated-put", "sqs-s3-objectcreated")),
]

# How many times a handler's process is given each of its events.
INVOCATIONS_PER_EVENT = 3


def sample_events(directory):
    """Every Events/*.json that is an event, not an expected answer, in name order."""
    return sorted(
        path
        for path in directory.glob("*.json")
        if not path.name.endswith(".expected.json")
    )


def replay_environment(config):
    """KEY=VALUE lines of Events/_replay/environment."""
    environment = {}
    path = config / "environment"
    if not path.exists():
        return environment
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        environment[key] = value
    return environment


class RuntimeAPI(http.server.ThreadingHTTPServer):
    """Hands out `events` one /next at a time, records each answer, and shuts down after the last."""

    daemon_threads = True

    def __init__(self, events, static):
        super().__init__(("127.0.0.1", 0), RuntimeAPIHandler)
        self.events = list(events)
        self.static = static
        self.answers = []
        self.finished = threading.Event()


class RuntimeAPIHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        server = self.server
        if self.path.endswith("/runtime/invocation/next"):
            if not server.events:
                # Every event is answered: the runtime's next /next fails and it exits, so callgrind writes its file.
                server.finished.set()
                self.close_connection = True
                return
            path = server.events.pop(0)
            request_id = f"order-{len(server.answers) + 1}"
            self.reply(
                200,
                path.read_bytes(),
                [
                    ("Lambda-Runtime-Aws-Request-Id", request_id),
                    ("Lambda-Runtime-Deadline-Ms", "99999999999999"),
                    ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-west-1:123456789012:function:order"),
                    ("Content-Type", "application/json"),
                ],
            )
        elif self.path.startswith("/_local/"):
            file = (server.static / self.path[len("/_local/") :]).resolve()
            if file.parent == server.static.resolve() and file.is_file():
                self.reply(200, file.read_bytes(), [("Content-Type", "application/json")])
            else:
                self.reply(404)
        else:
            self.reply(404)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        kind = "error" if self.path.endswith("/error") else "response"
        self.server.answers.append((kind, body))
        self.reply(202)


def profile(bootstrap, handler, events, environment, static, output):
    """Runs `events` through `handler` under callgrind, writing its profile to `output`."""
    server = RuntimeAPI(events, static)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    address = f"127.0.0.1:{server.server_address[1]}"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        **{key: value.replace("${AWS_LAMBDA_RUNTIME_API}", address) for key, value in environment.items()},
        "AWS_LAMBDA_RUNTIME_API": address,
        "_HANDLER": handler,
        "AWS_LAMBDA_LOG_LEVEL": "ERROR",
    }
    command = ["valgrind", "--tool=callgrind", "--demangle=no", f"--callgrind-out-file={output}", str(bootstrap)]
    try:
        run = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)
    except subprocess.TimeoutExpired:
        sys.exit(f"error: bootstrap ({handler}) did not finish {len(events)} events in 10 minutes under callgrind")
    finally:
        server.shutdown()
        server.server_close()
    log = run.stderr.decode(errors="replace")[-2000:]
    if not output.exists() or output.stat().st_size == 0:
        sys.exit(f"error: callgrind wrote no profile for {handler}:\n{log}")
    if len(server.answers) != len(events):
        # A runtime that stopped early (a crash, an init error) profiled less than the list would claim.
        sys.exit(f"error: bootstrap ({handler}) answered {len(server.answers)} of {len(events)} events:\n{log}")
    errors = sum(1 for kind, _ in server.answers if kind == "error")
    names = ", ".join(sorted({path.stem for path in events}))
    names = names if len(names) < 60 else f"{len(events)} events"
    print(f"  {handler}: {names}: {len(server.answers)} answered ({errors} with an error)", file=sys.stderr)


def functions_seen(path):
    """The function names of a callgrind profile, in the order they first appear."""
    names = []
    for line in path.read_text(errors="replace").splitlines():
        match = re.match(r"^c?fn=\(\d+\) (.+)$", line)
        if match:
            # callgrind marks recursion depth with 'N; the symbol is the part before it.
            names.append(match.group(1).split("'")[0])
    return names


def defined_functions(bootstrap):
    """The text symbols bootstrap defines, with their addresses."""
    listing = subprocess.run(["nm", "--defined-only", str(bootstrap)], capture_output=True, text=True, check=True)
    return {
        parts[2]: int(parts[0], 16)
        for parts in (line.split() for line in listing.stdout.splitlines())
        if len(parts) == 3 and parts[1] in "tTwW"
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bootstrap", default=str(ROOT / ".build-lambda/release/bootstrap"))
    parser.add_argument("--events", default=str(ROOT / "Events"))
    parser.add_argument("--output", default=str(ROOT / "deploy/bootstrap.order"))
    arguments = parser.parse_args()

    bootstrap = pathlib.Path(arguments.bootstrap)
    if not bootstrap.exists():
        sys.exit(f"error: no {bootstrap}: build it first (make lambda)")
    for tool in ("valgrind", "strip", "nm"):
        if shutil.which(tool) is None:
            sys.exit(f"error: {tool} is not installed (apt-get install valgrind binutils)")
    events_directory = pathlib.Path(arguments.events)
    config = events_directory / "_replay"
    environment = replay_environment(config)
    events = sample_events(events_directory)
    if not events:
        sys.exit(f"error: no sample events in {events_directory}")

    with tempfile.TemporaryDirectory() as work:
        work = pathlib.Path(work)
        # valgrind 3.19 cannot read the compressed debug info lld writes; the symbol table is all it needs.
        stripped = work / "bootstrap"
        subprocess.run(["strip", "--strip-debug", "-o", str(stripped), str(bootstrap)], check=True)
        defined = defined_functions(bootstrap)
        order = []
        seen = set()
        for handler, prefixes, common in PROFILES:
            chosen = [path for path in events if path.name.startswith(prefixes)]
            chosen.sort(key=lambda path: common.index(path.stem) if path.stem in common else len(common))
            # echo: one process for every event, the runtime's own path. A handler: one process per event, in
            # that order, so its common path's functions are listed before those only a refusal runs; each event
            # goes three times, as the warm path (caches hit, buffers reused) runs code the first invocation does not.
            runs = [chosen] if handler == "echo" else [[path] * INVOCATIONS_PER_EVENT for path in chosen]
            for index, run in enumerate(runs):
                output = work / f"callgrind.{handler}.{index}"
                profile(stripped, handler, run, environment, config / "static", output)
                # callgrind writes functions in no fixed order: the new ones of each run go in in the order they
                # have in the binary, so the same binary always gives the same list.
                new = {name for name in functions_seen(output) if name in defined and name not in seen}
                seen.update(new)
                order.extend(sorted(new, key=lambda name: (defined[name], name)))
        listed = order

    header = [
        "# The functions bootstrap runs, as deploy/order_file.py lists them (each profile's new ones in address",
        "# order): lld places them first in .text (make lambda: --symbol-ordering-file). Generated; regenerate",
        "# with `make order-file`.",
    ]
    pathlib.Path(arguments.output).write_text("\n".join(header + listed) + "\n")
    print(f"wrote {arguments.output}: {len(listed)} functions", file=sys.stderr)


if __name__ == "__main__":
    main()
