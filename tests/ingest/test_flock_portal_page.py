"""Flock transparency-portal page (saved HTML): the three real captures, label variants,
pages with cards left out, the embedded search-audit CSV, broken input."""

from __future__ import annotations

import base64
import datetime as dt
import urllib.parse
from pathlib import Path

import pytest

from alpr_audit.core.errors import IngestError, UnknownFormatError
from alpr_audit.ingest.formats.flock.portal_audit import FlockPortalAuditImporter
from alpr_audit.ingest.formats.flock.portal_page import (
    FlockPortalPageImporter,
    decode_data_uri,
    partner_markers,
)
from alpr_audit.ingest.formats.flock.portal_parse import (
    classify_label,
    parse_count,
    parse_page,
    split_names,
)
from alpr_audit.ingest.pipeline import ingest_file
from alpr_audit.store import Store
from fixturekit import fixture_file

PAGE = [FlockPortalPageImporter()]


def ingest(store: Store, path: Path, **kw):  # noqa: ANN201
    r = ingest_file(store, path, importers=PAGE, **kw)
    assert r.rows_read == r.rows_loaded + r.rows_rejected + r.rows_duplicate
    return r


def one(store: Store, sql: str) -> dict:
    rows = store.query(sql)
    assert len(rows) == 1, rows
    return rows[0]


def tables_of(store: Store, source_id: str) -> dict:
    import json
    return json.loads(one(store, f"SELECT details FROM sources WHERE source_id = '{source_id}'")
                      ["details"]).get("tables", {})


# --- the real captures -----------------------------------------------------------------------

# file → (agency, captured_on, last_updated, retention, cameras, vehicles, hits, searches,
#         hotlists, partners out, partners in, embedded search rows)
FIXTURES = {
    "portal/flock-portal_alameda-ca-pd_2026-04-19.html": (
        "Alameda CA PD", dt.date(2026, 4, 19), dt.date(2026, 4, 19), 30, 36, 508_706, 5_087, 207,
        ["California SVS", "NCMEC Amber Alert"], 0, None, 207),
    "portal/flock-portal_los-altos-ca-pd_2026-04-26.html": (
        "Los Altos CA PD", dt.date(2026, 4, 26), dt.date(2026, 4, 26), 30, 19, 355_860, 697, 126,
        ["California SVS", "NCMEC Amber Alert"], 39, None, None),
    "portal/flock-portal_oakland-ca-pd_2026-04-28.html": (
        "Oakland CA PD", dt.date(2026, 4, 28), dt.date(2026, 4, 27), 30, 293, 1_488_862, 111_268,
        2_162, ["California SVS", "NCMEC Amber Alert", "Custom Hot Lists"], None, None, 2_162),
}


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_real_capture_gives_exact_figures(store: Store, name: str) -> None:
    (agency, captured, updated, retention, cameras, vehicles, hits, searches, hotlists,
     n_out, n_in, n_rows) = FIXTURES[name]
    path = fixture_file(name)
    r = ingest(store, path)
    assert (r.format, r.status, r.rows_rejected, r.rows_duplicate) == (
        "flock_portal_page", "ingested", 0, 0)
    assert r.rows_read == 1 + (n_out or 0) + (n_in or 0) + (n_rows or 0)
    assert r.log_kind == ("portal_audit" if n_rows is not None else None)
    snap = one(store, "SELECT * FROM portal_snapshots")
    agency_id = agency.lower().replace(" ", "-")
    assert (snap["agency_name_raw"], snap["agency_id"], r.publisher_agency_id) == (
        agency, agency_id, agency_id)
    assert (snap["captured_on"], snap["last_updated"]) == (captured, updated)
    assert (snap["retention_days"], snap["camera_count"], snap["vehicles_30d"], snap["hits_30d"],
            snap["searches_30d"]) == (retention, cameras, vehicles, hits, searches)
    assert snap["hotlists"] == hotlists
    assert snap["locator"] == "page"
    for col in ("what_detected", "what_not_detected", "acceptable_use", "prohibited_uses",
                "access_policy", "hotlist_policy"):
        text = snap[col]
        assert text and text == " ".join(text.split()), col  # plain, whitespace normalised
    # the stages the page's structure has, even when empty (Alameda: "None: … does not share")
    staged = set(tables_of(store, r.source_id))
    assert staged == {"portal_snapshots"} | ({"sharing"} if n_out is not None else set()) \
        | ({"searches"} if n_rows is not None else set())
    got = one(store, "SELECT count(*) FILTER (direction = 'out') AS o, "
                     "count(*) FILTER (direction = 'in') AS i FROM sharing")
    assert (got["o"], got["i"]) == (n_out or 0, n_in or 0)
    assert one(store, "SELECT count(*) AS n FROM searches")["n"] == (n_rows or 0)
    # the same bytes again change nothing
    again = ingest_file(store, path, importers=PAGE)
    assert again.status == "already_ingested"
    assert one(store, "SELECT count(*) AS n FROM portal_snapshots")["n"] == 1


