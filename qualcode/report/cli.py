"""Options and helpers the report commands share (``summary``, ``export``, ``redact``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from qualcode.report.context import ReportContext, load_context

F = TypeVar("F", bound=Callable[..., Any])


def pseudonymise_option(func: F) -> F:
    return click.option(
        "--pseudonymise/--no-pseudonymise",
        "pseudonymise",
        default=None,
        help="Replace every name in the pseudonym table (qualcode pseudonyms) in the output; "
        "default: the project's setting (qualcode pseudonyms P --default on).",
    )(func)


def report_options(func: F) -> F:
    func = pseudonymise_option(func)
    func = click.option(
        "--attribute",
        "attributes",
        multiple=True,
        metavar="KEY",
        help="Speaker attribute to show in quote attributions, e.g. gender (repeatable).",
    )(func)
    func = click.option(
        "--by",
        "by",
        metavar="ATTR",
        help="Count participants by this attribute: '6 of 6 GPs, 1 of 3 leaders' "
        "(default: role, when participants have one).",
    )(func)
    return func


def wants_pseudonyms(project: Any, pseudonymise: bool | None) -> bool:
    """The flag when given, else the project's default."""
    if pseudonymise is not None:
        return pseudonymise
    from qualcode.report.pseudonymise import default_on

    return default_on(project)


def report_context(project: Any, pseudonymise: bool | None) -> ReportContext:
    return load_context(project, wants_pseudonyms(project, pseudonymise))
