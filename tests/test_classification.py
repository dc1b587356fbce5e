"""Tests for analysis.classification: reading, saving and bringing your own failure/value classification."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from analysis import classification, store
from analysis.errors import StocktakeError
from analysis.load.ingest import load_frame


@pytest.fixture
def con(tmp_path):
    con = store.open_store(tmp_path / "t.duckdb")
    records = pd.DataFrame({
        "received": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"]),
        "svc": ["Repairs", "Repairs", "Waste", "Waste", "Repairs"],
        "why": ["Chasing", "New repair", "Chasing", "Missed bin", "Chasing"],
    })
    load_frame(con, records, dataset="calls", kind="records",
               roles={"received": "date", "svc": "service", "why": "reason"})
    yield con
    con.close()


def test_unclassified_when_no_lookup(con):
    frame = classification.classification_frame(con, store.get_dataset(con, "calls"))
    assert list(frame.columns) == ["service", "reason", "demand_type"]
    assert frame[["service", "reason"]].values.tolist() == [
        ["Repairs", "Chasing"], ["Repairs", "New repair"], ["Waste", "Chasing"], ["Waste", "Missed bin"]]
    assert set(frame["demand_type"]) == {"unclassified"}


def test_reads_lookup_by_service_and_reason(con):
    lookup = pd.DataFrame({"Service": ["Repairs", "Waste"], "Reason": ["Chasing", "Missed bin"],
                           "Type": ["failure", "Value"]})
    load_frame(con, lookup, dataset="calls_classification", kind="lookup",
               roles={"Service": "service", "Reason": "reason", "Type": "demand_type"})
    frame = classification.classification_frame(con, store.get_dataset(con, "calls"))
    got = {(s, r): t for s, r, t in frame.values.tolist()}
    assert got == {("Repairs", "Chasing"): "failure", ("Repairs", "New repair"): "unclassified",
                   ("Waste", "Chasing"): "unclassified", ("Waste", "Missed bin"): "value"}


def test_lookup_without_service_applies_to_every_service(con):
    lookup = pd.DataFrame({"reason": ["Chasing"], "demand_type": ["failure"]})
    load_frame(con, lookup, dataset="calls_classification", kind="lookup",
               roles={"reason": "reason", "demand_type": "demand_type"})
    frame = classification.classification_frame(con, store.get_dataset(con, "calls"))
    assert frame.loc[frame["reason"] == "Chasing", "demand_type"].tolist() == ["failure", "failure"]
    assert frame.loc[frame["reason"] != "Chasing", "demand_type"].tolist() == ["unclassified", "unclassified"]


def test_records_without_service_give_one_row_per_reason(tmp_path):
    con = store.open_store(tmp_path / "n.duckdb")
    load_frame(con, pd.DataFrame({"d": pd.to_datetime(["2024-01-01"] * 3), "r": ["A", "B", "A"]}),
               dataset="x", kind="records", roles={"d": "date", "r": "reason"})
    lookup = pd.DataFrame({"service": ["S1", "S2", "S3"], "reason": ["A", "A", "A"],
                           "demand_type": ["failure", "value", "failure"]})
    load_frame(con, lookup, dataset="x_classification", kind="lookup",
               roles={"service": "service", "reason": "reason", "demand_type": "demand_type"})
    frame = classification.classification_frame(con, store.get_dataset(con, "x"))
    assert frame["reason"].tolist() == ["A", "B"]
    assert frame["service"].isna().all()
    # A classified differently across services: the most common type wins.
    assert frame["demand_type"].tolist() == ["failure", "unclassified"]


def test_save_then_read_back_and_version_bumps(con):
    ds = store.get_dataset(con, "calls")
    frame = classification.classification_frame(con, ds)
    frame.loc[frame["reason"] == "Chasing", "demand_type"] = "failure"
    frame.loc[frame["reason"] == "New repair", "demand_type"] = "value"
    v1 = classification.save_classification(con, ds, frame)
    again = classification.classification_frame(con, ds)
    assert again["demand_type"].tolist() == ["failure", "value", "failure", "unclassified"]
    lookup = store.get_dataset(con, "calls_classification")
    assert lookup.kind == "lookup"
    assert lookup.roles == {"service": "service", "reason": "reason", "demand_type": "demand_type"}
    frame.loc[frame["reason"] == "Missed bin", "demand_type"] = "failure"
    v2 = classification.save_classification(con, ds, frame)
    assert v2 > v1
    assert classification.classification_frame(con, ds)["demand_type"].tolist() == [
        "failure", "value", "failure", "failure"]


def test_save_rejects_bad_type_and_keeps_previous(con):
    ds = store.get_dataset(con, "calls")
    frame = classification.classification_frame(con, ds)
    frame["demand_type"] = "value"
    classification.save_classification(con, ds, frame)
    frame.loc[0, "demand_type"] = "maybe"
    with pytest.raises(StocktakeError, match="row 2: 'maybe'"):
        classification.save_classification(con, ds, frame)
    assert set(classification.classification_frame(con, ds)["demand_type"]) == {"value"}


def test_read_file_with_loose_headers_and_synonyms():
    csv = "Service,Reason for contact,Demand Type\nRepairs,Chasing,Failure demand\n,Missed bin,V\nWaste,New,\n"
    frame = classification.read_classification_file(io.BytesIO(csv.encode()), filename="mine.csv")
    assert frame.values.tolist() == [["Repairs", "Chasing", "failure"], [None, "Missed bin", "value"],
                                     ["Waste", "New", "unclassified"]]


def test_read_file_errors_are_plain():
    with pytest.raises(StocktakeError, match="has no 'Demand type' column"):
        classification.read_classification_file(io.BytesIO(b"Reason,Kind\nA,failure\n"), filename="a.csv")
    with pytest.raises(StocktakeError, match=r"1 rows; row 3: 'often'"):
        classification.read_classification_file(io.BytesIO(b"Reason,Type\nA,failure\nB,often\n"), filename="a.csv")
    with pytest.raises(StocktakeError, match="reason 'A' more than one demand type"):
        classification.read_classification_file(io.BytesIO(b"Reason,Type\nA,failure\nA,value\n"), filename="a.csv")
    with pytest.raises(StocktakeError, match="no reason"):
        classification.read_classification_file(io.BytesIO(b"Reason,Type\n,failure\n"), filename="a.csv")


def test_merge_user_file_onto_current(con):
    ds = store.get_dataset(con, "calls")
    current = classification.classification_frame(con, ds)
    incoming = classification.validate_classification(pd.DataFrame({
        "reason": ["Chasing", "Missed bin", "Not seen"], "service": [None, "Waste", "Waste"],
        "demand_type": ["failure", "value", "value"]}))
    merged = classification.merge_classification(current, incoming)
    assert merged["demand_type"].tolist() == ["failure", "unclassified", "failure", "value"]
    assert len(merged) == 4  # the reason not seen in the records is not added


def test_missing_reason_role_says_which_role(tmp_path):
    con = store.open_store(tmp_path / "r.duckdb")
    load_frame(con, pd.DataFrame({"d": pd.to_datetime(["2024-01-01"])}), dataset="y", kind="records",
               roles={"d": "date"})
    with pytest.raises(StocktakeError, match="role 'Reason'"):
        classification.classification_frame(con, store.get_dataset(con, "y"))
