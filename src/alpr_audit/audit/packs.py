"""Rule packs and settings: which rules run, with which thresholds, citing which law.

A pack is a TOML file in ``audit/packs/`` (``california`` is the default). It names the rules
it runs (``fnmatch`` patterns over rule ids), overrides citations and severities per rule, and
overrides the defaults of :data:`DEFAULTS`. A user's settings file (``audit --settings FILE``)
overrides the pack in turn. Every value used, and where it came from, goes into the run's
record and the report.
"""

from __future__ import annotations

import difflib
import fnmatch
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from alpr_audit.core.errors import UsageError

#: Every setting a rule may read: (default, what it means). Units are in the names.
DEFAULTS: dict[str, tuple[Any, str]] = {
    "timezone": ("America/Los_Angeles", "agency time zone for local-hour rules"),
    "retention_days": (365, "retention when the agency's policy states none"),
    "retention_statutory": (False, "retention_days is a legal maximum that overrides the policy"),
    "inactive_days": (365, "days without use after which an account counts as inactive"),
    "many_networks": (1000, "networks searched at once that make a search nationwide in scope"),
    "burst_count": (20, "searches by one user within burst_minutes that make a burst"),
    "burst_minutes": (10, "window of a burst"),
    "spike_min": (40, "least searches in a day for a user spike"),
    "spike_z": (6.0, "robust z-score of a day's searches against the user's own days"),
    "spike_min_days": (10, "active days a user needs before a baseline exists"),
    "off_shift_start": (1, "first local hour counted as off-shift"),
    "off_shift_end": (5, "local hour off-shift ends (exclusive)"),
    "off_shift_min_searches": (30, "searches a user needs before off-shift is judged"),
    "off_shift_max_share": (0.05, "largest share of a user's searches off-shift for them to be unusual"),
}

PACKS = ("california", "illinois", "virginia", "generic")
DEFAULT_PACK = "california"


@dataclass(frozen=True)
class Pack:
    """A loaded pack with the user's overrides applied."""

    name: str
    title: str
    home_state: str
    rules: tuple[str, ...]
    citations: dict[str, str] = field(default_factory=dict)
    severity: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    #: where each setting came from: "default", "pack <name>", or the settings file's path
    origin: dict[str, str] = field(default_factory=dict)

    def selects(self, rule_id: str) -> bool:
        return any(fnmatch.fnmatchcase(rule_id, pat) for pat in self.rules)


def _toml(text: str, path: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"not valid TOML: {exc}", path=path,
                         hint="see docs/audit.md, 'Settings', for the layout") from exc


def _apply_settings(out: dict[str, Any], origin: dict[str, str], data: Any, where: str,
                    path: str) -> None:
    if not isinstance(data, dict):
        raise UsageError("[settings] must be a table", path=path, locator="settings",
                         hint="write [settings] then name = value lines")
    for key, value in data.items():
        if key not in DEFAULTS:
            close = difflib.get_close_matches(key, DEFAULTS, n=1)
            raise UsageError(
                f"unknown setting {key!r}", path=path, locator=f"settings.{key}",
                hint=(f"did you mean {close[0]!r}? " if close else "")
                + "settings are listed in docs/audit.md")
        default = DEFAULTS[key][0]
        ok = (isinstance(value, bool) if isinstance(default, bool)
              else isinstance(value, (int, float)) and not isinstance(value, bool)
              if isinstance(default, (int, float)) else isinstance(value, type(default)))
        if not ok:
            raise UsageError(f"setting {key} = {value!r} has the wrong type", path=path,
                             locator=f"settings.{key}",
                             hint=f"write a {type(default).__name__} like {default!r}")
        out[key] = value
        origin[key] = where
    try:
        ZoneInfo(str(out["timezone"]))
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {out['timezone']!r}", path=path,
                         locator="settings.timezone",
                         hint="use an IANA name like America/Los_Angeles") from None


def load_pack(name: str = DEFAULT_PACK, settings_file: Path | None = None) -> Pack:
    """The pack ``name`` with ``settings_file`` (TOML with ``[settings]``) applied on top."""
    if name not in PACKS:
        raise UsageError(f"unknown rule pack {name!r}", hint=f"packs: {', '.join(PACKS)}")
    fname = f"{name}.toml"
    data = _toml(resources.files("alpr_audit.audit").joinpath("packs", fname)
                 .read_text(encoding="utf-8"), fname)
    settings = {k: v[0] for k, v in DEFAULTS.items()}
    origin = dict.fromkeys(DEFAULTS, "default")
    _apply_settings(settings, origin, data.get("settings", {}), f"pack {name}", fname)
    citations = dict(data.get("citations", {}))
    severity = dict(data.get("severity", {}))
    if settings_file is not None:
        try:
            text = Path(settings_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot read the settings file: {exc.strerror}",
                             path=str(settings_file), hint="give a readable TOML file") from exc
        user = _toml(text, str(settings_file))
        unknown = set(user) - {"settings", "citations", "severity"}
        if unknown:
            raise UsageError(f"unknown section [{sorted(unknown)[0]}]", path=str(settings_file),
                             hint="sections are [settings], [citations], [severity]")
        _apply_settings(settings, origin, user.get("settings", {}), str(settings_file),
                        str(settings_file))
        citations.update(user.get("citations", {}))
        severity.update(user.get("severity", {}))
    meta = data["pack"]
    return Pack(name=meta["name"], title=meta["title"], home_state=meta.get("home_state", ""),
                rules=tuple(meta.get("rules", ["*"])), citations=citations, severity=severity,
                settings=settings, origin=origin)
