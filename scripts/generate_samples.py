#!/usr/bin/env python3
"""Deterministic generator for the sample invoices under pipelines/samples/.

    python scripts/generate_samples.py [--out pipelines/samples]

Writes <out>/invoices/*.pdf|*.txt (PDFs via fpdf2 core fonts, latin-1 only; TXT in UTF-8)
and <out>/invoices.expected.json (ASCII JSON), keyed by the document's file name.
Output is byte-identical on every run: all data is fixed, PDF metadata uses a fixed creation
date and producer, and fpdf2's /ID is an MD5 of the content (no randomness).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from itertools import zip_longest
from pathlib import Path
from typing import Callable, Optional

FIXED_PDF_DATE = datetime(2024, 1, 1, 0, 0, 0, tzinfo=timezone.utc)
PRODUCER = "extendpipe scripts/generate_samples.py"

MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December"]
MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre"]
MONTHS_NL = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
             "september", "oktober", "november", "december"]


def fmt_date(d: date, style: str) -> str:
    return {
        "iso": d.isoformat(),                                         # 2024-03-05
        "dmy_slash": f"{d.day:02d}/{d.month:02d}/{d.year}",           # 17/03/2024 (day > 12 only)
        "dmy_dot": f"{d.day:02d}.{d.month:02d}.{d.year}",             # 17.03.2024
        "dmon": f"{d.day:02d}-{MONTHS_EN[d.month - 1][:3]}-{d.year}",  # 05-Mar-2024
        "long_en": f"{MONTHS_EN[d.month - 1]} {d.day}, {d.year}",     # March 5, 2024
        "short_en": f"{MONTHS_EN[d.month - 1][:3]} {d.day}, {d.year}",  # Mar 5, 2024
        "long_fr": f"{d.day} {MONTHS_FR[d.month - 1]} {d.year}",      # 5 mars 2024
        "long_nl": f"{d.day} {MONTHS_NL[d.month - 1]} {d.year}",      # 12 januari 2024
    }[style]


def fmt_num(v: Decimal, style: str, decimals: int) -> str:
    """en 1,234.56 | eu 1.234,56 | fr 1 234,56 | ch 1'234.56"""
    thousands, point = {"en": (",", "."), "eu": (".", ","), "fr": (" ", ","), "ch": ("'", ".")}[style]
    text = f"{v:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", point).replace("\0", thousands)


@dataclass
class Invoice:
    filename: str
    render: str                         # name of the renderer function below
    issuer: str
    number: str
    issued: date
    currency: str
    items: list[tuple[str, int, str]]   # (description, quantity, unit price)
    tax_rate: str                       # "0.20"
    date_style: str
    num_style: str = "en"
    decimals: int = 2
    due: Optional[date] = None
    refs: dict[str, str] = field(default_factory=dict)  # distractor references, label -> value

    def q(self, v: Decimal) -> Decimal:
        return v.quantize(Decimal(1).scaleb(-self.decimals), rounding=ROUND_HALF_UP)

    def lines(self) -> list[tuple[str, int, Decimal, Decimal]]:
        return [(d, n, Decimal(p), self.q(n * Decimal(p))) for d, n, p in self.items]

    @property
    def subtotal(self) -> Decimal:
        return sum((amount for *_, amount in self.lines()), Decimal(0))

    @property
    def tax(self) -> Decimal:
        return self.q(self.subtotal * Decimal(self.tax_rate))

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.tax

    def d(self, value: date) -> str:
        return fmt_date(value, self.date_style)

    def m(self, value: Decimal) -> str:
        return fmt_num(value, self.num_style, self.decimals)

    def expected(self) -> dict:
        total = int(self.total) if self.decimals == 0 else float(self.total)
        return {"issuer": self.issuer, "invoice_number": self.number,
                "invoice_date": self.issued.isoformat(), "total_amount": total, "currency": self.currency}


# ----------------------------------------------------------------------------- PDF helpers

def new_pdf(inv: Invoice, font: str = "Helvetica"):
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creation_date(FIXED_PDF_DATE)
    pdf.set_producer(PRODUCER)
    pdf.set_creator(PRODUCER)
    pdf.set_author(inv.issuer)
    pdf.set_title(f"{inv.issuer} - {inv.number}")
    pdf.set_auto_page_break(False)
    pdf.set_margins(15, 15, 15)
    pdf.add_page()
    pdf.set_font(font, size=10)
    return pdf


def text(pdf, x: float, y: float, s: str, size: float = 10, style: str = "", w: float = 0, align: str = "L"):
    pdf.set_font(size=size, style=style)
    pdf.set_xy(x, y)
    pdf.cell(w, 5, s, align=align)


