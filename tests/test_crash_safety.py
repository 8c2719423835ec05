"""A kill at any moment leaves the project consistent: each action is all or nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from qualcode.store import Project

WRITER = textwrap.dedent(
    """
    import sys
    from qualcode.store import Project
    from tests.conftest import simple_document
    path = sys.argv[1]
    project = Project.create(path, coder="writer")
    project.codebook.add("A")
    print("ready", flush=True)
    n = 0
    while True:
        name = f"doc{n}"
        project.documents.add(simple_document(name))
        with project.action("batch", f"codings on {name}"):
            for start in range(0, 40, 4):
                project.codings.add(name, "A", start, start + 3)
        n += 1
    """
)


def test_kill_during_writes_leaves_consistent_project(tmp_path: Path) -> None:
    path = tmp_path / "crash.qc"
    repo = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)],
        cwd=repo,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(repo)},
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == b"ready"
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with Project.open(path, coder="checker") as project:
        assert project.session.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert project.session.conn.execute("PRAGMA foreign_key_check").fetchall() == []
        documents = project.documents.all()
        assert documents, "the writer should have stored some documents before the kill"
        for doc in documents:
            assert doc.turn_count == 4
            assert len(project.documents.sentences(doc.id)) == 6
        fts = project.session.conn.execute("SELECT COUNT(*) FROM turns_fts").fetchone()[0]
        assert fts == 4 * len(documents)
        per_doc = {d.name: 0 for d in documents}
        for coding in project.codings.list():
            per_doc[coding.document] += 1
        # codings come in whole batches of ten, or not at all (the last document may have none)
        assert set(per_doc.values()) <= {0, 10}
        assert list(per_doc.values()).count(0) <= 1
