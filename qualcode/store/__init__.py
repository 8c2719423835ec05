"""Storage: the only layer that speaks SQL. Everything else uses :class:`Project`."""

from qualcode.store.project import DocumentInput, Project, TurnInput
from qualcode.store.schema import SCHEMA_VERSION

__all__ = ["SCHEMA_VERSION", "DocumentInput", "Project", "TurnInput"]
