"""The counter-PC bundle: build it with PyInstaller and run the bundle's own smoke test (slow; CI runs it)."""

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytest.importorskip("PyInstaller")


@pytest.mark.slow
def test_bundle_builds_and_passes_its_smoke_test(tmp_path):
    out = tmp_path / "dist"
    build = subprocess.run([sys.executable, str(ROOT / "build_installer.py"), "--out", str(out)],
                           capture_output=True, text=True, cwd=ROOT, timeout=1500)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    assert "[build] bundle:" in build.stdout
    bundle = out / "okuyami"
    exe = bundle / ("okuyami.exe" if sys.platform == "win32" else "okuyami")
    assert exe.is_file()
    internal = bundle / "_internal"
    assert (internal / "rules.yaml").is_file() and (internal / "rules" / "shimin.yaml").is_file()
    assert (internal / "forms_templates" / "backgrounds" / "inu_touroku.pdf").is_file()
    fonts = list((internal / "fonts").glob("*.tt[fc]"))
    assert fonts and (internal / "fonts" / "FONT-LICENCES.txt").read_text(encoding="utf-8").count("License") >= 1
    assert not list(bundle.rglob("*WebEngine*"))  # PySide6-Essentials + PySide6-Pdf only
    size = sum(f.stat().st_size for f in bundle.rglob("*") if f.is_file() and not f.is_symlink())
    assert size < 400e6, f"{size / 1e6:.0f} MB"
    if sys.platform != "win32":
        (archive,) = out.glob("okuyami-*.tar.gz")
        with tarfile.open(archive) as tar:
            assert "okuyami/okuyami" in tar.getnames()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", OKUYAMI_FONT_DIR="")
    env.pop("OKUYAMI_RULES", None)
    smoke = subprocess.run([str(exe), "--smoke-test"], capture_output=True, text=True, cwd=tmp_path, env=env,
                           timeout=300)
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    assert "smoke test passed" in smoke.stdout
    check = subprocess.run([str(exe), "rules", "check"], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert check.returncode == 0 and "手続き 53件" in check.stdout
    doctor = subprocess.run([str(exe), "doctor"], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert doctor.returncode == 0 and str(internal / "fonts") in doctor.stdout  # prints with its own fonts