def test_alameda_texts_links_and_no_sharing(store: Store) -> None:
    ingest(store, fixture_file("portal/flock-portal_alameda-ca-pd_2026-04-19.html"))
    snap = one(store, "SELECT * FROM portal_snapshots")
    assert snap["what_detected"] == "License Plates, Vehicles"
    assert snap["what_not_detected"] == "Facial recognition, People, Gender, Race"
    assert snap["access_policy"] == "All system access requires a valid reason and is stored indefinitely."
    assert snap["hotlist_policy"] == "Hotlist hits are required to be human verified prior to action."
    assert snap["prohibited_uses"].startswith("Immigration enforcement, traffic enforcement")
    assert snap["policy_links"] == [
        "https://www.alamedaca.gov/files/assets/public/departments/alameda/police/fixed-alpr-policy.pdf"]
    assert store.query("SELECT * FROM sharing") == []


def test_los_altos_outbound_partners_as_written(store: Store) -> None:
    ingest(store, fixture_file("portal/flock-portal_los-altos-ca-pd_2026-04-26.html"))
    rows = store.query("SELECT * FROM sharing ORDER BY locator")
    assert len(rows) == 39
    assert {(r["direction"], r["data_kind"], r["observed_on"]) for r in rows} == {
        ("out", "detections", dt.date(2026, 4, 26))}
    by_name = {r["partner_name_raw"]: r for r in rows}
    # a name with a comma inside stays one partner; spacing inside a name is kept as written
    assert "University of California, Berkeley" in by_name and "Berkeley" not in by_name
    assert "Burlingame  CA PD" in by_name and "Newark CA PD" in by_name
    assert by_name["Santa Cruz CA PD (deactivated)"]["status"] == "deactivated"
    assert sum(r["status"] == "active" for r in rows) == 38
    assert all(r["flags"] == [] for r in rows)
    first = one(store, "SELECT locator, partner_name_raw FROM sharing "
                       "WHERE locator LIKE '%: item 1'")
    assert first == {"locator": "Organizations granted access to Los Altos CA PD data: item 1",
                     "partner_name_raw": "San Jose State University CA"}
    assert one(store, "SELECT policy_links FROM portal_snapshots")["policy_links"] == []


def test_oakland_embedded_csv_read_like_the_portal_csv(store: Store) -> None:
    ingest(store, fixture_file("portal/flock-portal_oakland-ca-pd_2026-04-28.html"))
    got = one(store, """SELECT count(*) AS n, count(DISTINCT record_id) AS ids,
        min(searched_at) AS first, max(searched_at) AS last, count(user_ref) AS users,
        count(*) FILTER (list_contains(redacted, 'user_ref')) AS red,
        sum(networks_searched) AS nets, any_value(searcher_agency_id) AS searcher,
        min(locator) FILTER (record_id = 'f94db529-6fd8-4a92-b45d-e33f00243b1c') AS loc
        FROM searches""")
    assert (got["n"], got["ids"], got["users"], got["red"]) == (2162, 2162, 0, 2162)
    assert got["first"] == dt.datetime(2026, 3, 28, 0, 12, 11, 822000)
    assert got["last"] == dt.datetime(2026, 4, 26, 23, 41, 40, 520000)
    assert got["searcher"] == "oakland-ca-pd"
    assert got["loc"] == "embedded search_audit.csv row 2"
    top = one(store, "SELECT reason, count(*) AS n FROM searches GROUP BY 1 ORDER BY 2 DESC LIMIT 1")
    assert top == {"reason": "211PC", "n": 499}


