"""Fill the Korean catalogue from components/locales/pending/*.json, then remove those files.

Each JSON file maps an English msgid to its Korean translation. Entries whose msgid is not
in the catalogue (yet) are kept in their file, so nothing is lost; a file is removed once all
its entries are used.
"""

from __future__ import annotations

import json
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "components/locales/ko/LC_MESSAGES/messages.po"
PENDING = ROOT / "components/locales/pending"


def main() -> None:
    with PO.open("rb") as fh:
        catalog = read_po(fh, locale="ko_KR")
    filled = 0
    for path in sorted(PENDING.glob("*.json")):
        entries: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
        left = {}
        for msgid, text in entries.items():
            message = catalog.get(msgid)
            if message is None:
                left[msgid] = text
                continue
            if not message.string or message.fuzzy:
                message.string = text
                message.flags.discard("fuzzy")
                filled += 1
        if left:
            path.write_text(json.dumps(left, ensure_ascii=False, indent=1), encoding="utf-8")
        else:
            path.unlink()
    with PO.open("wb") as fh:
        write_po(fh, catalog, width=100)
    print(f"filled {filled} Korean translations from {PENDING.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
