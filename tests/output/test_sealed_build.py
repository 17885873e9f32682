"""``advocate build --encrypt-to``: the output folder as one age-encrypted tar
(output/sealed.py). It holds exactly the bytes a plain build writes; no plaintext stays
anywhere after the command, however it ends; a bad recipient writes nothing."""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pyrage
import pytest

from advocate.errors import AdvocateError
from advocate.output import sealed
from test_offline import strace_works

WORLD = Path(__file__).parents[1] / "fixtures" / "world"
MARKER = "Quillonde Marrowfeast"  # a name found nowhere else: searched for in every file
EPOCH = "1768435200"
BUILD = ["build", str(WORLD / "campaign.yaml"), "--signers", "signers.csv", "--formats",
         "txt,eml,pdf", "--no-documents", "-j", "2"]


@pytest.fixture
def place(tmp_path: Path) -> dict[str, Path]:
    """A working folder with the signer list (the marker first), an identity and its public
    key, and empty HOME, TMPDIR, XDG_CACHE_HOME and XDG_RUNTIME_DIR (a private folder on
    /dev/shm, where it is a memory file system, as a login session's is)."""
    folders = {name: tmp_path / name for name in ("home", "tmp", "cache", "work")}
    runtime = Path(os.environ.get("ADVOCATE_TEST_SHM", "/dev/shm"))
    if sealed.memory_folder() is None or not runtime.is_dir():
        pytest.skip("no memory file system here")
    import tempfile

    folders["runtime"] = Path(tempfile.mkdtemp(prefix="advocate-test-run-", dir=runtime))
    for folder in folders.values():
        folder.mkdir(exist_ok=True)
    rows = (WORLD / "signers.csv").read_text(encoding="utf-8").splitlines()
    (folders["work"] / "signers.csv").write_text(
        "\n".join([rows[0], f"{MARKER},quillonde@example.org,Lyon,FR,,yes", *rows[1:5]])
        + "\n", encoding="utf-8")
    identity = pyrage.x25519.Identity.generate()
    (tmp_path / "key.txt").write_text(f"# test key\n{identity}\n", encoding="utf-8")
    (tmp_path / "public.txt").write_text(f"{identity.to_public()}\n", encoding="utf-8")
    folders["root"] = tmp_path
    yield folders
    import shutil

    shutil.rmtree(folders["runtime"], ignore_errors=True)


def _env(place: dict[str, Path]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ADVOCATE_", "XDG_"))}
    return env | {"HOME": str(place["home"]), "TMPDIR": str(place["tmp"]),
                  "XDG_CACHE_HOME": str(place["cache"]),
                  "XDG_RUNTIME_DIR": str(place["runtime"]), "SOURCE_DATE_EPOCH": EPOCH}


def _advocate(place: dict[str, Path], *args: str, prefix: tuple[str, ...] = ()
              ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*prefix, sys.executable, "-m", "advocate", *args],
                          capture_output=True, text=True, env=_env(place), cwd=place["work"],
                          timeout=600, stdin=subprocess.DEVNULL)


def _public(place: dict[str, Path]) -> str:
    return (place["root"] / "public.txt").read_text(encoding="utf-8").strip()


