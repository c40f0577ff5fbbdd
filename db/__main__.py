"""Database commands: ``python -m db upgrade | verify-audit [--receipt FILE] | audit-receipt
[--out PATH] | current | create-admin NAME | city check|init PROFILE | city export [FOLDER] |
send-mail``.

Every command works on the database named by ``DATABASE_URL`` (default: the embedded SQLite
file). Problems a person can fix are printed as one sentence on stderr with exit code 2.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import Engine

from db import audit
from db.config import load_settings
from db.engine import DatabaseConfigError, make_engine
from db.errors import DomainError, ValidationFailed
from db.session import read_session, write_session

# db.accounts and db.migrate (Alembic) are imported by the commands that use them: a
# verify-audit process starts half a second sooner without them.

Command = Callable[[Engine, argparse.Namespace], int]
COMMANDS: dict[str, tuple[str, Command]] = {}


def command(name: str, help: str) -> Callable[[Command], Command]:
    def register(fn: Command) -> Command:
        COMMANDS[name] = (help, fn)
        return fn

    return register


@command("upgrade", "apply all migrations")
def _upgrade(engine: Engine, _args: argparse.Namespace) -> int:
    from db.migrate import current_revision, head_revision, upgrade

    upgrade(engine)
    print(f"Database is at migration {current_revision(engine)} (head {head_revision()}).")
    with write_session(engine) as s:
        sealed = audit.seal_baseline(s)
    if sealed:
        print(f"Sealed {sealed:,} audited records held before record seals (a baseline).")
    return 0


@command("current", "print the database's migration")
def _current(engine: Engine, _args: argparse.Namespace) -> int:
    from db.migrate import current_revision

    print(current_revision(engine) or "(empty: no migration applied)")
    return 0


@command("verify-audit", "recompute the audit trail's hash chain and check every audited record")
def _verify(engine: Engine, args: argparse.Namespace) -> int:
    from db.audit import records
    from db.migrate import is_up_to_date

    if not is_up_to_date(engine):  # the records' tables of a newer schema are not there yet
        print("The database is not upgraded: run `python -m db upgrade` first.", file=sys.stderr)
        return 2
    started = time.perf_counter()
    show = _progress_line if sys.stderr.isatty() else None
    with read_session(engine) as s:
        head_id, _hash = audit.read_head(s)
        result = audit.verify(
            s, expected_head=args.expected_head, progress=show, processes=args.processes
        )
        if show is not None:
            print(file=sys.stderr)
        chain_seconds = time.perf_counter() - started
        found = records.verify_records(
            s,
            head_id=head_id,
            processes=_record_processes(args.processes, head_id),
            on_table=_table_line,
        )
    seconds = time.perf_counter() - started
    processes = "1 process" if result.processes == 1 else f"{result.processes} processes"
    print(f"Checked {result.checked:,} events in {chain_seconds:.1f} s ({processes}).")
    print(
        f"Checked {found.checked:,} records in {len(found.tables)} tables against their seals "
        f"({seconds - chain_seconds:.1f} s)."
    )
    status = 0
    if found.unsealed:
        print("No record is sealed yet: `python -m db upgrade` seals them once (a baseline).")
    elif found.ok:
        print("Every audited record is as its audited writes left it.")
    else:
        more = " (and more)" if found.more else ""
        print(
            f"{len(found.problems)} records differ from their audited writes{more}:",
            file=sys.stderr,
        )
        for problem in found.problems:
            print(f"  {records.describe_problem(problem)}", file=sys.stderr)
        status = 1
    if result.ok:
        print(
            f"Audit trail intact up to event {result.last_good_id}, head hash {result.head_hash}."
        )
    else:
        print(
            f"Audit trail broken at event {result.first_bad_id}: {result.problem}. "
            f"Intact up to event {result.last_good_id}, head hash {result.head_hash}.",
            file=sys.stderr,
        )
        status = 1
    if args.receipt:
        status = max(status, _check_receipt(engine, args.receipt))
    return status


PARALLEL_RECORDS_FROM = 200_000
"""Events from which the records are checked by one process per core (fewer: starting the
processes costs more than it saves)."""


def _record_processes(asked: int | None, head_id: int) -> int:
    import os

    if asked is not None:
        return max(1, asked)
    return (os.cpu_count() or 1) if head_id >= PARALLEL_RECORDS_FROM else 1


def _table_line(table: str, count: int, seconds: float) -> None:
    """One line a table as its check ends (the seals' own check first, with no count)."""
    if table == "record_seals":
        print(f"  the seals themselves checked against their events ({seconds:.1f} s)")
    else:
        print(f"  {table}: {count:,} records checked ({seconds:.1f} s)")


@command(
    "audit-receipt",
    "write a head receipt (head, fingerprints, HMAC with NTP_AUDIT_KEY) to --out or the "
    "folder NTP_AUDIT_RECEIPTS, else print it",
)
def _receipt(engine: Engine, args: argparse.Namespace) -> int:
    import os

    from db.audit.keys import load_key
    from db.audit.receipt import RECEIPTS_ENV, make_receipt, receipt_text, write_receipt

    key = load_key()
    with read_session(engine) as s:
        receipt = make_receipt(s, key)
    target = args.out or os.environ.get(RECEIPTS_ENV) or "-"
    if target == "-":
        sys.stdout.write(receipt_text(receipt))
        return 0
    path = write_receipt(receipt, target)
    demo = " (DEMO KEY: not a secret, for demonstration only)" if key.is_demo else ""
    print(f"Wrote the receipt of event {receipt['event']} to {path}{demo}.")
    return 0


def _check_receipt(engine: Engine, file: str) -> int:
    from db.audit.keys import load_key
    from db.audit.receipt import NOT_A_RECEIPT, check_receipt, read_receipt

    key = load_key()
    receipt = read_receipt(Path(file).read_bytes())
    if receipt is None:
        print(NOT_A_RECEIPT, file=sys.stderr)
        return 1
    with read_session(engine) as s:
        checked = check_receipt(s, receipt, key)
    if checked.ok:
        print(checked.problem)
        return 0
    print(f"Against the receipt {file}: {checked.problem}", file=sys.stderr)
    return 1


def _progress_line(done: int, total: int) -> None:
    """On a terminal: how far the check is, rewritten in place."""
    share = done / total if total else 1.0
    print(f"\rChecked {done:,} of {total:,} events ({share:.0%})", end="", file=sys.stderr)


@command("create-admin", "create an administrator with a one-time password")
def _create_admin(engine: Engine, args: argparse.Namespace) -> int:
    from db import accounts
    from db.migrate import is_up_to_date, upgrade
    from db.policy import ADMIN, SYSTEM

    if not is_up_to_date(engine):
        upgrade(engine)
    try:
        with write_session(engine) as s:
            user_id, password = accounts.create_user(
                session=s,
                actor=SYSTEM,
                username=args.username,
                display_name=args.username,
                roles=[ADMIN],
            )
    except ValidationFailed as exc:
        print(exc.errors.get("username") or exc.message, file=sys.stderr)
        return 2
    print(f"Created administrator {args.username.strip()} (user {user_id}).")
    print(f"One-time password: {password}")
    print("It is shown only this once; it must be changed at the first sign-in.")
    return 0


@command(
    "city",
    "check a city's profile file (check PROFILE), apply it to an empty database (init "
    "PROFILE), or write the current one out (export [FOLDER])",
)
def _city(engine: Engine, args: argparse.Namespace) -> int:
    from db.city.profile_file import ProfileInvalid, logo_file_name, profile_toml, read_profile
    from db.city.store import apply_profile, export_profile
    from db.migrate import is_up_to_date

    if args.action in ("init", "check"):
        if args.path is None:
            print(
                f"Name the profile file: python -m db city {args.action} PROFILE", file=sys.stderr
            )
            return 2
        path = Path(args.path)
        try:
            profile = read_profile(path)
        except ProfileInvalid as exc:
            verdict = "is not valid" if args.action == "check" else "was not applied"
            print(f"The profile {exc.path} {verdict}:", file=sys.stderr)
            for problem in exc.problems:
                print(f"  {problem.text(exc.path)}", file=sys.stderr)
            return 2
        if args.action == "check":
            terms = ", ".join(f"{len(v)} {k}" for k, v in profile.vocabularies.items())
            print(f"The profile of {profile.name_en} ({profile.name_ko}) is valid: {terms}.")
            return 0
    if not is_up_to_date(engine):
        print("The database is not upgraded: run `python -m db upgrade` first.", file=sys.stderr)
        return 2
    if args.action == "init":
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        with write_session(engine) as s:
            apply_profile(s, profile, source=f"{path.name} (SHA-256 {digest})")
        terms = ", ".join(f"{len(v)} {k}" for k, v in profile.vocabularies.items())
        print(f"Applied the profile of {profile.name_en} ({profile.name_ko}): {terms}.")
        if profile.regulation is not None:
            print(
                f"Regulation version 1 ({profile.regulation.directive}) is in force from "
                f"{profile.regulation.effective_on.isoformat()}."
            )
        return 0
    folder = Path(args.path or ".")
    with read_session(engine) as s:
        profile = export_profile(s)
    folder.mkdir(parents=True, exist_ok=True)
    logo = logo_file_name(profile)
    (folder / logo).write_bytes(profile.logo)
    target = folder / f"{profile.code}.toml"
    target.write_text(profile_toml(profile, logo), encoding="utf-8")
    print(f"Wrote {target} and {folder / logo}.")
    return 0


@command("send-mail", "send the mail waiting in the outbox (run it now and then, e.g. by cron)")
def _send_mail(engine: Engine, _args: argparse.Namespace) -> int:
    from db import mail

    settings = mail.load_mail_settings(demo=load_settings().demo)
    if not settings.deliver:
        print("No mail is sent: demo mode, or NTP_SMTP_HOST is not set.")
        return 0
    report = mail.deliver_queued(engine, settings, limit=500)
    print(f"Sent {len(report.sent)}, to retry {len(report.retry)}, failed {len(report.failed)}.")
    return 1 if report.retry or report.failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m db", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (help_text, _fn) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text)
        if name == "verify-audit":
            p.add_argument("--expected-head", help="a head hash exported earlier")
            p.add_argument("--receipt", metavar="FILE", help="also check against a head receipt")
            p.add_argument(
                "--processes",
                type=int,
                metavar="N",
                help="check with N processes at once (default: one per core for long chains)",
            )
        if name == "audit-receipt":
            p.add_argument(
                "--out", metavar="PATH", help="a file or folder to write to ('-': print it)"
            )
        if name == "create-admin":
            p.add_argument("username")
        if name == "city":
            p.add_argument("action", choices=("check", "init", "export"))
            p.add_argument(
                "path",
                nargs="?",
                help="check, init: the profile file; export: the folder (default .)",
            )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        engine = make_engine(load_settings().database_url)
    except DatabaseConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    try:
        return COMMANDS[args.command][1](engine, args)
    except DomainError as exc:  # e.g. the database went away or is read-only: one sentence
        print(str(exc), file=sys.stderr)
        return 2
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
