# Over 500 lines on purpose: word lists of the demo data, no logic.
"""Korean (and English) wording of the synthetic records: titles, comments, reasons, notes.

Kept apart from the generator logic so that the logic reads as rules and this file as
vocabulary. Nothing here is random; the generator picks from these lists with its rng.
"""

from __future__ import annotations

from typing import Final

# Panels are drawn per field group: a registration meeting reviews one group's queue and its
# panel comes from the experts with a field in that group.
FIELD_GROUPS: Final[dict[str, tuple[str, ...]]] = {
    "civil": (
        "roads",
        "bridges",
        "tunnels",
        "geotechnical",
        "structural",
        "railways",
        "ports",
        "surveying",
    ),
    "building": ("building", "materials", "landscaping", "urban_planning", "fire_safety"),
    "water_env": ("water_sewage", "environment", "rivers", "disaster_prevention"),
    "mep": ("equipment", "electrical", "communications", "energy"),
}
GROUP_OF_FIELD: Final = {f: g for g, fs in FIELD_GROUPS.items() for f in fs}
GROUP_KO: Final = {
    "civil": "토목·교통",
    "building": "건축·재료",
    "water_env": "수자원·환경",
    "mep": "설비·전기·에너지",
}

# How often technologies of each field are submitted (relative weights).
FIELD_WEIGHTS: Final[dict[str, int]] = {
    "water_sewage": 12,
    "bridges": 9,
    "building": 11,
    "equipment": 5,
    "roads": 13,
    "tunnels": 3,
    "geotechnical": 5,
    "structural": 6,
    "environment": 7,
    "landscaping": 3,
    "electrical": 4,
    "communications": 4,
    "fire_safety": 3,
    "disaster_prevention": 4,
    "rivers": 4,
    "railways": 2,
    "ports": 1,
    "materials": 8,
    "surveying": 2,
    "urban_planning": 2,
    "energy": 5,
}

