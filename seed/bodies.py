"""The real public bodies of the demo: the city, the bodies named in the press release, and
the governments and corporations that plausibly ask about the platform later.

Only public bodies are real; every company, university, institute and person is synthetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Body:
    """A real public body: stable key, names, kind, region (None abroad)."""

    key: str
    name_ko: str
    name_en: str
    kind: str
    region: str | None
    country: str = "KR"


CITY: Final = Body("daegu", "대구광역시", "Daegu Metropolitan City", "metropolitan_city", "KR-27")

# The bodies of the press release of 2019-08-08, in the order it names them.
BAI: Final = Body("bai", "감사원", "Board of Audit and Inspection", "audit_body", "KR-11")
MOLIT: Final = Body(
    "molit", "국토교통부", "Ministry of Land, Infrastructure and Transport", "ministry", "KR-50"
)
MOIS: Final = Body("mois", "행정안전부", "Ministry of the Interior and Safety", "ministry", "KR-50")
BUSAN: Final = Body("busan", "부산광역시", "Busan Metropolitan City", "metropolitan_city", "KR-26")
DAEJEON: Final = Body(
    "daejeon", "대전광역시", "Daejeon Metropolitan City", "metropolitan_city", "KR-30"
)
GYEONGGI: Final = Body("gyeonggi", "경기도", "Gyeonggi-do", "province", "KR-41")
GYEONGBUK: Final = Body("gyeongbuk", "경상북도", "Gyeongsangbuk-do", "province", "KR-47")

KEC: Final = Body(
    "kec", "한국도로공사", "Korea Expressway Corporation", "public_corporation", "KR-47"
)
DGE: Final = Body(
    "dge", "대구광역시교육청", "Daegu Metropolitan Office of Education", "education_office", "KR-27"
)
KNU: Final = Body("knu", "경북대학교", "Kyungpook National University", "university", "KR-27")

PUBLISHED_INQUIRERS: Final = (BAI, MOLIT, MOIS, BUSAN, DAEJEON, GYEONGGI, GYEONGBUK)
"""The seven bodies that had inquired by 2019-08-08."""

# Later partners (after 2019).
KWATER: Final = Body(
    "kwater", "한국수자원공사", "Korea Water Resources Corporation", "public_corporation", "KR-30"
)
LH: Final = Body(
    "lh", "한국토지주택공사", "Korea Land and Housing Corporation", "public_corporation", "KR-48"
)
KMU: Final = Body("kmu", "계명대학교", "Keimyung University", "university", "KR-27")
DGIST: Final = Body(
    "dgist",
    "대구경북과학기술원",
    "Daegu Gyeongbuk Institute of Science and Technology",
    "university",
    "KR-27",
)
HIROSHIMA: Final = Body("hiroshima", "히로시마시", "City of Hiroshima", "foreign_city", None, "JP")
SUSEONG: Final = Body(
    "suseong", "대구광역시 수성구", "Suseong-gu, Daegu", "local_government", "KR-27"
)
DALSEO: Final = Body("dalseo", "대구광역시 달서구", "Dalseo-gu, Daegu", "local_government", "KR-27")

# Who else asks about the platform after 2019 (weights: how often).
LATER_INQUIRERS: Final = (
    (Body("seoul", "서울특별시", "Seoul Metropolitan Government", "metropolitan_city", "KR-11"), 2),
    (Body("incheon", "인천광역시", "Incheon Metropolitan City", "metropolitan_city", "KR-28"), 2),
    (Body("gwangju", "광주광역시", "Gwangju Metropolitan City", "metropolitan_city", "KR-29"), 2),
    (Body("ulsan", "울산광역시", "Ulsan Metropolitan City", "metropolitan_city", "KR-31"), 2),
    (
        Body(
            "sejong",
            "세종특별자치시",
            "Sejong Special Self-Governing City",
            "metropolitan_city",
            "KR-50",
        ),
        2,
    ),
    (Body("chungbuk", "충청북도", "Chungcheongbuk-do", "province", "KR-43"), 2),
    (Body("chungnam", "충청남도", "Chungcheongnam-do", "province", "KR-44"), 2),
    (Body("jeonnam", "전라남도", "Jeollanam-do", "province", "KR-46"), 2),
    (Body("gyeongnam", "경상남도", "Gyeongsangnam-do", "province", "KR-48"), 3),
    (
        Body("jeju", "제주특별자치도", "Jeju Special Self-Governing Province", "province", "KR-49"),
        1,
    ),
    (Body("pohang", "포항시", "Pohang City", "local_government", "KR-47"), 2),
    (Body("gumi", "구미시", "Gumi City", "local_government", "KR-47"), 2),
    (Body("changwon", "창원특례시", "Changwon Special City", "local_government", "KR-48"), 2),
    (Body("suwon", "수원특례시", "Suwon Special City", "local_government", "KR-41"), 1),
    (Body("jeonju", "전주시", "Jeonju City", "local_government", "KR-45"), 1),
    (Body("cheongju", "청주시", "Cheongju City", "local_government", "KR-43"), 1),
    (SUSEONG, 2),
    (DALSEO, 2),
    (BUSAN, 1),
    (GYEONGBUK, 1),
    (MOLIT, 1),
    (MOIS, 1),
    (Body("mss", "중소벤처기업부", "Ministry of SMEs and Startups", "ministry", "KR-50"), 2),
    (Body("pps", "조달청", "Public Procurement Service", "ministry", "KR-30"), 2),
    (
        Body(
            "acrc",
            "국민권익위원회",
            "Anti-Corruption and Civil Rights Commission",
            "audit_body",
            "KR-50",
        ),
        1,
    ),
    (BAI, 1),
    (KWATER, 1),
    (LH, 1),
    (Body("qingdao", "칭다오시", "Qingdao Municipal Government", "foreign_city", None, "CN"), 1),
    (HIROSHIMA, 1),
    (
        Body("hcmc", "호찌민시", "Ho Chi Minh City People's Committee", "foreign_city", None, "VN"),
        1,
    ),
)
