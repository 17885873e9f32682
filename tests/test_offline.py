"""Offline means offline: no code path opens a socket or looks up a name, in any process.

pytest runs with pytest-socket (``--disable-socket --allow-unix-socket``), which covers this
process only, and only ``socket.socket``: not name lookups (libc's resolver opens its own
sockets) and not the worker processes ``advocate build`` spawns. So the end-to-end runs
here happen in child interpreters started with ``tests/nosocket`` on PYTHONPATH, whose
``sitecustomize`` replaces ``socket.socket``, ``create_connection`` and ``getaddrinfo``
(and the other resolver calls) with functions that record the attempt in
``$ADVOCATE_SOCKET_LOG`` and raise. Worker processes inherit PYTHONPATH, so they are
guarded too, and each guarded process notes its PID to prove it.

Where strace can trace, the build also runs under it: the system-call level sees C
libraries (fontconfig, Pango, libc's resolver) as well as Python.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from advocate.campaigns import bundled_ids

TESTS = Path(__file__).resolve().parent
GUARD = TESTS / "nosocket"
VALID = TESTS / "fixtures" / "signers" / "valid.csv"


def guarded_env(tmp_path: Path) -> tuple[dict[str, str], Path, Path]:
    log, pids = tmp_path / "socket.log", tmp_path / "guard-pids.log"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(PYTHONPATH=str(GUARD), ADVOCATE_SOCKET_LOG=str(log),
               ADVOCATE_SOCKET_GUARD_PIDS=str(pids), SOURCE_DATE_EPOCH="1768435200")
    return env, log, pids


def attempts(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


# --------------------------------------------------------------------------- the guard


GUARD_PROBE = textwrap.dedent("""
    import multiprocessing, os, socket, sys, urllib.request

    def child():
        try:
            socket.create_connection(("127.0.0.1", 9), timeout=1)
        except OSError:
            pass

    if __name__ == "__main__":
        for attempt in (
            lambda: socket.create_connection(("127.0.0.1", 9), timeout=1),
            lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM).connect(("127.0.0.1", 9)),
            lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM),
            lambda: socket.getaddrinfo("example.org", 443),
            lambda: socket.gethostbyname("example.org"),
            lambda: urllib.request.urlopen("http://127.0.0.1:9/", timeout=1),
        ):
            try:
                attempt()
            except OSError as exc:
                assert "advocate test guard" in str(exc) or "guard" in str(exc.reason), exc
            else:
                sys.exit("not blocked")
        a, b = socket.socketpair()  # AF_UNIX: what multiprocessing needs, still allowed
        a.sendall(b"ok"); assert b.recv(2) == b"ok"
        process = multiprocessing.get_context("spawn").Process(target=child)
        process.start(); process.join(30)
        print(os.getpid(), process.pid)
""")


def test_the_guard_records_and_refuses_every_attempt(tmp_path: Path) -> None:
    env, log, pids = guarded_env(tmp_path)
    script = tmp_path / "probe.py"
    script.write_text(GUARD_PROBE, encoding="utf-8")
    result = subprocess.run([sys.executable, str(script)], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    parent, child = (int(x) for x in result.stdout.split())
    lines = attempts(log)
    what = [line.split()[1] for line in lines]
    assert what[:6] == ["create_connection", "socket", "socket", "getaddrinfo",
                        "gethostbyname", "getaddrinfo"] or what[:5] == [
        "create_connection", "socket", "socket", "getaddrinfo", "gethostbyname"], lines
    assert any("127.0.0.1" in line for line in lines)
    assert any("example.org" in line for line in lines)  # the DNS lookup, caught before libc
    assert f"{child} create_connection (('127.0.0.1', 9),)" in "\n".join(lines)  # spawned child
    loaded = {int(p) for p in pids.read_text().split()}
    assert {parent, child} <= loaded


def test_without_the_guard_the_probe_would_reach_the_network(tmp_path: Path) -> None:
    """The control: unguarded, the same attempt is real (refused by the kernel, not by us),
    and the strace check below sees it."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    code = ("import socket\ntry:\n    socket.create_connection(('127.0.0.1', 9), timeout=1)\n"
            "except OSError as e:\n    print(type(e).__name__, 'guard' in str(e))\n")
    command = [sys.executable, "-c", code]
    trace = tmp_path / "strace.log"
    if strace_works():
        command = ["strace", "-f", "-qq", "-e", "trace=socket,connect", "-o", str(trace),
                   *command]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.stdout.strip().endswith("False"), result.stdout
    if strace_works():
        assert any("127.0.0.1" in line for line in network_syscalls(trace))


