"""chunk_text: bounds, coverage, structure-aware splits, packing, context and overlap."""

from __future__ import annotations

import random
import re

import pytest

from lbi.docs.chunking import chunk_text

HEADING = re.compile(r"^#{1,6}[ \t]+\S")


def squash(text: str) -> str:
    return "".join(text.split())


def random_document(rng: random.Random) -> str:
    """Markdown-ish text: headings, code fences, paragraphs, long lines, huge words.

    Apart from the markup every character is distinct, so a chunk can be found in
    the text again without ambiguity.
    """
    letters = iter(chr(code) for code in [*range(0x3400, 0x4DC0), *range(0x4E00, 0xA000)])

    def word(length: int) -> str:
        return "".join(next(letters) for _ in range(length))

    blocks = []
    for _ in range(rng.randint(0, 30)):
        kind = rng.random()
        if kind < 0.2:
            blocks.append("#" * rng.randint(1, 3) + " " + word(rng.randint(1, 12)))
        elif kind < 0.3:
            blocks.append(f"```\n# {word(5)}\n{word(8)} {word(3)}\n```")
        elif kind < 0.4:
            blocks.append(word(rng.randint(1, 300)))
        else:
            lines = []
            for _ in range(rng.randint(1, 6)):
                words = [word(rng.randint(1, 6)) for _ in range(rng.randint(1, 40))]
                lines.append(rng.choice(["", "  ", "\t"]) + " ".join(words) + rng.choice(["", " "]))
            blocks.append("\n".join(lines))
    separators = ["\n\n", "\n", "\n\n\n", "\n \n"]
    return rng.choice(["", "\n", "  "]) + "".join(block + rng.choice(separators) for block in blocks)


def locate(text: str, chunks: list[str]) -> list[tuple[int, int]]:
    """Where each chunk's own text sits in ``text``; a repeated heading line is allowed first.

    Each chunk must reach past the end of the one before it (its own text follows the
    previous chunk; only the overlap goes back), which settles runs like ``##``.
    """
    spans = [(0, 0)]
    for chunk in chunks:
        previous_start, previous_end = spans[-1]
        for body in (chunk, chunk.partition("\n\n")[2]):
            position = text.find(body, max(previous_start, previous_end - len(body) + 1))
            if position >= 0:
                break
        assert position >= 0, f"chunk is not a slice of the text: {chunk[:80]!r}"
        if body != chunk:
            assert HEADING.match(chunk.partition("\n\n")[0]), f"unexpected prefix in {chunk[:80]!r}"
        spans.append((position, position + len(body)))
    return spans[1:]


def assert_covers(text: str, spans: list[tuple[int, int]]) -> None:
    covered = [False] * len(text)
    for start, end in spans:
        covered[start:end] = [True] * (end - start)
    lost = [i for i, char in enumerate(text) if not char.isspace() and not covered[i]]
    assert not lost, f"text lost at {lost[:5]}: {text[lost[0]:lost[0] + 40]!r}"


SIZES = [1, 2, 3, 7, 16, 40, 100, 333, 1000, 6000]


@pytest.mark.parametrize("seed", range(25))
def test_bounds_and_exact_coverage_without_context(seed: int) -> None:
    rng = random.Random(seed)
    text = random_document(rng)
    for max_chars in SIZES:
        chunks = chunk_text(text, max_chars=max_chars, heading_context=False)
        assert all(0 < len(chunk) <= max_chars for chunk in chunks)
        assert all(chunk == chunk.strip() for chunk in chunks)
        assert "".join(squash(chunk) for chunk in chunks) == squash(text)
        assert chunks == chunk_text(text, max_chars=max_chars, heading_context=False)


