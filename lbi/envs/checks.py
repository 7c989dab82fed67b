"""What every family's success checks share (docs/task-sets.md).

A family's checks module exports ``Check``: a discriminated union (on ``type``)
of models derived from ``CheckModel``, which refuses unknown fields, so a
misspelt option is an error when the task set loads instead of a silent default.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, ConfigDict, TypeAdapter

from lbi.envs.base import CheckResult
from lbi.errors import LbiError

_BLANKS = re.compile(r"[ \t\f\v]+")


class UnsupportedCheck(LbiError, TypeError):
    """An environment was given a check model of another family."""


class CheckModel(BaseModel):
    """Base of every check model: frozen, unknown fields refused; ``type`` is the discriminator."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class TextMatching(CheckModel):
    """How output text is prepared before it is compared.

    ``normalize_whitespace`` (default true): line ends become ``\\n``, runs of
    spaces and tabs one space, each line and the whole text are stripped.
    ``ignore_case`` (default false): both sides are case-folded.
    """

    normalize_whitespace: bool = True
    ignore_case: bool = False

    def prepared(self, text: str) -> str:
        text = normalized_whitespace(text) if self.normalize_whitespace else text
        return text.casefold() if self.ignore_case else text


def normalized_whitespace(text: str) -> str:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(_BLANKS.sub(" ", line).strip() for line in lines).strip()


def all_of(verdicts: list[CheckResult]) -> CheckResult:
    """Several checks that must all pass: the first failure explains, a broken part breaks the whole."""
    failed = [v for v in verdicts if not v.success]
    if not failed:
        return CheckResult(True, "; ".join(v.detail for v in verdicts))
    return CheckResult(False, f"{len(failed)} of {len(verdicts)} checks failed: {failed[0].detail}",
                       broken_check=any(v.broken_check for v in verdicts))


def check_models(check_type: Any) -> dict[str, type[CheckModel]]:
    """The models of a family's ``Check`` union, by their ``type`` tag."""
    union = get_args(check_type)[0] if get_origin(check_type) is Annotated else check_type
    return {model.model_fields["type"].default: model for model in get_args(union)}


def parse_check(check_type: Any, data: Any) -> CheckModel:
    """A check model from its JSON form (pydantic's ValidationError when it is not one of ``check_type``)."""
    return TypeAdapter(check_type).validate_python(data)


def refuse_foreign(check: object, check_type: Any, family: str) -> None:
    if not isinstance(check, tuple(check_models(check_type).values())):
        raise UnsupportedCheck(f"{type(check).__name__} is not a {family} check "
                               f"({', '.join(check_models(check_type))})")
