# Over 500 lines on purpose: the columns of every importable register, declarations only.
"""The four importable registers: their columns, header names, rules and natural keys.

Header names are accepted in Korean and in English (case, spaces, underscores and a trailing
``*`` do not matter), plus a few common variants, whatever the UI language: an office may
hand a Korean file to an English-speaking colleague. Length limits come from the columns of
``db.models``; code columns take the codes of ``db.domain`` or their Korean/English labels
(the caller passes the labels in, see :class:`Vocabulary`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import String

from db import domain
from db.errors import N_
from db.models import Expert, Inquiry, Organization, Technology

TEXT_MAX_CHARS = 4000  # unbounded text columns (summary, note) are capped here for imports


def norm_header(text: str) -> str:
    """A header name as compared: NFKC, case-folded, one space for runs of space, _ and -."""
    text = unicodedata.normalize("NFKC", text).strip().rstrip("*").strip().casefold()
    return re.sub(r"[\s_\-]+", " ", text)


@lru_cache(maxsize=65_536)
def norm_text(text: str) -> str:
    """A name or label as compared: NFKC, case-folded, single spaces (cached: the same
    organization and code names come back on every row)."""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return " ".join(text.casefold().split())


def _length(model: type, attr: str) -> int:
    column_type = model.__table__.c[attr].type  # type: ignore[attr-defined]
    if isinstance(column_type, String) and column_type.length:
        return int(column_type.length)
    return TEXT_MAX_CHARS


@dataclass(frozen=True)
class Column:
    """One column of an import file.

    ``kind``: ``text``, ``date``, ``code`` (a ``vocab`` of ``db.domain``), ``codes`` (a list
    of them), ``bool``, ``org`` (an organization named as in the register), ``reg_no``,
    ``email``, ``phone``, ``country``, ``ties`` (declared ties of an expert).
    """

    key: str
    en: str
    ko: str
    kind: str
    help: str  # N_ template: what the column holds (guide sheet; {shape}, {example}: numbering)
    required: bool = False
    max_len: int = TEXT_MAX_CHARS
    vocab: str | None = None
    aliases: tuple[str, ...] = ()
    # A code for code columns, translated to a label by the UI; "{reg_no}" and
    # "{home_region}" stand for the city's (a number of its pattern, its home region).
    example: str = ""

    def names(self) -> tuple[str, ...]:
        return (self.key, self.en, self.ko, *self.aliases)


@dataclass(frozen=True)
class Register:
    key: str  # organizations | technologies | experts | inquiries
    entity: str  # audit entity name
    title: str  # N_ template
    columns: tuple[Column, ...]
    natural_key: tuple[str, ...]
    page: str | None  # the register's page (pages/<page>.py), if there is one

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def header_index(self) -> dict[str, Column]:
        return {norm_header(name): col for col in self.columns for name in col.names()}

    def expected(self, lang: str = "en") -> str:
        return ", ".join(c.ko if lang == "ko" else c.en for c in self.columns)


# TODO(B5): the city's vocabularies are data now (db.city.store: terms, codes, is_code); these
# private copies of the demo city's codes (what db.domain held) stay only until the import
# checks its codes against the database.
_ORG_KINDS = (
    "company",
    "public_institution",
    "research_institute",
    "university",
    "ministry",
    "metropolitan_city",
    "province",
    "local_government",
    "audit_body",
    "public_corporation",
    "education_office",
    "foreign_city",
)
_FIELDS = (
    "water_sewage",
    "bridges",
    "building",
    "equipment",
    "roads",
    "tunnels",
    "geotechnical",
    "structural",
    "environment",
    "landscaping",
    "electrical",
    "communications",
    "fire_safety",
    "disaster_prevention",
    "rivers",
    "railways",
    "ports",
    "materials",
    "surveying",
    "urban_planning",
    "energy",
)
_GROWTH_SECTORS = (
    "medical",
    "intelligent_vehicle_robotics",
    "renewable_energy",
    "water",
    "smart_city",
    "none",
)

# Vocabularies: kind -> codes. The UI adds label -> code aliases in both languages.
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "org_kind": _ORG_KINDS,
    "region": domain.REGIONS,
    "affiliation": domain.AFFILIATIONS,
    "field": _FIELDS,
    "growth_sector": _GROWTH_SECTORS,
    "certification": domain.CERTIFICATIONS,
    "tech_status": domain.TECH_STATUSES,
    "inquiry_channel": domain.INQUIRY_CHANNELS,
    "inquiry_status": domain.INQUIRY_STATUSES,
    "tie_kind": domain.TIE_KINDS,
    "locality": ("local", "external"),
}


@dataclass(frozen=True)
class Vocabulary:
    """Accepted spellings of each code list: the codes themselves plus ``labels``
    (``{kind: {label: code}}``, e.g. Korean and English names from the UI catalogue)."""

    labels: Mapping[str, Mapping[str, str]]

    def lookup(self, kind: str) -> dict[str, str]:
        table = {norm_text(code): code for code in VOCABULARIES[kind]}
        for label, code in self.labels.get(kind, {}).items():
            if code in VOCABULARIES[kind]:
                table.setdefault(norm_text(label), code)
        return table


CODES_ONLY = Vocabulary(labels={})

ORGANIZATIONS = Register(
    key="organizations",
    entity="organization",
    title=N_("Organizations"),
    natural_key=("name_ko", "kind"),
    page=None,
    columns=(
        Column(
            "name_ko",
            "Name (Korean)",
            "기관명",
            "text",
            N_("The organization's name in Korean, as it should appear in the register."),
            required=True,
            max_len=_length(Organization, "name_ko"),
            aliases=("기관명(국문)", "국문 기관명", "korean name", "organization"),
            example="새솔건설(주)",
        ),
        Column(
            "name_en",
            "Name (English)",
            "영문 기관명",
            "text",
            N_("The name in English; left empty, the Korean name is used."),
            max_len=_length(Organization, "name_en"),
            aliases=("기관명(영문)", "english name"),
            example="Saesol Construction Co., Ltd.",
        ),
        Column(
            "kind",
            "Kind",
            "기관 유형",
            "code",
            N_("What kind of body it is."),
            required=True,
            vocab="org_kind",
            aliases=("유형", "organization kind", "type"),
            example="company",
        ),
        Column(
            "region",
            "Region",
            "지역",
            "code",
            N_("One of the 17 metropolitan and provincial governments; required for Korea."),
            vocab="region",
            aliases=("시도", "광역자치단체"),
            example="{home_region}",
        ),
        Column(
            "is_local",
            "Local",
            "지역 소재",
            "bool",
            N_("Yes if the organization is inside the city; left empty, it follows the region."),
            aliases=("is local", "지역 여부", "관내"),
            example="yes",
        ),
        Column(
            "country",
            "Country",
            "국가",
            "country",
            N_("Two-letter country code (KR, JP, US...); left empty, KR."),
            max_len=_length(Organization, "country"),
            aliases=("country code", "국가 코드"),
            example="KR",
        ),
    ),
)

TECHNOLOGIES = Register(
    key="technologies",
    entity="technology",
    title=N_("Technologies"),
    natural_key=("reg_no",),
    page="technologies",
    columns=(
        Column(
            "reg_no",
            "Registration number",
            "등록번호",
            "reg_no",
            N_("The city's registration number, {shape} (e.g. {example})."),
            required=True,
            max_len=_length(Technology, "reg_no"),
            aliases=("reg no", "registration no", "번호"),
            example="{reg_no}",
        ),
        Column(
            "title_ko",
            "Title (Korean)",
            "기술명",
            "text",
            N_("The technology's title in Korean."),
            required=True,
            max_len=_length(Technology, "title_ko"),
            aliases=("기술명(국문)", "title"),
            example="아크릴레이트 노출형 복합방수공법",
        ),
        Column(
            "title_en",
            "Title (English)",
            "영문 기술명",
            "text",
            N_("The title in English; left empty, the Korean title is used."),
            max_len=_length(Technology, "title_en"),
            aliases=("기술명(영문)",),
            example="Acrylate exposed composite waterproofing",
        ),
        Column(
            "summary",
            "Summary",
            "요약",
            "text",
            N_("A short description."),
            aliases=("기술 개요", "개요"),
        ),
        Column(
            "owner",
            "Owner organization",
            "보유 기관",
            "org",
            N_("The owner, named exactly as in the register (Korean or English name)."),
            required=True,
            aliases=("owner", "보유기관", "업체명", "기관명"),
            example="한국도로공사",
        ),
        Column(
            "is_local",
            "Local firm",
            "지역 업체",
            "bool",
            N_("Yes for a local firm; left empty, it follows the owner organization."),
            vocab="locality",
            aliases=("local", "is local", "지역 여부"),
            example="no",
        ),
        Column(
            "field",
            "Technical field",
            "기술 분야",
            "code",
            N_("One technical field."),
            required=True,
            vocab="field",
            aliases=("field", "분야"),
            example="building",
        ),
        Column(
            "growth_sector",
            "Growth sector",
            "성장 산업",
            "code",
            N_("The city's growth sector; left empty, outside the growth sectors."),
            vocab="growth_sector",
            aliases=("sector", "성장산업"),
            example="none",
        ),
        Column(
            "certification",
            "Certification",
            "인증",
            "code",
            N_("Government certification; left empty, none."),
            vocab="certification",
            aliases=("인증 구분",),
            example="patent",
        ),
        Column(
            "status",
            "Status",
            "상태",
            "code",
            N_(
                "Lifecycle status of a new record; left empty, submitted. The status of a "
                "technology already in the register changes through the workflow only."
            ),
            vocab="tech_status",
            aliases=("진행 상태",),
            example="submitted",
        ),
        Column(
            "submitted_on",
            "Submitted on",
            "신청일",
            "date",
            N_("Date of submission (YYYY-MM-DD)."),
            required=True,
            aliases=("submitted", "접수일"),
            example="2019-03-15",
        ),
        Column("screening_on", "Screening on", "사전 검토일", "date", N_("Date screening began.")),
        Column("review_on", "Review on", "심의 시작일", "date", N_("Date review began.")),
        Column(
            "registered_on",
            "Registered on",
            "등록일",
            "date",
            N_("Date of registration (needed for a registered technology)."),
        ),
        Column(
            "rejected_on",
            "Rejected on",
            "탈락일",
            "date",
            N_("Date of rejection (needed for a rejected technology)."),
        ),
        Column(
            "ended_on",
            "Ended on",
            "종료일",
            "date",
            N_("Date the registration expired or was withdrawn."),
        ),
    ),
)

EXPERTS = Register(
    key="experts",
    entity="expert",
    title=N_("Experts"),
    natural_key=("name", "organization"),
    page="experts",
    columns=(
        Column(
            "name",
            "Name",
            "성명",
            "text",
            N_("The expert's name."),
            required=True,
            max_len=_length(Expert, "name"),
            aliases=("이름", "full name"),
            example="김민준",
        ),
        Column(
            "name_en",
            "Name (English)",
            "영문 성명",
            "text",
            N_("The name in Latin letters."),
            max_len=_length(Expert, "name_en"),
            aliases=("영문 이름",),
            example="Kim Minjun",
        ),
        Column(
            "organization",
            "Organization",
            "소속 기관",
            "org",
            N_("The expert's organization, named exactly as in the register."),
            required=True,
            aliases=("소속", "소속기관", "기관명"),
            example="한국도로공사",
        ),
        Column(
            "affiliation",
            "Affiliation",
            "소속 구분",
            "code",
            N_("Affiliation category."),
            required=True,
            vocab="affiliation",
            aliases=("구분", "affiliation category"),
            example="public",
        ),
        Column(
            "position",
            "Position",
            "직위",
            "text",
            N_("Job title."),
            max_len=_length(Expert, "position"),
            aliases=("직급", "직책"),
            example="차장",
        ),
        Column(
            "phone",
            "Phone",
            "전화번호",
            "phone",
            N_("Telephone (digits, spaces, +, - and parentheses)."),
            max_len=_length(Expert, "phone"),
            aliases=("연락처", "telephone"),
            example="010-1234-5678",
        ),
        Column(
            "email",
            "E-mail",
            "이메일",
            "email",
            N_("E-mail address."),
            max_len=_length(Expert, "email"),
            aliases=("email", "전자우편", "e mail"),
            example="expert@example.kr",
        ),
        Column(
            "registered_on",
            "Registered on",
            "위촉일",
            "date",
            N_("Date the expert joined the pool (YYYY-MM-DD)."),
            required=True,
            aliases=("등록일", "joined on"),
            example="2019-05-02",
        ),
        Column(
            "retired_on",
            "Retired on",
            "해촉일",
            "date",
            N_("Date the expert left the pool, if any."),
            aliases=("retired",),
        ),
        Column(
            "fields",
            "Technical fields",
            "전문 분야",
            "codes",
            N_("One or more technical fields separated by semicolons."),
            vocab="field",
            aliases=("fields", "분야"),
            example="building; structural",
        ),
        Column(
            "ties",
            "Declared ties",
            "이해관계 신고",
            "ties",
            N_(
                "Declared ties for conflict-of-interest checks, separated by semicolons; "
                "each is organization | kind | from | to (to may be left out). Ties are "
                "added, never removed, by an import."
            ),
            aliases=("ties", "이해관계"),
        ),
    ),
)

INQUIRIES = Register(
    key="inquiries",
    entity="inquiry",
    title=N_("Inquiries"),
    natural_key=("organization", "received_on", "topic"),
    page="inquiries",
    columns=(
        Column(
            "organization",
            "Organization",
            "기관",
            "org",
            N_("The body that asked, named exactly as in the register."),
            required=True,
            aliases=("문의 기관", "기관명"),
            example="감사원",
        ),
        Column(
            "received_on",
            "Received on",
            "접수일",
            "date",
            N_("Date the inquiry arrived (YYYY-MM-DD)."),
            required=True,
            aliases=("received", "date"),
            example="2019-04-10",
        ),
        Column(
            "channel",
            "Channel",
            "경로",
            "code",
            N_("How it arrived."),
            required=True,
            vocab="inquiry_channel",
            aliases=("접수 경로",),
            example="visit",
        ),
        Column(
            "topic",
            "Topic",
            "주제",
            "text",
            N_("What was asked."),
            required=True,
            max_len=_length(Inquiry, "topic"),
            aliases=("문의 내용", "내용"),
            example="신기술 플랫폼 운영 벤치마킹",
        ),
        Column(
            "contact_name",
            "Contact",
            "담당자",
            "text",
            N_("Contact person."),
            max_len=_length(Inquiry, "contact_name"),
            aliases=("contact name",),
        ),
        Column(
            "status",
            "Status",
            "상태",
            "code",
            N_("Status; left empty, received."),
            vocab="inquiry_status",
            aliases=("진행 상태",),
            example="visit_held",
        ),
        Column(
            "answered_on",
            "Answered on",
            "회신일",
            "date",
            N_("Date of the answer (needed once answered)."),
        ),
        Column(
            "visit_on",
            "Visit on",
            "방문일",
            "date",
            N_("Date of the visit (needed once the visit was held)."),
            example="2019-04-25",
        ),
        Column(
            "benchmarked_on",
            "Benchmarked on",
            "벤치마킹일",
            "date",
            N_("Date they adopted the scheme (needed once benchmarked)."),
        ),
        Column("note", "Note", "비고", "text", N_("Anything else."), aliases=("메모",)),
    ),
)

REGISTERS: dict[str, Register] = {
    r.key: r for r in (ORGANIZATIONS, TECHNOLOGIES, EXPERTS, INQUIRIES)
}
