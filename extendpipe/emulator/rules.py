"""Rule tables for invoice extraction (data only; `extract.py` applies them).

Labels are regular expressions matched case-insensitively. Each has a rank: when several labels match,
the highest rank wins, then the first occurrence in the document.
"""

from __future__ import annotations

# Labels that introduce an invoice number.
INVOICE_NUMBER_LABELS = [
    (3, r"invoice\s*(?:number|num(?:ber)?\.?|no\.?|nr\.?|#|id)"),
    (3, r"(?:num[ée]ro|n[°º]|no\.?)\s+(?:de\s+)?facture"),
    (3, r"facture\s*(?:n\s*[°º]|no\.?|num[ée]ro|#)"),
    (3, r"factuur\s*(?:nummer|nr\.?|no\.?)"),
    (3, r"rechnungs?\s*(?:nummer|nr\.?|-nr\.?)"),
    (3, r"(?:n[úu]mero\s+de\s+factura|factura\s+n[°º.]?|fattura\s+n[°º.]?)"),
    (2, r"(?:bill|receipt|document|credit\s+note)\s*(?:number|no\.?|#)"),
    (1, r"order\s*(?:id|number|no\.?|#)"),
    (1, r"(?:order|bestel)nummer|bestellnummer|commande\s*n[°º]"),
]
# A line that is only "# VALUE" (a common invoice header style).
HASH_NUMBER = r"^\s*#\s*([A-Za-z0-9][\w\-/.]*\d[\w\-/.]*)\s*$"

# Labels that introduce the invoice date; negative labels are dates of something else.
DATE_LABELS = [
    (3, r"invoice\s*date|date\s+of\s+invoice|issue\s*date|date\s+of\s+issue|billing\s+date|invoiced?\s+on"),
    (
        3,
        r"date\s+(?:de\s+(?:la\s+)?)?facture|date\s+d['’]émission|factuurdatum|rechnungsdatum|fecha\s+de\s+factura",
    ),
    (2, r"tax\s+point|ausstellungsdatum|datum\s+faktury|data\s+fattura"),
    (1, r"(?<![\w-])(?:date|datum|dated|fecha|data)(?![\w-])"),
]
DATE_NEGATIVE = (
    r"due|order|delivery|livraison|limite|[ée]ch[ée]ance|verval|f[äa]llig|ziel|lieferdatum|period|"
    r"expir|start|end|ship|bestel|payment|paiement|prélèvement|betaal|geboorte|birth"
)
# A date on the same line as an invoice-number label, after a linking word: "Facture n°1 du 2 juillet 2015".
DATE_AFTER_NUMBER = r"\b(?:du|dated|of|from|vom|van|del)\b"

# Labels that introduce the amount to pay.
TOTAL_LABELS = [
    (
        4,
        r"grand\s*total|total\s+amount\s+due|amount\s+(?:due|payable)|balance\s+due|total\s+due|total\s+to\s+pay",
    ),
    (4, r"(?:net|somme|montant|reste)\s+[àa]\s+payer|total\s+ttc|montant\s+ttc|total\s+g[ée]n[ée]ral"),
    (4, r"te\s+betalen|totaal\s+(?:incl\.?|inclusief|te\s+betalen)|gesamtbetrag|rechnungsbetrag|zahlbetrag"),
    (
        4,
        r"zu\s+zahlen|endbetrag|bruttobetrag|total\s+a\s+pagar|importe\s+total|totale\s+(?:fattura|documento)",
    ),
    (3, r"total\s*\((?:incl|inc)[^)]*\)|total\s+(?:incl\.?|including)\s+(?:vat|tax|gst)"),
    (2, r"invoice\s+total|total\s+(?:amount|invoice|facture|for\s+this\s+invoice)|montant\s+total|summe"),
    (1, r"(?<![\w-])(?:total|totaal|totale|gesamt|importe)(?![\w-])"),
]
TOTAL_NEGATIVE = (
    r"sub\s*-?\s*tota|sous[\s-]*total|\bh\.?t\.?\b|excl|exclusief|ohne|\bnet(?:to)?\b(?!\s+[àa]\s+payer)|"
    r"before\s+tax|tax\b|\bvat\b|tva\b|btw\b|mwst|ust\b|discount|remise|rabatt|qty|quantity|quantit|"
    r"items?\b|weight|poids"
)

