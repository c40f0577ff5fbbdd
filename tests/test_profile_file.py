"""City profile files and regulation rules, read and checked without a database: the shipped
profiles read; every kind of bad input is refused as a whole, naming the file, line and key;
a profile written back reads as the same profile; number patterns make and read numbers."""

from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path

import pytest

from db.city.numbering import NumberPattern, PatternInvalid
from db.city.profile_file import ProfileInvalid, profile_toml, read_profile
from db.regulation.rules import RulesInvalid, differences, parse_rules, rules_from_json

PROFILES = Path(__file__).resolve().parent.parent / "profiles"


def test_the_shipped_profiles_read() -> None:
    daegu = read_profile(PROFILES / "daegu.toml")
    assert (daegu.code, daegu.name_en, daegu.home_regions) == (
        "daegu",
        "Daegu Metropolitan City",
        ("KR-27",),
    )
    assert len(daegu.vocabularies["fields"]) == 21
    assert daegu.criteria_stages() == {
        "novelty": 1,
        "progressiveness": 1,
        "applicability": 2,
        "economy": 2,
        "diffusion": 2,
    }
    assert daegu.logo_type == "image/svg+xml"
    rules = daegu.regulation.rules  # type: ignore[union-attr]
    assert (rules.panel_size, rules.cap_seats(7), dict(rules.pass_marks)) == (7, 3, {1: 70, 2: 70})
    daejeon = read_profile(PROFILES / "daejeon.toml")
    assert NumberPattern(daejeon.reg_no_pattern).format(2026, 1) == "DJ-2026-001"
    assert daejeon.home_regions == ("KR-30",)
    assert "bio_health" in {t.code for t in daejeon.vocabularies["sectors"]}
    assert "대구" not in (PROFILES / "daejeon.toml").read_text(encoding="utf-8")


def test_a_profile_written_back_reads_as_the_same_profile(tmp_path: Path) -> None:
    daegu = read_profile(PROFILES / "daegu.toml")
    (tmp_path / "logo.svg").write_bytes(daegu.logo)
    (tmp_path / "again.toml").write_text(profile_toml(daegu, "logo.svg"), encoding="utf-8")
    again = read_profile(tmp_path / "again.toml")
    assert again == daegu


def _bad(tmp_path: Path, old: str, new: str) -> ProfileInvalid:
    shutil.copy(PROFILES / "daegu-logo.svg", tmp_path / "daegu-logo.svg")
    text = (PROFILES / "daegu.toml").read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "city.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ProfileInvalid) as caught:
        read_profile(path)
    return caught.value


def _line(tmp_path: Path, needle: str) -> int:
    lines = (tmp_path / "city.toml").read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "key", "needle"),
    [
        ('code = "daegu"', 'code = "daegu"\nmotto = "x"', "city.motto", "motto ="),
        ('time_zone = "Asia/Seoul"\n', "", "city.time_zone", "[city]"),
        ('code = "energy"', 'code = "roads"  # twice', "fields[20].code", "# twice"),
        ('en = "Bridges"', 'en = ""', "fields[1].en", 'en = ""'),
        ('ko = "교량"\n', "", "fields[1].ko", "[[fields]]"),
        ('code = "tunnels"', 'code = "Tunnels!"', "fields[5].code", "Tunnels!"),
        ('"DG-{year}-{seq:03}"', '"DG-{year}"', "city.reg_no_pattern", "reg_no_pattern"),
        ('["KR-27"]', '["KR-99"]', "city.home_regions", "home_regions"),
        ('"Asia/Seoul"', '"Mars/Olympus"', "city.time_zone", "time_zone"),
        ("registration_review = 5", "registration_review = 1", "regulation.quorum", "review = 1"),
        ("1 = 70", "1 = 170", "regulation.pass_marks.1", "1 = 170"),
        ("novelty = 1\n", "", "regulation.weights.novelty", "[regulation.weights]"),
        ("stage = 1", "stage = 3", "criteria[0].stage", "stage = 3"),
    ],
)
def test_a_bad_profile_is_refused_naming_the_file_line_and_key(
    tmp_path: Path, old: str, new: str, key: str, needle: str
) -> None:
    refused = _bad(tmp_path, old, new)
    keys = [(p.key, p.line) for p in refused.problems]
    assert any(k.startswith(key) for k, _ in keys), keys
    [line] = {n for k, n in keys if k.startswith(key)}
    if needle == "[[fields]]":
        needle_line = [
            n
            for n, text in enumerate(
                (tmp_path / "city.toml").read_text(encoding="utf-8").splitlines(), start=1
            )
            if text.strip() == "[[fields]]"
        ][1]
        assert line == needle_line
    else:
        assert line == _line(tmp_path, needle)
    assert str(tmp_path / "city.toml") in str(refused)


