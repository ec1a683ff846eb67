"""Command line: ``python -m ninevectors.cli COMMAND``.

- ``prepare``: create the installation's secret key (development), apply migrations, create
  the document store's containers, purge expired items, and (unless
  NINEVECTORS_LOAD_DEMO_DATA=false) load the demo organization and print its logins.
- ``build``: build the production frontend if its inputs changed (``--force``: anyway).
- ``serve``: the production server (:mod:`ninevectors.serving`). ``--role all`` (default):
  build if needed, then web workers, task workers and the scheduler under one supervisor.
  ``--role web|worker|scheduler``: one role in the foreground (containers; the platform
  restarts it), never building.
"""

from __future__ import annotations

import argparse
import sys

from ninevectors import installation_secret
from ninevectors.settings import Settings, get_settings

ROLES = ("all", "web", "worker", "scheduler")


def _refuse_unsafe(settings: Settings) -> bool:
    """Print why this configuration may not serve; whether it may not."""
    problems = settings.check_production_safety()
    for problem in problems:
        print(f"!! {problem}", file=sys.stderr)
    return bool(problems)


def _ensure_installation_secret(settings: Settings) -> tuple[Settings, bool]:
    """Outside production without a configured key: create the data folder's key once.
    The settings to use from now on, and whether the key was created now."""
    if not installation_secret.is_process_only(settings.secret_key.get_secret_value()):
        return settings, False  # configured, or the data folder's key already
    _key, created = installation_secret.ensure(settings.data_dir)
    if created:
        path = installation_secret.path_in(settings.data_dir)
        print(f"==> created this installation's secret key in {path} (mode 0600)")
    get_settings.cache_clear()
    return get_settings(), created


def _warn_about_legacy_data() -> None:
    print(
        "!! this data folder was used before with the public development key: links it\n"
        "   signed no longer work, and assessments begun before continue only if\n"
        "   NINEVECTORS_SECRET_KEY is set to that former key (development only)",
        file=sys.stderr,
    )


def prepare() -> int:
    from ninevectors.services.backends import get_store
    from ninevectors.services.database import migrate

    settings = get_settings()
    if _refuse_unsafe(settings):
        return 1
    had_database = not settings.database_url and (settings.data_dir / "ninevectors.db").exists()
    settings, created = _ensure_installation_secret(settings)
    if created and had_database:
        _warn_about_legacy_data()
    migrate()
    store = get_store()
    purged = store.purge_expired()
    print(f"==> database ready ({settings.store_backend} store; {purged} expired items purged)")
    if settings.load_demo_data:
        from ninevectors.services.demo import DEMO_PASSWORD, load_demo_data

        logins = load_demo_data()
        print(f"==> demo organization loaded; every demo login's password is {DEMO_PASSWORD}")
        for login in logins:
            print(f"    {login.role:<12} {login.email}")
    return 0


def build(force: bool) -> int:
    from ninevectors.serving import build as frontend

    frontend.ensure_built(force=force)
    return 0


def serve(role: str, web_workers: int | None, task_workers: int | None, no_build: bool) -> int:
    from ninevectors.serving import counts

    settings = get_settings()
    if _refuse_unsafe(settings):
        return 1
    if role == "worker":
        from ninevectors import worker

        worker.main()
        return 0
    if role == "scheduler":
        from ninevectors import jobs

        jobs.main()
        return 0
    settings, _created = _ensure_installation_secret(settings)
    try:
        web = counts.web_workers(settings, web_workers)
        tasks = counts.task_workers(settings, task_workers) if role == "all" else 0
    except counts.CountError as error:
        print(f"!! {error}", file=sys.stderr)
        return 2
    if role == "web":
        from ninevectors.serving import web as web_role

        web_role.serve(web)
        return 0
    from ninevectors.serving import build as frontend
    from ninevectors.serving import supervisor

    if not no_build:
        frontend.ensure_built()
    print(f"==> serving 9Vectors on {settings.public_url} (Ctrl-C to stop)")
    supervisor.run(supervisor.programs(web, tasks), settings)


def show_mailbox(limit: int, to: str | None) -> int:
    """Print the newest messages of the local mailbox (the operator's view)."""
    from ninevectors.services import email as mail
    from ninevectors.services.database import migrate

    migrate()
    rows = mail.mailbox(limit, to)
    if not rows:
        print("The mailbox is empty.")
    for row in reversed(rows):
        print(f"--- {row.created_at:%Y-%m-%d %H:%M:%S} UTC · {row.status} · to {row.to_address}")
        print(f"Subject: {row.subject}\n\n{row.text_body.rstrip()}\n")
    return 0


def set_plan(organization_id: str, plan: str) -> int:
    """``billing set-plan ORG PLAN``: the operator sets a plan by hand while billing is off."""
    from ninevectors.services.billing import mirror
    from ninevectors.services.database import migrate
    from ninevectors.services.errors import NotFoundError, ValidationFailed

    migrate()
    try:
        chosen = mirror.operator_set_plan(organization_id, plan)
    except (NotFoundError, ValidationFailed) as refused:
        print(refused)
        return 1
    print(f"{organization_id} is now on the {chosen} plan.")
    return 0


def billing(action: str, arguments: list[str]) -> int:
    """``billing sync``: create the plans' Products and Prices in Stripe when missing."""
    from ninevectors.services.billing import catalog, stripe_api

    if action == "set-plan":
        if len(arguments) != 2:
            print("usage: billing set-plan ORGANIZATION_ID PLAN")
            return 2
        return set_plan(*arguments)
    if not stripe_api.billing_enabled():
        print("Billing is off: set NINEVECTORS_STRIPE_SECRET_KEY to sync plans to Stripe.")
        return 1
    try:
        report = catalog.sync_catalog()
    except stripe_api.StripeUnavailable as error:
        print(error)
        return 1
    for name in report.created:
        print(f"created  {name}")
    for name in report.existing:
        print(f"exists   {name}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ninevectors")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("prepare", help="migrate, create containers, load demo data")
    build_command = commands.add_parser("build", help="build the frontend if it changed")
    build_command.add_argument("--force", action="store_true", help="build even if current")
    serve_command = commands.add_parser("serve", help="the production server")
    serve_command.add_argument("--role", choices=ROLES, default="all")
    serve_command.add_argument("--web-workers", type=int, metavar="N", help="web processes")
    serve_command.add_argument("--task-workers", type=int, metavar="M", help="task processes")
    serve_command.add_argument("--no-build", action="store_true", help="serve the build as is")
    mailbox_command = commands.add_parser("mailbox", help="list the e-mails of the local mailbox")
    mailbox_command.add_argument("--to", metavar="EMAIL", help="only messages to this address")
    mailbox_command.add_argument("--limit", type=int, default=20, metavar="N", help="newest N")
    billing_command = commands.add_parser("billing", help="Stripe billing tasks")
    billing_command.add_argument(
        "action", choices=["sync", "set-plan"], help="sync: Products and Prices in Stripe; "
        "set-plan ORG PLAN: a plan by hand while billing is off",
    )  # fmt: skip
    billing_command.add_argument("arguments", nargs="*", help="set-plan: ORGANIZATION_ID PLAN")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "prepare":
        return prepare()
    if args.command == "build":
        return build(args.force)
    if args.command == "serve":
        return serve(args.role, args.web_workers, args.task_workers, args.no_build)
    if args.command == "mailbox":
        return show_mailbox(args.limit, args.to)
    if args.command == "billing":
        return billing(args.action, args.arguments)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