@pytest.mark.parametrize("seed", range(25))
def test_bounds_and_coverage_with_heading_context_and_overlap(seed: int) -> None:
    rng = random.Random(1000 + seed)
    text = random_document(rng)
    for max_chars in SIZES:
        for overlap in sorted({0, max_chars // 10, max_chars // 3, max_chars - 1}):
            chunks = chunk_text(text, max_chars=max_chars, overlap_chars=overlap)
            assert all(0 < len(chunk) <= max_chars for chunk in chunks), (max_chars, overlap)
            assert_covers(text, locate(text, chunks))
            assert chunks == chunk_text(text, max_chars=max_chars, overlap_chars=overlap)


def test_empty_and_small_texts() -> None:
    assert chunk_text("") == []
    assert chunk_text(" \n\t\n ") == []
    assert chunk_text("\n\n  hello world  \n") == ["hello world"]


def test_sections_are_split_at_headings_before_paragraphs() -> None:
    first = "# Install\n\n" + "Download the archive. " * 10
    second = "# Configure\n\n" + "Edit the settings file. " * 10
    chunks = chunk_text(first + "\n\n" + second, max_chars=300)
    assert chunks == [first.strip(), second.strip()]


def test_small_pieces_are_packed_up_to_the_budget() -> None:
    paragraphs = [f"Paragraph number {i} has a few words." for i in range(100)]
    text = "\n\n".join(paragraphs)
    chunks = chunk_text(text, max_chars=400)
    assert all(len(chunk) <= 400 for chunk in chunks)
    assert [paragraph for chunk in chunks for paragraph in chunk.split("\n\n")] == paragraphs
    for chunk, following in zip(chunks, chunks[1:]):
        assert len(chunk) + 2 + len(following.split("\n\n")[0]) > 400, "packing stopped early"


def test_long_paragraph_falls_back_to_lines_then_characters() -> None:
    lines = [f"line {i} " + "x" * 30 for i in range(10)]
    chunks = chunk_text("\n".join(lines), max_chars=90, heading_context=False)
    assert chunks == ["\n".join(lines[i : i + 2]) for i in range(0, 10, 2)]
    word = "y" * 250
    assert chunk_text(word, max_chars=100) == ["y" * 100, "y" * 100, "y" * 50]
    sentence = "alpha beta gamma delta epsilon zeta eta theta"
    assert chunk_text(sentence, max_chars=12) == ["alpha beta", "gamma delta", "epsilon zeta", "eta theta"]


def test_continuation_chunks_repeat_their_heading() -> None:
    body = "\n\n".join(f"Step {i}: do the thing number {i}." for i in range(20))
    text = "Preface.\n\n## Usage\n\n" + body
    chunks = chunk_text(text, max_chars=200)
    assert len(chunks) > 2
    assert chunks[0].startswith("Preface.\n\n## Usage\n\nStep 0:")
    assert all(chunk.startswith("## Usage\n\nStep ") for chunk in chunks[1:])
    assert all(len(chunk) <= 200 for chunk in chunks)
    without = chunk_text(text, max_chars=200, heading_context=False)
    assert sum("## Usage" in chunk for chunk in without) == 1


def test_heading_is_not_repeated_when_it_does_not_fit() -> None:
    heading = "# " + "Very long heading " * 5
    text = heading + "\n\n" + "\n\n".join("z" * 95 for _ in range(3))
    assert chunk_text(text, max_chars=100) == [heading.strip(), "z" * 95, "z" * 95, "z" * 95]


def test_headings_inside_code_fences_do_not_split() -> None:
    code = "```\n# comment one\nrun step\n# comment two\n```"
    text = "# Script\n\nIntro.\n\n" + code
    assert chunk_text(text, max_chars=len(text)) == [text]
    chunks = chunk_text(text, max_chars=40, heading_context=False)
    assert squash("".join(chunks)) == squash(text)


def test_overlap_repeats_the_tail_of_the_previous_chunk() -> None:
    text = " ".join(f"word{i}" for i in range(200))
    chunks = chunk_text(text, max_chars=100, overlap_chars=30)
    assert all(len(chunk) <= 100 for chunk in chunks)
    for previous, current in zip(chunks, chunks[1:]):
        shared = max(k for k in range(len(current) + 1) if previous.endswith(current[:k]))
        assert 0 < shared <= 30
        assert previous[-shared - 1] == " ", "the overlap should start at a whole word"


@pytest.mark.parametrize(
    ("max_chars", "overlap_chars"), [(0, 0), (-5, 0), (10, 10), (10, -1), (10, 20)]
)
def test_invalid_budgets_are_refused(max_chars: int, overlap_chars: int) -> None:
    with pytest.raises(ValueError):
        chunk_text("text", max_chars=max_chars, overlap_chars=overlap_chars)