def test_a_toml_syntax_error_names_its_line(tmp_path: Path) -> None:
    refused = _bad(tmp_path, 'code = "daegu"', 'code = "daegu')
    assert refused.problems[0].line == _line(tmp_path, 'code = "daegu')


def test_a_logo_that_is_not_an_image_or_holds_a_script_is_refused(tmp_path: Path) -> None:
    shutil.copy(PROFILES / "daegu.toml", tmp_path / "city.toml")
    (tmp_path / "daegu-logo.svg").write_text("<svg><script>alert(1)</script></svg>")
    with pytest.raises(ProfileInvalid, match="scripts"):
        read_profile(tmp_path / "city.toml")
    (tmp_path / "daegu-logo.svg").write_text("hello")
    with pytest.raises(ProfileInvalid, match="neither an SVG nor a PNG"):
        read_profile(tmp_path / "city.toml")


@pytest.mark.parametrize(
    ("pattern", "year", "seq", "number"),
    [
        ("DG-{year}-{seq:03}", 2019, 41, "DG-2019-041"),
        ("BS-{year}-{seq:03}", 2026, 1, "BS-2026-001"),
        ("NT {seq:05}", 2026, 7, "NT 00007"),
        ("{year}/{seq}", 2020, 1234, "2020/1234"),
    ],
)
def test_a_number_pattern_makes_and_reads_numbers(
    pattern: str, year: int, seq: int, number: str
) -> None:
    p = NumberPattern(pattern)
    assert p.format(year, seq) == number
    assert p.parse(number) == ((year if p.has_year() else None), seq)
    assert p.parse(number + "x") is None


@pytest.mark.parametrize(
    "pattern", ["DG-{year}", "DG-{seq}-{seq}", "{year}{year}{seq}", "DG-{month}-{seq}", "<{seq}>"]
)
def test_an_invalid_number_pattern_is_refused(pattern: str) -> None:
    with pytest.raises(PatternInvalid):
        NumberPattern(pattern)


CRITERIA = {"novelty": 1, "progressiveness": 1, "applicability": 2, "economy": 2, "diffusion": 2}
RULES = {
    "quorum": {"registration_review": 5, "adoption_review": 5, "testbed_selection": 5},
    "pass_marks": {"1": 70, "2": 70},
    "weights": dict.fromkeys(CRITERIA, 1),
    "conflict_window_years": 3,
    "panel_size": 7,
    "affiliation_cap": "1/2",
    "max_appointed": 1,
    "max_seats_per_expert": 24,
    "seat_period_days": 365,
}


def test_rules_read_back_from_their_json_and_their_differences_are_named() -> None:
    rules = parse_rules(RULES, CRITERIA)
    assert rules_from_json(rules.as_json(), CRITERIA) == rules
    assert rules.affiliation_cap == Fraction(1, 2)
    assert rules.criteria(1) == ("novelty", "progressiveness")
    stricter = parse_rules(
        {**RULES, "quorum": {**RULES["quorum"], "adoption_review": 6}, "panel_size": 9},
        CRITERIA,
    )
    assert differences(rules, stricter) == [
        ("quorum.adoption_review", 5, 6),
        ("panel_size", 7, 9),
    ]


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"quorum": {**RULES["quorum"], "testbed_selection": 2}}, "quorum.testbed_selection"),
        ({"quorum": {**RULES["quorum"], "adoption_review": 8}}, "quorum.adoption_review"),
        ({"pass_marks": {"1": 70, "2": 101}}, "pass_marks.2"),
        ({"pass_marks": {"1": -1, "2": 70}}, "pass_marks.1"),
        ({"pass_marks": {"1": 70}}, "pass_marks.2"),
        ({"weights": {**RULES["weights"], "beauty": 1}}, "weights.beauty"),
        ({"affiliation_cap": "3/2"}, "affiliation_cap"),
        ({"max_appointed": 8}, "max_appointed"),
        ({"import_statuses": ["registered"]}, "import_statuses"),
        ({"substitutes": "by_hand"}, "substitutes"),
        ({"panel_size": "seven"}, "panel_size"),
        ({"extra": 1}, "extra"),
    ],
)
def test_rules_no_regulation_may_hold_are_refused_by_key(change: dict, key: str) -> None:
    with pytest.raises(RulesInvalid) as caught:
        parse_rules({**RULES, **change}, CRITERIA)
    assert key in [p.key for p in caught.value.problems]