def _opened(archive: Path, key: Path) -> tarfile.TarFile:
    identity = pyrage.x25519.Identity.from_str(key.read_text().splitlines()[-1])
    return tarfile.open(fileobj=io.BytesIO(pyrage.decrypt(archive.read_bytes(), [identity])))


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_archive_holds_the_plain_builds_bytes(place: dict[str, Path]) -> None:
    plain = _advocate(place, *BUILD, "-o", "plain")
    assert plain.returncode == 0, plain.stderr
    result = _advocate(place, *BUILD, "-o", "sealed", "--encrypt-to", _public(place),
                       "--encrypt-to", str(place["root"] / "key.txt"))  # a key, an identity
    assert result.returncode == 0, result.stderr
    assert "to sealed.tar.age (encrypted)" in result.stderr
    archive = place["work"] / "sealed.tar.age"
    assert sorted(p.name for p in place["work"].iterdir()) == [
        "plain", "sealed.tar.age", "signers.csv"]
    assert archive.stat().st_mode & 0o777 == 0o600
    assert MARKER.encode() not in archive.read_bytes()
    with _opened(archive, place["root"] / "key.txt") as tar:
        members = tar.getmembers()
        names = [m.name for m in members]
        files = {m.name.removeprefix("sealed/"): tar.extractfile(m).read()  # type: ignore[union-attr]
                 for m in members if m.isfile()}
    assert files == _tree(place["work"] / "plain")
    assert any(MARKER.encode() in data for data in files.values())
    assert any(name.endswith(".pdf") for name in files)
    assert names[0] == "sealed" and names == sorted(names, key=lambda n: n.split("/"))
    assert {(m.uid, m.gid, m.uname, m.gname, m.mtime) for m in members} == {
        (0, 0, "", "", int(EPOCH))}
    assert {(m.type, m.mode) for m in members} == {(tarfile.DIRTYPE, 0o700),
                                                   (tarfile.REGTYPE, 0o600)}
    # The same build again: another archive (age's keys are random), the same tar.
    again = _advocate(place, *BUILD, "-o", "again.tar.age", "--encrypt-to", _public(place))
    assert again.returncode == 0, again.stderr
    tars = [pyrage.decrypt(p.read_bytes(), [pyrage.x25519.Identity.from_str(
        (place["root"] / "key.txt").read_text().splitlines()[-1])])
        for p in (archive, place["work"] / "again.tar.age")]
    assert tars[0].replace(b"sealed", b"again\0") != tars[1]  # names differ, and no more:
    with tarfile.open(fileobj=io.BytesIO(tars[1])) as tar:
        assert [m.name.removeprefix("again") for m in tar.getmembers()] == \
            [n.removeprefix("sealed") for n in names]
    # An archive already there is replaced only with --force.
    refused = _advocate(place, *BUILD, "-o", "sealed", "--encrypt-to", _public(place))
    assert refused.returncode == 2 and "sealed.tar.age" in refused.stderr, refused.stderr
    forced = _advocate(place, *BUILD, "-o", "sealed", "--encrypt-to", _public(place), "--force")
    assert forced.returncode == 0, forced.stderr


def _created(trace: Path) -> list[str]:
    """Every path any process created, opened for writing or renamed (strace -f -y: an open
    by its result's real path, so that a path through a folder's handle, /proc/PID/fd/N/...,
    counts where it lands; a folder made or renamed through a handle is inside one opened,
    and so checked, before)."""
    found = []
    for line in trace.read_text(encoding="utf-8", errors="replace").splitlines():
        if "= -1" in line or not re.match(
                r"\d+ +(open|openat|creat|mkdir|mkdirat|rename\w*|link\w*)\(", line):
            continue
        if re.match(r"\d+ +(open|openat|creat)\(", line):
            if re.search(r"\bO_(WRONLY|RDWR|CREAT)\b", line) or " creat(" in line:
                found += re.findall(r"= \d+<([^>]*)>$", line)
            continue
        line = re.sub(r'(?:\d+|AT_FDCWD)<([^>]*)>, "([^"]*)"',
                      lambda m: f'"{os.path.join(m.group(1), m.group(2))}"', line)
        found += [p for p in re.findall(r'"([^"]*)"', line)[:2]
                  if p.startswith("/") and not re.match(r"/proc/\d+/fd/", p)]
    return found


