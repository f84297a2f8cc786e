"""The Promela model that `make bench-all` gives SPIN is the same model: pan and rollproof agree.

SPIN is an independent checker: where its pan finds no assertion violation and
no invalid end state, every property holds; where it finds one, rollproof must
find a violation too. Skipped where spin or gcc is not installed.
"""

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import make_model

from verifier.check.verify import Options, check_model
from verifier.results import Verdict

PROMELA = Path(__file__).resolve().parent.parent / "benchmarks" / "promela" / "rollout.pml"

pytestmark = pytest.mark.skipif(shutil.which("spin") is None or shutil.which("gcc") is None,
                                reason="spin or gcc not installed")


def _pan_errors(tmp_path: Path, desired: int, minimum: int, maximum: int, capacity: int | None) -> int:
    shutil.copy(PROMELA, tmp_path)
    defines = [f"-DD={desired}", f"-DM={minimum}", f"-DX={maximum}"] + ([f"-DC={capacity}"] if capacity else [])
    subprocess.run(["spin", "-a", *defines, "rollout.pml"], cwd=tmp_path, check=True, capture_output=True)
    subprocess.run(["gcc", "-O0", "-DSAFETY", "-DNOREDUCE", "-o", "pan", "pan.c"], cwd=tmp_path, check=True,
                   capture_output=True)
    out = subprocess.run(["./pan", "-m100000", "-w20"], cwd=tmp_path, capture_output=True, text=True).stdout
    return int(out.split("errors: ")[1].split()[0])


@pytest.mark.parametrize(("desired", "minimum", "maximum", "capacity"), [
    (2, 100, 200, 2),   # no room to launch and no task may stop: stuck at the start
    (4, 50, 200, 3),    # four tasks on three slots: capacity broken in the initial state
    (3, 100, 100, None),  # L = U = 3: nothing may move
    (6, 50, 150, 7),
])
def test_pan_and_rollproof_agree(tmp_path, desired, minimum, maximum, capacity):
    errors = _pan_errors(tmp_path, desired, minimum, maximum, capacity)
    result = check_model(make_model(desired, minimum, maximum, capacity), Options(engine="explicit"))
    assert (errors == 0) == (result.verdict is Verdict.PROVED)
