"""A city profile file (TOML): read and checked as a whole, or written back (pure: no database).

``read_profile`` refuses a file with anything wrong in it (an unknown or missing key, a
duplicate code, a label missing in one language, an invalid number pattern, an unknown region
or time zone, rules no regulation may hold), naming the file, line and key of every problem,
so nothing is applied from a half-valid file. The format is described in
``docs/regulation-and-profile.md``; ``profiles/`` holds the shipped profiles.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tomli_w

from db.city.numbering import NumberPattern, PatternInvalid
from db.domain import REGIONS
from db.errors import N_, DomainError
from db.regulation.rules import Problem, Rules, RulesInvalid, parse_rules

VOCABULARIES = ("fields", "sectors", "organisation_kinds", "criteria")
# Attributes an entry of a vocabulary may carry besides code, ko and en (with their types).
ATTRIBUTES: Mapping[str, Mapping[str, type]] = {
    "fields": {},
    "sectors": {"outside": bool},
    "organisation_kinds": {"owns_technologies": bool, "inquires": bool, "abroad": bool},
    "criteria": {"stage": int},
}
REQUIRED_ATTRIBUTES = {"criteria": ("stage",)}
CITY_KEYS = (
    "code",
    "name_ko",
    "name_en",
    "logo",
    "home_regions",
    "reg_no_pattern",
    "time_zone",
    "first_operating_day",
    "default_language",
)
REGULATION_KEYS = ("effective_on", "directive")
LANGUAGES = ("ko", "en")
CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
LOGO_MAX_BYTES = 200_000
LABEL_MAX_CHARS = 100

UNKNOWN_KEY = N_("unknown key")
MISSING = N_("missing")
DUPLICATE_CODE = N_("the code {code} appears twice")
BAD_CODE = N_("a code is lower-case letters, digits and _, starting with a letter")
EMPTY_LABEL = N_("a label in both languages is needed")
WRONG_TYPE = N_("must be {kind}")


@dataclass(frozen=True)
class Term:
    """One entry of a vocabulary: its code, labels, place in the order and attributes."""

    code: str
    ko: str
    en: str
    position: int
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RegulationDraft:
    """The first regulation version a profile brings with it (version 1)."""

    effective_on: dt.date
    directive: str
    rules: Rules


@dataclass(frozen=True)
class CityProfile:
    code: str
    name_ko: str
    name_en: str
    logo: bytes
    logo_type: str  # "image/svg+xml" or "image/png"
    home_regions: tuple[str, ...]
    reg_no_pattern: str
    time_zone: str
    first_operating_day: dt.date
    default_language: str
    targets: Mapping[int, Mapping[str, int]]
    vocabularies: Mapping[str, tuple[Term, ...]]
    regulation: RegulationDraft | None = None

    def criteria_stages(self) -> dict[str, int]:
        return {t.code: int(t.attributes["stage"]) for t in self.vocabularies["criteria"]}


@dataclass(frozen=True)
class FileProblem:
    line: int | None
    key: str
    message: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self, path: str) -> str:
        where = f"{path}, line {self.line}" if self.line else path
        return f"{where}, {self.key}: {self.message.format(**self.params)}"


class ProfileInvalid(DomainError):
    """The profile file cannot be applied; ``problems`` names the line and key of each."""

    message = N_("The profile {path} was not applied: {details}")

    def __init__(self, path: str, problems: list[FileProblem]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(path=path, details="; ".join(p.text(path) for p in problems))


def key_lines(text: str) -> dict[str, int]:
    """The line of every table and key in TOML ``text`` (``fields[2].code``,
    ``regulation.quorum.adoption_review``), for naming the line of a problem."""
    lines: dict[str, int] = {}
    table = ""
    counts: dict[str, int] = {}
    for n, raw in enumerate(text.splitlines(), start=1):
        s = raw.strip()
        if not s or s.startswith("#"):
            continue
        if m := re.match(r"^\[\[\s*([^\]]+?)\s*\]\]", s):
            name = m.group(1)
            counts[name] = counts.get(name, -1) + 1
            table = f"{name}[{counts[name]}]"
            lines.setdefault(table, n)
            continue
        if m := re.match(r"^\[\s*([^\]]+?)\s*\]", s):
            table = m.group(1).replace('"', "")
            lines.setdefault(table, n)
            continue
        if m := re.match(r'^("[^"]+"|[A-Za-z0-9_\-]+(?:\s*\.\s*[A-Za-z0-9_\-]+)*)\s*=', s):
            key = re.sub(r"\s*\.\s*", ".", m.group(1).strip('"'))
            lines.setdefault(f"{table}.{key}" if table else key, n)
            if inline := re.match(r"^[^=]+=\s*\{(.*)\}\s*$", s):
                for k in re.findall(r"([A-Za-z0-9_\-]+)\s*=", inline.group(1)):
                    lines.setdefault(f"{table}.{key}.{k}" if table else f"{key}.{k}", n)
    return lines


def _line_of(lines: Mapping[str, int], key: str) -> int | None:
    while key:
        if key in lines:
            return lines[key]
        key = key.rpartition(".")[0]
    return None


def read_profile(path: Path) -> CityProfile:
    """The profile in ``path``, checked as a whole.

    :raise ProfileInvalid: every problem, with its line and key; nothing is read half.
    """
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileInvalid(shown, [FileProblem(None, "file", str(exc))]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        at = re.search(r"at line (\d+)", str(exc))
        line = int(at.group(1)) if at else None
        raise ProfileInvalid(shown, [FileProblem(line, "file", str(exc))]) from None
    problems: list[tuple[str, str, dict[str, Any]]] = []
    profile = _profile(data, path.parent, problems)
    if problems or profile is None:
        lines = key_lines(text)
        raise ProfileInvalid(
            shown, [FileProblem(_line_of(lines, k), k, m, p) for k, m, p in problems]
        )
    return profile


def _profile(
    data: Mapping[str, Any], folder: Path, problems: list[tuple[str, str, dict[str, Any]]]
) -> CityProfile | None:
    def bad(key: str, message: str, **params: Any) -> None:
        problems.append((key, message, params))

    for key in sorted(set(data) - {"city", "targets", "regulation", *VOCABULARIES}):
        bad(key, UNKNOWN_KEY)
    city = data.get("city")
    if not isinstance(city, Mapping):
        bad("city", MISSING)
        return None
    for key in sorted(set(city) - set(CITY_KEYS)):
        bad(f"city.{key}", UNKNOWN_KEY)
    for key in CITY_KEYS:
        if key not in city:
            bad(f"city.{key}", MISSING)
    if problems:
        return None

    def text(key: str, value: Any, max_chars: int = LABEL_MAX_CHARS) -> str:
        if not isinstance(value, str) or not value.strip():
            bad(key, WRONG_TYPE, kind=N_("a text"))
            return ""
        if len(value) > max_chars:
            bad(key, N_("at most {n} characters"), n=max_chars)
        return value.strip()

    code = text("city.code", city["code"], 32)
    if code and not CODE.match(code):
        bad("city.code", BAD_CODE)
    name_ko = text("city.name_ko", city["name_ko"])
    name_en = text("city.name_en", city["name_en"])
    logo, logo_type = _logo(folder, city["logo"], bad)
    regions = city["home_regions"]
    if not isinstance(regions, list) or not regions:
        bad("city.home_regions", WRONG_TYPE, kind=N_("a list of region codes such as KR-11"))
        regions = []
    for r in regions:
        if r not in REGIONS:
            bad("city.home_regions", N_("{value} is not one of Korea's 17 regions"), value=r)
    pattern = text("city.reg_no_pattern", city["reg_no_pattern"], 40)
    try:
        NumberPattern(pattern)
    except PatternInvalid as exc:
        bad("city.reg_no_pattern", exc.message, **exc.params)
    zone = text("city.time_zone", city["time_zone"], 64)
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        bad("city.time_zone", N_("{value} is not a time zone such as Asia/Seoul"), value=zone)
    first = city["first_operating_day"]
    if not isinstance(first, dt.date) or isinstance(first, dt.datetime):
        bad("city.first_operating_day", WRONG_TYPE, kind=N_("a date such as 2019-01-01"))
        first = dt.date(2000, 1, 1)
    language = city["default_language"]
    if language not in LANGUAGES:
        bad("city.default_language", WRONG_TYPE, kind="ko / en")
    vocabularies = {name: _terms(name, data.get(name), bad) for name in VOCABULARIES}
    outside = [t.code for t in vocabularies["sectors"] if t.attributes.get("outside")]
    if vocabularies["sectors"] and len(outside) != 1:
        bad(
            "sectors",
            N_(
                "exactly one sector is marked outside = true (technologies outside "
                "the city's growth sectors)"
            ),
        )
    targets = _targets(data.get("targets", {}), bad)
    stages = {t.code: int(t.attributes.get("stage", 0)) for t in vocabularies["criteria"]}
    regulation = None
    if "regulation" in data:
        regulation = _regulation(data["regulation"], stages, bad)
    if problems:
        return None
    return CityProfile(
        code=code,
        name_ko=name_ko,
        name_en=name_en,
        logo=logo,
        logo_type=logo_type,
        home_regions=tuple(regions),
        reg_no_pattern=pattern,
        time_zone=zone,
        first_operating_day=first,
        default_language=str(language),
        targets=targets,
        vocabularies=vocabularies,
        regulation=regulation,
    )


def _logo(folder: Path, name: Any, bad: Any) -> tuple[bytes, str]:
    if not isinstance(name, str) or not name or "/" in name or "\\" in name or ".." in name:
        bad("city.logo", N_("the name of an SVG or PNG file beside the profile"))
        return b"", ""
    try:
        content = (folder / name).read_bytes()
    except OSError:
        bad("city.logo", N_("{value} was not found beside the profile"), value=name)
        return b"", ""
    logo_type, problem, params = check_logo(content)
    if problem:
        bad("city.logo", problem, **({"value": name} | params))
    return (content, logo_type) if logo_type else (b"", "")


def check_logo(content: bytes) -> tuple[str, str | None, dict[str, Any]]:
    """``(media type, problem, its parameters)`` of a logo's bytes: an SVG without scripts or
    a PNG of at most ``LOGO_MAX_BYTES``; the type is empty when it is neither, the problem
    None when the logo is fine (a profile file's logo and one uploaded in the app)."""
    if len(content) > LOGO_MAX_BYTES:
        kind = "image/png" if content.startswith(b"\x89PNG") else ""
        return kind, N_("at most {n} bytes"), {"n": LOGO_MAX_BYTES}
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", None, {}
    head = content[:512].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml")) and b"<svg" in content[:4096].lower():
        if re.search(rb"<script|javascript:|\bon\w+\s*=|<foreignobject", content, re.I):
            return "image/svg+xml", N_("an SVG logo may not hold scripts or event handlers"), {}
        return "image/svg+xml", None, {}
    return "", N_("{value} is neither an SVG nor a PNG image"), {}


def _terms(name: str, raw: Any, bad: Any) -> tuple[Term, ...]:
    if not isinstance(raw, list) or not raw:
        bad(name, MISSING)
        return ()
    allowed = ATTRIBUTES[name]
    terms: list[Term] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw):
        at = f"{name}[{i}]"
        if not isinstance(entry, Mapping):
            bad(at, WRONG_TYPE, kind=N_("a table"))
            continue
        for key in sorted(set(entry) - {"code", *LANGUAGES, *allowed}):
            bad(f"{at}.{key}", UNKNOWN_KEY)
        code = entry.get("code")
        if not isinstance(code, str) or not CODE.match(code):
            bad(f"{at}.code", BAD_CODE)
            continue
        if code in seen:
            bad(f"{at}.code", DUPLICATE_CODE, code=code)
        seen.add(code)
        labels = {}
        for lang in LANGUAGES:
            label = entry.get(lang)
            if not isinstance(label, str) or not label.strip():
                bad(f"{at}.{lang}", EMPTY_LABEL)
            elif len(label) > LABEL_MAX_CHARS:
                bad(f"{at}.{lang}", N_("at most {n} characters"), n=LABEL_MAX_CHARS)
            labels[lang] = label.strip() if isinstance(label, str) else ""
        attributes: dict[str, Any] = {}
        for key, kind in allowed.items():
            if key not in entry:
                if key in REQUIRED_ATTRIBUTES.get(name, ()):
                    bad(f"{at}.{key}", MISSING)
                continue
            value = entry[key]
            if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
                bad(f"{at}.{key}", WRONG_TYPE, kind=N_("a whole number"))
            elif kind is bool and not isinstance(value, bool):
                bad(f"{at}.{key}", WRONG_TYPE, kind="true / false")
            else:
                attributes[key] = value
        if name == "criteria" and attributes.get("stage") not in (None, 1, 2):
            bad(f"{at}.stage", N_("a criterion's stage is 1 or 2"))
        terms.append(Term(code, labels["ko"], labels["en"], i + 1, attributes))
    return tuple(terms)