MONTHS = {
    # English
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
    # French
    "janvier": 1,
    "février": 2,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "août": 8,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "décembre": 12,
    "decembre": 12,
    "janv": 1,
    "févr": 2,
    "fevr": 2,
    "juil": 7,
    "déc": 12,
    # Dutch
    "januari": 1,
    "februari": 2,
    "maart": 3,
    "mei": 5,
    "juni": 6,
    "juli": 7,
    "augustus": 8,
    "oktober": 10,
    "mrt": 3,
    "okt": 10,
    # German
    "januar": 1,
    "februar": 2,
    "märz": 3,
    "maerz": 3,
    "dezember": 12,
    "jän": 1,
    "jänner": 1,
    "dez": 12,
    # Spanish / Italian (common short forms)
    "enero": 1,
    "febrero": 2,
    "marzo": 3,
    "abril": 4,
    "mayo": 5,
    "junio": 6,
    "julio": 7,
    "agosto": 8,
    "septiembre": 9,
    "octubre": 10,
    "noviembre": 11,
    "diciembre": 12,
    "gennaio": 1,
    "febbraio": 2,
    "aprile": 4,
    "maggio": 5,
    "giugno": 6,
    "luglio": 7,
    "settembre": 9,
    "ottobre": 10,
    "dicembre": 12,
}

# Currency markers → ISO 4217. Longer markers are tried first.
CURRENCY_SYMBOLS = {
    "US$": "USD",
    "USD": "USD",
    "C$": "CAD",
    "CA$": "CAD",
    "A$": "AUD",
    "AU$": "AUD",
    "NZ$": "NZD",
    "HK$": "HKD",
    "S$": "SGD",
    "R$": "BRL",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "₩": "KRW",
    "₽": "RUB",
    "₺": "TRY",
    "₪": "ILS",
    "₫": "VND",
    "฿": "THB",
    "zł": "PLN",
    "Kč": "CZK",
    "$": "USD",
    "Rs.": "INR",
    "Rs": "INR",
    "INR": "INR",
    "EUR": "EUR",
    "GBP": "GBP",
    "JPY": "JPY",
    "CHF": "CHF",
    "CAD": "CAD",
    "AUD": "AUD",
    "NZD": "NZD",
    "SEK": "SEK",
    "NOK": "NOK",
    "DKK": "DKK",
    "PLN": "PLN",
    "CZK": "CZK",
    "HUF": "HUF",
    "CNY": "CNY",
    "RMB": "CNY",
    "HKD": "HKD",
    "SGD": "SGD",
    "ZAR": "ZAR",
    "BRL": "BRL",
    "MXN": "MXN",
    "RUB": "RUB",
    "TRY": "TRY",
    "KRW": "KRW",
    "AED": "AED",
    "SAR": "SAR",
}
CURRENCY_WORDS = {
    r"us\s+dollars?|u\.s\.\s+dollars?": "USD",
    r"euros?": "EUR",
    r"pounds?\s+sterling": "GBP",
    r"rupees?": "INR",
    r"yen": "JPY",
    r"swiss\s+francs?": "CHF",
}

ISSUER_LABELS = r"(?:issuer|vendor|supplier|seller|sold\s+by|from|fournisseur|leverancier|lieferant)\s*:"
COMPANY_SUFFIX = (
    r"\b(?:inc\.?|ltd\.?|limited|llc|l\.l\.c\.|gmbh|ag|b\.v\.|bv|n\.v\.|nv|sas|sarl|s\.a\.|sa|"
    r"s\.r\.l\.|srl|plc|pvt\.?|corp\.?|co\.|company|oy|ab|as|aps)(?=$|[\s,.])"
)