def test_page_and_downloaded_csv_are_the_same_records(store: Store, tmp_path: Path) -> None:
    """The CSV the portal offers for download and the page's embedded copy de-duplicate."""
    path = fixture_file("portal/flock-portal_alameda-ca-pd_2026-04-19.html")
    ingest(store, path)
    (name, href), = parse_page(path.read_bytes()).csv_links
    csv = decode_data_uri(name, href)
    assert name == "search_audit.csv" and csv.error is None
    download = tmp_path / "search_audit.csv"
    download.write_bytes(csv.data)
    r = ingest_file(store, download, agency="Alameda CA PD", importers=[FlockPortalAuditImporter()])
    assert (r.rows_read, r.rows_loaded, r.rows_duplicate) == (207, 0, 207)
    empty = one(store, "SELECT count(*) AS n FROM searches WHERE reason IS NULL")
    assert empty["n"] == 11  # blank reasons are empty, not text


@pytest.mark.parametrize(("name", "labels"), [
    ("portal/flock-portal_alameda-ca-pd_2026-04-19.html",
     {"retention_days": "Data retention (in days)", "camera_count": "Number of LPR and other cameras",
      "vehicles_30d": "Vehicles detected in the last 30 days",
      "hits_30d": "Hotlist hits in the last 30 days", "searches_30d": "Searches in the last 30 days"}),
    ("portal/flock-portal_los-altos-ca-pd_2026-04-26.html",
     {"retention_days": "Data retention (in days)", "camera_count": "Number of LPR and other cameras",
      "sharing_out": "Organizations granted access to Los Altos CA PD data"}),
    ("portal/flock-portal_oakland-ca-pd_2026-04-28.html",
     {"retention_days": "Data Retention (days)", "camera_count": "Number of Owned Cameras",
      "vehicles_30d": "Vehicles Detected in the Last 30 Days",
      "hits_30d": "Hotlist Hits in the Last 30 Days", "searches_30d": "Searches in the Last 30 Days"}),
])
def test_each_capture_is_read_through_its_own_label_variants(name: str, labels: dict) -> None:
    page = parse_page(fixture_file(name).read_bytes())
    assert {k: page.labels[k] for k in labels} == labels
    # every card of the three captures is understood: nothing left unread
    assert page.unknown_labels == []


def test_real_page_with_sections_removed(store: Store, tmp_path: Path) -> None:
    """Oakland's page without its policies, additional info and search-audit card."""
    import lxml.html

    doc = lxml.html.fromstring(
        fixture_file("portal/flock-portal_oakland-ca-pd_2026-04-28.html").read_bytes())
    for el in doc.xpath('//*[@id="policies"]|//*[@id="additionalInfo"]'):
        el.drop_tree()
    for p in doc.xpath('//p[normalize-space(.)="Public Search Audit"]'):
        p.getparent().getparent().drop_tree()  # the whole card
    path = tmp_path / "flock-portal_oakland-ca-pd_2026-05-02.html"
    path.write_bytes(lxml.html.tostring(doc, doctype="<!DOCTYPE html>"))
    r = ingest(store, path)
    assert (r.rows_read, r.rows_loaded, r.log_kind) == (1, 1, None)
    snap = one(store, "SELECT * FROM portal_snapshots")
    assert (snap["camera_count"], snap["searches_30d"], snap["captured_on"]) == (
        293, 2162, dt.date(2026, 5, 2))
    assert all(snap[c] is None for c in ("what_detected", "what_not_detected", "acceptable_use",
                                         "prohibited_uses", "access_policy", "hotlist_policy"))
    assert snap["policy_links"] == []


@pytest.mark.parametrize(("href", "text"), [
    ("data:text/csv;charset=utf-8,%22id%22%2C%22x%22%0A", '"id","x"\n'),
    ("data:text/csv;base64," + base64.b64encode(b"id,x\n1,2\n").decode(), "id,x\n1,2\n"),
    ("data:text/csv;charset=utf-8;base64,aWQs\n eAo=", "id,x\n"),  # line-wrapped base64
    ("data:text/csv;charset=iso-8859-1,caf%E9", "café"),
    ("data:text/csv,a+b", "a+b"),  # a plus is a plus in a data: URI
])
def test_data_uri_forms(href: str, text: str) -> None:
    got = decode_data_uri("x.csv", href)
    assert got.error is None and got.data == text.encode("utf-8")


