"""The cluster tests: not part of `make test` (pyproject's norecursedirs leaves this folder
out), run by `make cluster-test`, which installs Slurm and MUNGE from Debian first."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from one_node import OneNodeSlurm, missing_programs


@pytest.fixture(scope="module")
def slurm() -> Iterator[OneNodeSlurm]:
    """A one-node Slurm of its own (2 CPUs), torn down whatever the tests did."""
    missing = missing_programs()
    if missing:
        pytest.skip(f"Slurm and MUNGE are not installed (missing: {', '.join(missing)}); "
                    "`make cluster-test` installs them with apt (slurm-wlm, munge)")
    # Not below pytest's own temporary folder: munged wants every folder above its socket
    # searchable by all (pytest's is 0700), and a socket's path is short.
    root = Path(tempfile.mkdtemp(prefix="advocate-slurm-"))
    root.chmod(0o711)
    cluster = OneNodeSlurm(root)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