TECH_NOUNS: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "water_sewage": (
        ("하수관로 비굴착 보수", "trenchless sewer rehabilitation"),
        ("상수도관 누수 감지", "water main leak detection"),
        ("맨홀 인상", "manhole height adjustment"),
        ("정수 여과", "water filtration"),
        ("하수 악취 저감", "sewer odour reduction"),
    ),
    "bridges": (
        ("교량 신축이음", "bridge expansion joint"),
        ("교량 받침", "bridge bearing"),
        ("강교 도장", "steel bridge coating"),
        ("교면 방수", "bridge deck waterproofing"),
        ("프리캐스트 바닥판", "precast deck slab"),
    ),
    "building": (
        ("외단열", "external insulation"),
        ("노출형 복합방수", "exposed composite waterproofing"),
        ("층간소음 저감 바닥", "floor impact noise reduction"),
        ("커튼월", "curtain wall"),
        ("옥상 녹화", "green roof"),
    ),
    "equipment": (
        ("열회수 환기", "heat recovery ventilation"),
        ("배관 세정", "pipe cleaning"),
        ("승강기 안전", "elevator safety"),
        ("펌프 제어", "pump control"),
        ("음압 환기", "negative-pressure ventilation"),
    ),
    "roads": (
        ("투수성 포장", "permeable pavement"),
        ("차열성 포장", "heat-shielding pavement"),
        ("포트홀 보수", "pothole repair"),
        ("미끄럼 방지 포장", "anti-skid pavement"),
        ("노면 표시", "road marking"),
    ),
    "tunnels": (
        ("터널 라이닝 보강", "tunnel lining reinforcement"),
        ("숏크리트", "shotcrete"),
        ("터널 배수", "tunnel drainage"),
    ),
    "geotechnical": (
        ("연약지반 개량", "soft ground improvement"),
        ("사면 보강", "slope reinforcement"),
        ("마이크로파일", "micropile"),
        ("흙막이", "earth retaining wall"),
    ),
    "structural": (
        ("기둥 보강", "column reinforcement"),
        ("내진 보강", "seismic retrofit"),
        ("탄소섬유 보강", "carbon-fibre strengthening"),
        ("합성보", "composite beam"),
    ),
    "environment": (
        ("비산먼지 저감", "fugitive dust suppression"),
        ("방음벽", "noise barrier"),
        ("토양 정화", "soil remediation"),
        ("미세먼지 저감", "fine dust reduction"),
    ),
    "landscaping": (
        ("식생 블록", "vegetation block"),
        ("가로수 보호", "street tree protection"),
        ("옥상 정원", "rooftop garden"),
    ),
    "electrical": (
        ("LED 가로등", "LED street lighting"),
        ("스마트 배전반", "smart switchboard"),
        ("전력 감시", "power monitoring"),
    ),
    "communications": (
        ("스마트 교통신호", "smart traffic signal"),
        ("무선 계측", "wireless monitoring"),
        ("CCTV 영상분석", "CCTV video analytics"),
    ),
    "fire_safety": (
        ("내화 도료", "fire-resistant coating"),
        ("화재 감지", "fire detection"),
        ("방화문", "fire door"),
    ),
    "disaster_prevention": (
        ("침수 경보", "flood warning"),
        ("낙석 방지", "rockfall protection"),
        ("지진 계측", "seismic monitoring"),
    ),
    "rivers": (
        ("호안 블록", "revetment block"),
        ("하천 수질 정화", "river water purification"),
        ("가동보", "movable weir"),
    ),
    "railways": (
        ("궤도 방진", "track vibration isolation"),
        ("도시철도 소음 저감", "urban rail noise reduction"),
    ),
    "ports": (
        ("방파제 보강", "breakwater reinforcement"),
        ("안벽 보수", "quay wall repair"),
    ),
    "materials": (
        ("고강도 콘크리트", "high-strength concrete"),
        ("순환골재", "recycled aggregate"),
        ("아크릴레이트 방수재", "acrylate waterproofing material"),
        ("섬유보강 복합재", "fibre-reinforced composite"),
    ),
    "surveying": (
        ("드론 측량", "drone surveying"),
        ("지하시설물 탐사", "underground utility detection"),
        ("3차원 스캐닝", "3-D scanning"),
    ),
    "urban_planning": (
        ("스마트 주차", "smart parking"),
        ("보행환경 개선", "pedestrian environment"),
        ("도시 열섬 저감", "urban heat island mitigation"),
    ),
    "energy": (
        ("태양광 방음벽", "solar noise barrier"),
        ("연료전지", "fuel cell"),
        ("지열 냉난방", "geothermal heating and cooling"),
        ("에너지 저장", "energy storage"),
    ),
}
TECH_MODIFIERS: Final = (
    ("고내구성", "High-durability"),
    ("친환경", "Eco-friendly"),
    ("IoT 기반", "IoT-based"),
    ("프리캐스트", "Precast"),
    ("AI 기반", "AI-based"),
    ("저비용", "Low-cost"),
    ("일체형", "Integrated"),
    ("자가치유형", "Self-healing"),
    ("모듈형", "Modular"),
    ("급속시공", "Rapid-construction"),
    ("무인", "Unmanned"),
    ("경량", "Lightweight"),
)
TECH_SUFFIXES: Final = (
    ("공법", "method"),
    ("시스템", "system"),
    ("장치", "device"),
    ("기술", "technology"),
    ("재료", "material"),
)
TECH_SUMMARY: Final = (
    "{noun} 분야에서 기존 공법 대비 공기를 단축하고 유지관리 비용을 줄이는 기술.",
    "현장 시험시공으로 성능을 확인한 {noun} 기술로, 시공 품질의 편차를 줄인다.",
    "{noun}의 내구성과 안전성을 높이고 시공 중 민원을 줄이는 기술.",
    "센서와 데이터 분석을 결합하여 {noun}의 상태를 상시 점검할 수 있는 기술.",
)

