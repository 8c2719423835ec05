"""Where the shipped codebooks and sample transcripts are.

In a wheel they are packaged under ``qualcode/_data``; in a source checkout (editable install)
they sit at the top of the repository.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"shipped folder '{name}' not found next to qualcode")


def samples_dir() -> Path:
    return _find("sample_transcripts")


def codebooks_dir() -> Path:
    return _find("codebooks")


def default_codebook() -> Path:
    return codebooks_dir() / "balint-kjeldmand.yaml"
