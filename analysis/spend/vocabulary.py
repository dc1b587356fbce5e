"""The spending dataset kind: payments or transactions, as every English council publishes them each month (Local
Government Transparency Code 2015: date, amount, supplier, expenditure category, service) and as a finance system
exports them.

Its roles, their labels and the header words that suggest each are here, with no import from ``analysis``, so that
``analysis.roles`` (the vocabulary of every kind) takes them in. The payment date is the role ``date`` and the service
the role ``service``, as in records, so the one filter object, the coverage sentence and the period grammar serve
spending unchanged.
"""

from __future__ import annotations

import re
from typing import Sequence

SPEND = "spend"
KIND_LABEL = "Spending (payments: date, amount, supplier, category, service)"
KIND_NAME = "Spending"

# Role -> plain label shown on the Data page, in the order the page lists them.
SPEND_ROLES = {
    "date": "Payment date",
    "amount": "Amount (£)",
    "service": "Service",  # or directorate, department…
    "category": "Expenditure category",
    "supplier": "Supplier",
    "cost_centre": "Cost centre",
    "capital_revenue": "Capital or revenue",
    "transaction_id": "Transaction id",
    "total": "Marks total rows (left out of sums)",
}
NUMBER_ROLES = {"amount"}

# Header words that suggest each role (compared as ``analysis.roles.header_words`` writes headers; a longer match is
# the more specific). The Transparency Code's own headers first, then the variants councils and finance systems use.
SPEND_HINTS = [
    ("date", ("paid date", "payment date", "date paid", "date of payment", "transaction date", "posting date",
              "invoice date", "date", "paid")),
    ("amount", ("amount", "net amount", "amount paid", "payment amount", "transaction amount", "net value",
                "amount £", "total amount", "gross amount", "value", "£", "spend", "amount excl vat", "net")),
    ("supplier", ("supplier name", "supplier", "beneficiary", "payee", "vendor name", "vendor", "creditor name",
                  "creditor", "merchant name", "merchant", "recipient", "contractor", "company name")),
    ("category", ("expenditure category", "expense type", "expenditure type", "category", "purpose",
                  "subjective description", "account description", "expense area", "cost category",
                  "purchase category", "merchant category", "description", "subjective")),
    ("service", ("service area", "service", "directorate", "department", "organisational unit",
                 "organizational unit", "service division", "division", "portfolio", "business unit",
                 "service label", "responsible unit")),
    ("cost_centre", ("cost centre", "cost center", "cost centre code", "cost centre name", "cost code",
                     "responsibility centre")),
    ("capital_revenue", ("capital revenue", "revenue capital", "capital or revenue", "type of expenditure",
                         "capital", "revenue", "cap rev", "type")),
    ("transaction_id", ("trans no", "transaction number", "transaction no", "transaction id", "transaction ref",
                        "transaction reference", "payment reference", "payment number", "payment id",
                        "invoice number", "document number", "reference")),
]

# Words that name whom a payment went to: with an amount, they say a file is payments, not records of contacts.
SUPPLIER_WORDS = ("supplier", "beneficiary", "payee", "vendor", "creditor", "merchant", "recipient")
AMOUNT_WORDS = ("amount", "value", "£", "spend", "net", "gross", "paid")
CAPITAL_REVENUE_VALUES = {"capital", "revenue"}


def _words(header: str) -> str:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", str(header))
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9£]+", " ", spaced.lower())).strip()


def looks_like_spending(columns: Sequence) -> bool:
    """True when a file's headers name a supplier (or payee, beneficiary…) and a column is headed as an amount: a
    payments file, whatever else it holds. ``columns`` have ``name`` and ``type`` (``ColumnProfile``)."""
    headers = [(_words(c.name).split(), c.type) for c in columns]
    supplier = any(any(w in words for w in SUPPLIER_WORDS) for words, _ in headers)
    # Any type: an amount column with text among its numbers ('TBC') is kept as text, and is still the amounts.
    amount = any(kind not in ("date", "timestamp") and any(w in words for w in AMOUNT_WORDS) and "vat" not in words
                 for words, kind in headers)
    return supplier and amount


def capital_revenue_hint(values: Sequence[str]) -> bool:
    """True when a text column's values are 'Capital' and 'Revenue' (the 2014 Oxford file calls it 'Type')."""
    filled = {str(v).strip().lower() for v in values if v and str(v).strip()}
    return bool(filled) and filled <= CAPITAL_REVENUE_VALUES
