#!/usr/bin/env python3
"""Run moto's server on 127.0.0.1 for the awsconf test suite.

moto's app is served by waitress (see `serve`), which keeps connections alive;
moto's own server closes every one.

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


def publish_to_every_subscription() -> None:
    """Deliver an SNS message to every subscription of its topic, as AWS does.

    moto 5.2.1's `Topic.publish` takes only the first page of
    `list_subscriptions_by_topic` (100 subscriptions) and ignores its next
    token, so a topic with more subscribers (a fleet of `change_topic` Lives)
    reaches only the first 100. This reads every page first; a topic of 100 or
    fewer is delivered to exactly as before. Skipped if moto's names changed.
    """
    from moto.sns import models

    topic = getattr(models, "Topic", None)
    original = getattr(topic, "publish", None)
    if original is None:
        return

    def publish(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        backend = self.sns_backend
        listing = backend.list_subscriptions_by_topic
        everyone, token = listing(topic_arn=self.arn)
        everyone = list(everyone)
        while token:
            more, token = listing(topic_arn=self.arn, next_token=token)
            everyone.extend(more)

        def all_pages(topic_arn, next_token=None):  # type: ignore[no-untyped-def]
            return (everyone, None) if next_token is None else ([], None)

        backend.list_subscriptions_by_topic = all_pages
        try:
            return original(self, *args, **kwargs)
        finally:
            del backend.list_subscriptions_by_topic

    topic.publish = publish


def speed_up_answers() -> None:
    """Memoize two pure lookups moto repeats on every request.

    1. `method_names_from_class`: moto lists a response class's methods with
       `inspect.getmembers` on every request to find the action's handler.
       Classes do not change while the server runs.
    2. The attribute names moto's response serializer tries for each member of
       each answer (`DBInstanceIdentifier`, `db_instance_identifier`, ...). With
       the default alias providers they are a function of the key, the member's
       shape and its parent, and the object's type (its class name and class
       `Meta`); they are computed once per combination. Objects with a `Meta` of
       their own, or pickers with other providers, are not cached.

    Values and answers are unchanged: only the names tried are remembered, and
    every value is still read from the object. Each step is skipped if moto no
    longer has what it patches.
    """
    import functools

    import moto.core.responses as responses
    import moto.core.serialize as serialize

    names = getattr(responses, "method_names_from_class", None)
    if names is not None:
        responses.method_names_from_class = functools.cache(lambda cls: tuple(names(cls)))

    picker = getattr(serialize, "XFormedAttributePicker", None)
    defaults = getattr(serialize, "DEFAULT_ALIAS_PROVIDERS", None)
    if picker is None or defaults is None:
        return
    uncached = picker.get_possible_keys
    # id() keys stay valid: the value keeps the shapes alive, so ids are not reused.
    cache: dict = {}

    def get_possible_keys(self, context):  # type: ignore[no-untyped-def]
        obj = context.obj
        if self.alias_providers is not defaults or "Meta" in getattr(obj, "__dict__", ()):
            return uncached(self, context)
        shape = context.shape
        parent = getattr(shape, "parent", None)
        key = (type(obj), context.key, id(shape), id(parent))
        hit = cache.get(key)
        if hit is None:
            hit = cache[key] = (tuple(uncached(self, context)), shape, parent)
        return hit[0]

    picker.get_possible_keys = get_possible_keys


def crash_page(app):  # type: ignore[no-untyped-def]
    """Answer an exception moto raises as werkzeug's server does: HTTP 500 with
    its HTML "Internal Server Error" page, the traceback going to stderr.

    moto lets some exceptions escape (a bad NextToken in GetParametersByPath,
    for one). Under waitress alone they would become a plain-text 500; with
    this, an answer looks the same whichever server runs moto, and the proxy's
    `Html500` fault stays a faithful copy of it.
    """
    import traceback

    from werkzeug.exceptions import InternalServerError

    def wrapped(environ, start_response):  # type: ignore[no-untyped-def]
        try:
            return app(environ, start_response)
        except Exception:  # noqa: BLE001 - every escaped exception is a crash page
            traceback.print_exc(file=sys.stderr)
            return InternalServerError()(environ, start_response)

    return wrapped


def one_at_a_time(app):  # type: ignore[no-untyped-def]
    """Run moto's app for one request at a time.

    moto's backends are not thread-safe: a request that walks a service's
    secrets or parameters while another adds one can fail with "dictionary
    changed size during iteration" (seen here in CreateSecret), an HTTP 500
    the SDK then retries, so a test that counts calls sees one too many.
    Tests in one binary share a moto and seed it while others read.
    Python runs one thread at a time anyway, so the lock costs no throughput;
    connections are still accepted and read concurrently.
    """
    lock = threading.Lock()

    def locked(environ, start_response):  # type: ignore[no-untyped-def]
        with lock:
            return app(environ, start_response)

    def wrapped(environ, start_response):  # type: ignore[no-untyped-def]
        global ARRIVALS
        target = environ.get("HTTP_X_AMZ_TARGET") or ""
        if target == "AmazonSQS.ReceiveMessage":
            return long_poll(locked, environ, start_response)
        answer = locked(environ, start_response)
        if target.startswith("AmazonSQS.Send") or target == "AWSEvents.PutEvents" or not target:
            # May have put a message on a queue (SNS and others without a
            # target header speak the query protocol): wake the long polls.
            with ARRIVED:
                ARRIVALS += 1
                ARRIVED.notify_all()
        return answer

    return wrapped


# Long polls wait on this; requests that may put a message on a queue notify it.
ARRIVED = threading.Condition()
# How many such requests were answered: a poll that asked before one was
# answered asks again at once.
ARRIVALS = 0
# A long poll asks moto's queue again at least this often (messages whose
# visibility timeout ran out, delayed messages).
LONG_POLL_STEP_S = 1.0


def long_poll(locked, environ, start_response):  # type: ignore[no-untyped-def]
    """Answer an SQS `ReceiveMessage` with `WaitTimeSeconds` without holding
    the lock for the wait.

    moto really waits (up to 20 s) inside the request; under `one_at_a_time`
    that would stall every other request of every test for the whole wait. So
    the request is sent to moto with no wait, and again, outside the lock,
    whenever a request that may have queued a message (an SQS send, an
    EventBridge PutEvents, an SNS publish) has been answered, and at least
    every second, until a message comes or the wait is over; the answer is
    moto's own. A waiting poll costs moto nothing, so a long poll whose client
    went away does not slow the other requests. (The request's signature no
    longer matches the body; moto does not check it.)
    """
    import io
    import json

    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    try:
        request = json.loads(raw or b"{}")
        wait = float(request.get("WaitTimeSeconds") or 0)
    except (ValueError, AttributeError, TypeError):
        request, wait = None, 0.0

    def ask(body):  # type: ignore[no-untyped-def]
        env = dict(environ)
        env["wsgi.input"] = io.BytesIO(body)
        env["CONTENT_LENGTH"] = str(len(body))
        answer = {}

        def capture(status, headers, exc_info=None):  # type: ignore[no-untyped-def]
            answer["status"], answer["headers"] = status, headers
            return lambda _data: None

        chunks = b"".join(locked(env, capture))
        return answer["status"], answer["headers"], chunks

    if request is None or wait <= 0:
        status, headers, chunks = ask(raw)
        start_response(status, headers)
        return [chunks]
    request["WaitTimeSeconds"] = 0
    body = json.dumps(request).encode()
    deadline = time.monotonic() + wait
    while True:
        with ARRIVED:
            seen = ARRIVALS
        status, headers, chunks = ask(body)
        done = not status.startswith("200") or time.monotonic() >= deadline
        if not done:
            try:
                done = bool(json.loads(chunks or b"{}").get("Messages"))
            except (ValueError, AttributeError):
                done = True
        if done:
            start_response(status, headers)
            return [chunks]
        with ARRIVED:
            ARRIVED.wait_for(
                lambda: ARRIVALS != seen,
                min(LONG_POLL_STEP_S, max(0.0, deadline - time.monotonic())),
            )


# Idle keep-alive connections are closed after this long. Longer than the
# 90 s after which hyper (the AWS SDK's client and the test proxy) drops an
# idle pooled connection itself, so the server never closes a connection a
# client is about to reuse.
IDLE_TIMEOUT_S = 300


def serve(port: int) -> str:
    """Serve moto's WSGI app on HOST:port in a background thread; return its URL.

    moto's own `ThreadedMotoServer` runs werkzeug's development server, which
    closes the connection after every answer and starts a thread per
    connection. waitress keeps HTTP/1.1 connections alive, so clients (the test
    proxy, the SDK) reuse them instead of connecting for every request, and it
    spends less per request (a GetParameter cost moto's process about 2 ms of
    CPU under waitress against 3-4 ms under werkzeug, measured on the 2-core
    machine this was written on). moto answers one request at a time, so this
    cost is paid by every test and every benchmark figure. The app and its answers are moto's own either way.
    Falls back to moto's server if waitress is missing (an interpreter given
    by $AWSCONF_MOTO_PYTHON that has only moto).
    """
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        create_backend_app,
    )

    try:
        from waitress.server import create_server
    except ImportError:
        print(
            "moto_server.py: waitress is not installed; using moto's own server "
            "(slower: a new connection per request)",
            file=sys.stderr,
        )
        from moto.server import ThreadedMotoServer

        fallback = ThreadedMotoServer(ip_address=HOST, port=port, verbose=False)
        fallback.start()
        host, bound_port = fallback.get_host_and_port()
        return f"http://{host}:{bound_port}"

    app = one_at_a_time(crash_page(DomainDispatcherApplication(create_backend_app)))
    server = create_server(
        app,
        host=HOST,
        port=port,
        # A long poll (see `long_poll`) holds a thread for its whole wait, up
        # to 20 s, even after its client went away: enough threads that the
        # change-events tests' polls never leave other requests queued
        # ($AWSCONF_MOTO_THREADS: more, for a fleet of long-polling Lives).
        threads=int(os.environ.get("AWSCONF_MOTO_THREADS") or 64),
        channel_timeout=IDLE_TIMEOUT_S,
        # Every SDK client a test builds keeps its connections open; the
        # default of 100 would stop accepting in a long test binary.
        connection_limit=10_000,
        # poll(2), not select(2): no limit of 1,024 on descriptor numbers.
        asyncore_use_poll=True,
        ident=None,
    )
    threading.Thread(target=server.run, name="waitress", daemon=True).start()
    return f"http://{HOST}:{server.effective_port}"


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

    # Keep test output quiet: werkzeug logs every request on stderr otherwise,
    # and waitress warns whenever requests queue for a thread (as they do
    # behind moto's one-at-a-time answering).
    for name in ("werkzeug", "waitress"):
        logging.getLogger(name).setLevel(logging.ERROR)

    speed_up_dispatch()
    speed_up_answers()
    publish_to_every_subscription()
    endpoint = serve(port)
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
