"""``qualcode saturation``: new codes per transcript, the curve, and Guest et al.'s test."""

from __future__ import annotations

import json
from pathlib import Path

import click

from qualcode.commands import render
from qualcode.commands.common import format_option, open_project, output_option, project_argument
from qualcode.errors import QualcodeError
from qualcode.outputs import csv_text


@click.command()
@project_argument
@click.option(
    "--order", default="import", show_default=True, metavar="import|date|ATTR",
    help="Interview order: import order, the date attribute, or another attribute.",
)  # fmt: skip
@click.option("--base", default=4, show_default=True, help="Base size (interviews).")
@click.option("--run", "run_length", default=2, show_default=True, help="Run length.")
@click.option(
    "--threshold", default=0.05, show_default=True,
    help="New-information threshold, a share of the base's codes (0.05 = 5%).",
)  # fmt: skip
@click.option(
    "--sensitivity", is_flag=True,
    help="Also assess the 12 parameter sets Guest et al. examined (base 4-6, run 2-3, 5% and "
    "0%); with --format csv, print that table as CSV.",
)  # fmt: skip
@click.option("--svg", "svg_file", type=click.Path(path_type=Path), help="Also write the curve.")
@format_option
@output_option("File to write (default: stdout).")
def saturation(
    project: Path,
    order: str,
    base: int,
    run_length: int,
    threshold: float,
    sensitivity: bool,
    svg_file: Path | None,
    fmt: str,
    output: Path | None,
) -> None:
    """New codes per transcript in interview order, the cumulative curve, and whether the
    sample reached saturation by the base size / run length / new-information threshold
    method of Guest, Namey & Chen (2020), PLoS ONE 15(5):e0232076.

    A code is new in the first interview where it is applied; new information of a run is
    its new codes divided by the codes found in the base (the first --base interviews).

    \b
    Examples:
      qualcode saturation study.qc
      qualcode saturation study.qc --order interview_date --base 6 --run 3 --threshold 0
      qualcode saturation study.qc --format json -o saturation.json --svg curve.svg
      qualcode saturation study.qc --sensitivity
    """
    from qualcode.analysis.saturation import CITATION, assess, project_interviews
    from qualcode.analysis.saturation import sensitivity as assess_all
    from qualcode.outputs import write_output
    from qualcode.report.saturation_svg import saturation_svg
    from qualcode.store.query_data import QueryData

    with open_project(project) as proj:
        interviews = project_interviews(QueryData(proj.session), order)
    try:
        sat = assess(interviews, base, run_length, threshold, order)
    except ValueError as exc:
        raise QualcodeError(str(exc)) from None
    others = assess_all(interviews, order) if sensitivity else []
    if svg_file is not None:
        write_output(svg_file, saturation_svg(sat) + "\n", protect=(project,))
        render.wrote(svg_file)
    if fmt == "json":
        payload = {
            "order": order, "base": base, "run": run_length, "threshold": threshold,
            "base_codes": sat.base_codes, "reached_at": sat.reached_at,
            "notation": sat.notation, "left_out": list(sat.left_out),
            "conclusion": sat.conclusion(), "method": CITATION,
            "interviews": [
                {"number": i.number, "document": i.document, "order_value": i.order_value,
                 "codes": i.codes, "new": list(i.new), "cumulative": i.cumulative}
                for i in sat.interviews
            ],
            "runs": [
                {"after": r.after, "first": r.first, "last": r.last, "new": r.new,
                 "new_information": round(r.ratio, 4)}
                for r in sat.runs
            ],
        }  # fmt: skip
        if sensitivity:
            payload["sensitivity"] = [
                {"base": o.base, "run": o.run, "threshold": o.threshold,
                 "base_codes": o.base_codes, "reached_at": o.reached_at, "notation": o.notation,
                 "assessable": o.assessable}
                for o in others
            ]  # fmt: skip
        render.emit(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", output,
                    protect=(project,))  # fmt: skip
        return
    header = ["#", "document", order, "codes", "new", "cumulative", "new codes"]
    rows = [
        [i.number, i.document, i.order_value, i.codes, len(i.new), i.cumulative, "; ".join(i.new)]
        for i in sat.interviews
    ]
    if fmt == "csv" and sensitivity:
        render.emit(
            csv_text(
                ["base", "run", "threshold", "base_codes", "reached_at", "notation"],
                [[o.base, o.run, o.threshold, o.base_codes, o.reached_at, o.verdict()]
                 for o in others],
            ),
            output, protect=(project,),
        )  # fmt: skip
        return
    if fmt == "csv":
        render.emit(csv_text(header, rows), output, protect=(project,))
        return
    shown = [[str(c) for c in r[:-1]] + [render.clip(str(r[-1]), 60)] for r in rows]
    lines = [render.table_text(header, shown, right=[0, 3, 4, 5])]
    if sat.runs:
        run_rows = [
            [f"{r.first}–{r.last}", str(r.new), f"{r.ratio * 100:.1f}%",
             "yes" if r.meets(threshold) else "no"]
            for r in sat.runs
        ]  # fmt: skip
        lines.append(
            render.table_text(
                ["run", "new codes", "new information", "≤ threshold"], run_rows, right=[1, 2]
            )  # fmt: skip
        )
    lines.append(sat.conclusion() + "\n")
    if sensitivity:
        lines.append("Sensitivity to the parameters (Guest et al. examined these twelve):")
        lines.append(
            render.table_text(
                ["base", "run", "threshold", "saturation"],
                [
                    [str(o.base), str(o.run), f"≤{o.threshold * 100:g}%", o.verdict()]
                    for o in others
                ],
                right=[0, 1],
            )  # fmt: skip
        )
    lines.append(f"Method: {CITATION}\n")
    render.emit("\n".join(lines), output, protect=(project,))


COMMANDS = [saturation]
