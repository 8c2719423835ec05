"""A second connection to the project the app already has open, for worker threads.

``Project.open`` checks the file header with a plain ``open()``/``close()`` of the ``.qc``
file. Closing *any* descriptor on a file drops every POSIX (fcntl) lock the process holds on
it, so doing that while the app's own connection is open made that connection look closed to
other processes: the next CLI command then checkpointed and deleted the WAL under the running
app, and everything the app wrote afterwards went to a deleted file. SQLite tracks its own
descriptors per file and defers closing them, so opening through ``sqlite3`` alone is safe;
that is all this module does. (Reported for ``qualcode/store/base.py``; remove this once
``Project.open`` checks the header through SQLite.)
"""

from __future__ import annotations

from qualcode.store import Project


def open_again(project: Project) -> Project:
    """Another ``Project`` on the same file, same coder, without re-reading its header."""
    from qualcode.store.base import _connect

    return type(project)(project.path, _connect(project.path), project.coder, project.read_only)
