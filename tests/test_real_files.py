"""The real public files in ../shared/data/real, loaded from the command line with its defaults as a new user would
(no --kind, no --role: what the loader guesses is what is tested), and every page opened on each: periods, roles and
figures checked against the files themselves (worked out here with pandas, independently of the loader), and no
error text anywhere. Oflog's peer comparison is checked against Oflog's own MEDIAN column, LGBF's against the
figures its README gives. Everything skips with a reason where ../shared is absent (a user's clone)."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from analysis import store
from analysis.load.ingest import load_frame
from analysis.kpis import definitions, peers
from tests.conftest import REPO_ROOT, real_data_file
from tests.test_page_awkward import ENGINE_WORDS, page_text

pytestmark = pytest.mark.real_data

LFB = "lfb_animal_rescue_2009_2019.csv"
NHS = "nhs_ae_attendances_2016_2019.csv"
OFLOG = "oflog_adult_social_care_2016_2023.csv"
LA311 = "la311_service_requests_2017_subset.csv"
OXFORD_2017 = "oxford_cc_expenditure_over_500_oct_dec_2017.csv"
OXFORD_2014 = "oxford_cc_expenditure_over_500_apr_jun_2014.csv"
LGBF = "lgbf_scotland_benchmarking_2007_2024.csv"
EXPLORE = [None, "pages/demand.py", "pages/performance.py", "pages/savings.py", "pages/spend.py"]
EVERY_PAGE = EXPLORE + ["pages/data.py", "pages/workshop.py"]
# File -> (dataset name, the kind the CLI guesses).
REAL_FILES = {LFB: ("lfb_animal_rescue", "records"), NHS: ("nhs_ae", "kpi"), OFLOG: ("oflog_asc", "kpi"),
              LA311: ("la311", "records"), OXFORD_2017: ("oxford_2017", "spend"),
              OXFORD_2014: ("oxford_2014", "spend"), LGBF: ("lgbf", "kpi")}


def cli_load(db, path, dataset: str, kind: str | None = None, *roles: str) -> str:
    """Load a file as the command line would; with no kind or roles, with its defaults. Returns what it printed."""
    args = [sys.executable, "-m", "analysis", "load", "--db", str(db), "--dataset", dataset]
    if kind:
        args += ["--kind", kind]
    for role in roles:
        args += ["--role", role]
    done = subprocess.run(args + [str(path)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def real_loads(tmp_path_factory):
    """Every real file loaded from the command line with its defaults: the store, and what each load printed."""
    paths = {name: real_data_file(name) for name in REAL_FILES}
    db = tmp_path_factory.mktemp("real") / "real.duckdb"
    printed = {dataset: cli_load(db, paths[name], dataset) for name, (dataset, _) in REAL_FILES.items()}
    return db, printed


@pytest.fixture(scope="module")
def real_db(real_loads):
    return real_loads[0]


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def open_clean(open_app, page, dataset):
    at = open_app(page, query_params={"dataset": dataset})
    where = f"{page or 'Overview'} on {dataset}"
    assert not at.exception, where
    assert not at.error, f"{where}: {[e.value for e in at.error]}"
    found = ENGINE_WORDS.search(page_text(at))
    assert found is None, f"{where} shows '{found.group(0)}'"
    return at


def test_lfb_animal_rescue_on_every_explore_page(real_db, monkeypatch, open_app):
    monkeypatch.setenv("STOCKTAKE_DB", str(real_db))
    raw = pd.read_csv(real_data_file(LFB), encoding="latin-1" if False else "utf-8", dtype=str)
    at = open_clean(open_app, None, "lfb_animal_rescue")
    assert metrics(at)["Rows"] == f"{len(raw):,}" == "5,898"
    assert metrics(at)["From"] == "01 Jan 2009"
    assert any("Data from 1 January 2009 to" in c.value for c in at.caption)
    at = open_clean(open_app, "pages/demand.py", "lfb_animal_rescue")
    assert metrics(at)["Records"] == "5,898"
    at = open_clean(open_app, "pages/performance.py", "lfb_animal_rescue")
    assert at.selectbox(key="pf_grain").value == "month"
    assert len(at.get("vega_lite_chart")) >= 1
    at = open_clean(open_app, "pages/savings.py", "lfb_animal_rescue")
    # Ten years of data: the latest full 12 months, nothing scaled, and the benchmark named (no lookup here).
    assert not any("scaled to a year" in w.value for w in at.warning)
    assert at.selectbox(key="sv_preset").value == "Socitm 2012 benchmark"


def test_nhs_ae_on_every_explore_page(real_db, monkeypatch, open_app):
    monkeypatch.setenv("STOCKTAKE_DB", str(real_db))
    raw = pd.read_csv(real_data_file(NHS), parse_dates=["period"])
    for page in EXPLORE:
        at = open_clean(open_app, page, "nhs_ae")
    at = open_clean(open_app, "pages/performance.py", "nhs_ae")
    latest = raw[raw["period"] == raw["period"].max()]["attendances"].mean()
    assert metrics(at)["Latest (Mar 2019)"] == definitions.format_kpi_value(latest, "number")
    assert any("Periods from April 2016 to March 2019" in c.value for c in at.caption)
    # With no measure column the KPI is called after its value column, and the chart says it averages every trust.
    assert at.selectbox(key="pf_kpi").value == "attendances"
    assert at.selectbox(key="pf_area").options[0] == "All areas" and len(at.selectbox(key="pf_area").options) > 100


def test_oflog_financial_year_is_a_period_with_its_grain(real_db):
    con = store.open_store(real_db)
    try:
        column = store.get_dataset(con, "oflog_asc").column("Financial year")
    finally:
        con.close()
    if column.type == "text" and getattr(column, "grain", None) is None:
        pytest.skip("periods such as '2016-17' are read as text until the loader's period columns (issue 11) land")
    assert (column.type, column.grain) == ("date", "financial_year")


def test_oflog_on_every_explore_page(real_db, monkeypatch, open_app):
    monkeypatch.setenv("STOCKTAKE_DB", str(real_db))
    con = store.open_store(real_db)
    try:
        period_type = store.get_dataset(con, "oflog_asc").column("Financial year").type
    finally:
        con.close()
    assert period_type == "date"  # '2016-17' and the like are periods, not text
    for page in EXPLORE:
        open_clean(open_app, page, "oflog_asc")


@pytest.fixture(scope="module")
def oflog_frame():
    raw = pd.read_csv(real_data_file(OFLOG))
    # Financial years as the loader stores them: the first day of each (1 April).
    raw["period"] = pd.to_datetime(raw["Financial year"].str[:4] + "-04-01")
    return raw


@pytest.fixture
def oflog_store(oflog_frame, tmp_path, monkeypatch):
    path = tmp_path / "oflog.duckdb"
    con = store.open_store(path)
    load_frame(con, oflog_frame[["period", "Local authority name", "Measure", "Value"]], dataset="oflog_asc",
               kind="kpi", roles={"period": "period", "Local authority name": "area", "Measure": "measure",
                                  "Value": "value"})
    monkeypatch.setenv("STOCKTAKE_DB", str(path))
    yield con
    con.close()


def test_oflog_peer_comparison_matches_oflogs_own_median(oflog_store, oflog_frame):
    measure = "Outcome, ASC Quality of Life"
    ds = store.get_dataset(oflog_store, "oflog_asc")
    assert definitions.dataset_grain(ds, oflog_store) == "financial_year"
    peer = peers.peer_comparison(oflog_store, ds, measure, "Darlington", improvement="increase")
    row = peer[peer["period"] == pd.Timestamp("2018-04-01")].iloc[0]
    oflog = oflog_frame[(oflog_frame["Measure"] == measure) & (oflog_frame["Financial year"] == "2018-19")]
    assert row["median_all"] == oflog["MEDIAN"].iloc[0] == 0.405
    assert row["of"] == oflog["Value"].notna().sum() == 151
    assert row["own_value"] == oflog.loc[oflog["Local authority name"] == "Darlington", "Value"].iloc[0]
    # A blank organisation is no peer: the file's blank names never appear.
    assert all(isinstance(a, str) and a.strip() for a in peers.organisations(oflog_store, ds))


def test_oflog_financial_years_on_the_performance_page(oflog_store, oflog_frame, open_app):
    at = open_clean(open_app, "pages/performance.py", "oflog_asc")
    assert any("Periods from 2015/16 to 2022/23 (8 years)" in c.value for c in at.caption)
    at.selectbox(key="pf_kpi").set_value("Outcome, ASC Quality of Life").run()
    at.selectbox(key="pf_bm_measure").set_value("Outcome, ASC Quality of Life").run()
    at.selectbox(key="pf_bm_own").set_value("Darlington").run()
    assert not at.exception and not at.error
    m = metrics(at)
    latest = oflog_frame[(oflog_frame["Measure"] == "Outcome, ASC Quality of Life")
                         & (oflog_frame["Financial year"] == "2022-23")]
    assert m["Median of all organisations"] == f"{latest['MEDIAN'].iloc[0]:,.2f}" == "0.41"
    assert "Rank in 2022/23" in m
    # Eight annual points at most: the short-series warning, never an error.
    assert any("points since the limits were last set" in w.value for w in at.warning)
    # With no council chosen the chart is every council's value averaged (and says so); choosing one charts its own.
    assert at.selectbox(key="pf_area").value == "All"
    assert m["Latest (2022/23)"] == f"{latest['Value'].mean():,.2f}"
    at.selectbox(key="pf_area").set_value("Darlington").run()
    assert not at.exception and not at.error
    own = latest.loc[latest["Local authority name"] == "Darlington", "Value"].iloc[0]
    assert metrics(at)["Latest (2022/23)"] == f"{own:,.2f}"


@pytest.mark.parametrize("name,kind", [(LFB, "records"), (NHS, "kpi"), (OFLOG, "kpi")])
def test_the_data_page_guesses_what_each_real_file_holds(name, kind, tmp_path):
    from analysis.load.preview import inspect_file
    from analysis.load.suggest import suggest_kind

    con = store.open_store(tmp_path / "look.duckdb")
    try:
        preview = inspect_file(con, real_data_file(name), kind="records", source_name=name)
    finally:
        con.close()
    assert suggest_kind(preview.columns) == kind



# ----- issue 18: every real file with the command line's defaults ---------------------------------------------------

def catalogue(db, dataset: str) -> store.Dataset:
    con = store.open_store(db)
    try:
        return store.get_dataset(con, dataset)
    finally:
        con.close()


def loaded(db, dataset: str) -> pd.DataFrame:
    con = store.open_store(db)
    try:
        return store.query_df(con, f"SELECT * FROM {store.quote_identifier(store.get_dataset(con, dataset).table)}")
    finally:
        con.close()


@pytest.mark.parametrize("name", list(REAL_FILES))
def test_each_real_file_is_read_as_the_kind_it_is_and_every_page_renders(real_db, monkeypatch, open_app, name):
    dataset, kind = REAL_FILES[name]
    ds = catalogue(real_db, dataset)
    assert ds.kind == kind
    monkeypatch.setenv("STOCKTAKE_DB", str(real_db))
    for page in EVERY_PAGE:
        at = open_app(page, query_params={"dataset": dataset})
        where = f"{page or 'Overview'} on {dataset}"
        assert not at.exception, where
        assert not any("Something went wrong" in e.value for e in at.error), f"{where}: {[e.value for e in at.error]}"
        found = ENGINE_WORDS.search(page_text(at))
        assert found is None, f"{where} shows '{found.group(0)}'"


def test_la311_five_days_with_the_roles_a_user_expects_never_presented_as_a_year(real_loads, monkeypatch, open_app):
    db, printed = real_loads
    raw = pd.read_csv(real_data_file(LA311), dtype=str)
    ds = catalogue(db, "la311")
    assert ds.row_count == len(raw) == 9_999
    roles = ds.roles
    assert (roles["date"], roles["closed_date"], roles["reason"], roles["channel"], roles["service"],
            roles["status"], roles["record_id"]) == ("CreatedDate", "ClosedDate", "RequestType", "RequestSource",
                                                       "Owner", "Status", "SRNumber")
    assert roles["area"] in ("CD", "NC", "NCName", "PolicePrecinct")
    assert "Read as records: guessed from its dates" in printed["la311"]
    created = pd.to_datetime(raw["CreatedDate"], format="%m/%d/%Y %I:%M:%S %p")
    frame = loaded(db, "la311")
    assert frame["CreatedDate"].min() == created.min() and frame["CreatedDate"].max() == created.max()
    monkeypatch.setenv("STOCKTAKE_DB", str(db))
    at = open_clean(open_app, None, "la311")
    assert any("Data from 27 December 2017 to 31 December 2017 (5 days)." in c.value for c in at.caption)
    assert not any(m.label.startswith("Contacts in the last 12 complete months") for m in at.metric)
    assert any("needs 12 months of data; this dataset covers 5 days" in i.value for i in at.info)
    top = raw["RequestType"].value_counts()
    at = open_clean(open_app, "pages/demand.py", "la311")
    assert metrics(at)["Records"] == f"{len(raw):,}"
    at = open_clean(open_app, "pages/performance.py", "la311")
    assert at.selectbox(key="pf_grain").value == "day"
    at = open_clean(open_app, "pages/savings.py", "la311")
    said = [e.value for e in list(at.warning) + list(at.info) + list(at.caption)]
    assert any("based on 5 days, scaled to a year: treat it as indicative" in s for s in said), said
    # The reason chart's biggest bar is the file's most common request type.
    assert top.index[0] == "Bulky Items"


def oxford_2017_frame() -> pd.DataFrame:
    raw = pd.read_csv(real_data_file(OXFORD_2017), dtype=str)
    raw["Amount"] = pd.to_numeric(raw["Amount"].str.replace(",", "").str.replace("£", ""))
    raw["Paid"] = pd.to_datetime(raw["Paid Date"], format="%d/%m/%Y")
    return raw


def test_oxford_2017_payments_dates_amounts_and_totals(real_loads, monkeypatch, open_app):
    db, printed = real_loads
    raw = oxford_2017_frame()
    ds = catalogue(db, "oxford_2017")
    assert (ds.roles["date"], ds.roles["amount"], ds.roles["service"]) == ("Paid Date", "Amount", "Service Area")
    frame = loaded(db, "oxford_2017")
    assert len(frame) == len(raw) == 3_855
    # The README's figures, worked out from the file by pandas, and the loaded table's the same.
    assert round(raw["Amount"].sum(), 2) == 17_382_055.90 == round(frame["Amount"].sum(), 2)
    credits = raw[raw["Amount"] < 0]["Amount"]
    assert (len(credits), round(credits.sum(), 2)) == (5, -114_518.92)
    by_month = raw.groupby(raw["Paid"].dt.month)["Amount"].sum().round(2).to_dict()
    assert by_month == {10: 6_260_189.14, 11: 5_574_745.12, 12: 5_547_121.64}
    loaded_by_month = frame.groupby(pd.to_datetime(frame["Paid Date"]).dt.month)["Amount"].sum().round(2).to_dict()
    assert loaded_by_month == by_month
    top = raw.groupby("Supplier Name")["Amount"].sum().sort_values(ascending=False)
    assert (top.index[0], round(top.iloc[0], 2)) == ("WILLMOTT DIXON CONSTRUCTION LTD", 2_135_625.64)
    assert frame.groupby("Supplier Name")["Amount"].sum().round(2).idxmax() == top.index[0]
    assert raw["Service Area"].nunique() == frame["Service Area"].nunique() == 16
    monkeypatch.setenv("STOCKTAKE_DB", str(db))
    at = open_clean(open_app, None, "oxford_2017")
    assert any("Data from 3 October 2017 to 27 December 2017" in c.value for c in at.caption)
    assert (metrics(at)["From"], metrics(at)["To"], metrics(at)["Rows"]) == ("03 Oct 2017", "27 Dec 2017", "3,855")
    assert metrics(at)["Services"] == "16"


def test_oxford_2014_has_no_usable_dates_and_says_so_plainly(real_loads, monkeypatch, open_app):
    db, printed = real_loads
    raw = pd.read_csv(real_data_file(OXFORD_2014), dtype=str)
    assert set(raw["Paid Date"]) == {"00:00:00"}
    assert "Warning: Column 'Paid Date': no usable dates: all 3,836 values are '00:00:00'." in printed["oxford_2014"]
    ds = catalogue(db, "oxford_2014")
    assert "date" not in ds.roles and ds.column("Paid Date").type == "text"
    assert (ds.roles["amount"], ds.roles["service"]) == ("Amount", "Organisational Unit")
    frame = loaded(db, "oxford_2014")
    amounts = pd.to_numeric(raw["Amount"].str.replace(",", ""))
    assert round(amounts.sum(), 2) == 14_165_887.28 == round(frame["Amount"].sum(), 2)
    assert ((amounts < 0).sum(), round(amounts[amounts < 0].sum(), 2)) == (13, -5_208.82)
    assert raw["Organisational Unit"].nunique() == frame["Organisational Unit"].nunique() == 19
    # Supplier names written with trailing spaces are one supplier once loaded.
    assert "WILLMOTT DIXON CONSTRUCTION LTD" + " " * 19 in set(raw["Supplier Name"])
    assert "WILLMOTT DIXON CONSTRUCTION LTD" in set(frame["Supplier Name"])
    assert not any(str(v).endswith(" ") for v in frame["Supplier Name"].dropna())
    monkeypatch.setenv("STOCKTAKE_DB", str(db))
    at = open_clean(open_app, None, "oxford_2014")
    assert any("This dataset has no usable dates, so figures over time cannot be worked out." in c.value
               for c in at.caption)
    assert metrics(at)["Rows"] == "3,836"


def test_lgbf_years_with_spans_set_apart_and_c_l01_in_2016_17(real_loads, monkeypatch, open_app):
    db, printed = real_loads
    raw = pd.read_csv(real_data_file(LGBF), dtype={"Year": str})
    raw = raw[raw["Code"].notna()]  # the last line holds only its index
    single = raw["Year"].str.match(r"^\d{4}-\d{2}$") & (
        (raw["Year"].str[5:].astype(int) - raw["Year"].str[2:4].astype(int)) % 100 == 1)
    assert (single.sum(), (~single).sum(), raw.loc[~single, "Year"].nunique()) == (31_562, 3_904, 35)
    ds = catalogue(db, "lgbf")
    assert (ds.column("Year").type, ds.column("Year").grain) == ("date", "financial_year")
    assert ds.column("Year (multi-year span)").grain == "span"
    assert (ds.roles["period"], ds.roles["measure"], ds.roles["area"], ds.roles["value"], ds.roles["national"]) == (
        "Year", "Code", "LocalAuthority", "LA_IndicatorReal", "Scotland_Indicator_Real")
    assert ds.row_count == len(raw) == 35_466
    assert "3,904 rows hold multi-year spans (35 different" in printed["lgbf"]
    frame = loaded(db, "lgbf")
    assert frame["Year"].notna().sum() == 31_562 and frame["Year (multi-year span)"].notna().sum() == 3_904
    # C&L01 in 2016-17: 32 councils, median 3.2339, Scotland 3.4353 (the README's figures, from pandas here).
    c_l01 = raw[(raw["Code"] == "C&L01") & (raw["Year"] == "2016-17")]
    assert (len(c_l01), round(c_l01["LA_IndicatorReal"].median(), 4)) == (32, 3.2339)
    assert set(c_l01["Scotland_Indicator_Real"]) == {3.4353}
    con = store.open_store(db)
    try:
        peer = peers.peer_comparison(con, ds, "C&L01", "Aberdeen City")
    finally:
        con.close()
    row = peer[peer["period"] == pd.Timestamp("2016-04-01")].iloc[0]
    assert (row["of"], round(row["median_all"], 4), round(row["national"], 4)) == (32, 3.2339, 3.4353)
    assert peer.attrs["national_label"] == "Scotland"
    monkeypatch.setenv("STOCKTAKE_DB", str(db))
    at = open_clean(open_app, "pages/performance.py", "lgbf")
    at.selectbox(key="pf_kpi").set_value("C&L01").run()
    at.selectbox(key="pf_bm_measure").set_value("C&L01").run()
    at.selectbox(key="pf_bm_own").set_value("Aberdeen City").run()
    assert not at.exception and not at.error
    latest = raw[(raw["Code"] == "C&L01") & single].sort_values("Year").iloc[-1]
    scotland = f"Scotland: {latest['Scotland_Indicator_Real']:,.2f} in {latest['Year'].replace('-', '/')}"
    assert any(c.value.startswith(scotland) for c in at.caption), (scotland, [c.value for c in at.caption])
    # A measure published only as spans is charted on its own, never with single years.
    at.selectbox(key="pf_kpi").set_value("C&L05a").run()
    assert not at.exception and not at.error
    assert any("is published as multi-year spans (10, such as '2010-14')" in i.value for i in at.info)


def test_nhs_and_oflog_defaults_are_the_roles_a_user_would_choose(real_loads):
    db, printed = real_loads
    nhs = catalogue(db, "nhs_ae")
    assert (nhs.roles["period"], nhs.roles["area"], nhs.roles["value"]) == ("period", "org_code", "attendances")
    assert nhs.column("period").grain == "month"
    assert "Column 'index': passed over as the Value: it numbers the rows" in printed["nhs_ae"]
    oflog = catalogue(db, "oflog_asc")
    assert (oflog.roles["period"], oflog.roles["area"], oflog.roles["measure"], oflog.roles["value"]) == (
        "Financial year", "Local authority name", "Measure", "Value")
    assert oflog.column("Financial year").grain == "financial_year"
