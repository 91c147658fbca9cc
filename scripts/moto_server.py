#!/usr/bin/env python3
"""Run moto's server on 127.0.0.1 for the awsconf test suite.

Usage: moto_server.py PORT [--detach]

PORT may be 0, in which case the OS picks a free port (no bind race).

Once the server answers HTTP, a single readiness line is printed on stdout:

    MOTO_READY http://127.0.0.1:<port>

By default the server then runs until its stdin reaches EOF and exits (taking
moto with it). A test process spawns this script with a piped stdin and keeps
the write end open, so whatever way the test process dies (panic, abort,
SIGKILL) the kernel closes the pipe and moto goes away with it.

With --detach (used by `scripts/moto.sh start`) stdin is ignored and the
server runs until SIGTERM / SIGINT.
"""

import logging
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request

HOST = "127.0.0.1"


def usage() -> None:
    print("usage: moto_server.py PORT [--detach]", file=sys.stderr)
    sys.exit(2)


def wait_until_answering(endpoint: str, deadline_s: float = 30.0) -> None:
    """Poll moto until it answers an HTTP request (any status counts)."""
    deadline = time.monotonic() + deadline_s
    last_err = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(endpoint + "/moto-api/", timeout=2) as resp:
                resp.read()
            return
        except urllib.error.HTTPError:
            return  # an HTTP error status still means the server answers
        except Exception as err:  # noqa: BLE001 - anything else: retry
            last_err = err
            time.sleep(0.05)
    raise RuntimeError(f"moto did not answer HTTP on {endpoint}: {last_err}")


# Read-only requests for names that do not exist: they change no state.
WARM_UP = [
    ("ssm", "AmazonSSM.GetParameters", b'{"Names": ["/awsconf-warm-up"]}'),
    (
        "secretsmanager",
        "secretsmanager.BatchGetSecretValue",
        b'{"SecretIdList": ["awsconf-warm-up"]}',
    ),
]


def warm_up(endpoint: str) -> None:
    """Load moto's Parameter Store and Secrets Manager backends before any test.

    moto imports a service's models and builds its app on that service's first
    request (about 2 s for SSM on an idle 2-core machine, much longer under
    load), while holding a lock every other request waits for. A test that
    fires its first requests concurrently would see them all stall; with a
    per-attempt timeout they can fail. Done here, before the readiness line,
    the cost is paid once at startup. A failure is only reported: the tests'
    own requests will show what is wrong.
    """
    for service, target, body in WARM_UP:
        request = urllib.request.Request(
            endpoint + "/",
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": target,
                # moto reads the service and region from the credential scope.
                "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/"
                f"us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as resp:
                resp.read()
        except urllib.error.HTTPError:
            pass  # an AWS error answer still means the backend is loaded
        except Exception as err:  # noqa: BLE001 - report and go on
            print(f"moto warm-up of {service} failed: {err}", file=sys.stderr)


def speed_up_dispatch() -> None:
    """List moto's service modules once instead of on every request.

    moto 5.2.1 finds the backend of each request with
    `moto.backends.list_of_moto_modules()`, which lists moto's package folder and
    stats each of its ~180 entries, under a lock that every request takes. The
    folder does not change while the server runs, so the list is computed once.
    Answers are unchanged; each request costs about 2 ms less CPU here, and as
    moto answers one request at a time, that is time every test and benchmark
    spends waiting. Skipped if moto no longer has the function.
    """
    import moto.backends as backends

    listing = getattr(backends, "list_of_moto_modules", None)
    if listing is None:
        return
    modules = tuple(listing())
    backends.list_of_moto_modules = lambda: modules


def main() -> None:
    args = sys.argv[1:]
    detach = "--detach" in args
    args = [a for a in args if a != "--detach"]
    if len(args) != 1:
        usage()
    try:
        port = int(args[0])
    except ValueError:
        usage()

    # Keep test output quiet: werkzeug logs every request on stderr otherwise.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    speed_up_dispatch()
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address=HOST, port=port, verbose=False)
    server.start()
    host, bound_port = server.get_host_and_port()
    endpoint = f"http://{host}:{bound_port}"
    wait_until_answering(endpoint)
    warm_up(endpoint)
    print(f"MOTO_READY {endpoint}", flush=True)

    if detach:
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        while not stop.wait(3600):
            pass
    else:
        # Block until the parent closes our stdin (or dies).
        try:
            while sys.stdin.buffer.read(65536):
                pass
        except (OSError, KeyboardInterrupt):
            pass

    # Do not wait for in-flight requests or daemon threads: just go.
    os._exit(0)


if __name__ == "__main__":
    main()
