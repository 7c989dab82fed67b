"""The kv family's success checks: a key holds a value, or a key is gone."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field

from lbi.envs.checks import CheckModel


class ValueCheck(CheckModel):
    type: Literal["value"] = "value"
    key: str = Field(min_length=1)
    value: str


class AbsentCheck(CheckModel):
    type: Literal["absent"] = "absent"
    key: str = Field(min_length=1)


class AnswerCheck(CheckModel):
    """The last `get` answered ``value``."""

    type: Literal["answer"] = "answer"
    value: str


Check = Annotated[Union[ValueCheck, AbsentCheck, AnswerCheck], Field(discriminator="type")]