def test_bad_data_uris_are_errors_not_exceptions() -> None:
    assert decode_data_uri("x.csv", "data:text/csv;base64,%%%not base64").error
    assert decode_data_uri("x.csv", "data:text/csv;charset=utf-8,%FF%FE").error
    assert decode_data_uri("x.csv", "data:text/csv").error


# --- label variants --------------------------------------------------------------------------

@pytest.mark.parametrize(("label", "field"), [
    # seen in the three captures
    ("What's Detected", "what_detected"),
    ("What’s Detected", "what_detected"),
    ("What's Not Detected", "what_not_detected"),
    ("Acceptable Use Policy", "acceptable_use"),
    ("Prohibited Uses", "prohibited_uses"),
    ("Access Policy", "access_policy"),
    ("Hotlist Policy", "hotlist_policy"),
    ("Data retention (in days)", "retention_days"),
    ("Data Retention (days)", "retention_days"),
    ("Number of LPR and other cameras", "camera_count"),
    ("Number of Owned Cameras", "camera_count"),
    ("Hotlists Alerted On", "hotlists"),
    ("Vehicles detected in the last 30 days", "vehicles_30d"),
    ("Vehicles Detected in the Last 30 Days", "vehicles_30d"),
    ("Hotlist hits in the last 30 days", "hits_30d"),
    ("Hotlist Hits in the Last 30 Days", "hits_30d"),
    ("Searches in the last 30 days", "searches_30d"),
    ("Searches in the Last 30 Days", "searches_30d"),
    ("Organizations granted access to Los Altos CA PD data", "sharing_out"),
    ("None: Alameda does not share with outside agencies", "sharing_none"),
    ("Public Search Audit", "search_audit"),
    # docs/formats.md and other portals
    ("Number of Owned cameras", "camera_count"),
    ("Number of LPR cameras", "camera_count"),
    ("Number of Owned LPR Cameras", "camera_count"),
    ("Total Cameras", "camera_count"),
    ("Number of LPRs", "camera_count"),
    ("Flock Data retention (in days)", "retention_days"),
    ("Data Retention for Flock Devices", "retention_days"),
    ("Unique vehicles detected in the last 30 days", "vehicles_30d"),
    ("Unique Vehicles Detected", "vehicles_30d"),
    ("Number of Hotlist Hits", "hits_30d"),
    ("Number of Searches", "searches_30d"),
    ("Livermore PD searches in the last 30 days", "searches_30d"),
    ("Organizations granted access to this agency's data", "sharing_out"),
    ("External Organizations with Access", "sharing_out"),
    ("External agencies who have access", "sharing_out"),
    ("Sharing Network Data With", "sharing_out"),
    ("Agencies NCRIC Shares With", "sharing_out"),
    ("Organizations sharing their data with Los Altos CA PD", "sharing_in"),
    ("Receiving Network Data From", "sharing_in"),
    ("Search Audit", "search_audit"),
    # not cards we read
    ("Overview", None),
    ("Policies", None),
    ("Sharing Policy", None),
    ("Success Stories", None),
    ("Hotlist hits are required to be human verified prior to action.", "hits_30d"),
])
def test_label_meaning(label: str, field: str | None) -> None:
    assert classify_label(label) == field


@pytest.mark.parametrize(("value", "n"), [
    ("508,706", 508_706), ("30 days", 30), (" 1,488,862 ", 1_488_862), ("365 Days", 365),
    ("Number of unique plate reads over the last 30 days.\n\n341,081", 341_081),
    ("N/A", None), ("", None), ("TBD", None), ("Retained for 30 days", 30),
])
def test_counts_follow_the_cell_rules(value: str, n: int | None) -> None:
    assert parse_count(value) == n