def block(pdf, x: float, y: float, lines: list[str], size: float = 10, step: float = 5) -> float:
    for i, s in enumerate(lines):
        text(pdf, x, y + i * step, s, size)
    return y + len(lines) * step


def kv_block(pdf, x: float, y: float, pairs: list[tuple[str, str]], label_w: float = 40, size: float = 10) -> float:
    for i, (label, value) in enumerate(pairs):
        text(pdf, x, y + i * 5.5, label, size, "B")
        text(pdf, x + label_w, y + i * 5.5, value, size)
    return y + len(pairs) * 5.5


def table(pdf, y: float, headers: list[str], rows: list[list[str]], widths: list[float], aligns: str) -> float:
    pdf.set_xy(15, y)
    pdf.set_font(size=9, style="B")
    pdf.set_fill_color(225, 225, 225)
    for h, w, a in zip(headers, widths, aligns):
        pdf.cell(w, 7, h, border=1, align=a, fill=True)
    pdf.set_font(size=9)
    for i, row in enumerate(rows):
        pdf.set_xy(15, y + 7 + i * 6.5)
        for cell, w, a in zip(row, widths, aligns):
            pdf.cell(w, 6.5, cell, border="LR", align=a)
    end = y + 7 + len(rows) * 6.5
    pdf.line(15, end, 15 + sum(widths), end)
    return end


def totals(pdf, y: float, pairs: list[tuple[str, str]], bold_last: bool = True, x: float = 110) -> float:
    for i, (label, value) in enumerate(pairs):
        style = "B" if bold_last and i == len(pairs) - 1 else ""
        text(pdf, x, y + 2 + i * 6, label, 10, style, 45)
        text(pdf, x + 45, y + 2 + i * 6, value, 10, style, 40, "R")
    return y + 2 + len(pairs) * 6


def item_rows(inv: Invoice, with_pos: bool = False) -> list[list[str]]:
    rows = []
    for i, (desc, qty, unit, amount) in enumerate(inv.lines(), 1):
        rows.append(([str(i)] if with_pos else []) + [desc, str(qty), inv.m(unit), inv.m(amount)])
    return rows


# ----------------------------------------------------------------------------- PDF layouts

def pdf_classic_us(inv: Invoice):
    """Letterhead left, INVOICE box right, item table, totals bottom right."""
    pdf = new_pdf(inv)
    text(pdf, 15, 15, inv.issuer, 16, "B")
    block(pdf, 15, 23, ["1450 Euclid Avenue", "Cleveland, OH 44115", "Phone (216) 555-0142"], 9)
    text(pdf, 130, 15, "INVOICE", 22, "B", 65, "R")
    kv_block(pdf, 120, 28, [("Invoice No.", inv.number), ("Invoice Date", inv.d(inv.issued)),
                            ("Due Date", inv.d(inv.due))] + list(inv.refs.items()), 32, 9)
    text(pdf, 15, 62, "Bill To", 10, "B")
    block(pdf, 15, 68, ["Lakeside Fabrication LLC", "Attn: Accounts Payable", "88 Harbor Road",
                        "Erie, PA 16507"], 9)
    end = table(pdf, 96, ["Description", "Qty", "Unit Price", "Amount"],
                [[d, q, "$" + u, "$" + a] for d, q, u, a in item_rows(inv)], [95, 20, 32, 33], "LRRR")
    end = totals(pdf, end, [("Subtotal", "$" + inv.m(inv.subtotal)), ("Sales Tax 8%", "$" + inv.m(inv.tax)),
                            ("Total", "$" + inv.m(inv.total))])
    block(pdf, 15, end + 12, ["Terms: Net 30. Please include the invoice number with your payment.",
                              "Remit to: Acme Industrial Supply Inc., PO Box 7781, Cleveland, OH 44101"], 8)
    return pdf


