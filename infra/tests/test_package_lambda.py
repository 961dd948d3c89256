"""The offline parts of scripts/package_lambda.py: cleanup, .pyc, the lock, the reproducible zip.

The pip step needs the network and takes ~40 s, so it is exercised by `make package`, not here.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "package_lambda.py"
_spec = importlib.util.spec_from_file_location("package_lambda", SCRIPT)
assert _spec and _spec.loader
package_lambda = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(package_lambda)


def make_tree(root: Path, mtime: int) -> Path:
    files = {
        "zeta/__init__.py": "z = 1\n",
        "alpha/__init__.py": "a = 1\n",
        "alpha/sub/data.txt": "payload\n",
        "alpha-1.0.dist-info/METADATA": "Name: alpha\n",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        os.utime(path, (mtime, mtime))
    return root


def test_same_files_give_the_same_bytes_whatever_their_timestamps(tmp_path: Path) -> None:
    first = make_tree(tmp_path / "one", mtime=1_600_000_000)
    second = make_tree(tmp_path / "two", mtime=1_700_000_000)
    package_lambda.write_zip(first, tmp_path / "one.zip")
    package_lambda.write_zip(second, tmp_path / "two.zip")
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()


def test_zip_entries_are_sorted_with_fixed_dates_and_readable_modes(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree", mtime=1_600_000_000)
    zipped, unzipped = package_lambda.write_zip(tree, tmp_path / "out.zip")
    with zipfile.ZipFile(tmp_path / "out.zip") as zf:
        infos = zf.infolist()
    names = [info.filename for info in infos]
    assert names == sorted(names) and "alpha/sub/data.txt" in names
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    # Lambda runs the code as another user: files must be world-readable.
    assert all((info.external_attr >> 16) & 0o444 == 0o444 for info in infos)
    assert unzipped == sum(info.file_size for info in infos)
    assert zipped == (tmp_path / "out.zip").stat().st_size


def test_strip_noise_drops_install_artifacts_but_keeps_metadata(tmp_path: Path) -> None:
    target = tmp_path / "target"
    keep = ["pkg/__init__.py", "pkg-1.0.dist-info/METADATA", "pkg-1.0.dist-info/entry_points.txt"]
    drop = [
        "pkg/__pycache__/mod.cpython-311.pyc",
        "pkg/stale.pyc",
        "pkg-1.0.dist-info/RECORD",
        "pkg-1.0.dist-info/INSTALLER",
        "bin/some-script",
        "tests/test_pkg.py",
    ]
    for name in keep + drop:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_text("x")
    package_lambda.strip_noise(target)
    remaining = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()}
    assert remaining == set(keep)


ROOT = SCRIPT.parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)


def pins(lock: str) -> dict[str, str]:
    text = (ROOT / "requirements" / lock).read_text()
    return {canonicalize_name(name): version for name, version in PIN.findall(text)}


def project() -> dict:
    with (ROOT / "pyproject.toml").open("rb") as fh:
        return tomllib.load(fh)["project"]


def assert_locked(requirements: list[str], locked: dict[str, str], lock: str) -> None:
    for line in requirements:
        req = Requirement(line)
        name = canonicalize_name(req.name)
        assert name in locked, f"{req.name} is not in requirements/{lock}: run `make lock`"
        assert req.specifier.contains(locked[name], prereleases=True), (
            f"requirements/{lock} pins {req.name}=={locked[name]}, outside {req.specifier}: "
            "run `make lock`"
        )


def test_every_dependency_is_pinned_in_the_locks_within_pyproject_ranges() -> None:
    runtime = project()["dependencies"]
    extras = project()["optional-dependencies"]
    assert_locked(runtime, pins("lambda.txt"), "lambda.txt")
    assert_locked(runtime + extras["local"], pins("local.txt"), "local.txt")
    assert_locked(runtime + extras["dev"], pins("dev.txt"), "dev.txt")


def test_the_venv_runs_the_versions_the_zip_ships() -> None:
    shipped = pins("lambda.txt")
    for lock in ("local.txt", "dev.txt"):
        for name, version in pins(lock).items():
            if name in shipped:
                assert version == shipped[name], (lock, name)


def test_every_pin_carries_hashes() -> None:
    for lock in ("lambda.txt", "local.txt", "dev.txt"):
        text = (ROOT / "requirements" / lock).read_text()
        assert text.count("--hash=sha256:") >= len(pins(lock)), lock


def test_pyc_are_used_without_looking_at_the_source(tmp_path: Path) -> None:
    # Lambda unpacks files with the zip's 1980 timestamps: a .pyc that checks the source's mtime
    # would be thrown away on every cold start. Changing the source after compiling shows that
    # the interpreter takes the .pyc as it is.
    (tmp_path / "shipped.py").write_text("ANSWER = 'compiled'\n")
    package_lambda.compile_tree(sys.executable, tmp_path)
    (tmp_path / "shipped.py").write_text("ANSWER = 'source'\n")
    os.utime(tmp_path / "shipped.py", (315532800, 315532800))
    result = subprocess.run(
        [sys.executable, "-c", "import shipped; print(shipped.ANSWER, shipped.__cached__)"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    answer, cached = result.stdout.split()
    assert answer == "compiled"
    assert cached.endswith(f"shipped.{sys.implementation.cache_tag}.pyc")


def test_pyc_name_the_deployed_path_in_tracebacks(tmp_path: Path) -> None:
    (tmp_path / "boom.py").write_text("def fail():\n    raise RuntimeError\n")
    package_lambda.compile_tree(sys.executable, tmp_path)
    pyc = next((tmp_path / "__pycache__").glob("boom.*.pyc"))
    assert b"/var/task/boom.py" in pyc.read_bytes()


def test_a_python_312_is_found_or_the_build_stops_saying_how_to_get_one(
    tmp_path: Path, capsys
) -> None:
    pyenv = tmp_path / ".pyenv" / "versions"
    for version in ("3.11.7", "3.12.1"):
        (pyenv / version / "bin").mkdir(parents=True)
        (pyenv / version / "bin" / "python").touch()
    candidates = list(
        package_lambda.python312_candidates({"LAMBDA_PYTHON": "/opt/py"}, tmp_path, lambda _: None)
    )
    # The configured one first, then pyenv's 3.12 (and never its 3.11).
    assert candidates == ["/opt/py", str(pyenv / "3.12.1" / "bin" / "python")]
    # Not a 3.12 (this test runs on the venv's Python, 3.11+), or not there at all.
    if sys.version_info[:2] != (3, 12):
        assert package_lambda.find_python312([sys.executable]) is None
    assert package_lambda.find_python312([str(tmp_path / "missing")]) is None

    assert package_lambda.main(["--python", str(tmp_path / "missing")]) == 1
    message = capsys.readouterr().err
    assert "no Python 3.12" in message and "--python" in message and "LAMBDA_PYTHON" in message