def _targets(raw: Any, bad: Any) -> dict[int, dict[str, int]]:
    if not isinstance(raw, Mapping):
        bad("targets", WRONG_TYPE, kind=N_("a table of years"))
        return {}
    out: dict[int, dict[str, int]] = {}
    for year, figures in raw.items():
        if not str(year).isdigit() or not 2000 <= int(year) <= 2100:
            bad(f"targets.{year}", N_("a year such as 2019"))
            continue
        if not isinstance(figures, Mapping):
            bad(f"targets.{year}", WRONG_TYPE, kind=N_("a table of figures"))
            continue
        row: dict[str, int] = {}
        for key, value in figures.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                bad(f"targets.{year}.{key}", WRONG_TYPE, kind=N_("a whole number"))
            else:
                row[str(key)] = value
        out[int(year)] = row
    return out


def _regulation(raw: Any, stages: Mapping[str, int], bad: Any) -> RegulationDraft | None:
    if not isinstance(raw, Mapping):
        bad("regulation", WRONG_TYPE, kind=N_("a table"))
        return None
    for key in REGULATION_KEYS:
        if key not in raw:
            bad(f"regulation.{key}", MISSING)
    effective = raw.get("effective_on")
    if not isinstance(effective, dt.date) or isinstance(effective, dt.datetime):
        bad("regulation.effective_on", WRONG_TYPE, kind=N_("a date such as 2019-01-01"))
    rules_raw = {k: v for k, v in raw.items() if k not in REGULATION_KEYS}
    try:
        rules = parse_rules(rules_raw, stages)
    except RulesInvalid as exc:
        for p in exc.problems:
            bad(f"regulation.{p.key}", p.message, **p.params)
        return None
    if not isinstance(effective, dt.date):
        return None
    directive = raw.get("directive")
    if not isinstance(directive, str) or not directive.strip():
        bad("regulation.directive", WRONG_TYPE, kind=N_("a text"))
        return None
    return RegulationDraft(effective, directive.strip(), rules)


