"""Rule-based invoice extraction: issuer, invoice_number, invoice_date, total_amount, currency.

Values are found next to labels (rules.py): after the label on its line, before it on its line (PDF text
often puts the value first: "993548900Factuurnummer:"), or alone on one of the next lines. Candidates
are ranked by label; the best rank wins, then the earliest. Missing values are None.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from typing import Any, Callable, Optional

from . import rules

OUTPUT_SCHEMA = {
    "type": "object",
    "properties": {
        "issuer": {"type": ["string", "null"]},
        "invoice_number": {"type": ["string", "null"]},
        "invoice_date": {"type": ["string", "null"], "format": "date"},
        "total_amount": {"type": ["number", "null"]},
        "currency": {"type": ["string", "null"]},
    },
}

_FLAGS = re.I | re.U
_END = r"(?![a-zà-ÿ])"


def _compile(labels: list[tuple[int, str]]) -> list[tuple[int, re.Pattern[str]]]:
    return [(rank, re.compile(f"(?:{pattern}){_END}", _FLAGS)) for rank, pattern in labels]


NUMBER_LABELS = _compile(rules.INVOICE_NUMBER_LABELS)
DATE_LABELS = _compile(rules.DATE_LABELS)
TOTAL_LABELS = _compile(rules.TOTAL_LABELS)
DATE_NEGATIVE = re.compile(rules.DATE_NEGATIVE, _FLAGS)
TOTAL_NEGATIVE = re.compile(rules.TOTAL_NEGATIVE, _FLAGS)
HASH_NUMBER = re.compile(rules.HASH_NUMBER)
DATE_AFTER_NUMBER = re.compile(rules.DATE_AFTER_NUMBER, _FLAGS)

_MONTH = "|".join(sorted((re.escape(m) for m in rules.MONTHS), key=len, reverse=True))
DATE_PATTERNS = [
    ("ymd", re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")),
    ("num", re.compile(r"(?<![\d.])(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})(?![\d])")),
    (
        "dmy",
        re.compile(
            rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th|er|e|\.)?[\s\-]*(?<![a-z])({_MONTH})\.?(?![a-z])"
            rf"[\s\-,.]*(\d{{4}})(?!\d)",
            _FLAGS,
        ),
    ),
    (
        "mdy",
        re.compile(
            rf"(?<![a-z])({_MONTH})\.?(?![a-z])\s*(\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s*(\d{{4}})(?!\d)", _FLAGS
        ),
    ),
]
AMOUNT = re.compile(
    r"(?<![\d.,])(-?(?:\d{1,3}(?:(?:[,.'’]|[ \u00a0\u202f])\d{3})+|\d+)(?:[.,]\d{1,2})?)(?![\d%]|[.,]\d)"
)
_SYMBOLS = sorted(rules.CURRENCY_SYMBOLS, key=len, reverse=True)
CURRENCY = re.compile(
    "|".join(
        (rf"(?<![A-Za-z]){re.escape(s)}(?![A-Za-z])" if s[0].isalpha() else re.escape(s)) for s in _SYMBOLS
    )
)
CURRENCY_WORDS = [(re.compile(rf"\b(?:{p})\b", _FLAGS), code) for p, code in rules.CURRENCY_WORDS.items()]
ISSUER_LABEL = re.compile(rules.ISSUER_LABELS + r"\s*(.+)", _FLAGS)
COMPANY = re.compile(rules.COMPANY_SUFFIX, _FLAGS)


def _iso(year: int, month: int, day: int) -> Optional[str]:
    if year < 100:
        year += 2000 if year < 70 else 1900
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def find_dates(text: str, month_first: bool = False) -> list[tuple[int, int, str]]:
    """(start, end, ISO date) for every date in text, without overlaps."""
    found: list[tuple[int, int, str]] = []
    for kind, pattern in DATE_PATTERNS:
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e, _ in found):
                continue
            g = m.groups()
            if kind == "ymd":
                iso = _iso(int(g[0]), int(g[1]), int(g[2]))
            elif kind == "num":
                a, b, year = int(g[0]), int(g[2]), int(g[3])
                if a > 12 or (b <= 12 and not month_first):
                    iso = _iso(year, b, a)
                else:
                    iso = _iso(year, a, b)
            elif kind == "dmy":
                iso = _iso(int(g[2]), rules.MONTHS[g[1].lower()], int(g[0]))
            else:
                iso = _iso(int(g[2]), rules.MONTHS[g[0].lower()], int(g[1]))
            if iso:
                found.append((m.start(), m.end(), iso))
    return sorted(found)


def parse_amount(token: str) -> Optional[float]:
    token = re.sub(r"[ \u00a0\u202f'’]", "", token)
    negative = token.startswith("-")
    token = token.lstrip("-")
    last = max(token.rfind("."), token.rfind(","))
    if last >= 0 and len(token) - last - 1 in (1, 2):
        whole, frac = token[:last], token[last + 1 :]
    else:
        whole, frac = token, "0"
    whole = re.sub(r"[.,]", "", whole)
    if not whole.isdigit() or not frac.isdigit():
        return None
    value = float(f"{whole}.{frac}")
    return -value if negative else value


def currency_at(text: str, start: int, end: int) -> Optional[str]:
    """The currency marker right before or after the span, if any."""
    before = CURRENCY.search(text[max(0, start - 5) : start].rstrip()[-4:] or " ")
    after = CURRENCY.match(text[end : end + 6].lstrip())
    m = after or before
    return rules.CURRENCY_SYMBOLS[m.group(0)] if m else None


def find_amounts(text: str) -> list[tuple[float, Optional[str]]]:
    """(value, currency) for each amount in text, ignoring dates and percentages."""
    for start, end, _ in find_dates(text):
        text = text[:start] + " " * (end - start) + text[end:]
    amounts = []
    for m in AMOUNT.finditer(text):
        value = parse_amount(m.group(1))
        if value is not None:
            amounts.append((value, currency_at(text, m.start(1), m.end(1))))
    return amounts


def _pick_amount(text: str) -> Optional[tuple[float, Optional[str]]]:
    amounts = find_amounts(text)
    marked = [a for a in amounts if a[1]]
    return marked[0] if marked else (amounts[-1] if amounts else None)


def _pick_number(text: str, last: bool = False) -> Optional[str]:
    tokens = [t.strip(".-/") for t in re.findall(r"[A-Za-z0-9][\w\-/.]*", text)]
    tokens = [t for t in tokens if re.search(r"\d", t) and (len(t) >= 2 or t.isdigit())]
    return (tokens[-1] if last else tokens[0]) if tokens else None


def _only(finder: Callable[[str], Any], line: str) -> Any:
    """A value when the line holds nothing but it (and currency or punctuation)."""
    value = finder(line)
    if value is None:
        return None
    leftover = re.sub(r"[\d\s.,:'’/\-#€$£¥₹%]|[A-Z]{3}|TTC|HT", "", line, flags=re.I)
    return value if len(leftover) <= 3 else None


def _labelled(lines: list[str], labels, negative, after, before, alone) -> list[tuple[int, int, Any]]:
    """(rank, line index, value) for each label occurrence that has a value next to it."""
    found = []
    for i, line in enumerate(lines):
        for rank, pattern in labels:
            for m in pattern.finditer(line):
                window = line[max(0, m.start() - 12) : m.end() + 14]
                if negative is not None and negative.search(window):
                    continue
                rest = line[m.end() :]
                value = after(rest) if re.search(r"\w", rest) else None
                if value is None and not re.search(r"\w", rest):
                    value = before(line[: m.start()])
                if value is None and not re.search(r"\w", rest):
                    following = [ln for ln in lines[i + 1 : i + 4] if ln.strip()]
                    for candidate in following[:3]:
                        value = _only(alone, candidate)
                        if value is not None:
                            break
                if value is not None:
                    found.append((rank, i, value))
    return found


def _best(found: list[tuple[int, int, Any]]) -> Optional[tuple[int, int, Any]]:
    return max(found, key=lambda f: (f[0], -f[1])) if found else None


def _document_currency(text: str) -> Optional[str]:
    counts = Counter(rules.CURRENCY_SYMBOLS[m.group(0)] for m in CURRENCY.finditer(text))
    for pattern, code in CURRENCY_WORDS:
        found = len(pattern.findall(text))
        if found:
            counts[code] += 2 * found
    return counts.most_common(1)[0][0] if counts else None


def _issuer(lines: list[str]) -> Optional[tuple[int, str]]:
    for i, line in enumerate(lines):
        m = ISSUER_LABEL.search(line)
        if m and m.group(1).strip():
            return i, m.group(1).strip()
    for i, line in enumerate(lines):
        if COMPANY.search(line) and len(line.strip()) <= 60 and not re.search(r"\d{3}", line):
            return i, line.strip(" ,:")
    for i, line in enumerate(lines):
        words = line.strip()
        labelled = any(p.search(words) for _, p in NUMBER_LABELS + DATE_LABELS + TOTAL_LABELS)
        if (
            re.search(r"[A-Za-z]{2}", words)
            and not labelled
            and not re.search(r"\d", words)
            and not re.fullmatch(r"(?i)(tax\s+)?(invoice|facture|factuur|rechnung|receipt)\W*", words)
        ):
            return i, words
    return None


def extract_invoice(text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Extract the invoice fields from document text: (value, metadata) as in an EXTRACT output."""
    pages = text.split("\f")
    lines, page_of = [], []
    for number, page in enumerate(pages, start=1):
        for line in page.splitlines():
            lines.append(line)
            page_of.append(number)
    doc_currency = _document_currency(text)
    month_first = doc_currency == "USD"

    def one_date(s: str) -> Optional[str]:
        dates = find_dates(s, month_first)
        return dates[0][2] if dates else None

    def last_date(s: str) -> Optional[str]:
        dates = find_dates(s, month_first)
        return dates[-1][2] if dates else None

    numbers = _labelled(
        lines,
        NUMBER_LABELS,
        None,
        _pick_number,
        lambda s: _pick_number(s, True),
        lambda s: _pick_number(s) if len(s.split()) == 1 else None,
    )
    numbers += [(2, i, m.group(1)) for i, line in enumerate(lines) if (m := HASH_NUMBER.match(line))]
    dates = _labelled(lines, DATE_LABELS, DATE_NEGATIVE, one_date, last_date, one_date)
    for rank, i, _ in numbers:
        link = DATE_AFTER_NUMBER.search(lines[i])
        if rank >= 3 and link and (iso := one_date(lines[i][link.end() :])):
            dates.append((2, i, iso))
    if not dates:
        dates = [(0, i, iso) for i, line in enumerate(lines) for iso in [one_date(line)] if iso][:1]
    totals = _labelled(lines, TOTAL_LABELS, TOTAL_NEGATIVE, _pick_amount, _pick_amount, _pick_amount)

    best = {"invoice_number": _best(numbers), "invoice_date": _best(dates), "total_amount": _best(totals)}
    issuer = _issuer(lines)
    total = best["total_amount"]
    currency = total[2][1] if total and total[2][1] else None
    if currency is None and total:
        currency = _document_currency(lines[total[1]])
    currency = currency or doc_currency
    value = {
        "issuer": issuer[1] if issuer else None,
        "invoice_number": best["invoice_number"][2] if best["invoice_number"] else None,
        "invoice_date": best["invoice_date"][2] if best["invoice_date"] else None,
        "total_amount": total[2][0] if total else None,
        "currency": currency,
    }
    metadata: dict[str, Any] = {}
    located = {**best, "issuer": (3, issuer[0], None) if issuer else None}
    for key, hit in located.items():
        if hit is None:
            metadata[key] = {"logprobsConfidence": 0.0, "citations": []}
            continue
        metadata[key] = {
            "logprobsConfidence": round(min(0.99, 0.5 + 0.12 * hit[0]), 2),
            "citations": [{"page": page_of[hit[1]], "referenceText": lines[hit[1]].strip()}],
        }
    metadata["currency"] = {"logprobsConfidence": 0.9 if currency else 0.0, "citations": []}
    return value, metadata
