"""parse_request on the LAPD thread (exact targets), on 2018/2020/2022-style waves of the same
template written here, and on free-form requests: nothing is dropped, nothing is invented."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from alpr_audit.requests.model import COMMUNICATION_KINDS, ITEM_KINDS
from alpr_audit.requests.parse import parse_request
from alpr_audit.requests.parse_items import classify_item, item_period, parse_items
from alpr_audit.requests.parse_thread import cited_sections, extension_ground, parse_date
from fixturekit import fixture_file

D = dt.date
LAPD = "requests/muckrock_lapd-25-2170_alpr-audits.txt"

#: Lines that open an item in any of the texts below; each must become exactly one item.
ITEM_START = re.compile(r"^\s*([A-F]\d{1,2}[.)]|\d{1,2}[.)]|\([a-z0-9]\)|[-•*]\s)")


@pytest.fixture(scope="module")
def lapd():
    return parse_request(fixture_file(LAPD).read_text(encoding="utf-8"))


def test_lapd_header_dates_and_agency(lapd):
    assert lapd.title == "ALPR Audits"
    assert lapd.agency == "Los Angeles Police Department"
    assert lapd.tracking_no == "25-2170"
    assert lapd.batch_id == "ALPR Audits"
    assert (lapd.submitted_on, lapd.due_on, lapd.estimated_on) == (
        D(2025, 2, 10), D(2025, 2, 20), D(2025, 4, 18))
    assert lapd.received_on is None  # the thread states no receipt date: tracking decides
    assert lapd.status == "processing"  # the latest message is a status update


def test_lapd_twelve_items_with_ids_kinds_and_periods(lapd):
    assert [(i.item_id, i.kind) for i in lapd.items] == [
        ("A1", "sharing_out"), ("A2", "sharing_in"), ("A3", "hotlist_out"),
        ("A4", "hotlist_in"), ("A5", "agreements"), ("A6", "agreements"),
        ("A7", "access_records"), ("B1", "detections"), ("B2", "hits"),
        ("R1", "users"), ("R2", "audits"), ("R3", "external_access")]
    by_id = {i.item_id: i for i in lapd.items}
    # "from 2019 until the date of processing", "2019 to today's date": open-ended
    for item_id in ("A7", "B1", "B2"):
        assert (by_id[item_id].period_start, by_id[item_id].period_end) == (D(2019, 1, 1), None)
    assert all(i.period_start is None for i in lapd.items if i.item_id not in ("A7", "B1", "B2"))
    assert by_id["A1"].text == ("The names of agencies and organizations with which the Agency "
                                "shares ALPR data")
    assert by_id["R1"].text == "Officers with authorized access to ALPR systems"
    assert by_id["A5"].text.endswith("subsection of a California law enforcement agency's "
                                     "SB 34 policy.")
    request_lines = lapd.communications[0].text.splitlines()
    assert sum(bool(ITEM_START.match(x)) for x in request_lines) == len(lapd.items) == 12
    # The explanatory paragraphs between items belong to no item.
    assert not any("readily available" in i.text or "Items A5-A7" in i.text for i in lapd.items)


def test_lapd_five_communications(lapd):
    comms = lapd.communications
    assert [(c.seq, c.direction, c.kind) for c in comms] == [
        (1, "to_agency", "request"), (2, "from_agency", "confirmation"),
        (3, "from_agency", "acknowledgement"), (4, "from_agency", "extension"),
        (5, "from_agency", "status")]
    assert comms[0].sender == "Joey Scott"
    assert {c.sender for c in comms[1:]} == {"Los Angeles Police Department"}
    assert comms[3].cited_sections == ["7922.535"]
    assert comms[4].cited_sections == ["7927.200", "7927.700", "7923.600-7923.625", "7927.705",
                                       "7922.000"]
    assert [c.cited_sections for c in comms[:3]] == [[], [], []]  # Civil Code 1798.90.52 is not one
    assert [c.estimated_on for c in comms] == [None, None, None, None, D(2025, 4, 18)]
    assert all(c.sent_on is None for c in comms)  # the saved page gives no per-message dates
    assert extension_ground(comms[3].text) == "7922.535(c)(1)"  # "separate from the office …"


WAVE_2018 = """ALPR Data Sharing (Sacramento County Sheriff's Department)
Tracking # | 18-0412 |
Multi Request | ALPR 2018 |
Submitted | 2/10/2018 |
Due | 2/20/2018 |
Communications
Feb. 10, 2018
From: Dave Requester
To Whom It May Concern:
Pursuant to the California Public Records Act, I hereby request the following records:
1. The names of agencies and organizations with which the Department shares ALPR data;
2. The names of agencies and organizations from which the Department receives ALPR data;
3. The names of agencies and organizations with which the Department shares "hot list" information;
4. The names of agencies and organizations from which the Department receives "hot list" information;
5. The aggregate number of "detections" (license plate scans) collected during 2016 and 2017;
6. The aggregate number of "hits" (license plate scans that matched a hot list) during 2016 and 2017.
Sincerely,
Dave Requester
Feb. 22, 2018
From: Sacramento County Sheriff's Department
Dear Mr. Requester,
Your request received on February 12, 2018 has been reviewed. The records responsive to items 1 through 4 are attached. Items 5 and 6 are withheld pursuant to Government Code Sections 6254(f) and 6255.
"""


def test_2018_wave_numbered_items_us_dates_and_old_sections():
    r = parse_request(WAVE_2018)
    assert (r.title, r.agency, r.tracking_no) == (
        "ALPR Data Sharing", "Sacramento County Sheriff's Department", "18-0412")
    assert (r.submitted_on, r.due_on, r.received_on) == (D(2018, 2, 10), D(2018, 2, 20),
                                                         D(2018, 2, 12))
    assert [(i.item_id, i.kind) for i in r.items] == [
        ("1", "sharing_out"), ("2", "sharing_in"), ("3", "hotlist_out"), ("4", "hotlist_in"),
        ("5", "detections"), ("6", "hits")]
    assert (r.items[4].period_start, r.items[4].period_end) == (D(2016, 1, 1), D(2017, 12, 31))
    request, reply = r.communications
    assert (request.kind, request.sent_on) == ("request", D(2018, 2, 10))  # date line above From:
    assert (reply.kind, reply.sent_on) == ("records_released", D(2018, 2, 22))
    assert reply.cited_sections == ["6254(f)", "6255"]
    assert "Feb. 22, 2018" not in request.text  # the next message's date is not in this one
    assert r.status == "done"


WAVE_2020 = """ALPR Audits 2020 (Fresno Police Department)
Tracking # |
20-1177 |
Submitted | February 10, 2020 |
Due |
Est. Completion |
Communications
From: Jane Requester
Date: February 10, 2020
To Whom It May Concern:

Pursuant to the California Public Records Act, I hereby request the
following records:

Part A - Information related to ALPR data sharing.

A1. The names of agencies and organizations with which the Agency
shares ALPR data;
A2. The names of agencies and organizations from which the Agency
receives ALPR data;

Part B

B1. The number of detections collected from January 1, 2019 through
December 31, 2019
B2. The number of hits collected from January 1, 2019 through December
31, 2019

The information requested in items B1-B2 is readily available through
the ALPR software you use.

Part C - Audits and users

1. Any audits of ALPR use conducted since 2018;
2. A list of personnel with authorized access to the ALPR system.
3. Your ALPR usage and privacy policy.

Sincerely,
Jane Requester

From: Fresno Police Department
Date: 2/24/2020
Dear Jane Requester,
Due to the need to compile data and construct a computer report, we are extending the time to respond by 14 days pursuant to Government Code section 6253(c). We anticipate a response on or before March 9, 2020.
"""


def test_2020_wave_wrapped_lines_parts_and_message_dates():
    r = parse_request(WAVE_2020)
    assert (r.agency, r.tracking_no, r.submitted_on) == (
        "Fresno Police Department", "20-1177", D(2020, 2, 10))
    assert r.due_on is None  # "Due |" empty: the tracker states none
    assert [(i.item_id, i.kind) for i in r.items] == [
        ("A1", "sharing_out"), ("A2", "sharing_in"), ("B1", "detections"), ("B2", "hits"),
        ("1", "audits"), ("2", "users"), ("3", "other")]
    b2 = r.items[3]
    assert b2.text == ("The number of hits collected from January 1, 2019 through December "
                       "31, 2019")  # the wrapped line is joined, the paragraph after is not
    assert (b2.period_start, b2.period_end) == (D(2019, 1, 1), D(2019, 12, 31))
    assert (r.items[4].period_start, r.items[4].period_end) == (D(2018, 1, 1), None)
    request, ext = r.communications
    assert (request.sent_on, ext.sent_on) == (D(2020, 2, 10), D(2020, 2, 24))
    assert (ext.kind, ext.cited_sections, ext.estimated_on) == (
        "extension", ["6253(c)"], D(2020, 3, 9))
    assert extension_ground(ext.text) == "7922.535(c)(4)"
    assert (r.status, r.estimated_on) == ("extended", D(2020, 3, 9))


WAVE_2022 = """ALPR Audits (San Diego County Sheriff's Office)
Tracking # | 22-5512 |
Multi Request | ALPR Audits |
Submitted | 2022-02-10 |
Due | 2022-02-22 |
Communications
From: Alex Doe | 2022-02-10
To Whom It May Concern:
Pursuant to the California Public Records Act, I hereby request the following records:
Part A - Information related to ALPR data sharing.
A1) The names of agencies and organizations with which the Agency shares ALPR data;
A2) The names of agencies and organizations from which the Agency receives ALPR data;
Part B - Detections and hits
B1. The number of detections from 2019 to present.
B2. The number of hits from 2019 to present.
B3. The number of hot list hits for stolen vehicles in 2021.
B4. The number of searches of your ALPR data run by outside agencies, including federal agencies.
Records of:
• Officers with authorized access to ALPR systems
• Any audits that include records for the reason of the search, misuse, and how many times the ALPR search was run.
• The number of times other agencies, including federal agencies, with access to the department's ALPR data.
Thank you.
From: San Diego County Sheriff's Office | 2022-03-01
We estimate the cost of duplication at $12.50. Payment is required before release.
From: Alex Doe | 2022-03-02
Payment sent today.
From: San Diego County Sheriff's Office | 2022-03-15
Please find attached the first installment of responsive records. Additional records will follow. Names of officers were redacted under Gov. Code § 7927.700 and investigative records under §§ 7923.600–.625.
"""


def test_2022_wave_bullets_iso_dates_fee_and_partial_release():
    r = parse_request(WAVE_2022)
    assert [(i.item_id, i.kind) for i in r.items] == [
        ("A1", "sharing_out"), ("A2", "sharing_in"), ("B1", "detections"), ("B2", "hits"),
        ("B3", "hits"), ("B4", "external_access"), ("R1", "users"), ("R2", "audits"),
        ("R3", "external_access")]
    assert (r.items[2].period_start, r.items[2].period_end) == (D(2019, 1, 1), None)
    assert (r.items[4].period_start, r.items[4].period_end) == (D(2021, 1, 1), D(2021, 12, 31))
    assert [(c.direction, c.kind, c.sent_on) for c in r.communications] == [
        ("to_agency", "request", D(2022, 2, 10)), ("from_agency", "fee", D(2022, 3, 1)),
        ("to_agency", "other", D(2022, 3, 2)), ("from_agency", "records_released", D(2022, 3, 15))]
    assert r.communications[3].cited_sections == ["7927.700", "7923.600-.625"]
    assert r.status == "partial"
    assert r.communications[0].sender == "Alex Doe"


FREE_FORM = """February 10, 2025

