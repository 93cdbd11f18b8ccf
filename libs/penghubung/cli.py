"""The `penghubung` command: run the system, run one service, migrate, bootstrap, operate."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from penghubung.services import PAGES, PROCESSES, SERVICES, service_module


def _up(args: argparse.Namespace) -> int:
    from penghubung.runtime.up import run_up

    return run_up(data_dir=args.data_dir, base_port=args.base_port)


def _run(args: argparse.Namespace) -> int:
    if args.service in PAGES:  # no database, no bus: only the services' HTTP APIs
        module = service_module(args.service, "bootstrap")
        assert module is not None, f"{args.service} is not installed"
        run_pages: Callable[[], int] = module.main
        return run_pages()
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


def _contract(args: argparse.Namespace) -> int:
    from penghubung.contract import contract_command

    return contract_command()


def _token(args: argparse.Namespace) -> int:
    from penghubung.runtime.running import token_command

    return token_command(
        role=args.role, nip=args.nip, name=args.name, agency=args.agency, hours=args.hours
    )


# --- penghubung audit ------------------------------------------------------------------------


def _audit(args: argparse.Namespace) -> int:
    from penghubung.audit import commands
    from penghubung.audit.errors import AuditUsageError

    if args.audit_command == "keygen":
        return commands.keygen_command(out=args.out, as_json=args.json)
    if args.audit_command == "verify":
        return commands.verify_command(
            bundle=args.bundle,
            public_keys=args.public_key,
            checkpoint_dir=args.checkpoints,
            from_checkpoint=args.from_checkpoint,
            as_json=args.json,
        )
    try:
        actor = commands.cli_actor(name=args.name, nip=args.nip, role=args.role)
    except AuditUsageError as exc:
        print(f"penghubung audit: {exc}", file=sys.stderr)
        return commands.EXIT_USAGE
    if args.audit_command == "sign":
        return commands.sign_command(
            private_key=args.private_key,
            checkpoint_dir=args.checkpoints,
            actor=actor,
            as_json=args.json,
        )
    return commands.export_command(
        out=args.out,
        ticket=args.ticket,
        since=args.since,
        until=args.until,
        public_key=args.public_key,
        checkpoint_dir=args.checkpoints,
        actor=actor,
        as_json=args.json,
    )


def _aware_time(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs a time zone (e.g. +07:00 or Z)")
    return value


def _add_audit_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = sub.add_parser(
        "audit",
        help="verify the hash chain, sign its head, export and check audit bundles",
        description="Exit codes: 0 OK, 1 tampered (or not signed), 2 usage error.",
    )
    audit.set_defaults(func=_audit)
    cmds = audit.add_subparsers(dest="audit_command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="JSON output for programs")
    who = argparse.ArgumentParser(add_help=False)
    who.add_argument("--name", default=None, help="who acts (default: the OS user)")
    who.add_argument("--nip", default=None, help="their NIP")
    who.add_argument("--role", default="auditor", help="their role (default auditor)")
    dirs = argparse.ArgumentParser(add_help=False)
    dirs.add_argument("--checkpoints", type=Path, default=None, help="folder of checkpoint files")

    keygen = cmds.add_parser("keygen", parents=[common], help="make an Ed25519 key pair")
    keygen.add_argument("--out", type=Path, default=None, help="folder for the two PEM files")

    sign = cmds.add_parser(
        "sign", parents=[common, who, dirs], help="verify since the last checkpoint, sign the head"
    )
    sign.add_argument("--private-key", type=Path, default=None, help="PEM private key")

    export = cmds.add_parser(
        "export", parents=[common, who, dirs], help="write a bundle (one ticket, a range, or all)"
    )
    export.add_argument("--ticket", default=None, help="only this ticket (correlation id)")
    export.add_argument(
        "--from",
        dest="since",
        type=_aware_time,
        default=None,
        help="occurred_at from (ISO 8601 with zone), inclusive",
    )
    export.add_argument(
        "--until",
        type=_aware_time,
        default=None,
        help="occurred_at until (ISO 8601 with zone), exclusive",
    )
    export.add_argument("--out", type=Path, default=None, help="bundle file or folder")
    export.add_argument("--public-key", type=Path, default=None, help="public key to include")

    verify = cmds.add_parser(
        "verify", parents=[common, dirs], help="verify the database, or a bundle offline"
    )
    verify.add_argument("--bundle", type=Path, default=None, help="verify this bundle, no DB")
    verify.add_argument(
        "--public-key",
        type=Path,
        action="append",
        default=[],
        help="trusted public key (repeatable)",
    )
    verify.add_argument(
        "--from-checkpoint",
        action="store_true",
        help="start from the newest valid signed checkpoint",
    )


def _add_service_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Each service that has a `<name>.cli` module adds its own sub-commands (`add_commands`)."""
    for name in SERVICES:
        module = service_module(name, "cli")
        if module is not None:
            add: Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]
            add = module.add_commands
            add(sub)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    parser = argparse.ArgumentParser(prog="penghubung", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="run the whole system (embedded servers unless URLs are set)")
    up.add_argument("--data-dir", default=None, help="data folder (default ./var)")
    up.add_argument("--base-port", type=int, default=None, help="first HTTP port (default free)")
    up.set_defaults(func=_up)

    run = sub.add_parser("run", help="run one service process")
    run.add_argument("service", choices=PROCESSES)
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

    sub.add_parser(
        "contract", help="rewrite docs/asyncapi.json and docs/event-schemas.json from the events"
    ).set_defaults(func=_contract)

    token = sub.add_parser("token", help="mint a bearer token for trying the system")
    token.add_argument("--role", required=True)
    token.add_argument("--nip", default=None)
    token.add_argument("--name", default="Pengguna Uji")
    token.add_argument("--agency", default=None)
    token.add_argument("--hours", type=int, default=12)
    token.set_defaults(func=_token)

    _add_audit_parser(sub)
    _add_service_commands(sub)
    return parser


OPERATOR_COMMANDS = frozenset({"audit", "dead-letters", "token", "replay"})
"""Commands an operator runs beside a running system: they find it by themselves."""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `penghubung` command."""
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    if args.command not in OPERATOR_COMMANDS:
        return func(args)
    from penghubung.operate import find_running_system, guarded

    find_running_system()
    return guarded(args.command, lambda: func(args))


if __name__ == "__main__":
    sys.exit(main())
