"""REFI-QDA from the command line: what ``import``, ``codebook load`` and ``export`` call for
``.qdpx`` and ``.qdc`` files (those commands live in their own modules and hand over here).

    qualcode import study.qc other-tool.qdpx
    qualcode codebook load study.qc codebook.qdc
    qualcode export study.qc qdpx -o study.qdpx
    qualcode export study.qc qdc -o codebook.qdc
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from qualcode.commands import render
from qualcode.commands.common import open_project
from qualcode.errors import QualcodeError

REFI_PROJECT = ".qdpx"
REFI_CODEBOOK = ".qdc"
EXPORT_KINDS = ("qdpx", "qdc")


def is_qdpx(path: Path) -> bool:
    return path.suffix.lower() == REFI_PROJECT


def is_qdc(path: Path) -> bool:
    return path.suffix.lower() == REFI_CODEBOOK


def import_refi_files(
    project: Path, files: Sequence[Path], coder: str | None, model: str | None = None
) -> tuple[Path, ...]:
    """Import every ``.qdpx`` among ``files`` (one action each, its report printed) and
    return the other files for the transcript importer."""
    from qualcode.interop.exchange import import_qdpx

    refi = [f for f in files if is_qdpx(f)]
    for path in refi:
        if not path.is_file():
            raise QualcodeError(f"{path}: no such file")
        with open_project(project, coder) as proj:
            report = import_qdpx(proj, path, model=model)
        for line in report.lines():
            render.line(line)
    return tuple(f for f in files if not is_qdpx(f))


def load_qdc_command(project: Path, file: Path, coder: str | None) -> None:
    """``qualcode codebook load P x.qdc``: the REFI codebook beside the codes already there."""
    from qualcode.interop.exchange import load_qdc

    with open_project(project, coder) as proj:
        report = load_qdc(proj, file)
    for line in report.lines():
        render.line(line)


def export_refi_command(project: Path, kind: str, output: Path | None) -> None:
    """``qualcode export P qdpx|qdc -o FILE`` (a .qdc may also go to stdout)."""
    from qualcode.interop.exchange import codebook_to_refi, export_refi
    from qualcode.interop.qdc import write_qdc
    from qualcode.outputs import check_target, is_stdout

    if kind not in EXPORT_KINDS:
        raise QualcodeError(f"unknown REFI-QDA export '{kind}' (qdpx or qdc)")
    if is_stdout(output):
        if kind == "qdpx":
            raise QualcodeError("a .qdpx is a zip archive: give a file with -o study.qdpx")
        with open_project(project) as proj:
            render.data(write_qdc(codebook_to_refi(proj)).decode("utf-8"))
        return
    assert output is not None
    check_target(output, protect=(project,))  # before the work, not after
    with open_project(project) as proj:
        detail = export_refi(proj, kind, output)
    render.wrote(output, detail)