def pdf_facture_fr(inv: Invoice):
    pdf = new_pdf(inv)
    text(pdf, 15, 15, inv.issuer, 15, "B")
    block(pdf, 15, 22, ["12 rue des Capucins", "69001 Lyon", "Tél. : 04 78 55 12 90"], 9)
    block(pdf, 120, 40, ["Hôtel Les Tilleuls", "Service comptabilité", "4 place Bellecour", "69002 Lyon"], 10)
    text(pdf, 15, 68, f"Facture n° {inv.number}", 14, "B")
    end = kv_block(pdf, 15, 77, [("Date de facture :", inv.d(inv.issued))] + list(inv.refs.items()), 42)
    end = table(pdf, end + 5, ["Désignation", "Qté", "P.U. HT", "Montant HT"],
                [[d, q, u + " EUR", a + " EUR"] for d, q, u, a in item_rows(inv)], [90, 18, 36, 36], "LRRR")
    end = totals(pdf, end, [("Total HT", inv.m(inv.subtotal) + " EUR"), ("TVA 20 %", inv.m(inv.tax) + " EUR"),
                            ("Total TTC", inv.m(inv.total) + " EUR")])
    block(pdf, 15, end + 10, [f"Date d'échéance : {inv.d(inv.due)} - paiement par virement à 30 jours.",
                              "IBAN FR76 3000 4008 2800 0123 4567 890 - BIC BNPAFRPPXXX",
                              "SARL au capital de 20 000 EUR - SIRET 812 345 678 00021 - TVA FR12812345678"], 8)
    return pdf


def pdf_factuur_nl(inv: Invoice):
    """Two columns: customer address left, invoice facts right (Coolblue-like)."""
    pdf = new_pdf(inv)
    text(pdf, 15, 15, "FACTUUR", 20, "B")
    block(pdf, 120, 26, [inv.issuer, "Oudegracht 214", "3511 NS Utrecht", "KvK 30123456",
                         "BTW NL812345678B01", "IBAN NL91 RABO 0315 2648 77"], 9)
    block(pdf, 15, 62, ["Hotel De Domtoren", "t.a.v. de administratie", "Lange Nieuwstraat 7",
                        "3512 PA Utrecht"], 10)
    kv_block(pdf, 120, 62, [("Factuurnummer:", inv.number), ("Factuurdatum:", inv.d(inv.issued))]
             + list(inv.refs.items()) + [("Vervaldatum:", inv.d(inv.due))], 33, 9)
    end = table(pdf, 102, ["Artikel", "Aantal", "Prijs per stuk", "Bedrag"],
                [[d, q, "EUR " + u, "EUR " + a] for d, q, u, a in item_rows(inv)], [90, 20, 35, 35], "LRRR")
    end = totals(pdf, end, [("Subtotaal excl. BTW", "EUR " + inv.m(inv.subtotal)),
                            ("BTW 9%", "EUR " + inv.m(inv.tax)), ("Totaal", "EUR " + inv.m(inv.total))])
    block(pdf, 15, end + 10, ["Graag binnen 14 dagen overmaken onder vermelding van het factuurnummer."], 8)
    return pdf


def pdf_rechnung_de(inv: Invoice):
    pdf = new_pdf(inv)
    text(pdf, 15, 15, inv.issuer, 15, "B")
    text(pdf, 15, 23, "Müller & Söhne GmbH - Industriestraße 12 - 70565 Stuttgart", 7)
    block(pdf, 15, 32, ["Bäckerei Hofmann KG", "Frau Petra Hofmann", "Marktplatz 3", "71032 Böblingen"], 10)
    kv_block(pdf, 120, 32, [("Rechnungsnummer:", inv.number), ("Rechnungsdatum:", inv.d(inv.issued))]
             + list(inv.refs.items()), 36, 9)
    text(pdf, 15, 66, "Rechnung", 16, "B")
    text(pdf, 15, 74, "Sehr geehrte Frau Hofmann, für unsere Leistungen berechnen wir Ihnen:", 10)
    end = table(pdf, 82, ["Pos.", "Bezeichnung", "Menge", "Einzelpreis", "Gesamt"],
                [r[:3] + [r[3] + " EUR", r[4] + " EUR"] for r in item_rows(inv, True)],
                [12, 85, 18, 32, 33], "LLRRR")
    end = totals(pdf, end, [("Nettobetrag", inv.m(inv.subtotal) + " EUR"),
                            ("zzgl. 19 % MwSt.", inv.m(inv.tax) + " EUR"),
                            ("Gesamtbetrag", inv.m(inv.total) + " EUR")])
    block(pdf, 15, end + 10, [f"Zahlbar ohne Abzug bis zum {inv.d(inv.due)}.",
                              "Bankverbindung: BW-Bank, IBAN DE89 6005 0101 0002 4711 00",
                              "Amtsgericht Stuttgart HRB 724411 - USt-IdNr. DE287654321"], 8)
    text(pdf, 15, 282, "Seite 1 von 1", 8, "", 180, "C")
    return pdf


