"""The offline parts of scripts/package_lambda.py: cleanup and the reproducible zip.

The pip step needs the network and takes ~20 s, so it is exercised by `make package`, not here.
"""

from __future__ import annotations

import importlib.util
import os
import zipfile
from pathlib import Path

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


def test_dependencies_come_from_pyproject() -> None:
    deps = package_lambda.runtime_dependencies()
    # The Lambda handler cannot start without these two.
    assert any(dep.startswith("mangum") for dep in deps)
    assert any(dep.startswith("psycopg[binary]") for dep in deps)
