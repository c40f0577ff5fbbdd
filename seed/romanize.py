"""Revised Romanization of Korean, simplified, for the English forms of synthetic names.

Good enough for demo data (``김민준`` -> ``Kim Min-jun``, ``모두네트웍스`` -> ``Moduneteuwokseu``):
it spells syllable by syllable, without the sound-change rules of the full standard, and
uses the customary spellings of common surnames.
"""

from __future__ import annotations

_INITIALS = (
    "g",
    "kk",
    "n",
    "d",
    "tt",
    "r",
    "m",
    "b",
    "pp",
    "s",
    "ss",
    "",
    "j",
    "jj",
    "ch",
    "k",
    "t",
    "p",
    "h",
)
_MEDIALS = (
    "a",
    "ae",
    "ya",
    "yae",
    "eo",
    "e",
    "yeo",
    "ye",
    "o",
    "wa",
    "wae",
    "oe",
    "yo",
    "u",
    "wo",
    "we",
    "wi",
    "yu",
    "eu",
    "ui",
    "i",
)
_FINALS = (
    "",
    "k",
    "k",
    "k",
    "n",
    "n",
    "n",
    "t",
    "l",
    "k",
    "m",
    "l",
    "l",
    "l",
    "p",
    "l",
    "m",
    "p",
    "p",
    "t",
    "t",
    "ng",
    "t",
    "t",
    "k",
    "t",
    "p",
    "t",
)
_SURNAMES = {
    "김": "Kim",
    "이": "Lee",
    "박": "Park",
    "최": "Choi",
    "정": "Jung",
    "강": "Kang",
    "조": "Cho",
    "윤": "Yoon",
    "장": "Jang",
    "임": "Lim",
    "한": "Han",
    "오": "Oh",
    "서": "Seo",
    "신": "Shin",
    "권": "Kwon",
    "황": "Hwang",
    "안": "Ahn",
    "송": "Song",
    "류": "Ryu",
    "전": "Jeon",
    "홍": "Hong",
    "고": "Ko",
    "문": "Moon",
    "양": "Yang",
    "손": "Son",
    "배": "Bae",
    "백": "Baek",
    "허": "Heo",
    "유": "Yoo",
    "남": "Nam",
    "심": "Shim",
    "노": "Noh",
    "하": "Ha",
    "곽": "Kwak",
    "성": "Sung",
    "차": "Cha",
    "주": "Joo",
    "우": "Woo",
    "구": "Koo",
    "나": "Na",
    "민": "Min",
    "진": "Jin",
    "지": "Ji",
    "엄": "Eom",
    "채": "Chae",
    "원": "Won",
    "천": "Cheon",
    "방": "Bang",
    "공": "Kong",
    "현": "Hyun",
    "함": "Ham",
    "변": "Byun",
    "염": "Yeom",
    "여": "Yeo",
    "추": "Choo",
    "도": "Do",
    "소": "So",
    "석": "Seok",
    "선": "Sun",
    "설": "Seol",
    "마": "Ma",
    "길": "Gil",
    "연": "Yeon",
    "위": "Wi",
    "표": "Pyo",
    "명": "Myung",
    "기": "Ki",
    "반": "Ban",
    "왕": "Wang",
    "금": "Keum",
    "옥": "Ok",
    "육": "Yuk",
    "인": "In",
    "맹": "Maeng",
    "제": "Je",
    "모": "Mo",
    "탁": "Tak",
    "국": "Kook",
    "어": "Eo",
    "은": "Eun",
    "편": "Pyeon",
    "용": "Yong",
    "예": "Ye",
    "경": "Kyung",
    "봉": "Bong",
    "사": "Sa",
}


def syllables(text: str) -> str:
    """Romanize Hangul syllables letter by letter; other characters pass through."""
    out: list[str] = []
    for ch in text:
        code = ord(ch) - 0xAC00
        if 0 <= code < 11172:
            out.append(_INITIALS[code // 588] + _MEDIALS[(code % 588) // 28] + _FINALS[code % 28])
        else:
            out.append(ch)
    return "".join(out)


def word(text: str) -> str:
    """One romanized word, capitalised (``네트웍스`` -> ``Neteuwokseu``)."""
    roman = syllables(text)
    return roman[:1].upper() + roman[1:]


def person(name: str) -> str:
    """A Korean full name (surname first, one syllable) as ``Surname Given-name``."""
    if len(name) < 2:
        return word(name)
    surname = _SURNAMES.get(name[0]) or word(name[0])
    given = "-".join(syllables(ch) for ch in name[1:])
    return f"{surname} {given[:1].upper()}{given[1:]}"
