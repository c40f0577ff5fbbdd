"""``python -m seed [--scale N] [--until DATE] [--force] [--profile FILE] [--no-demo-accounts]``

Fills the database named by ``DATABASE_URL`` (default: the embedded SQLite file) with the
demo data of a city (the profile file given, else the one the database holds, else the demo
city's), after applying the migrations. Demo accounts can sign in only in demo mode unless
asked otherwise. Problems a person can fix are printed as one sentence on stderr, exit code 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from db.city.profile_file import ProfileInvalid
from db.config import load_settings
from db.engine import DatabaseConfigError, make_engine
from db.migrate import upgrade
from seed.build import SeedRefused, build
from seed.city import ProfileNotBuildable
from seed.constants import DEMO_ACCOUNTS, DEMO_END, DEMO_PASSWORD


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from exc
    if n < 1:
        raise argparse.ArgumentTypeError("the scale must be 1 or more")
    return n


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m seed", description=__doc__.split("\n\n")[1])
    parser.add_argument(
        "--scale", type=_positive, default=1, help="multiply every volume by N (default 1)"
    )
    parser.add_argument(
        "--until",
        type=_date,
        default=DEMO_END,
        help=f"the demo's 'today' (default {DEMO_END.isoformat()})",
    )
    parser.add_argument(
        "--force", action="store_true", help="delete everything in the database first"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="the city's profile file (default: the profile the database holds, else "
        "profiles/daegu.toml)",
    )
    accounts = parser.add_mutually_exclusive_group()
    accounts.add_argument(
        "--demo-accounts",
        dest="demo_accounts",
        action="store_true",
        default=None,
        help="demo accounts can sign in (default in demo mode)",
    )
    accounts.add_argument(
        "--no-demo-accounts",
        dest="demo_accounts",
        action="store_false",
        help="demo accounts exist only as inactive actors of the history",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = load_settings()
    demo_accounts = settings.demo if args.demo_accounts is None else args.demo_accounts
    started = time.perf_counter()

    def progress(message: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f} s] {message}", flush=True)

    try:
        engine = make_engine(settings.database_url)
    except DatabaseConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    try:
        progress("applying migrations")
        upgrade(engine)
        report = build(
            engine,
            scale=args.scale,
            until=args.until,
            demo_accounts=demo_accounts,
            force=args.force,
            progress=progress,
            profile=args.profile,
        )
    except (SeedRefused, ProfileInvalid, ProfileNotBuildable) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(report.summary())
    if demo_accounts:
        names = ", ".join(a.username for a in DEMO_ACCOUNTS)
        print(f"Demo accounts {names} sign in with the password {DEMO_PASSWORD}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
