#!/usr/bin/env python3
"""Runs the README's "Your own crate: the first hour" as a new user would, in a
directory outside this repository: every ```sh block of that section in order,
src/main.rs from its ```rust block, staging.toml from its ```toml block.

What it changes in the commands, and why:
- `../awsconf` is this checkout (a symlink beside the new crate);
- moto's port 5000 becomes a free port, so CI never collides with a server;
- a command whose comment says it `fails` must fail (exit non-zero);
- `moto_server ... &` is stopped when the run ends.

Then it checks what the README promises: the load prints the config with its
secrets as [REDACTED] and no secret value, `push` of a mistyped key exits
non-zero, the policy names the account, and .gitignore keeps the secrets file out.

Usage: scripts/first-hour.py  (CI runs it; it takes a cold build of the SDK)
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def section(readme: str) -> str:
    start = readme.index("## Your own crate: the first hour")
    end = readme.index("\n## ", start + 1)
    return readme[start:end]


def blocks(text: str, lang: str) -> list[str]:
    return re.findall(r"```" + lang + r"\n(.*?)```", text, flags=re.S)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    text = section(open(os.path.join(REPO, "README.md")).read())
    sh, rust, toml = blocks(text, "sh"), blocks(text, "rust"), blocks(text, "toml")
    assert len(rust) == 1 and len(toml) == 1 and len(sh) >= 4, "the section's shape changed"
    port = free_port()
    work = tempfile.mkdtemp(prefix="awsconf-first-hour-")
    os.symlink(REPO, os.path.join(work, "awsconf"))
    # Bash runs the steps; the Rust and TOML blocks are written where the
    # README says, right after the step that creates their place.
    lines = ["set -euo pipefail", f"cd {work}", f"log={work}"]
    lines += ["moto_pid=", "trap '[ -n \"$moto_pid\" ] && kill $moto_pid 2>/dev/null; true' EXIT"]
    main_rs = os.path.join(work, "orders", "src", "main.rs")
    staging = os.path.join(work, "orders", "staging.toml")
    for i, block in enumerate(sh):
        for line in block.strip().split("\n"):
            # A comment starts at a `#` after blanks; no command here has one inside.
            m = re.search(r"\s+#\s", line)
            command, comment = (line[: m.start()], line[m.end() :]) if m else (line, "")
            command = command.strip()
            if not command:
                continue
            command = command.replace("5000", str(port))
            lines.append(f"echo '+ {command}' >&2")
            if command.endswith("&"):
                lines.append(f"{command[:-1].strip()} > moto.log 2>&1 & moto_pid=$!")
                # moto answers once it listens.
                lines.append(
                    f"for _ in $(seq 150); do (echo > /dev/tcp/127.0.0.1/{port}) 2>/dev/null && break; sleep 0.2; done"
                )
            elif re.search(r"\bfails\b", comment):
                lines.append(f"if {{ {command}; }} > $log/step.out 2> $log/step.err; then echo 'expected to fail: {command}' >&2; exit 1; fi")
                lines.append("cat $log/step.err >&2")
                lines.append("grep -q 'could not load' $log/step.err || { echo 'it failed for another reason' >&2; exit 1; }")
            else:
                lines.append(f"{{ {command}; }} > $log/step.out 2> $log/step.err || {{ cat $log/step.out $log/step.err >&2; exit 1; }}")
                lines.append("tail -n 5 $log/step.out; tail -n 5 $log/step.err >&2")
            if command.startswith("cargo new"):
                lines.append(f"cat > {main_rs} <<'AWSCONF_EOF'\n{rust[0]}AWSCONF_EOF")
            if "tools template" in command:
                # "Uncomment and fill in the required values": the README's filled-in file.
                lines.append(f"cat > {staging} <<'AWSCONF_EOF'\n{toml[0]}AWSCONF_EOF")
    # Promises beyond exit codes.
    lines += [
        "cargo run -q > load.out 2> load.err",
        "grep -q 'REDACTED' load.out || { echo 'the load printed no [REDACTED]' >&2; exit 1; }",
        "! grep -q 'change-me' load.out load.err || { echo 'a secret value was printed' >&2; exit 1; }",
        "grep -qx 'staging.toml' .gitignore && grep -qx '.venv/' .gitignore",
        "sed 's/^host = /hots = /' staging.toml > typo.toml",
        "if cargo run -q -- tools push typo.toml --apply > typo.out 2> typo.err; then echo 'a mistyped key was pushed' >&2; exit 1; fi",
        "grep -q 'did you mean `database.host`' typo.err || { cat typo.err >&2; exit 1; }",
        "cargo run -q -- tools iam-policy --account 123456789012 | grep -q 'arn:aws:ssm:us-east-1:123456789012:parameter/staging/orders/'",
        "grep -q '^Usage: orders tools' <(cargo run -q -- tools --help)",
        "echo 'first hour: every step ran as the README says'",
    ]
    script = "\n".join(lines) + "\n"
    if "--print" in sys.argv:
        print(script)
        return 0
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AWSCONF_", "CARGO_TARGET_DIR"))}
    env["CARGO_TERM_COLOR"] = "never"
    proc = subprocess.run(["bash", "-c", script], env=env)
    if proc.returncode == 0:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"first hour failed; its directory is kept: {work}", file=sys.stderr)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
