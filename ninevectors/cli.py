"""Command line: `python -m ninevectors.cli prepare` readies the database for serving.

prepare = apply migrations, create the document store's containers, purge expired items,
and (unless NINEVECTORS_LOAD_DEMO_DATA=false) load the demo organization and print its logins.
"""

from __future__ import annotations

import argparse
import sys

from ninevectors.settings import get_settings


def prepare() -> int:
    from ninevectors.services.backends import get_store
    from ninevectors.services.database import migrate

    settings = get_settings()
    migrate()
    store = get_store()
    purged = store.purge_expired()
    print(f"==> database ready ({settings.store_backend} store; {purged} expired items purged)")
    problems = settings.check_production_safety()
    for problem in problems:
        print(f"!! {problem}", file=sys.stderr)
    if problems:
        return 1
    if settings.load_demo_data:
        from ninevectors.services.demo import DEMO_PASSWORD, load_demo_data

        logins = load_demo_data()
        print(f"==> demo organization loaded; every demo login's password is {DEMO_PASSWORD}")
        for login in logins:
            print(f"    {login.role:<12} {login.email}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ninevectors")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("prepare", help="migrate, create containers, load demo data")
    args = parser.parse_args(argv)
    if args.command == "prepare":
        return prepare()
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
