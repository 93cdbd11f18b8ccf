"""What `penghubung up` shows once the system runs: where everything is, and tokens to try it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from rich.console import Console
from rich.table import Table

from penghubung.runtime.nats import EmbeddedNats
from penghubung.runtime.postgres import EmbeddedPostgres
from penghubung.runtime.supervisor import ServiceProcess


@dataclass(frozen=True)
class DemoUser:
    """Someone `make demo` and the tests act as (with a token `penghubung token` would give)."""

    role: str
    name: str
    nip: str
    agency: str | None = None


DEMO_USERS = (
    DemoUser("pemohon", "Siti Rahmawati", "198501012010011001", "Dinas Kesehatan"),
    DemoUser("kadis", "Ahmad Fauzi", "197003152000031002"),
    DemoUser("kabid", "Dewi Lestari", "197506202001122001"),
    DemoUser("prakom", "Budi Santoso", "198802142012011003"),
    DemoUser("petugas", "Rina Wulandari", "199207082019032004"),
    DemoUser("auditor", "Hendra Gunawan", "198009092005011005"),
    DemoUser("admin", "Yusuf Maulana", "198612122011011006"),
)


def redact(url: str) -> str:
    """A URL fit to print: its password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def write_service_urls(folder: Path, services: Sequence[ServiceProcess]) -> None:
    """`<data>/services.env`: where each service answers, for `make demo` and other tools."""
    lines = [f"URL_{service.name.upper()}={service.url}" for service in services]
    (folder / "services.env").write_text("\n".join(lines) + "\n")


def summary(
    services: Sequence[ServiceProcess],
    *,
    env: dict[str, str],
    folder: Path,
    postgres: EmbeddedPostgres | None,
    nats: EmbeddedNats | None,
) -> Table:
    table = Table(title="Penghubung", caption=f"data in {folder}, logs in {folder / 'logs'}")
    table.add_column("what", style="bold", no_wrap=True)
    table.add_column("URL (services: API docs)", overflow="fold")
    table.add_column("log", overflow="fold")
    for service in services:
        where = service.url if service.name == "portal" else f"{service.url}/docs"
        table.add_row(service.name, where, service.log_path.name)
    table.add_section()
    for what, url, server in (
        ("PostgreSQL", env["PENGHUBUNG_DATABASE_URL"], postgres),
        ("NATS", env["PENGHUBUNG_NATS_URL"], nats),
    ):
        table.add_row(what, redact(url), server.log_path.name if server else "(external)")
    return table


def print_sign_in(console: Console, env: dict[str, str], *, directory_url: str) -> None:
    """Who signs in first: the seeded admin, with the initial password to change at once."""
    nip = env["PENGHUBUNG_DIRECTORY_ADMIN_NIP"]
    password = env["PENGHUBUNG_DIRECTORY_ADMIN_PASSWORD"]
    console.print("[bold]Masuk pertama kali[/] (admin; kata sandi awal wajib diganti saat masuk):")
    # Plain print: rich would wrap and style what is meant to be copied.
    print(f"  NIP {nip}  kata sandi awal: {password}", flush=True)
    print(
        f"  curl -X POST {directory_url}/sessions -H 'Content-Type: application/json'"
        f""" -d '{{"nip": "{nip}", "password": "…"}}'""",
        flush=True,
    )
    console.print(
        "  token untuk skrip dan uji: [cyan]penghubung token --role petugas[/] "
        "(menemukan sistem ini sendiri; EdDSA, 15 menit)",
        highlight=False,
    )