@pytest.mark.skipif(not strace_works(), reason="strace cannot trace here")
def test_no_plaintext_is_left_anywhere(place: dict[str, Path]) -> None:
    """Traced: the letters are staged only in the memory folder, the temp folder gets only
    what SECURITY.md lists (fonts), the archive's folder only the archive (and its .part);
    afterwards nothing but the archive remains, and no file any process wrote holds the
    marker."""
    trace = place["root"] / "trace.log"
    result = _advocate(place, *BUILD, "-o", "out", "--encrypt-to", _public(place), prefix=(
        "strace", "-f", "-qq", "-y", "-e", "trace=open,openat,creat,mkdir,mkdirat,rename,"
        "renameat,renameat2,link,linkat", "-o", str(trace)))
    assert result.returncode == 0, result.stderr
    created = _created(trace)
    staged = [p for p in created if Path(p).is_relative_to(place["runtime"])]
    assert staged and all(re.match(re.escape(str(place["runtime"])) + r"/advocate-sealed-\w+",
                                   p) for p in staged)
    assert any(p.endswith(".pdf") for p in staged)  # the letters went there
    elsewhere = [p for p in created if not Path(p).is_relative_to(place["runtime"])
                 and "/__pycache__/" not in p and p not in ("/dev/null", "/dev/tty")]
    for path in elsewhere:
        where = Path(path)
        if where.is_relative_to(place["tmp"]):
            assert re.fullmatch(r"(advocate-child-\w+/)?(advocate-fc-\w+(/fonts\.conf)?"
                                r"|weasyprint-\w+(/[0-9a-f]+)?)|advocate-child-\w+|[a-z0-9_]{8}",
                                where.relative_to(place["tmp"]).as_posix()), path
        else:
            assert where.parent == place["work"] and re.fullmatch(
                r"out\.tar\.age|\.advocate-\w+\.part", where.name), path
    for folder in ("home", "tmp", "cache", "runtime"):
        assert list(place[folder].iterdir()) == [], folder
    assert sorted(p.name for p in place["work"].iterdir()) == ["out.tar.age", "signers.csv"]
    for path in {Path(p) for p in created}:
        if path.is_file():  # what remains of everything written: the archive, ciphertext
            assert MARKER.encode() not in path.read_bytes(), path


@pytest.mark.parametrize(("recipient", "expect"), [
    ("age1notakey", r"--encrypt-to: not an age recipient: age1notakey \(give an age public"),
    ("ssh-ed25519 AAAAnot", r"--encrypt-to: not an age recipient: ssh-ed25519 AAAAnot"),
    ("missing.txt", r"--encrypt-to missing\.txt: no such file, and not an age public key"),
    ("BADLINE", r"recipients\.txt:2: not an age recipient \("),
    ("EMPTY", r"none\.txt: no recipient in this file"),
    ("SECRET", r"--encrypt-to: a secret key on the command line \(other users can see it\)"),
    ("SSHKEY", r"id_ed25519: an SSH private key: give its public key"),
])
def test_a_bad_recipient_is_refused_before_anything_is_written(
        place: dict[str, Path], recipient: str, expect: str) -> None:
    root = place["root"]
    (root / "recipients.txt").write_text(f"{_public(place)}\nage1bad\n", encoding="utf-8")
    (root / "none.txt").write_text("# nobody\n\n", encoding="utf-8")
    (root / "id_ed25519").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nx\n",
                                     encoding="utf-8")
    secret = (root / "key.txt").read_text().splitlines()[-1]
    given = {"BADLINE": str(root / "recipients.txt"), "EMPTY": str(root / "none.txt"),
             "SECRET": secret, "SSHKEY": str(root / "id_ed25519")}.get(recipient, recipient)
    before = sorted(p.name for p in place["work"].iterdir())
    result = _advocate(place, *BUILD, "-o", "out", "--encrypt-to", given)
    assert result.returncode == 2, result.stderr
    assert re.search(expect, " ".join(result.stderr.split())), result.stderr
    assert "Traceback" not in result.stderr and secret not in result.stderr
    assert sorted(p.name for p in place["work"].iterdir()) == before
    assert list(place["runtime"].iterdir()) == [] and list(place["tmp"].iterdir()) == []


@pytest.mark.parametrize("option", [["--watch"], ["--dry-run"], ["--shard", "0/2"]])
def test_options_an_archive_cannot_honour_are_refused(place: dict[str, Path],
                                                      option: list[str]) -> None:
    result = _advocate(place, *BUILD, "-o", "out", "--encrypt-to", _public(place), *option)
    assert result.returncode == 2
    assert f"--encrypt-to cannot be combined with {option[0]}" in result.stderr
    assert sorted(p.name for p in place["work"].iterdir()) == ["signers.csv"]