def pdf_two_page_gb(inv: Invoice):
    """Long item list over two pages, with carried-forward subtotal and page numbers."""
    pdf = new_pdf(inv)
    first, rest = item_rows(inv)[:16], item_rows(inv)[16:]
    widths, heads = [100, 16, 32, 32], ["Description", "Qty", "Unit price", "Line total"]
    text(pdf, 15, 15, inv.issuer, 15, "B")
    block(pdf, 15, 22, ["Unit 4, Trafford Park Road", "Manchester M17 1HH", "VAT Reg. GB 284 7731 09"], 9)
    text(pdf, 130, 15, "TAX INVOICE", 16, "B", 65, "R")
    kv_block(pdf, 125, 26, [("Invoice No.:", inv.number), ("Invoice Date:", inv.d(inv.issued))]
             + list(inv.refs.items()) + [("Payment due:", inv.d(inv.due))], 30, 9)
    block(pdf, 15, 42, ["Invoice to:", "Pennine Dental Practice", "22 Market Street", "Huddersfield HD1 2EN"], 9)
    end = table(pdf, 72, heads, first, widths, "LRRR")
    carried = sum((Decimal(r[3].replace(",", "")) for r in first), Decimal(0))
    totals(pdf, end, [("Carried forward", "GBP " + inv.m(carried))], bold_last=False)
    text(pdf, 15, 282, "Page 1 of 2 - continued overleaf", 8, "", 180, "C")
    pdf.add_page()
    text(pdf, 15, 15, f"{inv.issuer} - Invoice {inv.number} (continued)", 11, "B")
    totals(pdf, 20, [("Brought forward", "GBP " + inv.m(carried))], bold_last=False)
    end = table(pdf, 32, heads, rest, widths, "LRRR")
    end = totals(pdf, end, [("Subtotal", "GBP " + inv.m(inv.subtotal)), ("VAT 20%", "GBP " + inv.m(inv.tax)),
                            ("Amount Due", "GBP " + inv.m(inv.total))])
    block(pdf, 15, end + 10, ["Bank: Barclays, sort code 20-45-77, account 43917720.",
                              "Goods remain our property until paid in full."], 8)
    text(pdf, 15, 282, "Page 2 of 2", 8, "", 180, "C")
    return pdf


def pdf_swiss_chf(inv: Invoice):
    pdf = new_pdf(inv, "Times")
    text(pdf, 15, 15, inv.issuer, 17, "B")
    block(pdf, 15, 23, ["Bahnhofstrasse 41, 8001 Zürich", "UID CHE-109.876.543 MWST"], 10)
    block(pdf, 120, 40, ["Helvetic Robotics SA", "Avenue de la Gare 10", "1003 Lausanne"], 11)
    text(pdf, 15, 62, "Invoice", 18, "B")
    end = kv_block(pdf, 15, 72, [("Invoice number:", inv.number), ("Date:", inv.d(inv.issued))]
                   + list(inv.refs.items()), 40, 11)
    end = table(pdf, end + 6, ["Service", "Units", "Rate (CHF)", "Amount (CHF)"], item_rows(inv),
                [95, 20, 32, 33], "LRRR")
    end = totals(pdf, end, [("Subtotal", "CHF " + inv.m(inv.subtotal)), ("VAT 8.1%", "CHF " + inv.m(inv.tax)),
                            ("Grand Total", "CHF " + inv.m(inv.total))])
    block(pdf, 15, end + 12, [f"Payable within 30 days, by {inv.d(inv.due)}.",
                              "IBAN CH93 0076 2011 6238 5295 7 - Zürcher Kantonalbank"], 9)
    return pdf


def pdf_courier_ca(inv: Invoice):
    """Dot-matrix style fixed-width printout in Courier."""
    pdf = new_pdf(inv, "Courier")
    lines = fixed_width_ca(inv).splitlines()
    block(pdf, 15, 15, lines, 9, 4.4)
    return pdf


def fixed_width_ca(inv: Invoice) -> str:
    left = ["SOLD TO: KENSINGTON RENOVATIONS", "         114 AUGUSTA AVE", "         TORONTO ON M5T 2L7"]
    right = [f"INVOICE #: {inv.number}", f"DATE: {inv.d(inv.issued)}"] + [f"{k}: {v}" for k, v in inv.refs.items()]
    head = [inv.issuer, f"{'2201 DUNDAS ST W':<40}{'INVOICE':>20}", "TORONTO ON M6P 1X1",
            "GST/HST REG 81234 5678 RT0001", ""]
    head += [f"{a:<36}{b:>24}".rstrip() for a, b in zip_longest(left, right, fillvalue="")]
    sep = "-" * 60
    rows = [f"{d:<28}{q:>6}{u:>12}{a:>14}" for d, q, u, a in item_rows(inv)]
    foot = [f"{'SUBTOTAL':<46}{inv.m(inv.subtotal):>14}", f"{'HST 13%':<46}{inv.m(inv.tax):>14}",
            f"{'GRAND TOTAL CAD':<46}{inv.m(inv.total):>14}", "",
            "TERMS: NET 30. 2% PER MONTH ON OVERDUE ACCOUNTS.", "THANK YOU FOR YOUR BUSINESS!"]
    return "\n".join(head + ["", sep, f"{'DESCRIPTION':<28}{'QTY':>6}{'PRICE':>12}{'AMOUNT':>14}", sep]
                     + rows + [sep] + foot) + "\n"


