"""The breaking changes behind the click held-out tasks (SWE-smith's method): each changes one function's
logic so that some tests fail; the task is the issue a user would file about the symptom.

(number, file, original text, broken text, issue). make_tasks.py checks each one in the sandbox.
"""

from __future__ import annotations

MUTATIONS = (
    ("001", "src/click/utils.py", "        if total_length == max_length and i != last_index:",
     "        if total_length != max_length and i != last_index:",
     "The short help shown next to each subcommand in `--help` output is cut off far too early: a docstring "
     "like 'Print the summary line of the report.' shows up as just its first word followed by '...'."),
    ("002", "src/click/utils.py", 'def _posixify(name: str) -> str:\n    return "-".join(name.split()).lower()',
     'def _posixify(name: str) -> str:\n    return "_".join(name.split()).lower()',
     "`click.get_app_dir('Foo Bar', force_posix=True)` returns `~/.foo_bar` instead of `~/.foo-bar`, so my "
     "application no longer finds the configuration directory it used before."),
    ("003", "src/click/parser.py", "    if opt[1:2] == first:\n        return opt[:2], opt[2:]",
     "    if opt[1:2] != first:\n        return opt[:2], opt[2:]",
     "Options are parsed wrongly: a command with `--name` and `-n` options no longer accepts `--name foo` "
     "(it reports no such option), and the help lists the options in a strange order."),
    ("004", "src/click/formatting.py", "    rv.sort(key=lambda x: x[0])\n",
     "    rv.sort(key=lambda x: -x[0])\n",
     "In the help page an option declared as `-v, --verbose` is listed as `--verbose, -v`: the long form comes "
     "first now, which is not how it used to look."),
    ("005", "src/click/formatting.py", "            widths[idx] = max(widths.get(idx, 0), term_len(col))",
     "            widths[idx] = min(widths.get(idx, 0), term_len(col))",
     "The options table in `--help` output is misaligned: the descriptions start right after each option name "
     "instead of lining up in one column."),
    ("006", "src/click/formatting.py", "        yield row + (\"\",) * (col_count - len(row))",
     "        yield row + (\"\",) * (col_count - len(row) - 1)",
     "Rendering a definition list where some rows have only a term (no description) crashes or drops those rows "
     "in the help output."),
    ("007", "src/click/_compat.py", '    return codecs.lookup(encoding).name == "ascii"',
     '    return codecs.lookup(encoding).name != "ascii"',
     "With a UTF-8 locale, click treats the terminal as ASCII-only: progress bars fall back to plain characters "
     "and some output looks as if the encoding were wrong."),
    ("008", "src/click/testing.py", "        return not color", "        return color",
     "`CliRunner.invoke(..., color=False)` no longer strips ANSI styles from the captured output: `secho` with a "
     "background color leaves escape codes in `result.output`."),
    ("009", "src/click/types.py", '_("{name} {filename!r} does not exist.").format(',
     '_("{name} {filename!r} does exist.").format(',
     "When a `click.Path(exists=True)` argument points at a missing file, the error says the file 'does exist', "
     "which is the opposite of the problem."),
    ("010", "src/click/types.py", "            incomplete = incomplete.lower()", "            incomplete = incomplete.upper()",
     "Shell completion of a `Choice(case_sensitive=False)` option offers nothing when I type the start of a "
     "choice in lower case."),
    ("011", "src/click/types.py", "        gt_max: bool = self.max is not None and (",
     "        gt_max: bool = self.max is not None or (",
     "An `IntRange(min=0)` option without a maximum rejects every value: `--count 5` fails with an error about "
     "the value not being in the range."),
    ("012", "src/click/utils.py", "        if not matches:", "        if matches:",
     "On Windows-style argument expansion, `click.utils._expand_args` drops glob patterns that match nothing "
     "instead of passing them through unchanged, and expands no pattern that does match."),
    ("013", "src/click/core.py", "            if isinstance(param, Argument) and not param.required:",
     "            if isinstance(param, Argument) and param.required:",
     "A chained group with an optional argument misbehaves: invoking it with subcommands treats the first "
     "subcommand name as the group's argument."),
    ("014", "src/click/termui.py", '        elif default is not None and value == "":',
     '        elif default is not None and value != "":',
     "`click.confirm('Continue?', default=True)` ignores my answer: typing `n` still returns the default."),
    ("015", "src/click/termui.py", "        if confirmation_prompt is True:", "        if confirmation_prompt is False:",
     "`click.prompt('Password', confirmation_prompt=True)` no longer asks me to repeat the value, and prompts "
     "without the option now ask twice."),
    ("016", "src/click/termui.py", "    if default is not None and show_default:\n        prompt = f\"{prompt} [{_format_default(default)}]\"",
     "    if default is not None and not show_default:\n        prompt = f\"{prompt} [{_format_default(default)}]\"",
     "Prompts show the default value in brackets only when `show_default=False`; with the default setting the "
     "`[default]` hint is missing."),
    ("017", "src/click/termui.py", "    if type is not None and show_choices and isinstance(type, Choice):",
     "    if type is not None and not show_choices and isinstance(type, Choice):",
     "A prompt for a `Choice` option no longer lists the choices in parentheses, e.g. `Color (red, green):` "
     "became `Color:`."),
    ("018", "src/click/types.py", "        if not open:\n            return bound\n\n        return bound + dir",
     "        if not open:\n            return bound\n\n        return bound - dir",
     "`IntRange(0, 5, min_open=True, clamp=True)` clamps a value of -3 to -1 instead of 1, outside the range."),
    ("019", "src/click/types.py", '            op = "<" if self.max_open else "<="\n            return f"x{op}{self.max}"',
     '            op = "<=" if self.max_open else "<"\n            return f"x{op}{self.max}"',
     "The help text for an `IntRange(max=10)` option says `x<10` although 10 is allowed (and `x<=10` for an open "
     "bound)."),
    ("020", "src/click/formatting.py", "        self.current_indent += self.indent_increment",
     "        self.current_indent -= self.indent_increment",
     "Help output lost its indentation: the option rows and the command description start at column 0, or "
     "formatting raises an error about a negative width."),
    ("021", "src/click/formatting.py", "        if text_width >= (term_len(usage_prefix) + 20):",
     "        if text_width <= (term_len(usage_prefix) + 20):",
     "The usage line in `--help` is broken over two lines even for short program names: the arguments appear "
     "on the line after `Usage: prog`."),
    ("022", "src/click/parser.py", "        if nargs == 1:\n            rv.append(_fetch(args))  # type: ignore[arg-type]",
     "        if nargs == 2:\n            rv.append(_fetch(args))  # type: ignore[arg-type]",
     "Positional arguments are not parsed any more: a command with one `click.argument('name')` complains that "
     "the argument is missing even when it is given."),
    ("023", "src/click/_compat.py", "    return len(strip_ansi(x))", "    return len(x)",
     "Styled text breaks the alignment of help output: a styled option help is padded as if the ANSI escape "
     "codes took up columns."),
    ("024", "src/click/core.py", "        if self.default is UNSET and not self.required:",
     "        if self.default is UNSET and self.required:",
     "Boolean flags without an explicit default now come out as None instead of False when they are not "
     "passed on the command line."),
    ("025", "src/click/utils.py", "    if words[0] == \"\\b\":\n        words = words[1:]",
     "    if words[0] == \"\\b\":\n        words = words[2:]",
     "A command whose docstring starts with the `\\b` no-rewrap marker loses the first word of its short help in "
     "the command list."),
    ("026", "src/click/utils.py", "        if word[-1] == \".\":  # sentence end, truncate without \"...\"\n"
     "            return \" \".join(words[: i + 1])",
     "        if word[-1] == \".\":  # sentence end, truncate without \"...\"\n"
     "            return \" \".join(words[:i])",
     "The short help of a command whose first sentence ends with a period drops that sentence's last word "
     "('Print the report.' is shown as 'Print the')."),
    ("027", "src/click/_compat.py", "    return stream_value == value or (value is None and stream_value is not None)",
     "    return stream_value != value or (value is None and stream_value is not None)",
     "click rewraps standard streams that already have the right encoding and error handler, so writing to "
     "`sys.stdout` inside a command goes through an extra wrapper and file attributes like `name` get lost."),
    ("028", "src/click/utils.py", "    if name != \"__main__\":\n        py_module = f\"{py_module}.{name}\"",
     "    if name == \"__main__\":\n        py_module = f\"{py_module}.{name}\"",
     "When my CLI runs as `python -m example.cli`, the usage line shows `python -m example` (or "
     "`python -m example.__main__` for the package), not the module I actually ran."),
    ("029", "src/click/formatting.py", "                subsequent_indent=indent,\n                preserve_paragraphs=True,",
     "                subsequent_indent=indent,\n                preserve_paragraphs=False,",
     "A command's help text is rewrapped into a single paragraph: the blank lines between paragraphs in the "
     "docstring are gone from `--help`."),
    ("030", "src/click/types.py", "        return BoolParamType.bool_states.get(value.strip().lower())",
     "        return BoolParamType.bool_states.get(value.strip())",
     "A boolean option given `--flag TRUE` or `Yes` fails with 'is not a valid boolean'; only lower-case values "
     "are accepted now."),
    ("031", "src/click/utils.py", "    if shorten:\n        filename = os.path.basename(filename)",
     "    if not shorten:\n        filename = os.path.basename(filename)",
     "`click.format_filename(path)` returns only the file's base name, and `shorten=True` returns the full path: "
     "the two are swapped."),
    ("032", "src/click/parser.py", "        elif nargs > 1:\n            x = [_fetch(args) for _ in range(nargs)]",
     "        elif nargs > 1:\n            x = [_fetch(args) for _ in range(nargs - 1)]",
     "An argument declared with `nargs=2` receives only one value, and the second value is reported as an "
     "unexpected extra argument."),
    ("033", "src/click/termui.py", '        if value in ("y", "yes"):', '        if value in ("y",):',
     "`click.confirm` no longer accepts `yes` as an answer: it asks again instead of continuing."),
    ("034", "src/click/formatting.py", "        self.current_indent -= self.indent_increment",
     "        self.current_indent -= self.indent_increment * 2",
     "After a section of the help page, the next sections are shifted left: the indentation goes wrong after "
     "each `Options:` block, and nested sections can fail with a negative width."),
    ("035", "src/click/core.py", "        while node.parent is not None:\n            node = node.parent\n        return node",
     "        while node.parent is not None and node.parent.parent is not None:\n            node = node.parent\n"
     "        return node",
     "`ctx.find_root()` in a command nested two groups deep returns the middle group's context instead of the "
     "outermost one, so `ctx.find_root().obj` is not the object my top-level group set."),
    ("036", "src/click/core.py", "        rv = self.find_object(object_type)\n        if rv is None:",
     "        rv = self.find_object(object_type)\n        if rv is not None:",
     "`ctx.ensure_object(dict)` returns None the first time it is called, so `@click.make_pass_decorator(dict, "
     "ensure=True)` hands my command None instead of a new dict."),
    ("037", "src/click/_compat.py", '_ansi_re = re.compile(r"\\033\\[[;?0-9]*[a-zA-Z]")',
     '_ansi_re = re.compile(r"\\033\\[[;?0-9]*[a-z]")',
     "`click.unstyle` leaves some escape codes in place: the reset code `\\x1b[0m` is stripped but a bold or "
     "colored style like `\\x1b[1m` (ending in an upper-case letter in some terminals) is not."),
    ("038", "src/click/formatting.py", "            if term_len(first) <= first_col - col_spacing:",
     "            if term_len(first) < first_col - col_spacing:",
     "In `--help`, the description of the option with the longest name is pushed onto its own line, while all "
     "the other options have their descriptions beside them."),
    ("039", "src/click/exceptions.py", '        return _("Invalid value for {param_hint}: {message}").format(',
     '        return _("Invalid value {param_hint}: {message}").format(',
     "The error for a bad option value lost a word: it reads \"Invalid value '--count': ...\" instead of "
     "\"Invalid value for '--count': ...\"."),
    ("040", "src/click/formatting.py", "        first_col = min(widths[0], col_max) + col_spacing",
     "        first_col = max(widths[0], col_max) + col_spacing",
     "Definition lists in the help output always reserve a 30-column first column, even when every option "
     "name is short, so the descriptions start far to the right."),
)