def test_a_failed_build_leaves_no_staging_and_no_archive(place: dict[str, Path]) -> None:
    (place["work"] / "signers.csv").write_text("name,email\nAna,not-an-email\n",
                                               encoding="utf-8")
    result = _advocate(place, *BUILD, "-o", "out", "--encrypt-to", _public(place))
    assert result.returncode == 2 and "invalid email" in result.stderr, result.stderr
    assert sorted(p.name for p in place["work"].iterdir()) == ["signers.csv"]
    assert list(place["runtime"].iterdir()) == []


def _ctrl_c_as_on_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_build_leaves_no_staging_and_no_archive(
        place: dict[str, Path], signum: int) -> None:
    rows = "".join(f"Writer {i},w{i}@example.org,Lyon,FR,,yes\n" for i in range(400))
    (place["work"] / "signers.csv").write_text("name,email,city,country,note,public\n" + rows,
                                               encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "advocate", *BUILD, "-o", "out", "--encrypt-to",
         _public(place)], env=_env(place), cwd=place["work"], stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        # as from a terminal: a process started with Ctrl-C ignored (a background job, or
        # a test worker that inherited it so) rightly keeps ignoring it, and finished the
        # build once in a busy `make test`
        preexec_fn=_ctrl_c_as_on_a_terminal)
    try:
        deadline = time.monotonic() + 300
        while not any(place["runtime"].rglob("*.pdf")):  # letters are being staged
            assert process.poll() is None and time.monotonic() < deadline, process.stderr
            time.sleep(0.05)
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == (130 if signum == signal.SIGINT else 128 + signum), stderr
    assert "Traceback" not in stderr
    assert sorted(p.name for p in place["work"].iterdir()) == ["signers.csv"]
    assert list(place["runtime"].iterdir()) == []
    assert list(place["tmp"].iterdir()) == []


def test_without_a_memory_file_system_it_says_where_it_stages(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sealed, "memory_folder", lambda: None)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    identity = pyrage.x25519.Identity.generate()
    with sealed.SealedBuild(tmp_path / "out.tar.age", [identity.to_public()]) as sealing:
        assert sealing.folder.parent.parent == tmp_path
        assert sealing.folder.parent.stat().st_mode & 0o777 == 0o700
        assert [p.severity for p in sealing.notices] == ["warning"]
        assert "staged in plaintext on disk" in sealing.notices[0].message
        (sealing.folder / "a").mkdir(parents=True)
        (sealing.folder / "a" / "letter.txt").write_text("Dear minister\n", encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.tar.age"]
    with tarfile.open(fileobj=io.BytesIO(pyrage.decrypt(
            (tmp_path / "out.tar.age").read_bytes(), [identity]))) as tar:
        assert tar.getnames() == ["out", "out/a", "out/a/letter.txt"]
        assert tar.extractfile("out/a/letter.txt").read() == b"Dear minister\n"  # type: ignore[union-attr]


def test_the_archive_name_and_the_memory_folder() -> None:
    assert sealed.archive_path(Path("out")) == Path("out.tar.age")
    assert sealed.archive_path(Path("out/")) == Path("out.tar.age")
    assert sealed.archive_path(Path("x/Out.TAR.age")) == Path("x/Out.TAR.age")
    with pytest.raises(AdvocateError, match=r"ends in \.tar\.age"):
        sealed.SealedBuild(Path("out.zip"), [])
    folder = sealed.memory_folder()
    if folder is not None:
        assert Path(folder).is_dir()


@pytest.mark.parametrize("failure", [KeyboardInterrupt, AdvocateError])
def test_a_failure_while_sealing_or_building_leaves_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: type[BaseException]) -> None:
    """Ctrl-C while the tar is streamed into pyrage comes out as Ctrl-C (not as an I/O error),
    and neither it nor a failed build leaves an archive, a .part file or the staging."""
    identity = pyrage.x25519.Identity.generate()
    add = sealed._TarStream._add

    def failing(self: sealed._TarStream, name: str, path: Path | None) -> None:
        if path is not None:
            raise failure("stopped")
        add(self, name, path)

    monkeypatch.setattr(sealed._TarStream, "_add", failing)
    for during in ("sealing", "building"):
        with pytest.raises(failure), \
                sealed.SealedBuild(tmp_path / "out.tar.age", [identity.to_public()]) as sealing:
            sealing.folder.mkdir()
            (sealing.folder / "letter.txt").write_text("Dear minister\n", encoding="utf-8")
            staging = sealing.folder.parent
            if during == "building":
                raise failure("the build failed")
        assert list(tmp_path.iterdir()) == [] and not staging.exists(), during