Custodian of Records
Irvine Police Department

Re: ALPR sharing and audit records

Dear Custodian of Records,

Under the California Public Records Act, please provide the following:

(a) All memoranda of understanding concerning ALPR data sharing signed since January 1, 2020;
(b) Search logs for the ALPR system between 2023 and 2024;
(c) Your department's ALPR usage and privacy policy.

In addition:
1) the list of user accounts with access to the Flock system, and
2) any record showing access by federal agencies such as ICE or CBP.

Thank you,
Sam Writer
"""


def test_free_form_letter():
    r = parse_request(FREE_FORM)
    assert (r.title, r.agency, r.submitted_on, r.tracking_no) == (
        "ALPR sharing and audit records", "Irvine Police Department", D(2025, 2, 10), None)
    assert [(i.item_id, i.kind) for i in r.items] == [
        ("a", "agreements"), ("b", "access_records"), ("c", "other"), ("1", "users"),
        ("2", "external_access")]
    assert (r.items[0].period_start, r.items[0].period_end) == (D(2020, 1, 1), None)
    assert (r.items[1].period_start, r.items[1].period_end) == (D(2023, 1, 1), D(2024, 12, 31))
    assert r.items[3].text == "the list of user accounts with access to the Flock system"
    [c] = r.communications
    assert (c.direction, c.kind, c.sent_on, c.sender) == ("to_agency", "request",
                                                          D(2025, 2, 10), None)
    assert r.status == "submitted"


def test_request_without_numbered_items_keeps_its_text_as_one_item():
    r = parse_request("Please provide all ALPR audit logs from 2020 to 2023.")
    [item] = r.items
    assert (item.item_id, item.kind, item.period_start, item.period_end) == (
        "1", "access_records", D(2020, 1, 1), D(2023, 12, 31))
    assert r.title == "Records request"


def test_sub_items_under_a_lead_in_are_lettered_after_their_parent():
    items = parse_items("1. Records of ALPR data sharing, including:\n"
                        "(a) agencies the Department shares ALPR data with;\n"
                        "(b) agencies from which it receives ALPR data;\n"
                        "2. Any ALPR audits.\n")
    assert [(i.item_id, i.kind) for i in items] == [
        ("1", "other"), ("1a", "sharing_out"), ("1b", "sharing_in"), ("2", "audits")]


def test_repeated_numbers_in_parts_stay_unique():
    items = parse_items("Part A\n1. Sharing lists.\n2. Hot lists.\nPart B\n1. Detections.\n")
    assert [i.item_id for i in items] == ["1", "2", "B1"]


@pytest.mark.parametrize("text", [WAVE_2018, WAVE_2020, WAVE_2022, FREE_FORM])
def test_every_item_line_becomes_one_item_and_kinds_are_known(text):
    r = parse_request(text)
    body = next(c.text for c in r.communications if c.kind == "request")
    starts = [x for x in body.splitlines() if ITEM_START.match(x)]
    assert len(r.items) == len(starts)
    assert len({i.item_id for i in r.items}) == len(r.items)
    assert {i.kind for i in r.items} <= set(ITEM_KINDS)
    assert {c.kind for c in r.communications} <= set(COMMUNICATION_KINDS)


@pytest.mark.parametrize("text,expected", [
    ("Feb. 10, 2025", D(2025, 2, 10)), ("February 10, 2025", D(2025, 2, 10)),
    ("2/10/2025", D(2025, 2, 10)), ("02/10/25", D(2025, 2, 10)), ("2025-02-10", D(2025, 2, 10)),
    ("10 February 2025", D(2025, 2, 10)), ("Sept. 3rd, 2024", D(2024, 9, 3)),
    ("2/30/2025", None), ("case 25-2170", None)])
def test_dates_in_the_forms_trackers_write(text, expected):
    assert parse_date(text) == expected


def test_sections_ranges_subdivisions_and_other_codes():
    text = ("under Gov. Code §7922.535(c)(2); withheld per 7923.600 through 7923.625 and "
            "Government Code 6254(k); Civil Code 1798.90.52(b); call 6255 or 555-6255")
    assert cited_sections(text) == ["7922.535(c)(2)", "7923.600-7923.625", "6254(k)"]


@pytest.mark.parametrize("text,kind", [
    ("A list of all users with login credentials to the Vigilant system", "users"),
    ("Copies of ALPR search audit logs", "access_records"),
    ("Your ALPR policy", "other"),
    ("The hit ratio report for 2023", "hits"),
])
def test_item_kinds_by_wording(text, kind):
    assert classify_item(text) == kind


def test_periods_name_only_what_the_text_says():
    assert item_period("all records of access since 2021") == (D(2021, 1, 1), None)
    assert item_period("detections in calendar year 2022") == (D(2022, 1, 1), D(2022, 12, 31))
    assert item_period("detections from 1/1/2020 to 6/30/2020") == (D(2020, 1, 1), D(2020, 6, 30))
    assert item_period("the names of agencies with which you share data") == (None, None)
    assert item_period("data under Sec. 1798.90.52(b)") == (None, None)


def test_lapd_request_hard_wrapped_at_72_columns_gives_the_same_items(lapd):
    import textwrap

    text = fixture_file(LAPD).read_text(encoding="utf-8")
    wrapped = "\n".join(textwrap.fill(line, 72) if len(line) > 72 else line
                        for line in text.splitlines())
    r = parse_request(wrapped)
    assert [(i.item_id, i.kind, i.text, i.period_start) for i in r.items] == [
        (i.item_id, i.kind, i.text, i.period_start) for i in lapd.items]
    assert [c.kind for c in r.communications] == [c.kind for c in lapd.communications]
    assert r.communications[4].cited_sections == lapd.communications[4].cited_sections


def test_a_quoted_earlier_mail_is_part_of_the_reply_not_a_message():
    text = ("ALPR (Irvine Police Department)\nCommunications\nFrom: Sam Writer\n"
            "I hereby request the following records:\n1. Any ALPR audits.\n"
            "From: Irvine Police Department\nYour request was received.\n"
            "-----Original Message-----\nFrom: Sam Writer\nI hereby request the following "
            "records:\n1. Any ALPR audits.\n")
    r = parse_request(text)
    assert [(c.sender, c.kind) for c in r.communications] == [
        ("Sam Writer", "request"), ("Irvine Police Department", "acknowledgement")]
    assert "Original Message" in r.communications[1].text
    assert len(r.items) == 1


def test_a_short_first_line_of_a_plain_request_is_its_title():
    r = parse_request("ALPR audits 2024\n\nPlease provide:\n1. Any ALPR audits since 2024.\n")
    assert (r.title, [i.item_id for i in r.items]) == ("ALPR audits 2024", ["1"])


def test_message_dates_above_from_lines_survive_blank_lines():
    text = WAVE_2018.replace("Dave Requester\nFeb. 22, 2018\n",
                             "Dave Requester\n\nFeb. 22, 2018\n\n")
    assert text != WAVE_2018
    request, reply = parse_request(text).communications
    assert (request.sent_on, reply.sent_on) == (D(2018, 2, 10), D(2018, 2, 22))
    assert "Feb. 22" not in request.text
