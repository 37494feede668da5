"""Backup and restore (等保 数据备份恢复): `jinlin backup [PATH]`, `jinlin restore PATH [--force]`.

SQLite: the online backup API (`sqlite3.Connection.backup`) copies a consistent snapshot while
the platform keeps running; restore copies the file back page by page. PostgreSQL: `pg_dump
--format=custom` and `pg_restore`. A restore refuses a target that already holds users, cases or
audit entries unless forced, so a mistyped command cannot overwrite a live database.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.utils import timezone

# A target holding rows in any of these is not empty (migrate alone fills none of them).
DATA_TABLES = ("core_user", "core_auditentry", "cases_case")


class BackupError(Exception):
    pass


def vendor(db: dict) -> str:
    engine = db["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if "postgresql" in engine:
        return "postgresql"
    raise BackupError(f"no backup for database engine {engine}")


def default_path(db: dict) -> Path:
    suffix = ".sqlite3" if vendor(db) == "sqlite" else ".dump"
    return Path(settings.VAR_DIR) / "backups" / f"jinlin-{timezone.now():%Y%m%d-%H%M%S}{suffix}"


def _pg_env(db: dict) -> dict:
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(f"{name} is not installed (apt-get install postgresql-client)")
    return path


def backup(db: dict, path: Path | None = None) -> Path:
    path = Path(path) if path else default_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    if vendor(db) == "sqlite":
        tmp = path.with_name(path.name + ".part")
        tmp.unlink(missing_ok=True)
        src, dst = sqlite3.connect(db["NAME"]), sqlite3.connect(tmp)
        try:
            with dst:
                src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            dst.close()
            src.close()
        tmp.replace(path)
    else:
        subprocess.run(  # noqa: S603 — our own tool and arguments
            [_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={path}", db["NAME"]],
            env=_pg_env(db),
            check=True,
            capture_output=True,
        )
    return path


def _sqlite_has_data(name: str) -> bool:
    if not Path(name).exists():
        return False
    con = sqlite3.connect(name)
    try:
        tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return any(con.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() for t in DATA_TABLES if t in tables)  # noqa: S608
    finally:
        con.close()


def _pg_has_data(db: dict) -> bool:
    import psycopg

    params = {k: db[K] for k, K in (("host", "HOST"), ("port", "PORT"), ("user", "USER"), ("password", "PASSWORD"))}
    with psycopg.connect(dbname=db["NAME"], **{k: v for k, v in params.items() if v}) as con:
        for table in DATA_TABLES:
            found = con.execute("SELECT to_regclass(%s)", [table]).fetchone()
            if found is None or found[0] is None:
                continue
            if con.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():  # noqa: S608 — fixed names
                return True
    return False


def has_data(db: dict) -> bool:
    return _sqlite_has_data(db["NAME"]) if vendor(db) == "sqlite" else _pg_has_data(db)


def restore(db: dict, path: Path, *, force: bool = False) -> None:
    path = Path(path)
    if not path.exists():
        raise BackupError(f"no backup at {path}")
    if not force and has_data(db):
        raise BackupError(
            f"the target database {db['NAME']} is not empty (users, cases or audit entries): "
            "restore into an empty database, or pass --force to replace it"
        )
    if vendor(db) == "sqlite":
        src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if src.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{path} fails SQLite's integrity check")
            dst = sqlite3.connect(db["NAME"])
            try:
                src.backup(dst)
            finally:
                dst.close()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{path} is not a SQLite backup: {exc}") from exc
        finally:
            src.close()
    else:
        args = [_tool("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={db['NAME']}"]
        if force:
            args += ["--clean", "--if-exists"]
        result = subprocess.run([*args, str(path)], env=_pg_env(db), capture_output=True, text=True)  # noqa: S603
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()[-2000:]}")
