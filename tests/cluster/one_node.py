"""A real one-node Slurm cluster (Debian's slurm-wlm and munge) in a temporary folder.

Everything is private to the folder: MUNGE's key, socket and seed, slurm.conf, the
controller's state, slurmd's spool, pid files and logs, and two TCP ports on 127.0.0.1 that
nothing listens on. The daemons run in the foreground (``-D``/``-F``) as children of the
test, so they are ended by their process id, with every job step they started (found by
the private ``SLURM_CONF`` in their environment), whatever happens. Made for a container
without systemd or cgroups: linuxproc process tracking, no task or accounting plugins.
Without accounting (no slurmdbd) ``sacct`` has nothing: jobs are read with ``scontrol``,
which keeps finished jobs for ``MinJobAge`` seconds.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

#: The programs the cluster needs, and the Debian packages that have them.
PROGRAMS = {"munged": "munge", "munge": "munge", "slurmctld": "slurmctld", "slurmd": "slurmd",
            "sbatch": "slurm-client", "scontrol": "slurm-client", "scancel": "slurm-client",
            "squeue": "slurm-client"}
#: Job states after which a job does not run again (unless requeued).
FINISHED = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY",
            "BOOT_FAIL", "DEADLINE", "PREEMPTED"}


def missing_programs() -> list[str]:
    """The Debian packages to install for the cluster (empty: all there)."""
    return sorted({package for program, package in PROGRAMS.items()
                   if shutil.which(program) is None})


def _listening_ports() -> set[int]:
    """TCP ports something listens on, from /proc (no socket is opened to find them)."""
    ports: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text(encoding="ascii").splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 3 and fields[3] == "0A":  # LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def free_ports(count: int) -> list[int]:
    busy = _listening_ports()
    free = [p for p in range(20000, 60000) if p not in busy]
    return random.SystemRandom().sample(free, count)


@dataclass(frozen=True)
class Task:
    """One job, or one task of an array, as ``scontrol show job`` reports it."""

    job: str  # 12 or 12_3
    state: str
    reason: str
    exit_code: str  # "2:0": the script's exit code, then the signal that ended it
    dependency: str
    stdout: str

    @property
    def finished(self) -> bool:
        return self.state in FINISHED


class ClusterError(AssertionError):
    """The cluster did not do what the test waited for; the message has its logs."""


class OneNodeSlurm:
    """munged + slurmctld + slurmd on this machine, configured in ``root``."""

    def __init__(self, root: Path, cpus: int = 2, memory_mb: int = 8192) -> None:
        self.root = root
        self.cpus, self.memory_mb = cpus, memory_mb
        self.node = socket.gethostname().split(".")[0]
        self.conf = root / "slurm.conf"
        self.socket = root / "run" / "munge.socket"
        self._daemons: list[subprocess.Popen[bytes]] = []
        self._names: dict[int, str] = {}  # daemon pid -> program

    # -- start and stop --------------------------------------------------------------------

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment for a Slurm command of this cluster (and for what it submits)."""
        base = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "SBATCH_"))}
        return {**base, "SLURM_CONF": str(self.conf), **(extra or {})}

    def start(self, timeout: float = 60) -> None:
        for name in ("munge", "run", "state", "spool", "log"):
            (self.root / name).mkdir(mode=0o700, parents=True, exist_ok=True)
        (self.root / "run").chmod(0o755)  # munged wants its socket's folder searchable
        key = self.root / "munge" / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o600)
        ctld_port, node_port = free_ports(2)
        self.conf.write_text(self._config(ctld_port, node_port), encoding="ascii")
        self._spawn("munged", ["munged", "-F", f"--key-file={key}", f"--socket={self.socket}",
                               f"--pid-file={self.root / 'run' / 'munged.pid'}",
                               f"--seed-file={self.root / 'munge' / 'seed'}",
                               f"--log-file={self.root / 'log' / 'munged.log'}"])
        self._until(lambda: self.socket.exists(), timeout, "munged to make its socket")
        self._spawn("slurmctld", ["slurmctld", "-D", "-f", str(self.conf)])
        self._spawn("slurmd", ["slurmd", "-D", "-f", str(self.conf), "-N", self.node])
        self._until(self._node_idle, timeout, "the node to be idle in sinfo")

    def _config(self, ctld_port: int, node_port: int) -> str:
        r = self.root
        return "\n".join([
            "ClusterName=advocate-test",
            f"SlurmctldHost={self.node}(127.0.0.1)",
            f"SlurmctldPort={ctld_port}",
            f"SlurmdPort={node_port}",
            "SlurmUser=root",
            "SlurmdUser=root",
            "AuthType=auth/munge",
            "CredType=cred/munge",
            f"AuthInfo=socket={self.socket}",
            f"StateSaveLocation={r / 'state'}",
            f"SlurmdSpoolDir={r / 'spool'}",
            f"SlurmctldPidFile={r / 'run' / 'slurmctld.pid'}",
            f"SlurmdPidFile={r / 'run' / 'slurmd.pid'}",
            f"SlurmctldLogFile={r / 'log' / 'slurmctld.log'}",
            f"SlurmdLogFile={r / 'log' / 'slurmd.log'}",
            "MailProg=/bin/true",
            # A container: no cgroups, no systemd.
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "JobAcctGatherType=jobacct_gather/none",
            "AccountingStorageType=accounting_storage/none",
            "JobCompType=jobcomp/none",
            "MpiDefault=none",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_CPU",  # CPUs are shared out, memory is not enforced
            "SchedulerType=sched/backfill",
            "SlurmdParameters=config_overrides",  # the node is what this file says
            "ReturnToService=2",
            "MinJobAge=3600",  # finished jobs stay visible to scontrol for the test
            "KillWait=5",
            # Start the next job as soon as one ends (the default waits for a cycle).
            "SchedulerParameters=batch_sched_delay=0,sched_min_interval=0,sched_interval=1,"
            "bf_interval=1",
            f"NodeName={self.node} NodeAddr=127.0.0.1 CPUs={self.cpus} "
            f"RealMemory={self.memory_mb} State=UNKNOWN",
            f"PartitionName=test Nodes={self.node} Default=YES MaxTime=INFINITE State=UP",
            "",
        ])

    def _spawn(self, name: str, argv: list[str]) -> None:
        log = open(self.root / "log" / f"{name}.out", "wb")  # noqa: SIM115 (kept open)
        with log:
            daemon = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                      stderr=subprocess.STDOUT, cwd=self.root, env=self.env(),
                                      start_new_session=True)
        self._daemons.append(daemon)
        self._names[daemon.pid] = name

    def _node_idle(self) -> bool:
        done = subprocess.run(["sinfo", "-h", "-o", "%t"], env=self.env(), capture_output=True,
                              text=True, timeout=30, check=False)
        return done.returncode == 0 and done.stdout.strip() == "idle"

    def stop(self) -> None:
        """End every job, then the daemons, then anything still carrying our SLURM_CONF."""
        if self._daemons and all(d.poll() is None for d in self._daemons):
            subprocess.run(["scancel", "--user=root"], env=self.env(), capture_output=True,
                           timeout=30, check=False)
            with contextlib.suppress(ClusterError):
                self.until_empty(20)
        for daemon in reversed(self._daemons):
            if daemon.poll() is None:
                daemon.terminate()
        for daemon in reversed(self._daemons):
            try:
                daemon.wait(timeout=15)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait(timeout=15)
        for pid in self._job_processes():  # slurmscriptd, a job step left behind
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self._daemons.clear()

    def _job_processes(self) -> list[int]:
        """slurmstepd and job processes of this cluster: their environment has our conf."""
        marker = f"SLURM_CONF={self.conf}".encode()
        mine = {d.pid for d in self._daemons}
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) in mine:
                continue
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if marker in environ.split(b"\0"):
                found.append(int(entry.name))
        return found

    def logs(self, lines: int = 40) -> str:
        """The tail of every daemon's log, for a failure message."""
        parts = []
        for path in sorted((self.root / "log").glob("*")):
            text = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
            parts.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(parts)

    # -- jobs --------------------------------------------------------------------------------

    def sbatch(self, args: Sequence[str], *, cwd: Path, env: Mapping[str, str]) -> str:
        """Submit as a user would (``sbatch ARGS`` in ``cwd``); the job id it printed."""
        done = subprocess.run(["sbatch", *args], cwd=cwd, env=self.env(env),
                              capture_output=True, text=True, timeout=60, check=False)
        submitted = re.fullmatch(r"Submitted batch job (\d+)\s*", done.stdout)
        if done.returncode != 0 or not submitted:
            raise ClusterError(f"sbatch {' '.join(args)} failed: {done.stdout}{done.stderr}\n"
                               + self.logs())
        return submitted.group(1)

    def scontrol(self, *args: str) -> str:
        done = subprocess.run(["scontrol", *args], env=self.env(), capture_output=True,
                              text=True, timeout=60, check=False)
        if done.returncode != 0:
            raise ClusterError(f"scontrol {' '.join(args)} failed: {done.stderr}")
        return done.stdout

    def tasks(self, job: str) -> dict[str, Task]:
        """The job's tasks (an array's by ``JOB_TASK``), as scontrol shows them now."""
        found: dict[str, Task] = {}
        for line in self.scontrol("show", "job", "-o", job).splitlines():
            fields = dict(re.findall(r"(\w+(?:/\w+)?)=(\S*)", line))
            if "JobId" not in fields:
                continue
            name = fields["JobId"]
            if fields.get("ArrayTaskId", "N/A") not in ("N/A", ""):
                name = f"{fields['ArrayJobId']}_{fields['ArrayTaskId']}"
            found[name] = Task(name, fields.get("JobState", ""), fields.get("Reason", ""),
                               fields.get("ExitCode", ""), fields.get("Dependency", ""),
                               fields.get("StdOut", ""))
        return found

    def wait(self, job: str, timeout: float, count: int = 1) -> dict[str, Task]:
        """Wait until the job's ``count`` tasks have all finished (bounded by ``timeout``)."""
        seen: dict[str, Task] = {}

        def done() -> bool:
            nonlocal seen
            seen = self.tasks(job)
            return len(seen) == count and all(t.finished for t in seen.values())

        self._until(done, timeout, lambda: f"job {job} to finish (now: {seen})")
        return seen

    def wait_for(self, job: str, state: str, timeout: float) -> Task:
        """Wait until the job (one task, e.g. ``12_1``) is in ``state``."""
        found: list[Task] = []

        def reached() -> bool:
            found[:] = list(self.tasks(job).values())[:1]
            return bool(found) and found[0].state == state

        self._until(reached, timeout, lambda: f"job {job} to be {state} (now: {found})")
        return found[0]

    def wait_for_reason(self, job: str, reason: str, timeout: float) -> Task:
        """Wait until Slurm gives ``reason`` for the (pending) job."""
        found: list[Task] = []

        def reached() -> bool:
            found[:] = list(self.tasks(job).values())[:1]
            return bool(found) and found[0].reason == reason

        self._until(reached, timeout, lambda: f"job {job}'s reason {reason} (now: {found})")
        return found[0]

    def until_empty(self, timeout: float) -> None:
        """Wait until no job is pending or running."""
        def empty() -> bool:
            done = subprocess.run(["squeue", "-h"], env=self.env(), capture_output=True,
                                  text=True, timeout=60, check=False)
            return done.returncode == 0 and not done.stdout.strip()

        self._until(empty, timeout, "an empty queue")

    def _until(self, condition: Callable[[], bool], timeout: float,
               what: str | Callable[[], str]) -> None:
        """Poll ``condition`` every 0.1 s; past ``timeout``, fail with the daemons' logs."""
        deadline = time.monotonic() + timeout
        while not condition():
            for daemon in self._daemons:
                if daemon.poll() is not None:
                    raise ClusterError(f"{self._names[daemon.pid]} exited with "
                                       f"{daemon.returncode}\n"
                                       + self.logs())
            if time.monotonic() > deadline:
                said = what() if callable(what) else what
                raise ClusterError(f"waited {timeout:.0f} s for {said}\n" + self.logs())
            time.sleep(0.1)
