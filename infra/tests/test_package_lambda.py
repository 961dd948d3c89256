"""scripts/package_lambda.py: cleanup, .pyc, the lock, the reproducible zip, and a whole build.

The pip step downloads Lambda's wheels, so it is exercised by `make package`; the whole-build
test installs the same locked distributions from this venv instead (the tests run offline).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import tomllib
import zipfile
import zlib
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


def test_leave_out_removes_a_distributions_files_but_not_its_namespace_neighbours(tmp_path):
    target = tmp_path / "target"
    files = {
        "anthropic/__init__.py": "",
        "anthropic/lib/streaming.py": "",
        "opentelemetry/trace/__init__.py": "",
        "opentelemetry/sdk/__init__.py": "",  # another distribution's half of the namespace
        "keep/__init__.py": "",
    }
    for name in files:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_text("")
    records = {
        "anthropic-1.0.dist-info": ["anthropic/__init__.py", "anthropic/lib/streaming.py"],
        "opentelemetry_api-1.0.dist-info": ["opentelemetry/trace/__init__.py"],
    }
    for info, listed in records.items():
        (target / info).mkdir()
        lines = listed + [f"{info}/METADATA", f"{info}/RECORD"]
        (target / info / "RECORD").write_text("".join(f"{line},,\n" for line in lines))
        (target / info / "METADATA").write_text("")
    removed = package_lambda.leave_out(target, ["anthropic", "opentelemetry-api", "absent"])
    assert removed == ["anthropic", "opentelemetry_api"]
    remaining = {p.relative_to(target).as_posix() for p in target.rglob("*")}
    kept = ["keep/__init__.py", "opentelemetry/sdk/__init__.py"]
    assert remaining == {*kept, "keep", "opentelemetry", "opentelemetry/sdk"}


def install_from_this_venv(target: Path) -> None:
    """What pip's --target install of requirements/lambda.txt lays out, copied from this venv
    (held to the same versions) instead of downloaded for Lambda's platform."""
    for name in pins("lambda.txt"):
        distribution = importlib.metadata.distribution(name)
        for file in distribution.files or ():
            source = Path(distribution.locate_file(file))
            # Console scripts sit outside site-packages; .pyc would be this machine's.
            if ".." in file.parts or "__pycache__" in file.parts or not source.is_file():
                continue
            (target / file).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / file)


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
FLOW = Path(__file__).with_name("lambda_flow.py")


def _record_full_flow(tmp_path: Path) -> list[list[str]]:
    """The modules the function loads in its whole flow (infra/tests/lambda_flow.py)."""
    from bot.db.storage import embedded_database_url
    from tests.fakes import FakeOpenAI, FakeSlack

    database_url = embedded_database_url(tmp_path / "pg")
    with FakeSlack() as slack, FakeOpenAI() as openai:
        files = [
            slack.host_file("paper.pdf", PDF, "application/pdf"),
            slack.host_file("diagram.png", _png(), "image/png"),
        ]
        config = {"signing_secret": "s", "response_url": slack.response_url(), "files": files}
        (tmp_path / "flow.json").write_text(json.dumps(config))
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(tmp_path),
            "PYTHONPATH": str(ROOT),  # tests.support, for signed Slack requests
            "SLACK_BOT_TOKEN": slack.bot_token,
            "SLACK_SIGNING_SECRET": "s",
            "OPENAI_API_KEY": "sk-test",
            "SLACK_API_URL": slack.base_url,
            "OPENAI_BASE_URL": openai.base_url,
            "DATABASE_URL": database_url,
            "EMBEDDING_DIMS": "256",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": "us-east-1",
            "AWS_LAMBDA_FUNCTION_NAME": "memory-bot",  # and so the metric lines too
            "LOG_LEVEL": "WARNING",
        }
        command = [sys.executable, str(FLOW), "record", str(tmp_path / "flow.json")]
        result = subprocess.run(
            [*command, str(tmp_path / "loaded.json")],
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert result.returncode == 0, result.stderr
        assert '"level": "ERROR"' not in result.stderr, result.stderr
        # Every part of the flow reached the services it needs.
        assert {"/v1/responses", "/v1/chat/completions", "/v1/embeddings"} <= {
            r.path for r in openai.requests
        }
        for method in ("chat.startStream", "views.publish", "files.completeUploadExternal"):
            assert slack.calls_to(method), method
    return json.loads((tmp_path / "loaded.json").read_text())


def _shipped_distribution(module: str, lock: set[str], owners: dict[str, list[str]]) -> bool:
    top = module.split(".")[0]
    return top == "bot" or any(canonicalize_name(d) in lock for d in owners.get(top, []))


def test_the_built_package_leaves_out_what_never_runs_and_imports_all_that_does(
    tmp_path, monkeypatch
):
    loaded = _record_full_flow(tmp_path)
    # Optional imports of packages the zip never had (psutil, setuptools' hooks) stay optional.
    lock, owners = set(pins("lambda.txt")), importlib.metadata.packages_distributions()
    modules = [[name, file] for name, file in loaded if _shipped_distribution(name, lock, owners)]
    assert len(modules) > 1000 and any(name == "langmem" for name, _ in modules)

    zip_path = tmp_path / "dist" / "lambda.zip"
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    package_lambda.build(zip_path, python=sys.executable, install=install_from_this_venv)
    with zipfile.ZipFile(zip_path) as zf:
        tops = {name.split("/")[0] for name in zf.namelist()}
        zf.extractall(tmp_path / "task")
    for left_out in ("anthropic", "langchain_anthropic", "docstring_parser", "opentelemetry"):
        assert left_out not in tops
    assert {"bot", "langmem", "openai", "langchain_openai", "psycopg"} <= tops
    assert list((tmp_path / "tmp").iterdir()) == []  # the ~200 MB build folder is gone

    # A fresh interpreter with the unpacked zip as its only third-party code, as on Lambda.
    (tmp_path / "modules.json").write_text(json.dumps(modules))
    task, report = tmp_path / "task", tmp_path / "imported.json"
    result = subprocess.run(
        [
            sys.executable,
            "-I",
            "-S",
            str(FLOW),
            "import",
            str(task),
            str(tmp_path / "modules.json"),
            str(report),
        ],  # fmt: skip
        cwd=task,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    imported = json.loads(report.read_text())
    assert imported["failed"] == {}
    assert imported["outside"] == {}  # each came from the package, none from elsewhere
