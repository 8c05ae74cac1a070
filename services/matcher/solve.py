"""Schedule an event from a JSON file, without the services: ``python -m services.matcher.solve INPUT.json``.

    python -m services.matcher.solve event.json -o schedule.json --time-limit 10 --seed 1
    python -m services.matcher.solve --schema           # the input's JSON Schema
    python -m services.matcher.solve --schema output    # the output's JSON Schema

The input is a bipartite event (SMEs meet buyers' tables) or a general-mode event (any participant
meets any other); see :mod:`services.matcher.engine.io` (input), :mod:`services.matcher.engine.io_output`
(output) or ``--schema`` for every field. The output is the schedule with ids and slot labels, and the
quality report (relevance against the certified bound, SMEs without a meeting against the proven
minimum, breaks, table use, time per phase).

Exit codes: 0 scheduled; 2 invalid input (one line on stderr naming the item: its JSON path and id);
3 infeasible (the output document and one line on stderr give the reason); 1 an internal error (one line).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .engine.io import BipartiteInput, InputDocument, encode_bipartite, encode_general_input, validation_message
from .engine.io_output import InfeasibleOutput, OutputDocument, bipartite_output, general_output
from .engine.model import InstanceError
from .engine.pipeline import Infeasible, plan_bipartite, plan_general

EXIT_OK, EXIT_INTERNAL, EXIT_INVALID, EXIT_INFEASIBLE = 0, 1, 2, 3


class Failure(Exception):
    """A run that ends with a one-line message and an exit code."""

    def __init__(self, code: int, message: str, document: Any = None) -> None:
        super().__init__(message)
        self.code, self.message, self.document = code, message, document


def schema(which: str) -> dict[str, Any]:
    """The JSON Schema of the input or the output document."""
    model = InputDocument if which == "input" else OutputDocument
    return model.model_json_schema(mode="validation" if which == "input" else "serialization")


def read_document(path: str) -> Any:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise Failure(EXIT_INVALID, f"{path}: cannot read: {error.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise Failure(
            EXIT_INVALID, f"{path}: not JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None


def solve(raw: Any, *, seed: int, time_limit: float | None) -> Any:
    """The output document for an input document (raises :class:`Failure` for exit codes 2 and 3)."""
    try:
        document = InputDocument.model_validate(raw).root
    except ValidationError as error:
        raise Failure(EXIT_INVALID, validation_message(error, raw)) from None
    if isinstance(document, BipartiteInput):
        try:
            instance, ids = encode_bipartite(document)
        except InstanceError as error:
            raise Failure(EXIT_INVALID, str(error)) from None
        try:
            result = plan_bipartite(instance, seed=seed, time_limit=time_limit)
        except Infeasible as error:
            reason = ids.humanise(error.reason)
            raise Failure(
                EXIT_INFEASIBLE, f"infeasible: {reason}", InfeasibleOutput(mode="bipartite", reason=reason)
            ) from None
        return bipartite_output(result.schedule, result.selection, result.report, ids)
    try:
        general, participant_ids, labels = encode_general_input(document)
    except InstanceError as error:
        raise Failure(EXIT_INVALID, str(error)) from None
    planned = plan_general(general, seed=seed, time_limit=10.0 if time_limit is None else time_limit)
    if planned.schedule.status == "infeasible":
        reason = _name_participants(planned.schedule.reason, participant_ids)
        raise Failure(EXIT_INFEASIBLE, f"infeasible: {reason}", InfeasibleOutput(mode="general", reason=reason))
    return general_output(general, planned.schedule, planned.report, participant_ids, labels)


def _name_participants(text: str, ids: list[str]) -> str:
    return re.sub(r"\bparticipant (\d+)", lambda m: f"participant {ids[int(m.group(1))]!r}", text)


def write(document: Any, output: str | None) -> None:
    text = document.model_dump_json(indent=2) + "\n"
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.matcher.solve", description=__doc__.split("\n\n")[0])
    parser.add_argument("input", nargs="?", help="the event as JSON (- for standard input)")
    parser.add_argument("-o", "--output", help="write the result here instead of standard output")
    parser.add_argument("--time-limit", type=float, default=None, help="seconds for the whole run")
    parser.add_argument("--seed", type=int, default=0, help="seed of the randomised phases")
    parser.add_argument("--schema", nargs="?", const="input", choices=["input", "output"], help="print a JSON Schema")
    args = parser.parse_args(argv)
    if args.schema:
        print(json.dumps(schema(args.schema), indent=2, ensure_ascii=False))
        return EXIT_OK
    if not args.input:
        parser.error("an INPUT.json is required (or --schema)")
    try:
        write(solve(read_document(args.input), seed=args.seed, time_limit=args.time_limit), args.output)
    except Failure as failure:
        if failure.document is not None:
            write(failure.document, args.output)
        print(f"error: {failure.message}", file=sys.stderr)
        return failure.code
    except Exception as error:  # never a traceback for the user: one line, exit code 1
        print(f"internal error: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_INTERNAL
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
