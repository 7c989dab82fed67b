"""The kinds of task the offline model proposes in the shell environment's weatherlog project, each with its
sentences, the commands that do it, and what each command does in words.

A template's placeholders ({station}, {n}, ...) take values from ``PARAMETERS``;
``recognize`` inverts the templates so the actor knows what a proposed task asks,
and ``explain`` inverts the commands so the labeler can say what one did.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Step:
    reason: str
    command: str
    says: str  # what the command does, as an instruction
    role: str = "do"  # do | verify | inspect


@dataclass(frozen=True)
class TaskKind:
    name: str
    topics: frozenset[str]  # words of documentation this kind of task fits
    templates: tuple[str, ...]
    plans: tuple[tuple[Step, ...], ...]
    opening: Step | None = None  # a look around that sometimes comes first
    writes: bool = False


PARAMETERS: dict[str, tuple[str, ...]] = {
    "station": ("ST01", "ST02", "ST03", "ST04", "ST05", "ST06"),
    "city": ("Porto", "Braga", "Viseu", "Coimbra", "Guarda"),
    "day": ("2024-05-13", "2024-05-14", "2024-05-15", "2024-05-16", "2024-05-17"),
    "n": ("3", "5"),
    "level": ("ERROR", "WARNING"),
    "author": ("Ana Ruiz", "Ben Okafor", "Chen Wei"),
    "code": ("404", "500"),
    "word": ("humidity", "temperature", "station", "wind"),
    "setting": ("batch_size", "email", "max_wind_kmh", "timezone", "units", "decimals"),
    "size": ("250", "1000", "2000"),
    "message": ("Update the to-do list", "Note the ST06 rejections in the to-do list"),
    "branch": ("fix/readme", "docs/usage", "feature/gusts"),
}
VALUE_PATTERNS = {"n": r"\d+", "station": r"ST\d\d", "day": r"\d{4}-\d\d-\d\d", "code": r"\d{3}", "size": r"\d+",
                  "level": r"[A-Z]+", "setting": r"[a-z_]+", "branch": r"[\w./-]+", "word": r"\w+"}

READINGS = "data/readings.csv"
INGEST_LOG = "logs/ingest.log"
ACCESS_LOG = "logs/access.log"
SETTINGS = "config/settings.ini"
STATIONS = "config/stations.json"


def _kind(name: str, topics: str, templates: tuple[str, ...], *plans: tuple[Step, ...], opening: Step | None = None,
          writes: bool = False) -> TaskKind:
    return TaskKind(name, frozenset(topics.split()), templates, plans, opening, writes)


def _look(path: str) -> Step:
    return Step(f"Look at the first lines of {path} to see its format.", f"head -n 3 {path}",
                f"Show the first three lines of {path}", role="inspect")


def _list(directory: str) -> Step:
    return Step(f"List {directory} to see what is there.", f"ls -l {directory}", f"List the files in {directory}",
                role="inspect")


LOOK_AROUND = Step("Start by listing the project to see what is there.", "ls", "List the files of the project",
                   role="inspect")
_READINGS_LOOK = _look(READINGS)
_GIT_LOOK = Step("Check the state of the repository first.", "git status --short --branch",
                 "Show the current branch and the files with uncommitted changes", role="inspect")

KINDS: tuple[TaskKind, ...] = (
    _kind("error_readings", "grep count csv readings status error data match",
          ("How many readings in {readings} have the status error?", "Count the failed sensor readings in the data.",
           "How many rows of the readings file report a sensor error?"),
          (Step("Count the lines that end with ',error'.", f"grep -c ',error$' {READINGS}",
                f"Count the readings in {READINGS} whose status is error"),),
          opening=_READINGS_LOOK),
    _kind("station_readings", "grep head csv readings station lines",
          ("Show the first {n} readings of station {station}.", "List the first {n} rows of data for station {station}."),
          (Step("Select the station's lines and keep the first {n}.", f"grep '^{{station}},' {READINGS} | head -n {{n}}",
                f"Show the first {{n}} readings of station {{station}} in {READINGS}"),),
          opening=_READINGS_LOOK),
    _kind("readings_per_station", "cut sort uniq count fields columns csv readings station",
          ("Count the readings per station in {readings}.", "How many readings does each station have?"),
          (Step("Cut the first column, drop the header, then count each station.",
                f"cut -d, -f1 {READINGS} | tail -n +2 | sort | uniq -c",
                f"Count the readings of each station in {READINGS}"),),
          opening=_READINGS_LOOK),
    _kind("warmest_readings", "sort numeric reverse key field head temperature readings csv",
          ("List the {n} warmest readings in the data.", "Which {n} readings have the highest temperature?"),
          (Step("Sort the readings by the temperature column, highest first, and keep {n}.",
                f"tail -n +2 {READINGS} | sort -t, -k3 -n -r | head -n {{n}}",
                f"List the {{n}} readings in {READINGS} with the highest temperature"),),
          opening=_READINGS_LOOK),
    _kind("average_temperature", "awk average sum field temperature station readings pattern",
          ("What is the average temperature recorded by station {station}?",
           "Compute the mean temperature of station {station} over all its readings."),
          (Step("Sum the temperature column of the station's rows with awk and divide by their count.",
                f"awk -F, '$1 == \"{{station}}\" {{{{ sum += $3; n++ }}}} END {{{{ print sum / n }}}}' {READINGS}",
                f"Compute the average temperature of station {{station}} in {READINGS}"),),
          opening=_READINGS_LOOK),
    _kind("missing_humidity", "awk empty field humidity readings csv missing",
          ("Which readings have no humidity value?", "Find the readings whose humidity field is empty."),
          (Step("Print the rows whose fourth field is empty, skipping the header.",
                f"awk -F, 'NR > 1 && $4 == \"\"' {READINGS}",
                f"List the readings in {READINGS} that have no humidity value"),),
          opening=_READINGS_LOOK),
    _kind("readings_on_day", "grep count day date timestamp readings",
          ("How many readings were taken on {day}?", "Count the readings with a timestamp on {day}."),
          (Step("Count the lines whose timestamp falls on that day.", f"grep -c ',{{day}}T' {READINGS}",
                f"Count the readings in {READINGS} taken on {{day}}"),)),
    _kind("line_count", "wc lines count bytes words file",
          ("How many lines does {readings} have?", "Count the lines of the readings file."),
          (Step("Count the lines with wc.", f"wc -l {READINGS}", f"Count the lines of {READINGS}"),)),
    _kind("station_names", "jq json stations names filter",
          ("List the names of all stations in {stations}.", "What are the names of the weather stations?"),
          (Step("Print each station's name with jq.", f"jq -r '.[].name' {STATIONS}",
                f"List the station names in {STATIONS}"),),
          opening=_look(STATIONS)),
    _kind("stations_in_city", "jq json select stations city",
          ("Which stations are in {city}?", "List the ids of the stations located in {city}."),
          (Step("Select the stations whose city matches with jq.",
                f"jq -r '.[] | select(.city == \"{{city}}\") | .id' {STATIONS}",
                f"List the ids of the stations in {{city}} from {STATIONS}"),)),
    _kind("highest_station", "jq json max elevation stations",
          ("Which station is at the highest elevation?", "Find the station with the greatest elevation."),
          (Step("Let jq pick the station with the largest elevation_m.", f"jq 'max_by(.elevation_m)' {STATIONS}",
                f"Show the station with the highest elevation in {STATIONS}"),)),
    _kind("read_setting", "grep settings config ini value alerts ingest report",
          ("What is the value of {setting} in {settings}?", "Look up the {setting} setting in the configuration."),
          (Step("Find the setting's line in the configuration file.", f"grep '^{{setting}} ' {SETTINGS}",
                f"Show the {{setting}} setting in {SETTINGS}"),)),
    _kind("change_batch_size", "sed substitute replace in-place edit settings config batch",
          ("Set batch_size to {size} in {settings}.", "Change the ingest batch size to {size}."),
          (Step("Replace the batch_size line in place with sed.",
                f"sed -i 's/^batch_size = .*/batch_size = {{size}}/' {SETTINGS}",
                f"Set batch_size to {{size}} in {SETTINGS}"),
           Step("Check that the new value is in place.", f"grep '^batch_size' {SETTINGS}",
                f"Show the batch_size setting in {SETTINGS}", role="verify")),
          opening=Step("Look at the current ingest settings.", f"sed -n '1,5p' {SETTINGS}",
                       f"Show the first five lines of {SETTINGS}", role="inspect"),
          writes=True),
    _kind("count_log_level", "grep count log level error warning ingest lines",
          ("How many {level} lines are in {ingest_log}?", "Count the {level} messages of the ingest job."),
          (Step("Count the lines with that level.", f"grep -c {{level}} {INGEST_LOG}",
                f"Count the {{level}} lines in {INGEST_LOG}"),),
          opening=_list("logs")),
    _kind("last_errors", "grep tail log errors last ingest",
          ("Show the last {n} errors of the ingest job.", "What were the {n} most recent ERROR lines in the ingest log?"),
          (Step("Keep the ERROR lines and show the last {n}.", f"grep ERROR {INGEST_LOG} | tail -n {{n}}",
                f"Show the last {{n}} ERROR lines of {INGEST_LOG}"),),
          opening=_list("logs")),
    _kind("top_clients", "awk sort uniq count access log clients requests address",
          ("Which {n} clients made the most requests to the web API?",
           "Find the {n} busiest client addresses in the access log."),
          (Step("Count the requests per client address and sort by count.",
                f"awk '{{{{print $1}}}}' {ACCESS_LOG} | sort | uniq -c | sort -rn | head -n {{n}}",
                f"Show the {{n}} client addresses with the most requests in {ACCESS_LOG}"),),
          opening=_look(ACCESS_LOG)),
    _kind("status_count", "awk field status access log requests count http",
          ("How many requests in the access log returned status {code}?", "Count the API requests answered with {code}."),
          (Step("Select the lines whose status field matches and count them.",
                f"awk '$9 == {{code}}' {ACCESS_LOG} | wc -l",
                f"Count the requests in {ACCESS_LOG} with status {{code}}"),),
          opening=_look(ACCESS_LOG)),
    _kind("failed_paths", "awk sort uniq access log server error paths status",
          ("Which API paths returned a server error?", "List the request paths that failed with a 5xx status."),
          (Step("Print the path of every request with a status of 500 or more and count them.",
                f"awk '$9 >= 500 {{{{print $7}}}}' {ACCESS_LOG} | sort | uniq -c",
                f"Count the request paths in {ACCESS_LOG} that returned a server error (status 500 or more)"),)),
    _kind("archive_logs", "tar gzip archive compress create list logs",
          ("Archive the logs directory into /tmp/logs.tar.gz.", "Make a compressed tarball of the logs in /tmp."),
          (Step("Create the compressed archive with tar.", "tar -czf /tmp/logs.tar.gz logs",
                "Archive the logs directory into /tmp/logs.tar.gz"),
           Step("List what the archive holds to check it.", "tar -tzf /tmp/logs.tar.gz",
                "List the files in /tmp/logs.tar.gz", role="verify")),
          opening=_list("logs"), writes=True),
    _kind("find_todos", "grep recursive todo source code comments",
          ("Find the TODO comments in the source code.", "Where are the TODO notes in the Python package?"),
          (Step("Search the source tree recursively with line numbers.", "grep -rn TODO src/",
                "Find the TODO comments under src/"),)),
    _kind("word_usage", "grep recursive source code python search",
          ("Where is {word} used in the Python package?", "Find every line of the package that mentions {word}."),
          (Step("Search the package recursively for the word.", "grep -rn {word} src/weatherlog/",
                "Find the lines under src/weatherlog/ that mention {word}"),),
          opening=_list("src/weatherlog")),
    _kind("lines_of_code", "wc lines count python source files",
          ("Count the lines of each Python file in the package.", "How many lines of code does each module have?"),
          (Step("Count the lines of every module with wc.", "wc -l src/weatherlog/*.py",
                "Count the lines of each Python file in src/weatherlog/"),),
          opening=_list("src/weatherlog")),
    _kind("run_tests", "make test tests unittest python targets",
          ("Run the unit tests.", "Run the project's test suite and check that it passes."),
          (Step("The Makefile has a test target.", "make test", "Run the unit tests with make test"),),
          opening=Step("Check which targets the Makefile offers.", "grep -E '^[a-z]+:' Makefile",
                       "List the targets of the Makefile", role="inspect")),
    _kind("make_report", "make report day daily targets python reports",
          ("Write the daily report for {day}.", "Generate the weather report of {day} into the reports directory."),
          (Step("Use the Makefile's report target for that day.", "make report DAY={day}",
                "Write the daily report for {day} into reports/{day}.txt with make report"),
           Step("Show the report that was written.", "cat reports/{day}.txt", "Show reports/{day}.txt", role="verify")),
          opening=_list("reports"), writes=True),
    _kind("python_files", "find name files python type search directory",
          ("List every Python file in the project.", "Find all .py files in the working tree."),
          (Step("Find the files ending in .py, outside .git.", "find . -name '*.py' -not -path './.git/*'",
                "List every Python file in the project"),)),
    _kind("disk_usage", "du disk usage space size directories summarize",
          ("How much disk space do the data, logs and src directories take?",
           "Show the size of the data, logs and src directories."),
          (Step("Summarize each directory's size with du.", "du -sh data logs src",
                "Show how much space data, logs and src take"),)),
    _kind("make_executable", "chmod mode permissions executable scripts",
          ("Make scripts/backup.sh executable.", "Give the backup script execute permission."),
          (Step("Add the execute bits with chmod.", "chmod +x scripts/backup.sh", "Make scripts/backup.sh executable"),
           Step("Check the new permissions.", "ls -l scripts/backup.sh", "Show the permissions of scripts/backup.sh",
                role="verify")),
          opening=_list("scripts"), writes=True),
    _kind("run_backup", "backup script tar archive scripts data config",
          ("Back up the data and configuration with the backup script.", "Run the backup script and list the backups."),
          (Step("Run the backup script with sh (it is not executable).", "sh scripts/backup.sh",
                "Back up data/ and config/ with scripts/backup.sh"),
           Step("List the backups directory.", "ls backups", "List the files in backups", role="verify")),
          opening=_list("scripts"), writes=True),
    _kind("recent_commits", "git log commits history oneline",
          ("Show the last {n} commits.", "What are the {n} most recent commits in the repository?"),
          (Step("Show the log, one line per commit.", "git log --oneline -n {n}", "Show the last {n} commits"),),
          opening=_GIT_LOOK),
    _kind("commits_by_author", "git log author commits history",
          ("List the commits by {author}.", "Which commits did {author} make?"),
          (Step("Filter the log by author.", 'git log --author="{author}" --oneline',
                "List the commits by {author}"),)),
    _kind("last_commit_files", "git show stat commit files changed head",
          ("Which files did the last commit change?", "Show what the most recent commit changed."),
          (Step("Show the last commit with its file statistics.", "git show --stat --oneline HEAD",
                "Show the files the last commit changed"),),
          opening=_GIT_LOOK),
    _kind("uncommitted", "git status diff uncommitted changes modified working tree",
          ("Which files have uncommitted changes?", "Show the uncommitted edit in notes/todo.md."),
          (Step("Ask git which files are modified.", "git status --short", "List the files with uncommitted changes"),
           Step("Show the edit itself.", "git diff notes/todo.md", "Show the uncommitted changes to notes/todo.md")),),
    _kind("list_branches", "git branch branches list all",
          ("List the branches of the repository.", "Which branches does the repository have?"),
          (Step("List every branch.", "git branch -a", "List the branches of the repository"),)),
    _kind("list_tags", "git tag tags release version",
          ("Which tags does the repository have?", "List the release tags."),
          (Step("List the tags.", "git tag", "List the tags of the repository"),)),
    _kind("branch_diff", "git diff branch compare feature wind alerts",
          ("What does the feature/wind-alerts branch change compared to main?",
           "Compare the feature/wind-alerts branch with main."),
          (Step("Diff main against the feature branch.", "git diff main feature/wind-alerts",
                "Show what feature/wind-alerts changes compared to main"),),
          opening=Step("List the branches first.", "git branch -a", "List the branches of the repository",
                       role="inspect")),
    _kind("commit_todo", "git add commit message staged changes",
          ("Commit the change to notes/todo.md with the message '{message}'.",
           "Record the to-do list edit in a commit titled '{message}'."),
          (Step("Stage the file.", "git add notes/todo.md", "Stage notes/todo.md"),
           Step("Commit it with the message.", "git commit -m '{message}'", "Commit the staged change as '{message}'"),
           Step("Check the new commit.", "git log --oneline -n 1", "Show the last commit", role="verify")),
          opening=_GIT_LOOK, writes=True),
    _kind("create_branch", "git switch branch create checkout",
          ("Create a branch named {branch} and switch to it.", "Start a new branch called {branch}."),
          (Step("Create the branch and switch to it in one go.", "git switch -c {branch}",
                "Create the branch {branch} and switch to it"),
           Step("Confirm the current branch.", "git branch --show-current", "Show the current branch", role="verify")),
          writes=True),
    _kind("file_history", "git log follow file history stats",
          ("Show the history of src/weatherlog/stats.py.", "Which commits changed the statistics module?"),
          (Step("Show the log limited to that file.", "git log --oneline -- src/weatherlog/stats.py",
                "Show the commits that changed src/weatherlog/stats.py"),)),
)

FIXED = {"readings": READINGS, "ingest_log": INGEST_LOG, "settings": SETTINGS, "stations": STATIONS}


def fill(text: str, values: dict[str, str]) -> str:
    for name, value in {**FIXED, **values}.items():
        text = text.replace("{" + name + "}", value)
    return text.replace("{{", "{").replace("}}", "}")


def placeholders(text: str) -> list[str]:
    return [name for name in re.findall(r"(?<!\{)\{(\w+)\}(?!\})", text) if name not in FIXED]


def _pattern(template: str) -> re.Pattern[str]:
    """A regex matching ``template`` filled with any values (``{{``/``}}`` are literal braces)."""
    pieces = re.split(r"(?<!\{)\{(\w+)\}(?!\})", template)
    regex = ""
    for index, piece in enumerate(pieces):
        if index % 2 == 0:
            regex += re.escape(piece.replace("{{", "{").replace("}}", "}"))
        elif piece in FIXED:
            regex += re.escape(FIXED[piece])
        else:
            regex += f"(?P<{piece}>{VALUE_PATTERNS.get(piece, '.+?')})"
    return re.compile(regex + r"\.?$", re.IGNORECASE)


@cache
def _task_patterns() -> tuple[tuple[re.Pattern[str], TaskKind], ...]:
    return tuple((_pattern(template), kind) for kind in KINDS for template in kind.templates)


@cache
def _step_patterns() -> tuple[tuple[re.Pattern[str], Step], ...]:
    steps = [step for kind in KINDS for plan in kind.plans for step in plan]
    steps += [kind.opening for kind in KINDS if kind.opening] + [LOOK_AROUND]
    return tuple((_pattern(step.command), step) for step in steps)


def recognize(task: str) -> tuple[TaskKind, dict[str, str]] | None:
    """The kind of task a sentence asks for and its parameter values, for sentences ``propose`` writes."""
    sentence = " ".join(task.split())
    for pattern, kind in _task_patterns():
        if match := pattern.match(sentence):
            return kind, {k: v for k, v in match.groupdict().items() if v is not None}
    return None


def explain(command: str) -> tuple[Step, dict[str, str]] | None:
    """The planned step a command is, with its values: what the labeler says a command did."""
    text = " ".join(command.split())
    for pattern, step in _step_patterns():
        if match := pattern.match(text):
            return step, {k: v for k, v in match.groupdict().items() if v is not None}
    return None
