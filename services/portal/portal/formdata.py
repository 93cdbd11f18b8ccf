"""Flat HTML form fields named by the API's dotted paths, to JSON bodies and back to errors."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from portal import words
from portal.clients.services import ApiRefusal

BOOLEAN = {"ya": True, "tidak": False}


def nested(flat: dict[str, Any]) -> dict[str, Any]:
    """`{"a.b": 1}` → `{"a": {"b": 1}}`; empty values left out (the API names what is missing)."""
    out: dict[str, Any] = {}
    for path, value in flat.items():
        if value in ("", None, []):
            continue
        node = out
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


def text_fields(form: FormData, names: list[str]) -> dict[str, str]:
    """The named text fields, stripped."""
    return {name: str(form.get(name) or "").strip() for name in names}


def yes_no(value: object) -> bool | None:
    """A `ya`/`tidak` radio as a boolean (None when not chosen)."""
    return BOOLEAN.get(str(value)) if value is not None else None


def lines(value: object) -> list[str]:
    """A textarea's non-empty lines."""
    return [line.strip() for line in str(value or "").splitlines() if line.strip()]


def field_errors(refused: ApiRefusal, *, strip: str = "") -> dict[str, str]:
    """The refusal as {field path: sentence}; a refusal naming no field goes under ``."""
    found: dict[str, str] = {}
    problems = refused.errors or []
    for problem in problems:
        path = problem.field.removeprefix("body.").removeprefix(strip)
        found.setdefault(path, words.problem_text(problem.code, problem.message))
    if not problems:
        path = (refused.field or "").removeprefix(strip)
        found[path] = words.problem_text(refused.code, refused.message)
    return found


def with_parents(errors: dict[str, str], known: set[str]) -> dict[str, str]:
    """Errors on a group (`mechanism`) shown on the group's first known field too."""
    out = dict(errors)
    for path, message in errors.items():
        if path and path not in known:
            child = next((k for k in sorted(known) if k.startswith(path + ".")), None)
            if child is not None:
                out.setdefault(child, message)
    return out