# ----------------------------------------------------------------------------- TXT layouts

def txt_receipt_jp(inv: Invoice) -> str:
    w = 36
    out = [s.center(w).rstrip() for s in
           [inv.issuer, "2-4-1 Ginza, Chuo-ku, Tokyo", "Tel 03-5555-0198", "Registration No. T8010401098765"]]
    out += ["=" * w,
           f"Invoice #: {inv.number}", f"Date: {inv.d(inv.issued)} 14:32", "Register 02   Staff: Tanaka", "-" * w]
    for desc, qty, unit, amount in inv.lines():
        out += [desc, f"  {qty} x ¥{inv.m(unit)}".ljust(w - 12) + f"¥{inv.m(amount)}".rjust(12)]
    cash = Decimal(20000)

    def row(label: str, v: Decimal) -> str:
        return label.ljust(w - 14) + f"¥{inv.m(v)}".rjust(14)
    out += ["-" * w, row("Subtotal", inv.subtotal), row("Consumption tax 10%", inv.tax), "=" * w,
            row("TOTAL", inv.total), "=" * w, row("Cash", cash), row("Change", cash - inv.total), "",
            "Thank you! Please come again.".center(w).rstrip()]
    return "\n".join(out) + "\n"


def txt_gst_in(inv: Invoice) -> str:
    half = inv.tax / 2
    assert half == inv.q(half), "CGST/SGST halves must be exact"
    out = ["TAX INVOICE", "", inv.issuer, "No. 44, 3rd Cross, Koramangala, Bengaluru 560034, Karnataka",
           "GSTIN: 29AAKCS4821M1Z7   PAN: AAKCS4821M", "",
           f"Invoice No: {inv.number}", f"Invoice Date: {inv.d(inv.issued)}"]
    out += [f"{k}: {v}" for k, v in inv.refs.items()]
    out += ["", "Bill To: Priya Raghavan, 17 Residency Road, Bengaluru 560025", "",
            f"{'Sl':<4}{'Description':<28}{'HSN':<10}{'Qty':>4}{'Rate':>12}{'Amount':>12}"]
    hsn = ["85044030", "85183000", "85444290", "84717020"]
    for i, (desc, qty, unit, amount) in enumerate(inv.lines()):
        out.append(f"{i + 1:<4}{desc:<28}{hsn[i]:<10}{qty:>4}{inv.m(unit):>12}{inv.m(amount):>12}")
    out += ["-" * 70] + [f"{label:<50}{'₹' + inv.m(v):>20}" for label, v in
                         [("Taxable Value", inv.subtotal), ("CGST @ 9%", half), ("SGST @ 9%", half)]]
    out += ["-" * 70, f"{'Grand Total':<50}{'₹' + inv.m(inv.total):>20}", "",
            "Whether tax is payable under reverse charge: No", "This is a computer generated invoice."]
    return "\n".join(out) + "\n"


def txt_letter_gb(inv: Invoice) -> str:
    out = [inv.issuer, "3 Abbey Square, Reading RG1 3BE", "VAT No. GB 318 5520 47", "",
           "To: Finance Department, Kestrel Housing Association, 9 Forbury Road, Reading RG1 1SB", "",
           "INVOICE", "", f"Invoice #: {inv.number}", f"Date: {inv.d(inv.issued)}"]
    out += [f"{k}: {v}" for k, v in inv.refs.items()] + [f"Payment due: {inv.d(inv.due)}", ""]
    out += [f"  {d}  ({n} x £{inv.m(u)})".ljust(58) + f"£{inv.m(a)}".rjust(12) for d, n, u, a in inv.lines()]
    out += ["", "Net total".ljust(58) + f"£{inv.m(inv.subtotal)}".rjust(12),
            "VAT at 20%".ljust(58) + f"£{inv.m(inv.tax)}".rjust(12), "",
            "Amount Due".ljust(58) + f"£{inv.m(inv.total)}".rjust(12), "",
            "Please pay by BACS to sort code 40-12-76, account 61930274, quoting the invoice number.",
            "Kind regards,", "Eleanor Marsh"]
    return "\n".join(out) + "\n"


