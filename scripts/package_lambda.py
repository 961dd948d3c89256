"""Build dist/lambda.zip for the AWS Lambda Python 3.12 x86_64 runtime, without Docker.

Third-party wheels are fetched for the Lambda platform rather than for this machine (which may
run another Python or architecture), so psycopg-binary, pydantic-core and friends come out as
manylinux cp312 builds, at exactly the versions (and hashes) of requirements/lambda.txt. The
`bot` package is copied next to them, and everything is byte-compiled by a Python 3.12: without
.pyc files every cold start on Lambda compiles each imported module again (~200 ms more for a
cold ack). The zip is written with sorted entries and fixed timestamps so identical inputs give
a byte-identical file: CDK hashes the asset, and an unchanged hash means no Lambda update on
`cdk deploy`. Distributions no code path of the bot imports are left out (UNUSED_DISTRIBUTIONS),
and the build happens in a temporary folder that is removed when done.

Usage: python scripts/package_lambda.py [--without-boto3] [--python /path/to/python3.12]
"""

from __future__ import annotations

import argparse
import csv
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST_DIR = ROOT / "dist"
ZIP_PATH = DIST_DIR / "lambda.zip"
LOCK = ROOT / "requirements" / "lambda.txt"

PYTHON_VERSION = "3.12"
# Where Lambda unpacks the code: recorded in the .pyc so tracebacks name the deployed files.
LAMBDA_TASK_ROOT = "/var/task"
# A Python 3.12 to compile with, when not given with --python.
PYTHON_VARIABLE = "LAMBDA_PYTHON"
# The python3.12 runtime runs on Amazon Linux 2023 (glibc 2.34), so manylinux_2_28 wheels load
# there too; listing that tag matters for projects that stopped publishing manylinux2014 wheels.
PLATFORMS = ("manylinux2014_x86_64", "manylinux_2_28_x86_64")

# Any date works as long as it is fixed; 1980-01-01 is the earliest a zip header can hold.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

# The Lambda runtime ships its own boto3, so these can be left out to save space; we bundle them
# by default so the deployed code runs against the version we resolved, not whatever the
# runtime happens to carry that month.
BOTO_PACKAGES = ("boto3", "botocore", "s3transfer")

# In the lock, never imported by the bot: 38 MB of the 154 MB unzipped. LangMem requires
# langchain-anthropic for `init_chat_model("anthropic:...")`, which imports it only when named an
# Anthropic model; the bot hands LangMem its OpenAI chat model. The other two come only with
# anthropic (langsmith imports opentelemetry only if it is there). infra/tests/
# test_package_lambda.py runs the function's whole flow and imports every module it loaded
# from the built zip, with nothing else on the path.
UNUSED_DISTRIBUTIONS = ("anthropic", "langchain-anthropic", "docstring-parser", "opentelemetry-api")

# Files pip writes that describe this particular install (absolute shebangs, hashes of those
# scripts, "installed by pip") rather than the code; they would make the zip differ between
# machines and nothing reads them at run time.
INSTALL_NOISE = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}


def pip_install(lock: Path, target: Path) -> None:
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--target",
        str(target),
        "--implementation",
        "cp",
        "--python-version",
        PYTHON_VERSION,
        # pip refuses a foreign --platform unless it may only take wheels: building an sdist
        # here would compile for this machine, not for Lambda.
        "--only-binary=:all:",
        # Exactly the locked versions and files: the lock lists every dependency, with hashes.
        "--no-deps",
        "--require-hashes",
        # .pyc files compiled by this interpreter would be for the wrong Python version.
        "--no-compile",
        "--no-warn-script-location",
        "--disable-pip-version-check",
        "--quiet",
    ]
    for platform in PLATFORMS:
        cmd += ["--platform", platform]
    cmd += ["--requirement", str(lock)]
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def python312_candidates(
    environ: Mapping[str, str], home: Path, which=shutil.which
) -> Iterable[str]:
    """Interpreters that may be a Python 3.12, most explicit first."""
    if environ.get(PYTHON_VARIABLE):
        yield environ[PYTHON_VARIABLE]
    on_path = which("python3.12")
    if on_path:
        yield on_path
    yield from sorted(glob.glob(str(home / ".pyenv" / "versions" / "3.12*" / "bin" / "python")))


