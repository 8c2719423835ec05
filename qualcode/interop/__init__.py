"""REFI-QDA exchange with NVivo, ATLAS.ti, MAXQDA, QualCoder and Taguette.

Readers (:mod:`~qualcode.interop.qdpx_read`, :mod:`~qualcode.interop.qdc`) are pure: file in,
:mod:`~qualcode.interop.refi_model` dataclasses out. Writers take the same dataclasses and
return bytes. :mod:`~qualcode.interop.exchange` moves between them and a ``Project``.
"""

from qualcode.interop.exchange import (
    ImportReport,
    export_refi,
    import_qdpx,
    load_qdc,
)

__all__ = ["ImportReport", "export_refi", "import_qdpx", "load_qdc"]