def txt_saas_email(inv: Invoice) -> str:
    out = [inv.issuer, "", "Hi Jordan,", "",
           "Thanks for using CloudNest. Your invoice for the latest billing period is below.", "",
           f"Invoice number      {inv.number}", f"Date of issue       {inv.d(inv.issued)}",
           f"Date due            {inv.d(inv.due)}"]
    out += [f"{k:<20}{v}" for k, v in inv.refs.items()] + ["", f"{'Description':<46}{'Qty':>4}{'Amount':>12}"]
    out += [f"{d:<46}{n:>4}{'CA$' + inv.m(a):>12}" for d, n, _, a in inv.lines()]
    out += [""] + [f"{label:<50}{'CA$' + inv.m(v):>12}" for label, v in
                   [("Subtotal", inv.subtotal), ("GST (5%)", inv.tax), ("Total", inv.total)]] + ["",
            f"Amount due: CA${inv.m(inv.total)} CAD, charged to Visa ending 4242 on {inv.d(inv.due)}.", "",
            "Questions? Reply to this email or visit cloudnest.example/billing.",
            "CloudNest Software Inc., 1055 W Georgia St, Vancouver BC V6E 3P3"]
    return "\n".join(out) + "\n"


def txt_facture_fr(inv: Invoice) -> str:
    out = [inv.issuer, "27 cours de l'Intendance, 33000 Bordeaux", "SIRET 498 765 432 00017", "",
           f"FACTURE N° {inv.number}", f"Date : {inv.d(inv.issued)}", "",
           "Client : Restaurant Le Chartron, 41 quai des Chartrons, 33000 Bordeaux"]
    out += [f"{k} : {v}" for k, v in inv.refs.items()]
    out += ["", f"{'Désignation':<38}{'Qté':>5}{'PU HT':>12}{'Total HT':>14}"]
    out += [f"{d:<38}{n:>5}{inv.m(u) + ' €':>12}{inv.m(a) + ' €':>14}" for d, n, u, a in inv.lines()]
    out += ["", f"{'Total HT':<55}{inv.m(inv.subtotal) + ' €':>14}", f"{'TVA 5,5 %':<55}{inv.m(inv.tax) + ' €':>14}",
            f"{'Total TTC':<55}{inv.m(inv.total) + ' €':>14}", "",
            f"Échéance : {inv.d(inv.due)}. Pas d'escompte pour paiement anticipé.",
            "Pénalités de retard : trois fois le taux d'intérêt légal."]
    return "\n".join(out) + "\n"


def txt_two_column_us(inv: Invoice) -> str:
    left = [inv.issuer, "4800 W 47th St", "Chicago, IL 60632", "MC-884120  USDOT 2290417", "",
            "BILL TO:", "Lone Star Appliance Outlet", "2100 Commerce St", "Dallas, TX 75201"]
    right = ["", "FREIGHT INVOICE", "", f"Invoice #:      {inv.number}", f"Invoice Date:   {inv.d(inv.issued)}"]
    right += [f"{k + ':':<16}{v}" for k, v in inv.refs.items()] + [f"Due Date:       {inv.d(inv.due)}"]
    out = [f"{left[i] if i < len(left) else '':<44}{right[i] if i < len(right) else ''}".rstrip()
           for i in range(max(len(left), len(right)))]
    out += ["", f"{'CHARGE':<44}{'QTY':>5}{'RATE':>11}{'AMOUNT':>12}", "=" * 72]
    out += [f"{d:<44}{n:>5}{inv.m(u):>11}{inv.m(a):>12}" for d, n, u, a in inv.lines()]
    out += ["=" * 72, f"{'Subtotal':<56}{'$' + inv.m(inv.subtotal):>16}",
            f"{'Tax (freight exempt)':<56}{'$' + inv.m(inv.tax):>16}",
            f"{'TOTAL AMOUNT DUE (USD)':<56}{'$' + inv.m(inv.total):>16}", "",
            "Remit to: Bright Path Logistics LLC, PO Box 40021, Chicago IL 60640. Terms: Net 15."]
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- the samples