@pytest.mark.skipif(not shutil.which("ssh-keygen"), reason="no ssh-keygen here")
def test_an_ssh_public_key_or_its_file_is_a_recipient(tmp_path: Path) -> None:
    from advocate.encryption import recipients

    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True,
                   stdin=subprocess.DEVNULL, timeout=60)
    public = key.with_suffix(".pub").read_text(encoding="utf-8").strip()
    keys = recipients([public, str(key.with_suffix(".pub"))])
    assert len(keys) == 2
    with sealed.SealedBuild(tmp_path / "out.tar.age", keys) as sealing:
        sealing.folder.mkdir()
        (sealing.folder / "letter.txt").write_text("Dear minister\n", encoding="utf-8")
    identity = pyrage.ssh.Identity.from_buffer(key.read_bytes())
    with tarfile.open(fileobj=io.BytesIO(pyrage.decrypt(
            (tmp_path / "out.tar.age").read_bytes(), [identity]))) as tar:
        assert tar.extractfile("out/letter.txt").read() == b"Dear minister\n"  # type: ignore[union-attr]


def test_an_archive_for_a_passphrase(place: dict[str, Path]) -> None:
    """--encrypt-passphrase-file: age's scrypt (``age -d`` asks for it); alone, never with
    --encrypt-to; a missing or empty file writes nothing."""
    secret = place["root"] / "passphrase.txt"
    secret.write_text("long walk to the printer\nsecond line ignored\n", encoding="utf-8")
    result = _advocate(place, *BUILD, "--formats", "txt", "-o", "out",
                       "--encrypt-passphrase-file", str(secret))
    assert result.returncode == 0, result.stderr
    plain = pyrage.passphrase.decrypt((place["work"] / "out.tar.age").read_bytes(),
                                      "long walk to the printer")
    with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
        texts = [tar.extractfile(m).read() for m in tar.getmembers()  # type: ignore[union-attr]
                 if m.name.endswith(".txt")]
    assert texts and any(MARKER.encode() in text for text in texts)
    assert list(place["runtime"].iterdir()) == []
    (place["work"] / "out.tar.age").unlink()
    (place["root"] / "empty.txt").write_text("\n", encoding="utf-8")
    for extra, expect in (
            (["--encrypt-passphrase-file", str(secret), "--encrypt-to", _public(place)],
             "give --encrypt-to or --encrypt-passphrase-file, not both"),
            (["--encrypt-passphrase-file", str(place["root"] / "empty.txt")],
             "empty.txt: no passphrase (the first line is empty)"),
            (["--encrypt-passphrase-file", str(place["root"] / "missing.txt")],
             "missing.txt: cannot read"),
            (["--encrypt-passphrase-file", str(secret), "--dry-run"],
             "--encrypt-passphrase-file cannot be combined with --dry-run")):
        refused = _advocate(place, *BUILD, "-o", "out", *extra)
        assert refused.returncode == 2 and expect in " ".join(refused.stderr.split()), \
            refused.stderr
        assert "long walk" not in refused.stderr
        assert sorted(p.name for p in place["work"].iterdir()) == ["signers.csv"]
