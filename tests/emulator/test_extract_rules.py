"""Extraction rules on small documents: labels, date and amount formats, currencies, languages."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extendpipe.emulator.extract import extract_invoice, find_dates, parse_amount


@pytest.mark.parametrize(
    "text, iso",
    [
        ("2024-03-05", "2024-03-05"),
        ("05/03/2024", "2024-03-05"),
        ("05.03.2024", "2024-03-05"),
        ("March 5, 2024", "2024-03-05"),
        ("5 March 2024", "2024-03-05"),
        ("05-Mar-2024", "2024-03-05"),
        ("5 mars 2024", "2024-03-05"),
        ("1er mars 2024", "2024-03-01"),
        ("5 maart 2024", "2024-03-05"),
        ("5. März 2024", "2024-03-05"),
        ("17 décembre 2023", "2023-12-17"),
        ("Aug 3 , 2014", "2014-08-03"),
        ("31/12/24", "2024-12-31"),
    ],
)
def test_date_formats(text, iso):
    assert find_dates(f"Date: {text}")[0][2] == iso


def test_ambiguous_numeric_dates_follow_the_currency():
    assert find_dates("03/05/2024")[0][2] == "2024-05-03"
    assert find_dates("03/05/2024", month_first=True)[0][2] == "2024-03-05"
    assert find_dates("12/25/2024")[0][2] == "2024-12-25"


@pytest.mark.parametrize(
    "token, value",
    [
        ("1,234.56", 1234.56),
        ("1.234,56", 1234.56),
        ("1 234,56", 1234.56),
        ("1234", 1234.0),
        ("12,5", 12.5),
        ("1'234.50", 1234.5),
        ("1,234", 1234.0),
        ("-40.00", -40.0),
        ("1.234.567,89", 1234567.89),
    ],
)
def test_amount_formats(token, value):
    assert parse_amount(token) == value


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=99))
def test_amount_round_trip_in_both_conventions(units, cents):
    english = f"{units:,}.{cents:02d}"
    european = english.replace(",", " ").replace(".", ",").replace(" ", ".")
    assert parse_amount(english) == parse_amount(european) == float(f"{units}.{cents:02d}")


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "ACME Ltd\nInvoice No: A-17\nInvoice Date: 2024-01-02\nAmount due: $1,050.00",
            ("A-17", "2024-01-02", 1050.0, "USD"),
        ),
        (
            "Dupont SARL\nFacture n° F-88\nDate : 12/02/2024\nTotal HT : 100,00 €\nTVA : 20,00 €\n"
            "Total TTC : 120,00 €",
            ("F-88", "2024-02-12", 120.0, "EUR"),
        ),
        (
            "Jansen B.V.\nFactuurnummer: 2024-0042\nFactuurdatum: 3 april 2024\nSubtotaal € 100,00\n"
            "Totaal € 121,00",
            ("2024-0042", "2024-04-03", 121.0, "EUR"),
        ),
        (
            "Schmidt GmbH\nRechnungsnummer: RE-5\nRechnungsdatum: 05.03.2024\nNettobetrag 10,00 EUR\n"
            "Gesamtbetrag 11,90 EUR",
            ("RE-5", "2024-03-05", 11.9, "EUR"),
        ),
        (
            "Shop\nOrder ID: OD-1\nDate: 2024-05-06\nGrand Total ₹ 1,499.00",
            ("OD-1", "2024-05-06", 1499.0, "INR"),
        ),
        (
            "Tea Ltd\nInvoice # 77\nDue date: 2024-02-01\nDate of issue: 2024-01-01\nTotal £12.00",
            ("77", "2024-01-01", 12.0, "GBP"),
        ),
        (
            "Firm\n993548900Factuurnummer:\n19 april 2014Factuurdatum:\nTotaal\n € 717,97",
            ("993548900", "2014-04-19", 717.97, "EUR"),
        ),
        (
            "Kaisha\nInvoice number: J-1\nDate: 2024-01-01\nTotal ¥15,004",
            ("J-1", "2024-01-01", 15004.0, "JPY"),
        ),
        ("Nothing useful here at all", (None, None, None, None)),
    ],
)
def test_documents(text, expected):
    value, metadata = extract_invoice(text)
    assert (
        value["invoice_number"],
        value["invoice_date"],
        value["total_amount"],
        value["currency"],
    ) == expected
    assert set(metadata) >= {"invoice_number", "invoice_date", "total_amount", "currency", "issuer"}
