"""The web family's success checks (docs/task-sets.md).

Answer checks judge the episode's ``answer(...)``: ``answer_equals``, ``answer_contains`` (whole words),
``answer_regex``; text is whitespace-normalised unless a check says ``normalize_whitespace: false``. ``url``
judges the active tab's URL (its path and query). State checks read the episode's own copy of the
application's database: ``ticket``, ``wiki``, ``milestone`` (Trac), and ``sql`` (any application with a
SQLite database). ``all_of`` passes when every one of its checks does.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, Union

from pydantic import Field, field_validator

from lbi.envs.base import CheckResult
from lbi.envs.checks import CheckModel, TextMatching


def _compiles(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as error:
        raise ValueError(f"not a regular expression: {error}") from None
    return pattern


class AnswerEquals(TextMatching):
    type: Literal["answer_equals"] = "answer_equals"
    text: str

    def judge(self, answer: str | None) -> CheckResult:
        if answer is not None and self.prepared(answer) == self.prepared(self.text):
            return CheckResult(True, f"the answer is {self.text!r}")
        return CheckResult(False, f"the answer is {answer!r}, expected {self.text!r}")


class AnswerContains(TextMatching):
    """The answer holds ``text``; with ``whole_words`` (default) not inside a longer word or number."""

    type: Literal["answer_contains"] = "answer_contains"
    text: str = Field(min_length=1)
    whole_words: bool = True

    def judge(self, answer: str | None) -> CheckResult:
        text = self.prepared(self.text)
        before = r"(?<![\w.])" if self.whole_words and re.match(r"\w", text) else ""
        after = r"(?![\w]|\.\w)" if self.whole_words and re.search(r"\w$", text) else ""
        found = answer is not None and re.search(before + re.escape(text) + after, self.prepared(answer))
        return CheckResult(bool(found), f"the answer {answer!r} {'contains' if found else 'lacks'} {self.text!r}")


class AnswerRegex(TextMatching):
    """``pattern`` (Python ``re``) matches the whole answer (``fullmatch``, default) or a part (``search``);
    ``ignore_case`` matches case-insensitively."""

    type: Literal["answer_regex"] = "answer_regex"
    pattern: str = Field(min_length=1)
    mode: Literal["fullmatch", "search"] = "fullmatch"

    @field_validator("pattern")
    @classmethod
    def _valid(cls, pattern: str) -> str:
        return _compiles(pattern)

    def judge(self, answer: str | None) -> CheckResult:
        text = TextMatching(normalize_whitespace=self.normalize_whitespace).prepared(answer or "")
        found = answer is not None and getattr(re, self.mode)(self.pattern, text, re.IGNORECASE if self.ignore_case else 0)
        return CheckResult(bool(found), f"the answer {answer!r} {'matches' if found else 'does not match'} "
                                        f"/{self.pattern}/")


class UrlCheck(CheckModel):
    """The active tab shows ``path`` (path and query, e.g. ``/ticket/12``), or a URL ``pattern`` matches."""

    type: Literal["url"] = "url"
    path: str | None = None
    pattern: str | None = None

    @field_validator("pattern")
    @classmethod
    def _valid(cls, pattern: str | None) -> str | None:
        return pattern if pattern is None else _compiles(pattern)

    def judge(self, url: str) -> CheckResult:
        ok = (self.path is None or url == self.path) and (self.pattern is None or re.fullmatch(self.pattern, url))
        return CheckResult(bool(ok), f"the page is {url}")


class TicketCheck(CheckModel):
    """A ticket has these ``fields`` (all of them; ``id`` picks one ticket, otherwise any ticket will do), and
    optionally a comment containing ``comment_contains``."""

    type: Literal["ticket"] = "ticket"
    id: int | None = None
    fields: dict[str, str] = Field(default_factory=dict)
    comment_contains: str | None = None


class WikiCheck(CheckModel):
    """The latest version of wiki ``page`` contains ``contains`` (or the page does not exist, ``exists``: false)."""

    type: Literal["wiki"] = "wiki"
    page: str = Field(min_length=1)
    contains: str | None = None
    exists: bool = True


class MilestoneCheck(CheckModel):
    """Milestone ``name`` exists; ``completed`` true: it is closed, false: it is open; ``due`` (YYYY-MM-DD)."""

    type: Literal["milestone"] = "milestone"
    name: str = Field(min_length=1)
    completed: bool | None = None
    due: str | None = None


class SqlCheck(CheckModel):
    """``query`` (one SELECT) on the episode's copy of the application's database returns ``rows``
    (compared as text, in any order unless ``order_matters``)."""

    type: Literal["sql"] = "sql"
    query: str = Field(min_length=1)
    rows: list[list[str | int | float | None]]
    order_matters: bool = False


class AllOf(CheckModel):
    type: Literal["all_of"] = "all_of"
    checks: list["Check"] = Field(min_length=1)


Check = Annotated[Union[AnswerEquals, AnswerContains, AnswerRegex, UrlCheck, TicketCheck, WikiCheck,
                        MilestoneCheck, SqlCheck, AllOf], Field(discriminator="type")]
AllOf.model_rebuild()
