import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))  # for `import oracle`

from verifier.model.records import Model, Settings  # noqa: E402


@pytest.fixture
def root() -> Path:
    return ROOT


def make_model(desired, min_pct=100, max_pct=200, capacity=None, **extra) -> Model:
    settings = Settings(desired, min_pct, max_pct, capacity,
                        **{k: v for k, v in extra.items() if k in Settings.__slots__})
    fields = {k: v for k, v in extra.items() if k not in Settings.__slots__}
    return Model(name=f"d{desired}-m{min_pct}-x{max_pct}-c{capacity}", settings=settings, **fields)