def test_partner_names_split_and_marked() -> None:
    names = split_names(" Topgolf USA El Segundo, LLC, University of California, Berkeley, "
                        "[Federal] Loma Linda VA PD, Inactive Foo CA PD, Bar CA PD (Deactivated) ")
    assert names == ["Topgolf USA El Segundo, LLC", "University of California, Berkeley",
                     "[Federal] Loma Linda VA PD", "Inactive Foo CA PD", "Bar CA PD (Deactivated)"]
    assert [partner_markers(n) for n in names] == [
        ("active", []), ("active", []), ("active", ["federal"]), ("inactive", []),
        ("deactivated", [])]
    one_per_line = "Organizations granted access to X data.\nA CA PD\nB CA SO\nC, Inc."
    assert split_names(one_per_line) == ["A CA PD", "B CA SO", "C, Inc."]
    assert split_names("None") == [] and split_names(" - ") == []


# --- synthetic pages -------------------------------------------------------------------------

def card(label: str, value: str) -> str:
    return ('<div style="display:flex;flex-direction:row;gap:16px"><div><img alt="x"></div>'
            '<div style="flex:1;display:flex;flex-direction:column">'
            f'<p style="font-weight:700;margin:0">{label}</p>'
            f'<div style="font-weight:400;white-space:pre-line">{value}</div></div></div>')


def page_html(cards: list[str], *, agency: str = "Mapleton CA PD", updated: str = "Mon Apr 27 2026",
              extra_head: str = "", links: str = "") -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head>{extra_head}<meta charset="utf-8">'
        f"<title>Flock Safety - {agency} Transparency Portal</title></head><body><div>"
        f'<header><a href="https://www.flocksafety.com/?utm_medium=transparency_portal">'
        f'<img alt="Flock"></a><div><h1>{agency}</h1><h2>Transparency Portal</h2>'
        f"<p>Last Updated: <span>{updated}</span></p></div></header>"
        f'<div id="reportContent"><div id="usage"><h3>Usage</h3><div>{"".join(cards)}</div></div>'
        f'<div id="additionalInfo">{links}</div></div>'
        '<footer><p>Provided by <a href="https://www.flocksafety.com/?utm_medium=transparency_portal">'
        "Flock Safety</a></p></footer></div></body></html>")


def csv_link(text: str, *, b64: bool = False, name: str = "public_search_audit.csv") -> str:
    if b64:
        uri = "data:text/csv;base64," + base64.b64encode(text.encode()).decode()
    else:
        uri = "data:text/csv;charset=utf-8," + urllib.parse.quote(text, safe="")
    return card("Public Search Audit", f'<a download="{name}" href="{uri}">Download CSV</a>')


def write(tmp_path: Path, name: str, html: str) -> Path:
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    return path


def test_page_with_sections_removed_gives_nulls(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "mapleton.html", page_html(
        [card("Number of Owned cameras", "12"), card("What's Detected", "License Plates")]))
    r = ingest(store, path)
    assert (r.rows_read, r.rows_loaded, r.log_kind) == (1, 1, None)
    snap = one(store, "SELECT * FROM portal_snapshots")
    assert snap["camera_count"] == 12 and snap["what_detected"] == "License Plates"
    for col in ("retention_days", "vehicles_30d", "hits_30d", "searches_30d", "hotlists",
                "what_not_detected", "acceptable_use", "prohibited_uses", "access_policy",
                "hotlist_policy", "captured_on"):
        assert snap[col] is None, col  # captured_on: no date in the page nor the file name
    assert snap["policy_links"] == [] and snap["last_updated"] == dt.date(2026, 4, 27)
    # one staged table: the ledger lists per-table counts only for several
    assert tables_of(store, r.source_id) == {}
    assert store.query("SELECT * FROM sharing") == store.query("SELECT * FROM searches") == []