# The four technologies of the testbed program named in the press release (2018), on the
# demo city's sites (another city's: ``seed.city.PUBLISHED_SITES``).
PUBLISHED_TESTBEDS: Final = (
    {
        "key": "acrylate",
        "title_ko": "아크릴레이트를 이용한 노출형 복합방수공법",
        "title_en": "Exposed composite waterproofing method using acrylate",
        "field": "building",
        "sector": "none",
        "site": "대구 북구 배수지 상부 슬래브",
        "certification": "construction_new_technology",
    },
    {
        "key": "column",
        "title_ko": "3차원 섬유강화 복합재료를 이용한 콘크리트 기둥 보강공법",
        "title_en": (
            "Concrete pillar reinforcement method using 3-dimensional fiber-reinforced composite"
        ),
        "field": "structural",
        "sector": "none",
        "site": "대구 도심 고가차도 교각",
        "certification": "construction_new_technology",
    },
    {
        "key": "paving",
        "title_ko": "차열·투수성 골재 포장재",
        "title_en": "Heat shielding, permeable aggregate paving material",
        "field": "roads",
        "sector": "water",
        "site": "대구 수성구 근린공원 보행로",
        "certification": "green_technology",
    },
    {
        "key": "robot",
        "title_ko": "비산방지 시스템을 탑재한 무인로봇 도장공법",
        "title_en": "Coating method using unmanned robots mounted with a spray prevention system",
        "field": "equipment",
        "sector": "intelligent_vehicle_robotics",
        "site": "대구 달서구 보도육교 강재 도장",
        "certification": "innovation_product",
    },
)

POSITIONS: Final[dict[str, tuple[str, ...]]] = {
    "public": ("책임연구원", "선임연구원", "수석연구원", "부장", "차장", "팀장", "처장"),
    "industry": ("대표이사", "기술이사", "연구소장", "부장", "이사", "상무", "기술사"),
    "academia": ("교수", "부교수", "조교수", "연구교수", "겸임교수"),
    "other": ("기술사", "대표 기술사", "자문위원"),
}

# Where companies outside the demo city are (relative weights per region code).
OTHER_REGIONS = {
    "KR-11": 20,
    "KR-41": 22,
    "KR-47": 12,
    "KR-26": 6,
    "KR-48": 7,
    "KR-28": 4,
    "KR-44": 5,
    "KR-43": 4,
    "KR-30": 5,
    "KR-29": 3,
    "KR-31": 3,
    "KR-45": 3,
    "KR-46": 3,
    "KR-42": 2,
    "KR-50": 1,
    "KR-49": 1,
}
# Synthetic public institutions: prefix + topic + suffix (each with its English form and kind).
INSTITUTION_PREFIXES: Final = (
    ("대경권", "Daegyeong", "KR-27", 6),
    ("동남권", "Southeast", "KR-26", 2),
    ("중부권", "Central", "KR-30", 2),
    ("수도권", "Capital Area", "KR-41", 2),
    ("영남권", "Yeongnam", "KR-48", 2),
    ("서남권", "Southwest", "KR-29", 1),
    ("강원권", "Gangwon", "KR-42", 1),
    ("세종권", "Sejong", "KR-50", 2),
)
"""Region-flavoured prefixes (with region and weight) chosen so that no name is a real body."""
INSTITUTION_TOPICS: Final = (
    ("건설기술", "Construction Technology"),
    ("도로안전", "Road Safety"),
    ("수자원관리", "Water Resources Management"),
    ("환경시설", "Environmental Facilities"),
    ("교량안전", "Bridge Safety"),
    ("재난안전", "Disaster Safety"),
    ("에너지기술", "Energy Technology"),
    ("시설관리", "Facility Management"),
    ("도시기반", "Urban Infrastructure"),
    ("건축안전", "Building Safety"),
    ("지반공학", "Geotechnical Engineering"),
    ("철도기술", "Railway Technology"),
    ("상하수도", "Water and Sewerage"),
    ("스마트도시", "Smart City"),
    ("교통정보", "Traffic Information"),
    ("소방기술", "Fire Technology"),
)
INSTITUTION_SUFFIXES: Final = (
    ("연구원", "Research Institute", "research_institute"),
    ("기술원", "Institute of Technology", "research_institute"),
    ("공단", "Authority", "public_institution"),
    ("진흥원", "Promotion Agency", "public_institution"),
    ("공사", "Corporation", "public_corporation"),
    ("센터", "Center", "public_institution"),
)
UNIVERSITY_PLACES: Final = (
    ("달구벌", "Dalgubeol", "KR-27"),
    ("팔공", "Palgong", "KR-27"),
    ("신천", "Sincheon", "KR-27"),
    ("금호강", "Geumhogang", "KR-27"),
    ("낙동", "Nakdong", "KR-47"),
    ("한울", "Hanul", "KR-48"),
    ("한빛", "Hanbit", "KR-11"),
    ("새빛", "Saebit", "KR-41"),
    ("미래로", "Miraero", "KR-30"),
    ("한결", "Hangyeol", "KR-29"),
    ("동해안", "Donghaean", "KR-31"),
    ("백두", "Baekdu", "KR-42"),
    ("서해안", "Seohaean", "KR-44"),
    ("온누리", "Onnuri", "KR-49"),
    ("은하", "Eunha", "KR-45"),
    ("청람", "Cheongram", "KR-43"),
)
UNIVERSITY_KINDS: Final = (
    ("공과대학교", "University of Engineering"),
    ("과학기술대학교", "University of Science and Technology"),
)

