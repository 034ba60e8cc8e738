"""The Rust crates carry real package metadata (docs/embedding.md: a Rust program uses
fidelite-kernels directly): description, license, repository, documentation, readme, the
project's one URL everywhere, and ``cargo package`` lists the kernel crate."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUST = ROOT / "rust"


def manifest(path: Path) -> dict:
    return tomllib.loads(path.read_text())


def test_every_crate_has_real_metadata():
    workspace = manifest(RUST / "Cargo.toml")["workspace"]["package"]
    home = manifest(ROOT / "pyproject.toml")["project"]["urls"]["Repository"]
    assert workspace["repository"] == home and home.startswith("https://github.com/")
    assert "invalid" not in home and "example" not in home
    for crate in ("kernels", "python"):
        package = manifest(RUST / crate / "Cargo.toml")["package"]
        fields = {k: (workspace[k] if isinstance(v, dict) and v.get("workspace") else v) for k, v in package.items()}
        for key in ("description", "license", "repository", "documentation", "readme"):
            assert fields.get(key), f"rust/{crate}/Cargo.toml needs {key}"
        assert fields["repository"] == home
        assert (RUST / crate / fields["readme"]).is_file()
        assert fields["documentation"].startswith("https://")
    assert manifest(RUST / "kernels" / "Cargo.toml")["package"]["documentation"] == "https://docs.rs/fidelite-kernels"


@pytest.mark.skipif(shutil.which("cargo") is None, reason="needs cargo")
def test_cargo_packages_the_kernel_crate():
    done = subprocess.run(
        ["cargo", "package", "--list", "--allow-dirty", "-p", "fidelite-kernels"],
        cwd=RUST,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    listed = done.stdout.split()
    assert {"Cargo.toml", "README.md", "src/lib.rs"} <= set(listed)
