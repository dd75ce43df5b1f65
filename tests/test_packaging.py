"""The routines travel inside the wheel and are found from a non-editable install."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_carries_the_routines_and_coach_list_finds_them(tmp_path: Path) -> None:
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "--wheel-dir", str(tmp_path / "dist"), str(ROOT)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    wheel = next((tmp_path / "dist").glob("voice_coach-*.whl"))
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(site)
    bundled = {n for n in names if n.startswith("coach/_routines/")}
    # The examples go too (routines/examples/), for a physiotherapist to copy from.
    shipped = {
        f"coach/_routines/{p.relative_to(ROOT / 'routines').as_posix()}"
        for p in (ROOT / "routines").rglob("*")
        if p.is_file()
    }
    assert bundled == shipped

    # Run from the unpacked wheel, away from the checkout, as an installed copy would.
    env = dict(os.environ, PYTHONPATH=str(site))
    listing = subprocess.run(
        [sys.executable, "-m", "coach", "list"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert listing.returncode == 0, listing.stderr
    assert [line.split()[0] for line in listing.stdout.splitlines()[1:4]] == [
        "hip-piriformis",
        "pinched-nerve-leg",
        "quick-demo",
    ]
    located = subprocess.run(
        [sys.executable, "-c", "import coach.library as l; print(l.bundled_dir())"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert located.stdout.strip() == str(site / "coach" / "_routines")
