"""Errors a user can cause and fix.

Every layer raises :class:`QualcodeError` (or a subclass) for bad input; the CLI and the TUI turn
it into one clear line instead of a traceback. Anything else escaping is a bug.
"""


class QualcodeError(Exception):
    """A problem the user can fix: bad input, a missing file, a name that does not exist."""


class ProjectError(QualcodeError):
    """The project file cannot be opened or changed as asked."""


class IngestError(QualcodeError):
    """A transcript file cannot be read; the message names the file and the reason."""


class CodebookError(QualcodeError):
    """A codebook is malformed; ``problems`` lists every problem with its location."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        first = problems[0] if problems else "invalid codebook"
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        super().__init__(f"{source}: {first}{more}")
