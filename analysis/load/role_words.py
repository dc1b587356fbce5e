"""The words that suggest a column's role: header words per kind of dataset (a longer match is a more specific
one), header words that rule a role out, and the values that name a column when its header does not. Read by
``analysis.load.suggest``; a new role's words go here."""

from __future__ import annotations

from analysis.roles import KPI, LOOKUP, RECORDS, SPEND
from analysis.spend import vocabulary as spending

# Header words that say a date column records when something happened (a payment, a request): among several date
# columns, the one named so is the date received ('Paid Date' before 'Effective Date').
EVENT_WORDS = ("paid", "payment", "received", "created", "raised", "reported", "logged", "opened", "submitted",
               "call", "incident", "request", "occurred", "made", "transaction", "invoice")
# Header words that say a number is a tax or part of an amount, not the amount (a payments file's 'Irrecoverable VAT
# Amount' is not its cost): never the cost or value.
NOT_AMOUNT_WORDS = ("vat", "tax", "irrecoverable", "recoverable", "duty")

# Words in a header that suggest a role. Headers are compared lower-cased, with camelCase and punctuation turned into
# spaces ("RequestType" -> "request type"); a longer match is a more specific one, so "Contact type" is a channel
# before it is a reason, and "IncidentNotionalCost(£)" is the cost before "HourlyNotionalCost(£)".
ROLE_HINTS = {
    RECORDS: [
        ("closed_date", ("closed", "completed", "resolved", "close date", "date closed", "end date")),
        ("date", ("datetimeofcall", "date", "received", "created", "opened", "logged", "time of call", "timestamp",
                  "paid date", "payment date", "date paid", "date of payment", "received date", "date received",
                  "created date", "date created", "date raised", "raised date", "date reported", "reported date",
                  "request date", "incident date")),
        ("handling_minutes", ("handling", "minutes", "duration", "mins")),
        ("cost", ("incident cost", "incidentnotionalcost", "case cost", "total cost", "cost", "£", "amount", "spend",
                  "net amount", "amount paid", "payment amount", "gross amount", "total amount", "transaction amount",
                  "value")),
        ("customer_id", ("customer", "caller", "resident", "client", "person id", "uprn person", "applicant",
                         "requester", "complainant")),
        ("property_id", ("property id", "uprn", "property ref", "address id")),
        ("record_id", ("incidentnumber", "incident number", "case id", "contact id", "reference", "ref", "id",
                       "unique key", "request id", "case number", "request number", "request no", "sr number",
                       "case no", "ref no", "reference number", "ticket", "trans no", "transaction number")),
        ("service", ("service", "department", "directorate", "owner", "agency", "team", "service area",
                     "organisational unit", "organizational unit", "business unit", "cost centre", "cost center",
                     "service division")),
        ("reason", ("reason", "animalgroupparent", "category", "type of enquiry", "enquiry", "subject", "topic",
                    "request type", "complaint type", "problem", "issue", "type", "descriptor")),
        ("channel", ("channel", "originofcall", "origin", "source", "method", "contact type", "contact method",
                     "open data channel type", "how received")),
        ("area", ("ward", "borough", "area", "district", "council district", "postcode sector", "locality",
                  "postcode", "neighbourhood", "community board", "neighborhood", "precinct")),
        ("status", ("status", "state", "outcome")),
    ],
    KPI: [
        ("period", ("period", "month", "date", "week", "quarter", "year", "financial year", "academic year")),
        ("target", ("target", "standard", "goal")),
        ("measure", ("measure", "kpi", "indicator", "metric", "code")),
        ("value", ("value", "actual", "result", "score", "indicator", "amount", "count", "number", "rate")),
        ("service", ("service", "department", "directorate")),
        ("area", ("area", "ward", "borough", "org", "provider", "local authority", "council", "authority",
                  "organisation", "organization", "health board", "board", "trust", "region", "hscp", "la", "org code",
                  "organisation code", "provider code", "trust code", "area code", "la code", "board code")),
        ("national", ("scotland", "england", "wales", "national", "uk", "country", "nation", "national average")),
    ],
    LOOKUP: [
        ("population", ("population", "residents", "pop")),
        ("unit_cost", ("unit cost", "cost", "£")),
        ("demand_type", ("demand type", "classification", "failure", "class")),
        ("source", ("source", "reference")),
        ("area", ("ward", "area", "borough", "district")),
        ("channel", ("channel",)),
        ("reason", ("reason",)),
        ("service", ("service",)),
    ],
    SPEND: spending.SPEND_HINTS,
}

# Header words that say a column is about someone other than the customer (a supplier is paid, not served).
NOT_CUSTOMER_WORDS = ("supplier", "vendor", "creditor", "payee", "merchant", "contractor", "company", "agent", "staff",
                      "officer", "employee", "user")

# Values that name a column when its header does not (a channel, a status, an area code).
CHANNEL_VALUES = {"phone", "telephone", "tel", "call", "web", "website", "online", "web form", "webform", "email",
                  "e-mail", "face to face", "face-to-face", "in person", "walk in", "letter", "post", "app",
                  "mobile app", "social media", "webchat", "web chat", "chat", "text", "sms", "mobile", "portal",
                  "self service", "self-service", "unknown", "other"}
STATUS_VALUES = {"open", "closed", "resolved", "pending", "in progress", "completed", "complete", "cancelled",
                 "canceled", "new", "assigned", "on hold", "started", "unresolved", "withdrawn", "rejected"}
# UK postcode districts and sectors ("SW1A", "N7 9"), and ONS codes of wards and local authorities ("E05000026").
AREA_VALUE_PATTERNS = (r"[A-Z]{1,2}\d[A-Z\d]?( \d[A-Z]{0,2})?", r"[EWSN]\d{8}")
