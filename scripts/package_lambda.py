"""Build dist/lambda.zip for the AWS Lambda Python 3.12 x86_64 runtime, without Docker.

Third-party wheels are fetched for the Lambda platform rather than for this machine (which may
run another Python or architecture), so psycopg-binary, pydantic-core and friends come out as
manylinux cp312 builds. The `bot` package is copied next to them, and the zip is written with
sorted entries and fixed timestamps so identical inputs give a byte-identical file: CDK hashes
the asset, and an unchanged hash means no Lambda update on `cdk deploy`.

Usage: python scripts/package_lambda.py [--without-boto3] [--constraint FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD_DIR = ROOT / "build" / "lambda"
DIST_DIR = ROOT / "dist"
ZIP_PATH = DIST_DIR / "lambda.zip"
REQUIREMENTS_OUT = DIST_DIR / "lambda-requirements.txt"

PYTHON_VERSION = "3.12"
# The python3.12 runtime runs on Amazon Linux 2023 (glibc 2.34), so manylinux_2_28 wheels load
# there too; listing that tag matters for projects that stopped publishing manylinux2014 wheels.
PLATFORMS = ("manylinux2014_x86_64", "manylinux_2_28_x86_64")

# Any date works as long as it is fixed; 1980-01-01 is the earliest a zip header can hold.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

# The Lambda runtime ships its own boto3, so these can be left out to save space; we bundle them
# by default so the deployed code runs against the version we resolved, not whatever the
# runtime happens to carry that month.
BOTO_PACKAGES = ("boto3", "botocore", "s3transfer")

# Files pip writes that describe this particular install (absolute shebangs, hashes of those
# scripts, "installed by pip") rather than the code; they would make the zip differ between
# machines and nothing reads them at run time.
INSTALL_NOISE = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}


def runtime_dependencies() -> list[str]:
    with (ROOT / "pyproject.toml").open("rb") as fh:
        project = tomllib.load(fh)["project"]
    return list(project.get("dependencies", []))


def pip_install(deps: list[str], target: Path, constraint: Path | None) -> None:
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
        # .pyc files compiled by this interpreter would be for the wrong Python version.
        "--no-compile",
        "--no-warn-script-location",
        "--disable-pip-version-check",
        "--quiet",
    ]
    for platform in PLATFORMS:
        cmd += ["--platform", platform]
    if constraint is not None:
        cmd += ["--constraint", str(constraint)]
    cmd += deps
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def remove_boto(target: Path) -> None:
    for entry in list(target.iterdir()):
        top = entry.name.split("-", 1)[0].lower()
        if top in BOTO_PACKAGES:
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


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


def write_requirements(target: Path, out: Path) -> None:
    """Record the resolved versions so a later build can be pinned with --constraint."""
    pins = []
    for info in sorted(target.glob("*.dist-info")):
        name, version = info.name[: -len(".dist-info")].rsplit("-", 1)
        pins.append(f"{name}=={version}")
    out.write_text("\n".join(sorted(pins, key=str.lower)) + "\n")


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--without-boto3",
        action="store_true",
        help="leave out boto3/botocore/s3transfer and use the copies in the Lambda runtime",
    )
    parser.add_argument(
        "--constraint",
        type=Path,
        help="pip constraints file pinning versions (e.g. a saved dist/lambda-requirements.txt)",
    )
    parser.add_argument(
        "--allow-missing-bot",
        action="store_true",
        help="build the dependency layer even if bot/ is not there yet",
    )
    args = parser.parse_args(argv)

    started = time.monotonic()
    shutil.rmtree(BUILD_DIR, ignore_errors=True)
    BUILD_DIR.mkdir(parents=True)
    DIST_DIR.mkdir(exist_ok=True)

    pip_install(runtime_dependencies(), BUILD_DIR, args.constraint)
    if args.without_boto3:
        remove_boto(BUILD_DIR)
    strip_noise(BUILD_DIR)
    write_requirements(BUILD_DIR, REQUIREMENTS_OUT)

    if not copy_bot(BUILD_DIR):
        message = f"{ROOT / 'bot'} is missing or is not a package (no __init__.py)"
        if not args.allow_missing_bot:
            print(f"error: {message}; pass --allow-missing-bot to build anyway", file=sys.stderr)
            return 1
        print(f"warning: {message}; the zip holds dependencies only", file=sys.stderr)

    zipped, unzipped = write_zip(BUILD_DIR, ZIP_PATH)
    mib = 1024 * 1024
    print(f"wrote {ZIP_PATH.relative_to(ROOT)}")
    print(f"  sha256    {sha256(ZIP_PATH)}")
    print(f"  zipped    {zipped / mib:.1f} MiB ({zipped} bytes)")
    # Lambda's limit is 250 MB unzipped for code plus layers; 50 MB zipped only applies to
    # direct uploads, and CDK uploads through S3.
    print(f"  unzipped  {unzipped / mib:.1f} MiB ({unzipped} bytes), limit 250 MB")
    print(f"  versions  {REQUIREMENTS_OUT.relative_to(ROOT)}")
    print(f"  took      {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
