"""Users' own environments: registered from the CLI or a TOML file into the real store, listed, made by id,
usable by every command, and the user's database or tree never modified."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import sqlalchemy as sa

from lbi.cli import app
from lbi.envs import registry
from lbi.errors import UnknownEnvironment
from lbi.store import documents
from tests.envs import user_shop
from tests.envs.user_shop import invoke, runner
from tests.sandbox.backends import needs_bubblewrap

pytestmark = pytest.mark.usefixtures("lbi_env")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def shop(tmp_path: Path) -> tuple[Path, Path]:
    return user_shop.build(tmp_path)


def test_a_sqlite_database_registered_from_the_cli_is_listed_made_and_never_modified(
        shop: tuple[Path, Path]) -> None:
    db, docs = shop
    before = digest(db)
    assert "registered my-shop: sqlite" in invoke("env", "add", "my-shop", "--family", "sqlite", "--db", str(db),
                                                  "--docs", str(docs), "--description", "My shop's catalogue.")
    assert "my-shop" in invoke("envs") and "sqlite-chinook-v0" in invoke("envs")
    with registry.make("my-shop") as env:
        schema, *rest = env.spec.docs
        assert env.spec.family == "sqlite" and schema.name == "schema.md" and rest[0] == docs
        assert set(rest[1:]) == set(registry.spec("sqlite-chinook-v0").docs) - {
            p for p in registry.spec("sqlite-chinook-v0").docs if p.suffix == ".md"}, "the family's manual follows"
        assert "## Table item" in schema.read_text() and "| price | REAL |" in schema.read_text()
        assert env.spec.description == "My shop's catalogue."
        assert "item (2)" in env.reset().text
        assert env.step("DELETE FROM item").observation.text == "OK, 2 rows changed"
    output = invoke("env", "run", "my-shop", "--action", "SELECT count(*) FROM item")
    assert "\n2\n" in output
    assert digest(db) == before


@needs_bubblewrap
def test_a_directory_tree_registered_from_the_cli_runs_on_copies(tmp_path: Path) -> None:
    tree = tmp_path / "project"
    (tree / "src").mkdir(parents=True)
    (tree / "src" / "main.c").write_text("int main(void) { return 0; }\n")
    man_page = Path("/usr/share/man/man1/ls.1.gz")
    docs = man_page if man_page.exists() else tree / "src" / "main.c"
    invoke("env", "add", "my-project", "--family", "shell", "--tree", str(tree), "--docs", str(docs),
           "--no-default-docs")
    output = invoke("env", "run", "my-project", "--action", "rm -rf src && ls -A | wc -l")
    assert "a fresh copy of project" in output and "\n0\n[exit code 0]" in output
    assert (tree / "src" / "main.c").read_text() == "int main(void) { return 0; }\n"
    assert registry.spec("my-project").docs == (docs,)


def test_a_toml_file_registers_several_environments(shop: tuple[Path, Path], tmp_path: Path) -> None:
    db, _ = shop
    (tmp_path / "envs.toml").write_text(
        '[environments.shop-a]\nfamily = "sqlite"\ndb = "shop.db"\ndocs = ["docs/shop"]\n\n'
        '[environments.shop-b]\nfamily = "sqlite"\ndb = "shop.db"\ndescription = "The same shop."\n')
    invoke("env", "add", "--file", str(tmp_path / "envs.toml"))
    assert registry.spec("shop-a").docs[1] == tmp_path / "docs" / "shop"
    assert registry.spec("shop-b").description == "The same shop."
    assert {"shop-a", "shop-b"} <= set(registry.registered())


@pytest.mark.parametrize(("args", "message"), [
    (["sqlite-chinook-v0", "--family", "sqlite", "--db", "{db}"], "built-in environment"),
    (["My Shop", "--family", "sqlite", "--db", "{db}"], "not a usable environment id"),
    (["my-shop", "--family", "oracle", "--db", "{db}"], "unknown family 'oracle'"),
    (["my-shop", "--family", "sqlite"], "--family sqlite needs --db"),
    (["my-shop\n", "--family", "sqlite", "--db", "{db}"], "not a usable environment id"),
    (["my-shop", "--family", "sqlite", "--db", "{db}", "--workdir", "/testbed"], "has no option 'workdir'"),
    (["my-shop", "--family", "shell", "--tree", "{tree}", "--workdir", "/etc/x"], "lies under /etc"),
    (["my-shop", "--family", "shell", "--tree", "{tree}", "--workdir", "relative"], "must be an absolute path"),
    (["my-shop", "--family", "sqlite", "--db", "{corrupt}"], "integrity check"),
    (["my-shop", "--family", "sqlite", "--db", "{notdb}"], "not a SQLite 3 database"),
    (["my-shop", "--family", "sqlite", "--db", "{db}", "--docs", "/no/such/docs"], "no such file or directory"),
    (["my-shop", "--family", "sqlite", "--db", "/no/such.db"], "neither a shipped database"),
    (["my-shop", "--family", "shell", "--tree", "/no/such/tree"], "neither the shipped"),
])
def test_bad_registrations_are_clear_errors(shop: tuple[Path, Path], tmp_path: Path, args: list[str],
                                           message: str) -> None:
    paths = {"{db}": shop[0], "{tree}": shop[1], "{corrupt}": corrupt_copy(shop[0], tmp_path / "corrupt.db"),
             "{notdb}": shop[1] / "items.md"}
    result = runner.invoke(app, ["env", "add", *[paths.get(a, a) for a in args]])
    assert result.exit_code != 0
    assert message in result.output + str(result.exception)
    assert "my-shop" not in registry.registered()


def corrupt_copy(db: Path, target: Path) -> Path:
    """The database with the middle of its table's page overwritten (its header stays valid)."""
    data = bytearray(db.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[page + 8:page * 2 - 8] = b"\xff" * (page - 16)
    target.write_bytes(bytes(data))
    return target


def test_an_existing_id_is_replaced_only_with_force(shop: tuple[Path, Path], tmp_path: Path) -> None:
    db, docs = shop
    invoke("env", "add", "my-shop", "--family", "sqlite", "--db", str(db))
    again = runner.invoke(app, ["env", "add", "my-shop", "--family", "shell", "--tree", str(docs)])
    assert again.exit_code != 0 and "already registered" in str(again.exception)
    assert "as family sqlite, not shell" in str(again.exception) and registry.spec("my-shop").family == "sqlite"
    invoke("env", "add", "my-shop", "--family", "sqlite", "--db", str(db), "--description", "New.", "--force")
    assert registry.spec("my-shop").description == "New."


def test_remove_forgets_the_environment_but_keeps_its_data(shop: tuple[Path, Path], store: sa.Engine) -> None:
    db, docs = shop
    invoke("env", "add", "my-shop", "--family", "sqlite", "--db", str(db), "--docs", str(docs))
    registered = registry.spec("my-shop")
    with store.begin() as conn:
        documents.upsert_environment(conn, spec=registered)  # what a synthesize run does
        documents.record_skip(conn, environment_id="my-shop", source="x.md", reason="empty", run_id=None)
    assert registry.spec("my-shop") == registered, "a synthesize run keeps the registration"
    assert "removed my-shop" in invoke("env", "remove", "my-shop")
    with pytest.raises(UnknownEnvironment, match="no environment 'my-shop'"):
        registry.make("my-shop")
    with store.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM lbi.skipped_documents")).scalar() == 1
    again = runner.invoke(app, ["env", "remove", "my-shop"])
    assert again.exit_code != 0 and "no user environment 'my-shop'" in again.output
    assert runner.invoke(app, ["env", "remove", "sqlite-chinook-v0"]).exit_code != 0


def test_built_in_environments_need_no_store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("LBI_DATABASE_URL")
    monkeypatch.setenv("LBI_HOME", str(tmp_path / "home"))
    assert registry.spec("sqlite-chinook-v0").family == "sqlite"
    assert registry.registered() == registry.builtin()
    with pytest.raises(UnknownEnvironment, match="no environment 'my-shop'"):
        registry.make("my-shop")
    assert not (tmp_path / "home" / "pgdata").exists(), "looking up an id never starts a server"


@needs_bubblewrap
def test_a_tree_registered_with_a_workdir_sits_there(tmp_path: Path) -> None:
    tree = tmp_path / "repo"
    tree.mkdir()
    (tree / "setup.py").write_text("print('hi')\n")
    invoke("env", "add", "my-repo", "--family", "shell", "--tree", str(tree), "--workdir", "/testbed",
           "--no-default-docs", "--docs", str(tree / "setup.py"))
    assert "working in /testbed" in registry.spec("my-repo").description
    output = invoke("env", "run", "my-repo", "--action", "pwd && cat /testbed/setup.py")
    assert "/testbed\nprint('hi')\n[exit code 0]" in output
