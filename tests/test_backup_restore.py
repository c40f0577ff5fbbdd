"""``scripts/backup`` and ``scripts/restore-verify`` on the throwaway PostgreSQL 15 server.

The seeded demo database is backed up (``pg_dump -Fc`` plus its audit head and checksum),
restored into a fresh database and verified: exit 0, the chain verifies up to the exported
head, and every table has the source's row count. Then three bad backups must be refused
with a non-zero exit and a sentence saying why:

- a dump whose bytes changed (the checksum no longer matches);
- a dump re-made after someone with database access rewrote one audit event (and fixed the
  checksum): the chain is broken at that event;
- a dump re-made after the last events were deleted and the head row moved back, so the
  chain is consistent in itself: the head exported at backup time is not in it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, inspect, select, table, text

from tests.conftest import PgServer, _pg_admin, _pg_bindir

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.parametrize("seeded_url", ["postgresql"], indirect=True)


def script(name: str, *args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "NTP_PG_BIN": str(_pg_bindir() or "")}
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / name), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            n: int(conn.execute(select(func.count()).select_from(table(n))).scalar_one())
            for n in sorted(inspect(conn).get_table_names())
        }


def printed_counts(output: str) -> dict[str, int]:
    counts = {}
    for line in output.splitlines():
        if line.startswith("  ") and line.endswith(" rows"):
            name, n = line.strip().removesuffix(" rows").split(": ")
            counts[name] = int(n.replace(",", ""))
    return counts


def redump(
    pg: PgServer, dump: Path, name: str, tamper: list[str], out: Path, *, keep_sum: bool = False
) -> Path:
    """Restore ``dump`` into database ``name``, run ``tamper`` (SQL) there as the superuser,
    dump it again to ``out`` beside a copy of the original head file and (unless
    ``keep_sum``) a checksum that matches the new file, as a careful forger would."""
    done = script("restore-verify", str(dump), "--keep", "--name", name, url=pg.admin_url)
    assert done.returncode == 0, done.stderr
    engine = create_engine(pg.url(name), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for statement in tamper:
            conn.execute(text(statement))
    engine.dispose()
    bindir = _pg_bindir()
    assert bindir is not None
    subprocess.run(
        [str(bindir / "pg_dump"), "-Fc", "--file", str(out), "--dbname", pg.url(name).replace(
            "postgresql+psycopg", "postgresql")],
        check=True,
        capture_output=True,
    )  # fmt: skip
    out.with_name(out.name + ".audit-head").write_text(
        dump.with_name(dump.name + ".audit-head").read_text()
    )
    if not keep_sum:
        import hashlib

        digest = hashlib.sha256(out.read_bytes()).hexdigest()
        out.with_name(out.name + ".sha256").write_text(f"{digest}  {out.name}\n")
    admin = _pg_admin(pg)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}"'))
    admin.dispose()
    return out


@pytest.fixture(scope="module")
def made_backup(
    seeded_url: str, pg_server: PgServer, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, int]]:
    """A backup of the seeded database (made once), and that database's row counts."""
    folder = tmp_path_factory.mktemp("backups")
    done = script("backup", str(folder), url=seeded_url)
    assert done.returncode == 0, done.stderr
    assert "Backup written:" in done.stdout
    [dump] = sorted(folder.glob("ntp-ntp_seeded-*.dump"))
    engine = create_engine(seeded_url)
    counts = row_counts(engine)
    engine.dispose()
    return dump, counts


@pytest.fixture
def backup(made_backup: tuple[Path, dict[str, int]], tmp_path: Path) -> tuple[Path, dict[str, int]]:
    """A copy of the backup's three files for one test to use (or spoil)."""
    dump, counts = made_backup
    for suffix in ("", ".audit-head", ".sha256"):
        src = dump.with_name(dump.name + suffix)
        shutil.copy2(src, tmp_path / src.name)
    return tmp_path / dump.name, counts


def test_backup_restores_and_verifies(
    backup: tuple[Path, dict[str, int]], pg_server: PgServer, seeded_url: str
) -> None:
    dump, source_counts = backup
    head = json.loads(dump.with_name(dump.name + ".audit-head").read_text())
    assert head["last_id"] == source_counts["audit_events"] and len(head["hash"]) == 64
    for suffix in ("", ".audit-head", ".sha256"):
        assert (dump.with_name(dump.name + suffix).stat().st_mode & 0o777) == 0o600
    done = script("restore-verify", str(dump), url=pg_server.admin_url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "checksum matches" in done.stdout
    assert f"Audit trail intact up to event {head['last_id']}, head hash {head['hash']}." in (
        done.stdout
    )
    assert printed_counts(done.stdout) == source_counts
    assert "OK: the backup restores and its audit trail verifies." in done.stdout
    # the scratch database was dropped again
    admin = _pg_admin(pg_server)
    with admin.connect() as conn:
        left = conn.execute(
            text("SELECT count(*) FROM pg_database WHERE datname LIKE 'ntp_restore_%'")
        ).scalar_one()
    admin.dispose()
    assert left == 0


def test_changed_bytes_are_caught(backup: tuple[Path, dict[str, int]], pg_server: PgServer) -> None:
    dump, _counts = backup
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0x01
    dump.write_bytes(bytes(data))
    done = script("restore-verify", str(dump), url=pg_server.admin_url)
    assert done.returncode == 1
    assert "does not match its checksum: the file was changed." in done.stderr


def test_a_rewritten_event_is_caught(
    backup: tuple[Path, dict[str, int]], pg_server: PgServer, tmp_path: Path
) -> None:
    dump, _counts = backup
    forged = redump(
        pg_server,
        dump,
        "ntp_forged_event",
        [
            "ALTER TABLE audit_events DISABLE TRIGGER USER",
            "UPDATE audit_events SET reason = 'nothing to see' WHERE id = 100",
            "ALTER TABLE audit_events ENABLE TRIGGER USER",
        ],
        tmp_path / "forged.dump",
    )
    done = script("restore-verify", str(forged), url=pg_server.admin_url)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "checksum matches" in done.stdout  # the forger fixed the checksum
    assert "Audit trail broken at event 100: its content does not match its hash." in done.stderr
    assert "VERIFY FAILED" in done.stderr


def test_a_truncated_tail_is_caught(
    backup: tuple[Path, dict[str, int]], pg_server: PgServer, tmp_path: Path
) -> None:
    dump, counts = backup
    keep = counts["audit_events"] - 5
    forged = redump(
        pg_server,
        dump,
        "ntp_forged_tail",
        [
            "ALTER TABLE audit_events DISABLE TRIGGER USER",
            f"DELETE FROM audit_events WHERE id > {keep}",
            "ALTER TABLE audit_events ENABLE TRIGGER USER",
            "UPDATE audit_head SET last_id = e.id, last_hash = e.hash "
            f"FROM audit_events e WHERE e.id = {keep}",
        ],
        tmp_path / "truncated.dump",
    )
    done = script("restore-verify", str(forged), url=pg_server.admin_url)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "the exported head hash is not in the chain" in done.stderr