D = date
INVOICES: list[Invoice] = [
    Invoice("acme-industrial-supply.pdf", "pdf_classic_us", "Acme Industrial Supply Inc.", "INV-2024-0113",
            D(2024, 3, 5), "USD",
            [("Hex bolt M8 x 40, box of 100", 12, "18.75"), ("Cordless drill 18V", 3, "149.00"),
             ("Safety gloves, pair", 40, "4.35"), ("Steel shelving unit 5-tier", 2, "389.90")],
            "0.08", "long_en", due=D(2024, 4, 4), refs={"PO Number": "PO-77812", "Customer ID": "C-20931"}),
    Invoice("atelier-lumiere-facture.pdf", "pdf_facture_fr", "Atelier Lumière SARL", "F-2024-0457",
            D(2024, 3, 8), "EUR",
            [("Lampe suspension laiton", 4, "289.00"), ("Applique murale opaline", 6, "134.50"),
             ("Pose et raccordement (heure)", 9, "65.00")],
            "0.20", "long_fr", "fr", due=D(2024, 4, 7),
            refs={"N° client :": "CL-3391", "Bon de commande :": "BC 55120"}),
    Invoice("bakkerij-van-dijk-factuur.pdf", "pdf_factuur_nl", "Bakkerij Van Dijk B.V.", "240112-0387",
            D(2024, 1, 12), "EUR",
            [("Desembrood volkoren", 24, "4.95"), ("Appeltaart groot", 6, "18.50"),
             ("Stroopwafels (doos 40 st.)", 10, "12.75"), ("Catering koffietafel p.p.", 85, "9.80")],
            "0.09", "long_nl", "eu", due=D(2024, 1, 26),
            refs={"Klantnummer:": "55821", "Ordernummer:": "9912034", "Orderdatum:": "9 januari 2024"}),
    Invoice("mueller-soehne-rechnung.pdf", "pdf_rechnung_de", "Müller & Söhne GmbH", "RE-2024-03117",
            D(2024, 3, 17), "EUR",
            [("Industriereiniger 10 l", 8, "42.90"), ("Mikrofasertücher 50er Pack", 15, "23.40"),
             ("Wartung Reinigungsautomat", 1, "680.00"), ("Anfahrtspauschale", 1, "45.00")],
            "0.19", "dmy_dot", "eu", due=D(2024, 3, 31),
            refs={"Kundennummer:": "100482", "Auftragsnummer:": "A-88231", "Lieferdatum:": "14.03.2024"}),
    Invoice("northwind-office-two-page.pdf", "pdf_two_page_gb", "Northwind Office Supplies Ltd", "NW-58214",
            D(2024, 2, 27), "GBP",
            [("A4 copier paper 80gsm (box of 5 reams)", 10, "21.99"), ("Ballpoint pens blue (pack of 50)", 4, "8.49"),
             ("Gel pens black (pack of 12)", 6, "5.75"), ("Highlighters assorted (pack of 6)", 5, "3.99"),
             ("Lever arch files A4 (pack of 10)", 3, "24.50"), ("Ring binders 2-ring A4 (pack of 10)", 2, "12.80"),
             ("Sticky notes 76x76 (pack of 12)", 8, "6.25"), ("Stapler full strip", 2, "11.40"),
             ("Staples 26/6 (box of 5000)", 6, "2.15"), ("Hole punch 2-hole", 2, "9.95"),
             ("Desk organiser mesh", 4, "14.60"), ("Whiteboard markers (pack of 4)", 10, "4.30"),
             ("Whiteboard 900x600 magnetic", 1, "68.00"), ("Envelopes DL white (box of 500)", 3, "17.90"),
             ("Envelopes C4 brown (box of 250)", 2, "22.40"), ("Printer toner HP 59A black", 3, "89.99"),
             ("Printer toner HP 207A colour set", 1, "214.50"), ("Laminating pouches A4 (pack of 100)", 2, "13.75"),
             ("Cable ties (bag of 100)", 5, "2.60"), ("Scissors 210mm", 6, "3.45"), ("Desk chair mat", 1, "49.95"),
             ("Ergonomic footrest", 2, "32.00"), ("Monitor riser", 3, "27.80"),
             ("Archive boxes (pack of 10)", 4, "19.99")],
            "0.20", "dmon", due=D(2024, 3, 28), refs={"Account No.:": "ACC-00912", "Your order ref:": "PO/4471"}),
    Invoice("alpenblick-treuhand-chf.pdf", "pdf_swiss_chf", "Alpenblick Treuhand AG", "CH-24-00118",
            D(2024, 4, 22), "CHF",
            [("Bookkeeping Q1 2024 (hours)", 14, "165.00"), ("VAT return Q1 2024", 1, "450.00"),
             ("Payroll processing, per month", 3, "240.00")],
            "0.081", "iso", "ch", due=D(2024, 5, 22), refs={"Client no.:": "4410", "Mandate:": "M-2019-031"}),
    Invoice("maple-leaf-hardware.pdf", "pdf_courier_ca", "Maple Leaf Hardware Co.", "ML-004471",
            D(2024, 1, 31), "CAD",
            [("2X4 SPF STUD 8FT", 120, "4.89"), ("DRYWALL 1/2IN 4X8", 40, "17.45"),
             ("JOINT COMPOUND 17L", 6, "24.99"), ("DECK SCREWS 3IN 5LB", 10, "38.50")],
            "0.13", "iso", refs={"CUST #": "88-1204", "ORDER #": "771203", "SHIP DATE": "2024-01-29"}),
    Invoice("sakura-stationery-receipt.txt", "txt_receipt_jp", "Sakura Stationery Co., Ltd.", "R-0209-0042",
            D(2024, 2, 9), "JPY", [("Fountain pen M nib", 1, "8800"), ("Notebook A5 dot grid", 4, "550"),
                                   ("Ink bottle 50ml", 2, "1320")], "0.10", "iso", decimals=0),
    Invoice("sharma-electronics-gst.txt", "txt_gst_in", "Sharma Electronics Pvt. Ltd.", "SE/23-24/0981",
            D(2024, 2, 14), "INR", [("USB-C charger 65W", 2, "2499.00"), ("Bluetooth headphones", 1, "5999.00"),
                                    ("HDMI cable 2m", 3, "449.00")],
            "0.18", "dmon", refs={"Order ID": "OD4312987712", "Place of Supply": "Karnataka (29)"}),
    Invoice("thames-valley-consulting.txt", "txt_letter_gb", "Thames Valley Consulting Ltd", "TVC-1187",
            D(2024, 1, 23), "GBP", [("Strategy workshop (day rate)", 2, "1250.00"), ("Follow-up report", 1, "850.00"),
                                    ("Travel expenses", 1, "186.40")],
            "0.20", "dmy_slash", due=D(2024, 2, 22), refs={"Client ref": "KHA-07", "Purchase order": "45002913"}),
    Invoice("cloudnest-saas-invoice.txt", "txt_saas_email", "CloudNest Software Inc.", "CN-7F3A-0042",
            D(2024, 2, 29), "CAD", [("Team plan, per seat (Feb 1 - Feb 29, 2024)", 12, "24.00"),
                                    ("Additional storage 500 GB", 1, "45.00")],
            "0.05", "long_en", due=D(2024, 3, 14), refs={"Customer number": "cus_0193", "Receipt number": "2291-5530"}),
    Invoice("boulangerie-martin-facture.txt", "txt_facture_fr", "Boulangerie-Pâtisserie Martin", "FB-1042",
            D(2024, 2, 18), "EUR", [("Baguettes tradition (lot de 50)", 12, "47.50"),
                                    ("Croissants pur beurre (lot de 60)", 8, "54.00"),
                                    ("Pièce montée 40 parts", 1, "260.00")],
            "0.055", "long_fr", "fr", due=D(2024, 3, 19), refs={"N° client": "0457", "Commande du": "15 février 2024"}),
    Invoice("bright-path-freight.txt", "txt_two_column_us", "Bright Path Logistics LLC", "BPL-240315-07",
            D(2024, 3, 15), "USD", [("Linehaul Chicago IL -> Dallas TX", 1, "2350.00"), ("Fuel surcharge", 1, "387.75"),
                                    ("Liftgate delivery", 2, "95.00"), ("Detention time (hours)", 3, "75.00")],
            "0", "short_en", due=D(2024, 3, 30),
            refs={"BOL #": "CHI-5589201", "PRO #": "7730015562", "Ship Date": "Mar 11, 2024"}),
]

RENDERERS: dict[str, Callable] = {name: fn for name, fn in globals().items() if name.startswith(("pdf_", "txt_"))}


def write(inv: Invoice, folder: Path) -> None:
    result = RENDERERS[inv.render](inv)
    path = folder / inv.filename
    if isinstance(result, str):
        path.write_bytes(result.encode("utf-8"))
    else:
        path.write_bytes(bytes(result.output()))


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "pipelines" / "samples")
    args = parser.parse_args(argv)
    folder = args.out / "invoices"
    folder.mkdir(parents=True, exist_ok=True)
    expected = {}
    for inv in INVOICES:
        write(inv, folder)
        expected[inv.filename] = inv.expected()
    (args.out / "invoices.expected.json").write_bytes(
        (json.dumps(expected, indent=2, sort_keys=True) + "\n").encode("utf-8"))
    stale = sorted(p.name for p in folder.iterdir() if p.name not in {i.filename for i in INVOICES})
    if stale:
        print(f"warning: {folder} holds files this generator did not write: {', '.join(stale)}", file=sys.stderr)
    print(f"wrote {len(INVOICES)} invoices and invoices.expected.json to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