def logo_file_name(profile: CityProfile) -> str:
    """The name of the logo file beside an exported profile (``profile_toml`` refers to it)."""
    return f"{profile.code}-logo." + ("svg" if profile.logo_type == "image/svg+xml" else "png")


def profile_toml(profile: CityProfile, logo_name: str) -> str:
    """``profile`` as a profile file (the logo is written beside it as ``logo_name``)."""
    doc: dict[str, Any] = {
        "city": {
            "code": profile.code,
            "name_ko": profile.name_ko,
            "name_en": profile.name_en,
            "logo": logo_name,
            "home_regions": list(profile.home_regions),
            "reg_no_pattern": profile.reg_no_pattern,
            "time_zone": profile.time_zone,
            "first_operating_day": profile.first_operating_day,
            "default_language": profile.default_language,
        }
    }
    if profile.targets:
        doc["targets"] = {str(y): dict(v) for y, v in sorted(profile.targets.items())}
    if profile.regulation is not None:
        reg = profile.regulation
        rules = json.loads(reg.rules.as_json())
        rules["weights"] = {c: reg.rules.weights[c] for c in reg.rules.criteria()}
        doc["regulation"] = {
            "effective_on": reg.effective_on,
            "directive": reg.directive,
            **rules,
        }
    text = tomli_w.dumps(doc)
    for name in VOCABULARIES:  # one [[name]] table per entry: easier to read and edit
        for t in sorted(profile.vocabularies[name], key=lambda t: t.position):
            entry = {"code": t.code, "ko": t.ko, "en": t.en, **dict(t.attributes)}
            text += f"\n[[{name}]]\n" + tomli_w.dumps(entry)
    return text


__all__ = [
    "ATTRIBUTES",
    "VOCABULARIES",
    "CityProfile",
    "FileProblem",
    "Problem",
    "ProfileInvalid",
    "RegulationDraft",
    "Term",
    "logo_file_name",
    "profile_toml",
    "read_profile",
]