def test_synthetic_page_every_variant(store: Store, tmp_path: Path) -> None:
    audit = ('"id","searchDate","networkCount","offenseType"\n'
             '"a1","2026-03-10T04:31:52.901Z","31","Burglary"\n'
             '"a2","2026-03-11T05:00:00.000Z","1,204","Robbery"\n'
             '"a3","not a date","3","Theft"\n')
    cards = [
        card("Data Retention (days)", "365 days"),
        card("Number of Owned cameras", "1,024"),
        card("Unique vehicles detected in the last 30 days",
             "Number of unique plate reads over the last 30 days.\n\n341,081"),
        card("Number of Hotlist Hits", "1,204"),
        card("Number of Searches", "3"),
        card("Hotlists Alerted On", "National and statewide hotlist sources.\n\nCalifornia SVS, NCMEC Amber Alert"),
        card("Organizations granted access to Mapleton CA PD data",
             "Organizations granted access to Mapleton CA PD data.\nA CA PD\n[Federal] HSI Unit\n"
             "Inactive B CA SO"),
        card("Organizations sharing their data with Mapleton CA PD",
             "C CA PD, D CA PD (deactivated), University of California, Davis"),
        card("Prohibited Uses", "Immigration   enforcement,<br>harassment"),
        csv_link(audit, b64=True),
    ]
    links = card("Policy", '<a href="https://example.gov/alpr.pdf">ALPR policy</a>')
    saved = "<!--\n Page saved with SingleFile \n url: https://transparency.flocksafety.com/mapleton \n" \
            " saved date: Tue Apr 28 2026 10:00:00 GMT-0700 (Pacific Daylight Time)\n-->"
    html = page_html(cards, links=links).replace('<html lang="en">', '<html lang="en">' + saved)
    path = write(tmp_path, "mapleton_2026-05-01.html", html)
    r = ingest(store, path)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (1 + 3 + 3 + 3, 9, 1)
    snap = one(store, "SELECT * FROM portal_snapshots")
    assert snap["captured_on"] == dt.date(2026, 4, 28)  # the page's saved date beats the name
    assert (snap["retention_days"], snap["camera_count"], snap["vehicles_30d"], snap["hits_30d"],
            snap["searches_30d"]) == (365, 1024, 341_081, 1204, 3)
    assert snap["hotlists"] == ["California SVS", "NCMEC Amber Alert"]
    assert snap["prohibited_uses"] == "Immigration enforcement, harassment"
    assert snap["policy_links"] == ["https://example.gov/alpr.pdf"]
    sharing = store.query("SELECT direction, partner_name_raw, status, flags, observed_on "
                          "FROM sharing ORDER BY direction DESC, locator")
    assert [(s["direction"], s["partner_name_raw"], s["status"], s["flags"]) for s in sharing] == [
        ("out", "A CA PD", "active", []),
        ("out", "[Federal] HSI Unit", "active", ["federal"]),
        ("out", "Inactive B CA SO", "inactive", []),
        ("in", "C CA PD", "active", []),
        ("in", "D CA PD (deactivated)", "deactivated", []),
        ("in", "University of California, Davis", "active", []),
    ]
    assert {s["observed_on"] for s in sharing} == {dt.date(2026, 4, 28)}
    searches = store.query("SELECT record_id, networks_searched, offense_type, locator "
                           "FROM searches ORDER BY locator")
    assert searches == [
        {"record_id": "a1", "networks_searched": 31, "offense_type": "Burglary",
         "locator": "embedded public_search_audit.csv row 2"},
        {"record_id": "a2", "networks_searched": 1204, "offense_type": "Robbery",
         "locator": "embedded public_search_audit.csv row 3"},
    ]
    rej = one(store, "SELECT locator, reason, raw FROM rejects")
    assert rej["locator"] == "embedded public_search_audit.csv row 4"
    assert "not a date" in rej["raw"] and "searchDate" in rej["reason"]


def test_percent_encoded_csv_with_ragged_row(store: Store, tmp_path: Path) -> None:
    audit = ('"id","userId","searchDate","networkCount","reason"\n'
             '"b1","***","2026-03-10T04:31:52.901Z","4","inv + 50% off"\n'
             '"b2","***","2026-03-10T04:32:52.901Z"\n'
             '"b3","abc","2026-03-10T04:33:52.901Z","1","théft"\n')
    path = write(tmp_path, "p_2026-04-01.html", page_html([csv_link(audit)]))
    r = ingest(store, path)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (4, 3, 1)
    assert [x["reason"] for x in store.query("SELECT reason FROM searches ORDER BY locator")] == [
        "inv + 50% off", "théft"]
    rej = one(store, "SELECT locator, reason FROM rejects")
    assert rej["locator"].startswith("embedded public_search_audit.csv row 3")
    assert "expected 5 cells" in rej["reason"]
    assert one(store, "SELECT captured_on FROM portal_snapshots")["captured_on"] == dt.date(2026, 4, 1)