# Company names: Faker's ko_KR company words + a construction-trade brand (ko, en).
COMPANY_BRANDS: Final = (
    ("건설", "Construction"),
    ("엔지니어링", "Engineering"),
    ("이앤씨", "E&C"),
    ("기술", "Technology"),
    ("산업", "Industries"),
    ("테크", "Tech"),
    ("소재", "Materials"),
    ("이엔지", "ENG"),
    ("구조", "Structures"),
    ("방수", "Waterproofing"),
    ("토건", "Civil Works"),
    ("환경", "Environment"),
    ("에너지", "Energy"),
    ("로보틱스", "Robotics"),
    ("시스템", "Systems"),
    ("솔루션", "Solutions"),
    ("건축", "Architecture"),
    ("개발", "Development"),
    ("네트웍스", "Networks"),
    ("케미칼", "Chemical"),
    ("플랜트", "Plant"),
    ("안전", "Safety"),
    ("산전", "Electric"),
    ("씨엔티", "C&T"),
)

COMMENTS: Final[dict[str, tuple[str, ...]]] = {
    "high": (
        "기존 공법 대비 시공성과 경제성이 우수하며 현장 적용 실적이 충분함.",
        "품질관리 체계가 갖추어져 있고 유지관리 효과가 명확함.",
        "신규성과 진보성이 뚜렷하여 시 발주 공사에 확대 적용할 가치가 있음.",
        "시험성적과 현장 모니터링 자료가 충실하여 신뢰도가 높음.",
    ),
    "mid": (
        "신규성은 인정되나 경제성 비교 자료의 보완이 필요함.",
        "현장 적용성은 양호하나 장기 내구성 검증이 추가로 필요함.",
        "기술의 차별성은 있으나 적용 범위를 명확히 할 필요가 있음.",
        "표준 시방 및 단가 산정 근거를 보완하면 활용도가 높을 것으로 판단됨.",
    ),
    "low": (
        "유사 기술과의 차별성이 부족함.",
        "제출된 시험 결과만으로는 성능을 확인하기 어려움.",
        "경제성 분석이 미흡하고 현장 적용 사례가 부족함.",
        "기술의 진보성을 인정하기 어려움.",
    ),
}

REASON_PASSED: Final = (
    "1단계(신규성·진보성) 평균 {s1:.1f}점, 종합 평균 {ov:.1f}점으로 기준(각 70점 이상)을 "
    "충족하여 {verb} 의결함."
)
REASON_FAILED_1: Final = "1단계(신규성·진보성) 평균 {s1:.1f}점으로 기준 70점에 미달하여 부결함."
REASON_FAILED_2: Final = (
    "1단계는 충족하였으나 종합 평균 {ov:.1f}점으로 기준 70점에 미달하여 부결함."
)
REASON_AGAINST_SCORES: Final = (
    "종합 평균 {ov:.1f}점이나 위원장 제안에 따라 현장 적용 필요성을 고려하여 {verb} 의결함."
)
DECISION_VERB: Final = {
    "registration_review": "등록",
    "adoption_review": "도입",
    "testbed_selection": "테스트베드 선정",
}

CONFLICT_RECUSED: Final = (
    "신청 기업 {org}과(와) 최근 3년 내 공동연구 수행 이력이 있어 회피를 신청함.",
    "신청 기업 {org}의 기술자문을 수행한 바 있어 심의에서 회피함.",
)
CONFLICT_KEPT: Final = (
    "신청 기술과 유사한 기술의 자문 경험이 있음을 신고함(위원회 판단으로 심의 참여 유지).",
    "신청 기업 {org}의 설명회에 참석한 사실을 신고함(이해관계 없음으로 판단).",
)

