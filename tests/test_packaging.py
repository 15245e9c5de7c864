"""A wheel built from the repo (not only an editable install) carries the rule files and the catalog."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT


def test_the_wheel_carries_rules_and_catalog(tmp_path: Path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("exportctl-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "exportctl/_rules/_metrics.yaml" in names
    assert "exportctl/_rules/us-2023-10.yaml" in names
    assert "exportctl/_catalog/nvidia/h20.yaml" in names
    assert "exportctl/decision/durable.py" in names
    assert "exportctl/batch/run.py" in names