def test_unknown_csv_header_and_bad_uri_are_rejected_whole(store: Store, tmp_path: Path) -> None:
    odd = "plate,when\nABC123,2026-03-10\nXYZ9,2026-03-11\n"
    broken = card("Search Audit", '<a download="x.csv" href="data:text/csv;base64,%%%not base64">CSV</a>')
    path = write(tmp_path, "odd.html", page_html([csv_link(odd, name="search_audit.csv"), broken]))
    r = ingest(store, path)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (4, 1, 3)
    rejects = store.query("SELECT locator, raw, reason FROM rejects ORDER BY locator")
    assert [x["locator"] for x in rejects] == ["embedded search_audit.csv #1 line 2",
                                               "embedded search_audit.csv #1 line 3",
                                               "embedded x.csv #2 data URI"]
    assert rejects[0]["raw"] == "ABC123,2026-03-10" and "header" in rejects[0]["reason"]
    assert "cannot be decoded" in rejects[2]["reason"]


def test_resaved_capture_deduplicates_and_a_new_capture_does_not(store: Store, tmp_path: Path) -> None:
    cards = [card("Number of LPR and other cameras", "5"),
             card("Organizations granted access to Mapleton CA PD data", "A CA PD, B CA PD")]
    first = ingest(store, write(tmp_path, "m_2026-04-01.html", page_html(cards)))
    same_day = ingest(store, write(tmp_path, "m_2026-04-01b.html", page_html(cards) + "\n"))
    later = ingest(store, write(tmp_path, "m_2026-04-15.html",
                                page_html(cards, updated="Wed Apr 15 2026")))
    assert [(x.rows_loaded, x.rows_duplicate) for x in (first, same_day, later)] == [
        (3, 0), (0, 3), (3, 0)]
    got = store.query("SELECT observed_on, count(*) AS n FROM sharing GROUP BY 1 ORDER BY 1")
    assert got == [{"observed_on": dt.date(2026, 4, 1), "n": 2},
                   {"observed_on": dt.date(2026, 4, 15), "n": 2}]


def test_page_name_beats_the_agency_option(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "m.html", page_html([card("Total Cameras", "7")], agency="Springfield OR PD"))
    r = ingest(store, path, agency="Somewhere Else PD")
    assert r.publisher_agency_id == "springfield-or-pd"


# --- sniffing and broken input ---------------------------------------------------------------

def test_sniff_needs_a_portal_page(tmp_path: Path) -> None:
    from alpr_audit.ingest.probe import probe_file

    imp = FlockPortalPageImporter()
    article = write(tmp_path, "news.html", "<!DOCTYPE html><html><head><title>Flock cameras and "
                    "their transparency portal</title></head><body><p>News about Flock</p></body></html>")
    csv = tmp_path / "a.csv"
    csv.write_text("id,searchDate\n1,2026-01-01\n")
    portal = write(tmp_path, "p.html", page_html([card("Total Cameras", "7")]))
    assert imp.sniff(probe_file(article)) is None
    assert imp.sniff(probe_file(csv)) is None
    assert imp.sniff(probe_file(portal)) is not None


def test_broken_pages_give_clear_errors(store: Store, tmp_path: Path) -> None:
    full = page_html([card("Total Cameras", "7"), csv_link('"id","searchDate"\n"x","2026-01-01"\n')])
    cut = write(tmp_path, "cut.html", full[: len(full) - 400])
    with pytest.raises(IngestError, match="cut off"):
        ingest_file(store, cut, importers=PAGE)
    shell = write(tmp_path, "shell.html", page_html([]))
    with pytest.raises(IngestError, match="no transparency-portal cards") as exc:
        ingest_file(store, shell, importers=PAGE)
    assert "browser" in (exc.value.hint or "")
    with pytest.raises(UnknownFormatError):
        ingest_file(store, write(tmp_path, "empty.html", ""), importers=PAGE)
    assert store.query("SELECT count(*) AS n FROM sources")[0]["n"] == 0


def test_oakland_cut_mid_csv_is_refused(store: Store, tmp_path: Path) -> None:
    data = fixture_file("portal/flock-portal_oakland-ca-pd_2026-04-28.html").read_bytes()
    cut = tmp_path / "oakland_2026-04-28.html"
    cut.write_bytes(data[:150_000])
    with pytest.raises(IngestError, match="cut off"):
        ingest_file(store, cut, importers=PAGE)
