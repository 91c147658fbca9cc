#!/usr/bin/env bash
# Manage the moto AWS emulator used by the awsconf test suite.
#
#   scripts/moto.sh install   create <repo>/.venv and install moto[server] and waitress
#                             (the HTTP server moto_server.py runs moto under; idempotent)
#   scripts/moto.sh start     start moto in the background on a free 127.0.0.1 port,
#                             print its endpoint (pid/port in .venv/moto.pid / .venv/moto.port)
#   scripts/moto.sh stop      stop the background moto started by `start`
#   scripts/moto.sh status    print the endpoint of the running moto, exit 1 if none
#
# Tests do not need `start`: awsconf-testkit spawns a private moto per test
# binary from .venv (or $AWSCONF_MOTO_PYTHON). `start` is for manual runs and
# for pointing tests at one server via AWSCONF_TEST_ENDPOINT.
#
# Environment: PYTHON (interpreter used to create the venv, default python3).
set -euo pipefail

MOTO_VERSION="5.2.1"
WAITRESS_VERSION="3.0.2"

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/.." && pwd)"
VENV="$REPO_ROOT/.venv"
VPY="$VENV/bin/python"
STAMP="$VENV/.moto-$MOTO_VERSION-waitress-$WAITRESS_VERSION.installed"
PID_FILE="$VENV/moto.pid"
PORT_FILE="$VENV/moto.port"
OUT_FILE="$VENV/moto.out"
LOG_FILE="$VENV/moto.log"

die() {
    echo "moto.sh: $*" >&2
    exit 1
}

installed() {
    [[ -f "$STAMP" && -x "$VPY" ]] && "$VPY" -c 'import moto.server, flask, flask_cors, waitress' 2>/dev/null
}

cmd_install() {
    if installed; then
        echo "moto $MOTO_VERSION already installed in $VENV"
        return 0
    fi
    local py="${PYTHON:-python3}"
    command -v "$py" >/dev/null || die "$py not found (set PYTHON=/path/to/python3)"
    if [[ ! -x "$VPY" ]]; then
        echo "creating venv $VENV"
        "$py" -m venv "$VENV"
    fi
    rm -f "$VENV"/.moto-*.installed
    "$VPY" -m pip install --quiet --disable-pip-version-check \
        "moto[server]==$MOTO_VERSION" "waitress==$WAITRESS_VERSION"
    "$VPY" -c 'import moto.server, flask, flask_cors, waitress' || die "moto installed but not importable"
    touch "$STAMP"
    echo "moto $MOTO_VERSION (waitress $WAITRESS_VERSION) installed in $VENV"
}

running_pid() {
    [[ -f "$PID_FILE" ]] || return 1
    local pid
    pid="$(cat "$PID_FILE")"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

cmd_start() {
    installed || die "moto is not installed: run \`scripts/moto.sh install\`"
    if running_pid >/dev/null && [[ -f "$PORT_FILE" ]]; then
        echo "http://127.0.0.1:$(cat "$PORT_FILE")"
        return 0
    fi
    rm -f "$PID_FILE" "$PORT_FILE" "$OUT_FILE"
    # Port 0: the OS picks a free port when moto binds, so there is no race.
    nohup "$VPY" "$SCRIPT_DIR/moto_server.py" 0 --detach </dev/null >"$OUT_FILE" 2>"$LOG_FILE" &
    local pid=$!
    disown "$pid" 2>/dev/null || true
    local endpoint="" i
    for ((i = 0; i < 300; i++)); do
        endpoint="$(sed -n 's/^MOTO_READY //p' "$OUT_FILE" 2>/dev/null || true)"
        [[ -n "$endpoint" ]] && break
        if ! kill -0 "$pid" 2>/dev/null; then
            cat "$LOG_FILE" >&2 || true
            die "moto exited during startup (log: $LOG_FILE)"
        fi
        sleep 0.1
    done
    if [[ -z "$endpoint" ]]; then
        kill "$pid" 2>/dev/null || true
        die "moto did not become ready within 30 s (log: $LOG_FILE)"
    fi
    echo "$pid" >"$PID_FILE"
    echo "${endpoint##*:}" >"$PORT_FILE"
    echo "$endpoint"
}

cmd_stop() {
    local pid
    if pid="$(running_pid)"; then
        kill "$pid" 2>/dev/null || true
        local i
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -9 "$pid" 2>/dev/null || true
        fi
        echo "moto (pid $pid) stopped"
    else
        echo "moto is not running"
    fi
    rm -f "$PID_FILE" "$PORT_FILE" "$OUT_FILE"
}

cmd_status() {
    if running_pid >/dev/null && [[ -f "$PORT_FILE" ]]; then
        echo "http://127.0.0.1:$(cat "$PORT_FILE")"
    else
        echo "moto is not running" >&2
        return 1
    fi
}

case "${1:-}" in
    install) cmd_install ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    *)
        echo "usage: $0 {install|start|stop|status}" >&2
        exit 2
        ;;
esac
