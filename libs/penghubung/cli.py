"""The `penghubung` command: run the system, run one service, migrate, bootstrap, operate."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence

SERVICES = ("intake", "disposition", "integration", "reporting")


def _up(args: argparse.Namespace) -> int:
    from penghubung.runtime.up import run_up

    return run_up(data_dir=args.data_dir, base_port=args.base_port)


def _run(args: argparse.Namespace) -> int:
    from penghubung.runtime.service import main as run_service

    return run_service(args.service)


def _migrate(args: argparse.Namespace) -> int:
    from penghubung.eventstore.migrations import migrate_command

    return asyncio.run(migrate_command())


def _bootstrap(args: argparse.Namespace) -> int:
    from penghubung.bus.topology import bootstrap_command

    return asyncio.run(bootstrap_command())


def _dead_letters(args: argparse.Namespace) -> int:
    from penghubung.bus.deadletters import dead_letters_command

    return asyncio.run(
        dead_letters_command(action=args.action, consumer=args.consumer, ids=args.ids)
    )


def _token(args: argparse.Namespace) -> int:
    from penghubung.web.auth import token_command

    return token_command(
        role=args.role, nip=args.nip, name=args.name, agency=args.agency, hours=args.hours
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    parser = argparse.ArgumentParser(prog="penghubung", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="run the whole system (embedded servers unless URLs are set)")
    up.add_argument("--data-dir", default=None, help="data folder (default ./var)")
    up.add_argument("--base-port", type=int, default=None, help="first HTTP port (default free)")
    up.set_defaults(func=_up)

    run = sub.add_parser("run", help="run one service process")
    run.add_argument("service", choices=SERVICES)
    run.set_defaults(func=_run)

    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=_migrate)
    sub.add_parser("bootstrap", help="declare the JetStream stream and consumers").set_defaults(
        func=_bootstrap
    )

    dl = sub.add_parser("dead-letters", help="list or re-drive dead-lettered messages")
    dl.add_argument("action", choices=("list", "redrive"))
    dl.add_argument("--consumer", default=None, help="only this consumer")
    dl.add_argument("ids", nargs="*", type=int, help="dead-letter ids to re-drive (default all)")
    dl.set_defaults(func=_dead_letters)

    token = sub.add_parser("token", help="mint a bearer token for trying the system")
    token.add_argument("--role", required=True)
    token.add_argument("--nip", default=None)
    token.add_argument("--name", default="Pengguna Uji")
    token.add_argument("--agency", default=None)
    token.add_argument("--hours", type=int, default=12)
    token.set_defaults(func=_token)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `penghubung` command."""
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    return func(args)


if __name__ == "__main__":
    sys.exit(main())
