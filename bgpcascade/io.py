"""File input and output: the only place that touches the file system for zones and results.

Rules (docs/validation.md, "Trust"): a user's input file is never overwritten; results go only
under an output directory the user names (or the documented default); JSON is written with
sorted keys and a trailing newline so the same input gives byte-identical files.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

from bgpcascade.model.errors import InputError
from bgpcascade.model.topology import Zone

BUILTIN_ZONES = ("fr-par-like",)

#: Directories an --out may never be (or be inside of).
_PROTECTED = tuple(Path(p) for p in ("/", "/bin", "/boot", "/dev", "/etc", "/lib", "/proc",
                                      "/sbin", "/sys", "/usr", "/var"))


#: Trees no output file may be written into (pseudo file systems and the system's own);
#: /var and /tmp are not among them (/var/tmp, a CI's /var/lib/... are fine).
_SYSTEM_TREES = tuple(Path(p) for p in ("/bin", "/boot", "/dev", "/etc", "/lib", "/proc",
                                         "/sbin", "/sys", "/usr"))


def builtin_zone_path(name: str = "fr-par-like") -> Path:
    """Path of a zone file shipped inside the package (``bgpcascade demo`` uses it)."""
    ref = resources.files("bgpcascade") / "zones" / f"{name}.yaml"
    return Path(str(ref))


def read_zone_text(path: str | os.PathLike[str]) -> str:
    """The text of the zone file at ``path`` (``builtin:NAME`` for a shipped zone)."""
    text_path = str(path)
    if text_path.startswith("builtin:"):
        name = text_path.removeprefix("builtin:")
        if name not in BUILTIN_ZONES:
            raise InputError(f"unknown built-in zone {name!r}", source=text_path,
                             allowed=", ".join(f"builtin:{z}" for z in BUILTIN_ZONES))
        p = builtin_zone_path(name)
    else:
        p = Path(text_path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", source=text_path,
                         allowed="a zone file path, or builtin:fr-par-like") from None
    except IsADirectoryError:
        raise InputError("is a directory", source=text_path, allowed="a zone file") from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", source=text_path) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", source=text_path,
                         allowed="a UTF-8 YAML file") from None


def load_zone_file(path: str | os.PathLike[str]) -> Zone:
    """Read and validate the zone file at ``path`` (``builtin:NAME`` for a shipped zone)."""
    # Imported here: the zone loader brings pydantic and YAML, which the writers below
    # (used by the diagrams) do not need.
    from bgpcascade.model.zonefile import load_zone

    return load_zone(read_zone_text(path), source=str(path))


def check_out_dir(out: str | os.PathLike[str], inputs: tuple[str, ...] = ()) -> Path:
    """Validate an output directory: not a file, not a protected system path, not an input.

    Creates it (with parents) if missing. Raises :class:`InputError` otherwise.
    """
    path = Path(out)
    resolved = path.resolve()
    if resolved in _PROTECTED or any(resolved == p for p in _PROTECTED):
        raise InputError("refusing to write into a system directory", source=str(out),
                         field="--out", allowed="a directory of your own")
    if path.exists() and not path.is_dir():
        raise InputError("exists and is not a directory", source=str(out), field="--out",
                         allowed="a new or existing directory")
    for item in inputs:
        if Path(item).resolve() == resolved:
            raise InputError("is an input file", source=str(out), field="--out",
                             allowed="a directory other than your inputs")
    path.mkdir(parents=True, exist_ok=True)
    return path


def check_out_file(path: str | os.PathLike[str], flag: str,
                   inputs: tuple[str, ...] = ()) -> Path:
    """Check, before any long work, that a result can be written to ``path``: not a
    directory, not an input, not under a system directory, its directory made if missing.
    Raises :class:`InputError` (one line) otherwise."""
    p = Path(path)
    parent = p.resolve().parent
    if parent in _PROTECTED or any(parent.is_relative_to(d) for d in _SYSTEM_TREES):
        raise InputError("refusing to write into a system directory", source=str(path),
                         field=flag, allowed="a file in a directory of your own")
    if p.is_dir():
        raise InputError("is a directory", source=str(path), field=flag,
                         allowed="a file path")
    for item in inputs:
        if not item.startswith("builtin:") and Path(item).resolve() == p.resolve():
            raise InputError("would overwrite an input file", source=str(path), field=flag,
                             allowed="an output path that is not one of your inputs")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot make its directory ({exc.strerror})", source=str(path),
                         field=flag, allowed="a writable path") from None
    if not os.access(parent, os.W_OK):
        raise InputError("its directory is not writable", source=str(path), field=flag,
                         allowed="a writable path")
    return p


def safe_write(path: str | os.PathLike[str], data: str | bytes,
               inputs: tuple[str, ...] = ()) -> Path:
    """Write ``data`` to ``path``, refusing to overwrite one of the user's ``inputs``."""
    p = Path(path)
    for item in inputs:
        if not item.startswith("builtin:") and Path(item).resolve() == p.resolve():
            raise InputError("would overwrite an input file", source=str(path),
                             allowed="an output path that is not one of your inputs")
    if p.exists() and p.is_dir():
        raise InputError("is a directory", source=str(path), allowed="a file path")
    if p.parent and not p.parent.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        p.write_bytes(data)
    else:
        p.write_text(data, encoding="utf-8")
    return p


def dumps_json(data: Any) -> str:
    """Canonical JSON text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
