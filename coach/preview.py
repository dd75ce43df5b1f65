"""A plan as text for people: the table 'coach preview' prints, and the clock format."""

from __future__ import annotations

from collections.abc import Sequence

from coach import tones
from coach.plan import Plan, Step

#: What the preview shows for a check-in: it waits for the button (or ~10 s of silence).
PAIN_ROW = "pain now, 0 to 10 (a press for each point, hold: none)"
HURT_ROW = "did that hurt? (press: fine, hold: it hurt)"


def clock(seconds: float) -> str:
    """Whole seconds as ``M:SS``."""
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d}"


def render_plan(plan: Plan, with_cues: bool = False) -> str:
    """The plan as a table: every step's start, kind, length and what it is.

    :param with_cues: also list every cue under its step (offset, tone, words)
        and every cue that was dropped for lack of room.
    """
    lines = [plan.routine, *([plan.phase] if plan.phase else []), ""]
    header = f"{'START':>7}  {'STEP':<9} {'LENGTH':>8}  WHAT"
    lines.append(header)
    first = next((i for i, s in enumerate(plan.steps) if s.number is not None), None)
    for index, (step, start) in enumerate(zip(plan.steps, plan.starts())):
        if plan.pain_check and (index == first or step.kind == "finish"):
            lines.append(_check_in_row(start, PAIN_ROW))
        length = "button" if step.duration_seconds is None else f"{step.duration_seconds:.1f} s"
        lines.append(f"{_clock_tenths(start):>7}  {step.kind:<9} {length:>8}  {_what(step)}")
        if with_cues:
            for cue in step.cues:
                said = tones.shown(cue.text, cue.tone)
                lines.append(f"{'':>7}  {'':<9} {'':>8}    +{cue.offset_seconds:5.1f}  {said}")
            for cue in step.dropped:
                lines.append(
                    f"{'':>7}  {'':<9} {'':>8}    (dropped: {cue.reason or 'no room'}) {cue.text}"
                )
        if step.check_in:
            lines.append(_check_in_row(start + (step.duration_seconds or 0.0), HURT_ROW))
    total = f"total {clock(plan.total_seconds)} ({plan.total_seconds:.1f} s)"
    if plan.button_steps:
        total += f", plus {plan.button_steps} step(s) that wait for the button"
    lines += ["", total]
    return "\n".join(lines)


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell, two spaces apart."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip() for row in [header, *rows]
    )


def _check_in_row(start: float, what: str) -> str:
    """A check-in between two steps: it waits for the button, as a button step does."""
    return f"{_clock_tenths(start):>7}  {'check-in':<9} {'button':>8}  {what}"


def _clock_tenths(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}:{rest:04.1f}"


def _what(step: Step) -> str:
    if step.exercise is None:
        return step.cues[0].text if step.cues else ""
    if step.kind == "fetch" and step.cues:
        return f"{step.exercise}: {step.cues[-1].text}"  # "Fetch a rolled towel, then press."
    parts = [step.exercise]
    if step.side:
        parts.append(step.side)
    if step.rep is not None and step.reps:
        parts.append(f"rep {step.rep}/{step.reps}")
    if step.set is not None and step.sets and step.sets > 1:
        parts.append(f"set {step.set}/{step.sets}")
    return ", ".join(parts)
