"""What every benchmark prints about where it ran: the machine, the interpreter and the commit measured."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def commit(root: Path) -> str:
    """The short commit, marked when engine/ has uncommitted changes (the figures are then of no commit)."""
    head = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    )
    dirty = subprocess.run(
        ["git", "-C", str(root), "status", "--porcelain", "engine"], capture_output=True, text=True, check=False
    )
    return head.stdout.strip() + (" (engine/ modified)" if dirty.stdout.strip() else "")


def load() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def describe(root: Path) -> str:
    return (
        f"{platform.node()}: {os.cpu_count()} cores (nproc), {cpu_model()}; Python {platform.python_version()}; "
        f"commit {commit(root)}; load average {load():.2f} at start"
    )