DEPARTMENTS: Final[dict[str, tuple[str, ...]]] = {
    "civil": ("건설본부", "도로과", "교통정책과", "도시철도건설본부"),
    "building": ("건축주택과", "공공시설관리과", "도시재창조국", "건설본부"),
    "water_env": ("상수도사업본부", "물관리과", "환경정책과", "하천과"),
    "mep": ("에너지산업과", "스마트시티과", "공공시설관리과", "상수도사업본부"),
}
DISTRICTS: Final = ("중구", "동구", "서구", "남구", "북구", "수성구", "달서구", "달성군")
PROJECT_OBJECTS: Final[dict[str, tuple[str, ...]]] = {
    "civil": (
        "달구벌대로",
        "신천대로",
        "앞산순환로",
        "국채보상로",
        "동대구로",
        "팔공산로",
        "성북교",
        "침산교",
    ),
    "building": (
        "구민체육센터",
        "공공도서관",
        "행정복지센터",
        "시립어린이집",
        "공영주차장",
        "청소년수련관",
    ),
    "water_env": (
        "신천 하수처리장",
        "매곡정수장",
        "고산정수장",
        "금호강 지류",
        "서부 하수관로",
        "달서천",
    ),
    "mep": ("가로등", "도시철도 역사", "공공청사", "정수장 펌프장", "교통신호 체계"),
}
PROJECT_WORKS: Final = ("정비사업", "보수공사", "보강공사", "개량공사", "유지관리 용역", "시범사업")
JUSTIFICATIONS: Final = (
    "현장 적용성이 검증된 등록 신기술로 기존 공법 대비 공사비 {pct}% 절감이 기대됨.",
    "시공 기간을 약 {pct}% 단축하여 교통 통제와 주민 불편을 줄일 수 있음.",
    "유지관리 주기를 늘려 생애주기 비용을 약 {pct}% 절감할 수 있음.",
)
APPROVE_COMMENTS: Final = (
    "심의 결과를 존중하여 도입을 승인함.",
    "예산 범위 내에서 도입을 승인함. 시공 후 성과 보고 바람.",
)
REJECT_COMMENTS: Final = (
    "심의 부결에 따라 도입하지 않음.",
    "심의 결과 경제성이 인정되지 않아 도입하지 않음.",
)

# Sites and rooms of the city: ``{city}`` is its short name (대구), ``{city_name}`` its name.
TESTBED_SITES: Final = (
    "{city} {d} 공영주차장 포장",
    "{city} {d} 초등학교 옥상 방수",
    "{city} {d} 하수관로 구간",
    "{city} {d} 보도육교",
    "{city} {d} 근린공원 산책로",
    "{city} {d} 행정복지센터 외벽",
    "{city} {d} 배수지 구조물",
    "{city} {d} 교차로 신호체계",
)

INQUIRY_TOPICS: Final = (
    "신기술 플랫폼 운영 현황 및 벤치마킹 요청",
    "전문가 풀 구성과 심의위원 추첨 방식 문의",
    "신기술 등록 절차 및 운영 규정 자료 요청",
    "테스트베드 운영 사례 공유 요청",
    "지역 기업 신기술 활용 촉진 방안 협의",
    "신기술 도입 심의 결과 활용 사례 문의",
)
BAI_TOPIC: Final = "혁신성장 우수사례(신기술 플랫폼) 추진 상황 현장 점검"
FOLLOWUP_NOTES: Final = (
    "운영 규정과 심의 서식 자료를 송부함.",
    "방문 일정과 참석자를 유선으로 협의함.",
    "추가 질의(심의위원 수당 기준)에 회신함.",
    "벤치마킹 결과 공유를 요청하여 회신을 받음.",
    "담당자 변경에 따라 자료를 다시 송부함.",
)
CONTACT_TITLES: Final = ("주무관", "사무관", "팀장", "과장", "연구관")

AGREEMENT_SCOPES: Final = {
    "mou": "신기술 정보 공유, 우수 신기술의 공동 발굴과 현장 적용, 테스트베드 부지 제공 협력.",
    "joint_operation": "신기술 플랫폼의 공동 운영(전문가 풀·심의 결과 공유)과 상생협력 사업 추진.",
}

LOCATIONS: Final = (
    "{city_name}청 별관 대회의실",
    "{city_name}청 본관 10층 회의실",
    "{city_name} 건설본부 회의실",
    "{city_name} 상수도사업본부 회의실",
)
ONLINE_LOCATION: Final = "온라인 화상회의"