def strace_works() -> bool:
    return shutil.which("strace") is not None and subprocess.run(
        ["strace", "-f", "-qq", "-o", os.devnull, "true"], capture_output=True,
        check=False).returncode == 0


# --------------------------------------------------------------------------- end to end


def network_syscalls(trace: Path) -> list[str]:
    """strace lines that open an internet socket or connect anywhere but a local socket
    (nscd, D-Bus or systemd-resolved sockets would mean a name lookup)."""
    calls = trace.read_text(encoding="utf-8").splitlines()
    return [line for line in calls
            if re.search(r"socket\(AF_(INET|INET6|PACKET|NETLINK)", line)
            or (re.search(r"connect\(", line) and "AF_UNIX" not in line)
            or re.search(r"connect\(.*(nscd|dbus|systemd/resolve)", line)]


def test_build_of_every_bundled_campaign_is_offline(tmp_path: Path) -> None:
    """``python -m advocate build`` of every bundled campaign with PDF workers: the Python
    guard in every process, and (where strace can trace) no network system call from any
    process, C libraries (fontconfig, Pango, libc's resolver) included."""
    env, log, pids = guarded_env(tmp_path)
    out, trace = tmp_path / "out", tmp_path / "strace.log"
    command = [sys.executable, "-m", "advocate", "build", *bundled_ids(), "--signers",
               str(VALID), "-o", str(out), "--jobs", "2", "--json"]
    traced = strace_works()
    if traced:
        command = ["strace", "-f", "-qq", "-e", "trace=socket,connect,sendto,sendmsg", "-o",
                   str(trace), *command]
    result = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True,
                            timeout=600, check=False)
    assert result.returncode == 0, result.stderr
    assert attempts(log) == []
    assert '"files":' in result.stdout
    pdfs = list(out.rglob("*.pdf"))
    assert len(pdfs) >= 3 + 4 * 4  # brief, petition, sheet + a letter per signer and target
    # The parent, multiprocessing's resource tracker and at least one PDF worker loaded it.
    assert len(set(pids.read_text().split())) >= 3
    if traced:
        assert trace.stat().st_size > 0
        assert network_syscalls(trace) == []


DRIVER = textwrap.dedent("""
    import os, sys, shutil, tempfile, traceback
    from pathlib import Path
    sys.path[:0] = [sys.argv[1], sys.argv[1] + "/threats"]
    os.environ["SOURCE_DATE_EPOCH"] = "1768435200"
    from PIL import Image
    from typer.testing import CliRunner
    import advocate.render.pdf, advocate.templates.host
    from advocate.campaigns import bundled_folder
    from advocate.cli import app
    import catalogue as test_catalogue

    test_catalogue.shorten_limits(setattr)
    work = Path(tempfile.mkdtemp(dir=sys.argv[2]))
    bomb = work / "big.png"
    Image.new("1", (20000, 20000)).save(bomb, compress_level=1)
    os.environ["ADVOCATE_TEST_BOMB"] = str(bomb)
    codes = {}
    for case, (setup, _expect) in sorted(test_catalogue.HOSTILE_PACKS.items()):
        root = work / case
        (root / "pack" / "templates").mkdir(parents=True)
        (root / "out").mkdir()
        shutil.copyfile(bundled_folder() / "kazakhstan-2022.yaml", root / "pack/campaign.yaml")
        os.chdir(root)
        args = setup(root)
        codes[case] = CliRunner().invoke(app, list(args)).exit_code
    print(" ".join(f"{case}={code}" for case, code in codes.items()))
""")


def test_every_catalogue_pack_is_refused_offline(tmp_path: Path) -> None:
    """threats.md: one end-to-end run renders every catalogue pack; no connection attempt."""
    env, log, _pids = guarded_env(tmp_path)
    result = subprocess.run([sys.executable, "-c", DRIVER, str(TESTS), str(tmp_path)],
                            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600,
                            check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    codes = dict(item.split("=") for item in result.stdout.split())
    from catalogue import HOSTILE_PACKS

    assert set(codes) == set(HOSTILE_PACKS)
    assert attempts(log) == []
    assert {case for case, code in codes.items() if code != "2"} == set(), codes