def find_python312(candidates: Iterable[str]) -> str | None:
    for python in candidates:
        try:
            result = subprocess.run(
                [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True,
                text=True,
                timeout=30,
            )
        except OSError:
            continue
        if result.returncode == 0 and result.stdout.strip() == PYTHON_VERSION:
            return python
    return None


def compile_tree(python: str, target: Path) -> None:
    """Byte-compile every module under target with `python`, as Lambda will find them.

    Lambda unpacks the zip with the zip's timestamps (here all 1980), which would never match
    the source mtime a default .pyc records, so Python would ignore every one of them and
    compile again. "unchecked-hash" .pyc files are used without looking at the source at all.
    """
    cmd = [
        python,
        "-m",
        "compileall",
        "-q",
        "--invalidation-mode",
        "unchecked-hash",
        "-s",
        str(target),
        "-p",
        LAMBDA_TASK_ROOT,
        str(target),
    ]
    # compileall exits 1 if any file does not compile (some packages ship Python 2 era
    # templates or test data as .py); those are never imported, so they are counted, not fatal.
    result = subprocess.run(cmd, capture_output=True, text=True)
    failed = result.stdout.count("***")
    if failed:
        print(f"  {failed} file(s) did not byte-compile (left as source)", flush=True)


def remove_boto(target: Path) -> None:
    for entry in list(target.iterdir()):
        top = entry.name.split("-", 1)[0].lower()
        if top in BOTO_PACKAGES:
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


def leave_out(target: Path, distributions: Iterable[str]) -> list[str]:
    """Delete the installed files of `distributions` (as their RECORD lists them, so a namespace
    shared with another distribution keeps the other's files). Returns the ones found."""
    unwanted = {_canonical(name) for name in distributions}
    removed = []
    for info in sorted(target.glob("*.dist-info")):
        name = info.name.removesuffix(".dist-info").rsplit("-", 1)[0]
        if _canonical(name) not in unwanted:
            continue
        with (info / "RECORD").open(newline="") as record:
            paths = [target / row[0] for row in csv.reader(record) if row]
        for path in paths:
            if path.resolve().is_relative_to(target.resolve()) and path.is_file():
                path.unlink()
        for folder in sorted({p.parent for p in paths}, key=lambda p: len(p.parts), reverse=True):
            while folder != target and folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
                folder = folder.parent
        shutil.rmtree(info, ignore_errors=True)
        removed.append(name)
    return removed


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()  # PEP 503


def strip_noise(target: Path) -> None:
    # Console scripts carry this machine's interpreter path in their shebang; Lambda never
    # runs them.
    shutil.rmtree(target / "bin", ignore_errors=True)
    # A top-level `tests` package is a packaging mistake of some dependency, never imported.
    shutil.rmtree(target / "tests", ignore_errors=True)
    for path in sorted(target.rglob("*"), reverse=True):
        if path.is_dir() and path.name == "__pycache__":
            shutil.rmtree(path)
        elif path.is_file() and (
            path.suffix in {".pyc", ".pyo"}
            or (path.parent.name.endswith(".dist-info") and path.name in INSTALL_NOISE)
        ):
            path.unlink()


def copy_bot(target: Path) -> bool:
    source = ROOT / "bot"
    if not (source / "__init__.py").is_file():
        return False
    shutil.copytree(
        source,
        target / "bot",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", "tests"),
    )
    return True


def write_zip(source: Path, zip_path: Path) -> tuple[int, int]:
    # Sorted by the name stored in the zip, so the order does not depend on the filesystem.
    files = sorted((p.relative_to(source).as_posix(), p) for p in source.rglob("*") if p.is_file())
    unzipped = 0
    tmp = zip_path.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp, "w") as zf:
        for arcname, path in files:
            info = zipfile.ZipInfo(arcname, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so Lambda honours the mode bits below
            mode = 0o755 if os.access(path, os.X_OK) else 0o644
            info.external_attr = (0o100000 | mode) << 16
            data = path.read_bytes()
            unzipped += len(data)
            zf.writestr(info, data, compresslevel=9)
    tmp.replace(zip_path)
    return zip_path.stat().st_size, unzipped


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


Install = Callable[[Path], None]


def build(
    zip_path: Path,
    *,
    python: str,
    install: Install = lambda target: pip_install(LOCK, target),
    without_boto3: bool = False,
    allow_missing_bot: bool = False,
) -> tuple[int, int]:
    """Install, trim, add the bot, byte-compile and zip, in a temporary folder removed after
    (the tree is ~200 MB). Returns the zip's size and the unzipped size."""
    with tempfile.TemporaryDirectory(prefix="lambda-build-") as folder:
        target = Path(folder)
        install(target)
        leave_out(target, UNUSED_DISTRIBUTIONS)
        if without_boto3:
            remove_boto(target)
        strip_noise(target)
        if not copy_bot(target):
            message = f"{ROOT / 'bot'} is missing or is not a package (no __init__.py)"
            if not allow_missing_bot:
                raise MissingBot(f"{message}; pass --allow-missing-bot to build anyway")
            print(f"warning: {message}; the zip holds dependencies only", file=sys.stderr)
        compile_tree(python, target)
        zip_path.parent.mkdir(parents=True, exist_ok=True)
        return write_zip(target, zip_path)


class MissingBot(Exception):
    pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--without-boto3",
        action="store_true",
        help="leave out boto3/botocore/s3transfer and use the copies in the Lambda runtime",
    )
    parser.add_argument(
        "--python",
        help=f"a Python {PYTHON_VERSION} to byte-compile with (default: ${PYTHON_VARIABLE}, "
        f"python{PYTHON_VERSION} on PATH, or ~/.pyenv/versions/{PYTHON_VERSION}*)",
    )
    parser.add_argument(
        "--allow-missing-bot",
        action="store_true",
        help="build the dependency layer even if bot/ is not there yet",
    )
    args = parser.parse_args(argv)

    # Found before the slow download, so a machine without one fails at once.
    python312 = find_python312(
        [args.python] if args.python else python312_candidates(os.environ, Path.home())
    )
    if python312 is None:
        print(
            f"error: no Python {PYTHON_VERSION} found to byte-compile the Lambda code with. "
            f"Install one (e.g. `pyenv install {PYTHON_VERSION}`), or name it with --python "
            f"or {PYTHON_VARIABLE}=/path/to/python{PYTHON_VERSION}.",
            file=sys.stderr,
        )
        return 1

    started = time.monotonic()
    try:
        zipped, unzipped = build(
            ZIP_PATH,
            python=python312,
            without_boto3=args.without_boto3,
            allow_missing_bot=args.allow_missing_bot,
        )
    except MissingBot as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    mib = 1024 * 1024
    print(f"wrote {ZIP_PATH.relative_to(ROOT)}")
    print(f"  sha256    {sha256(ZIP_PATH)}")
    print(f"  zipped    {zipped / mib:.1f} MiB ({zipped} bytes)")
    # Lambda's limit is 250 MB unzipped for code plus layers; 50 MB zipped only applies to
    # direct uploads, and CDK uploads through S3.
    print(f"  unzipped  {unzipped / mib:.1f} MiB ({unzipped} bytes), limit 250 MB")
    print(f"  versions  {LOCK.relative_to(ROOT)}")
    print(f"  left out  {', '.join(UNUSED_DISTRIBUTIONS)} (never imported)")
    print(f"  .pyc by   {python312}")
    print(f"  took      {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
