"""A fresh checkout in another folder works (issue 15 §7): the tests that read the shared reference
material find it as ``../shared`` beside the repository, wherever that is and whatever the working
directory; the default SQLite store does not depend on the working directory either."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

# Tests that read ../shared (JWT vectors, the Sandbox's observed requests, the spec's examples).
SHARED_READERS = [
    "tests/test_auth.py",
    "tests/test_feedback.py",
    "tests/test_feedback_app.py",
    "tests/test_wire.py",
]
SELECT = "spec_vector or sandbox or private or example or extension"


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tracked files copied to <tmp>/other-folder/checkout, with ../shared beside it."""
    if not SHARED.is_dir():
        pytest.fail(f"the shared reference material is not beside the repository ({SHARED})")
    base = tmp_path_factory.mktemp("other-folder")
    checkout = base / "checkout"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True, timeout=60,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        src = ROOT / name
        if src.is_file():
            dst = checkout / name
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    (base / "shared").symlink_to(SHARED.resolve(), target_is_directory=True)
    return checkout


def run_elsewhere(checkout: Path, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    cwd = checkout.parent.parent  # neither the checkout nor this repository
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CDS_", "PYTHON"))}
    env["PYTHONPATH"] = str(checkout)
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_shared_material_is_found_from_a_checkout_in_another_folder(elsewhere: Path) -> None:
    tests = [str(elsewhere / t) for t in SHARED_READERS]
    proc = run_elsewhere(
        elsewhere,
        "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(elsewhere),
        "-c", str(elsewhere / "pyproject.toml"), "-k", SELECT, *tests,
        timeout=240,
    )  # fmt: skip
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    assert " passed" in out and "skipped" not in out and "error" not in out.lower().split("passed")[-1]
    assert str(ROOT) not in out  # nothing reached back into this repository


def test_the_default_sqlite_store_does_not_depend_on_the_working_directory(elsewhere: Path) -> None:
    proc = run_elsewhere(
        elsewhere,
        "-c",
        "from cds_service.settings import Settings; print(Settings.from_env({}).database_url)",
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"sqlite:///{elsewhere.resolve() / 'var' / 'radicular-cds.sqlite3'}"


def test_the_copy_resolves_shared_beside_itself(elsewhere: Path) -> None:
    """The helpers of the copy point at the copy's ../shared, not at this machine's folder."""
    proc = run_elsewhere(
        elsewhere,
        "-c",
        f"import sys; sys.path.insert(0, {str(elsewhere / 'tests')!r}); import jwt_helpers; "
        "print(jwt_helpers.SHARED)",
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert Path(proc.stdout.strip()) == elsewhere.parent / "shared" / "cds-hooks" / "examples"


def test_no_tracked_file_names_this_machines_shared_folder() -> None:
    """No file hard-codes where ../shared happens to be on this machine."""
    machine_paths = {str(SHARED.resolve()), str(SHARED.absolute())}
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60
    ).stdout.decode().split("\0")
    offenders = []
    for name in filter(None, listed):
        path = ROOT / name
        text_file = path.suffix in (".py", ".md", ".toml", ".yaml", ".yml", ".cfg", ".ini")
        if text_file or name.startswith("scripts/"):
            text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
            offenders += [name for p in machine_paths if p in text]
    assert offenders == []
