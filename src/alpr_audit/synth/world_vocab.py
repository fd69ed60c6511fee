"""Word lists of the synthetic ALPR world: reasons by purpose label, people, places, policies.

Reason phrases are short labelled examples in the style of tests/audit/reasons_eval.csv; the
world's tests check every one against :func:`alpr_audit.audit.reasons.classify`, so a change
of the term lists that moves a background reason out of ``specific``/``case_number`` fails
loudly instead of silently injecting misuse. No value may contain a double quote (the CSV
writers quote without escaping).
"""

from __future__ import annotations

#: Background reasons: purpose label ``specific``. Drawn uniformly per search.
SPECIFIC_REASONS: tuple[str, ...] = (
    "stolen vehicle", "Stolen Vehicle", "STOLEN VEH", "stolen veh recovered", "homicide",
    "robbery", "10851", "10851 VC", "459 PC", "211PC", "PC 211", "187 PC", "245(a)(1) PC",
    "burglary", "Residential burglary", "commercial burg", "missing person", "Missing juvenile",
    "amber alert", "hit and run", "Hit & Run", "hit-and-run felony", "DUI", "carjacking",
    "kidnapping", "assault", "ADW", "shooting", "shots fired", "felony warrant",
    "Warrant service", "narcotics investigation", "fraud", "identity theft", "property crime",
    "person crime", "UUV", "GTA", "grand theft auto", "auto theft", "catalytic converter theft",
    "stolen plates", "retail theft", "vandalism", "arson", "domestic violence", "DV suspect",
    "criminal threats", "stalking", "armed robbery 211", "robbery suspect vehicle",
    "burglary suspect", "Stolen vehicle 10851", "at risk missing", "endangered missing adult",
    "Silver Alert", "welfare check", "wanted subject", "parolee at large", "probation search",
    "drug sales", "human trafficking", "reckless driving", "sideshow", "evading", "murder",
    "attempted murder", "stabbing", "elder abuse", "mail theft", "package theft", "forgery",
    "embezzlement", "robo de vehiculo", "Stolen car", "ped robbery", "Bank robbery",
    "street racing", "brandishing", "trespassing", "DUI hit and run", "10852 VC", "496 PC",
    "487 PC", "273.5 PC", "20001 VC", "11378 HS", "29800 PC", "422 PC", "stolen trailer",
    "larceny", "extortion", "runaway juvenile", "5150", "death investigation",
    "vehicle tampering", "organized retail theft", "smash and grab", "home invasion", "scam",
    "vehicle burglary", "Burglary from vehicle", "bomb threat", "robbery series",
    "theft from vehicle", "assault with deadly weapon", "fatal collision", "Hit and run collision",
    "kidnapping 207 PC", "459 commercial", "auto burglary", "stolen motorcycle",
    "drive by shooting", "vehicle stolen from dealership",
)  # fmt: skip

#: Background reasons that are case numbers (label ``case_number``).
CASE_NUMBER_REASONS: tuple[str, ...] = (
    "21-16030", "DR#23-123456", "23-123456", "2023-00012345", "C23-004512", "SO24-001234",
    "230012345", "case 21-16030", "Case #23-4567", "RD# 23-0456", "INC2023-00123",
    "CR2301234", "24-S-01234", "Case No. 2024-1187", "report 24-3321", "DR 2301-5543",
    "incident 2024-003311", "IR# 23-7788", "CAD 240112345", "2024-0019982", "25-001122",
    "PD24-00123", "File 22-11876", "24-000123", "DR# 25-004411", "2025-001234", "PD25-0099",
)  # fmt: skip

#: Near-misses: look like a high-risk or vague reason to a careless matcher, label ``specific``.
NEAR_MISS_REASONS: tuple[str, ...] = (
    "police pursuit", "service station robbery", "Venice Blvd burglary", "ice cream truck stolen",
    "test drive theft", "ice chest theft", "marching band trailer stolen", "nice car stolen",
    "Justice Center burglary", "personnel office burglary", "Rallye Ave carjacking",
)  # fmt: skip

#: Injected misuse, by the purpose rule it must trigger (varied spellings and punctuation).
IMMIGRATION_REASONS: tuple[str, ...] = (
    "ICE", "ICE+ERO", "I.C.E.", "ice/ero", "HSI-", "(ICE)", "immigration", "deport",
    "deportation", "CBP", "Border Patrol", "ERO", "ICE assist", "Assist ICE", "287(g)", "287g",
    "Homeland Security", "immigration status", "undocumented", "ICE detainer", "ICE-ERO",
    "Enforcement and Removal Operations", "dhs/ice", "H.S.I.", "visa overstay", "CBP request",
)  # fmt: skip
PROTEST_REASONS: tuple[str, ...] = (
    "protest", "Protest", "protestor vehicle", "demonstration", "rally", "No Kings protest",
    "50501", "First Amendment activity", "1st Amendment", "activist", "protest march",
    "counter-protest", "picket line", "political rally", "Protests downtown",
)  # fmt: skip
REPRODUCTIVE_REASONS: tuple[str, ...] = (
    "abortion", "reproductive health", "Planned Parenthood", "abortion clinic", "women's clinic",
    "mifepristone", "abortion pills", "terminated pregnancy", "Planned Parenthood clinic",
    "reproductive care out of state",
)  # fmt: skip
PERSONAL_REASONS: tuple[str, ...] = (
    "personal", "Personal", "personal use", "my ex-wife", "ex-girlfriend", "my neighbor",
    "just curious", "my daughter", "checking on my son", "my wife's car", "off duty",
    "personal - my car",
)  # fmt: skip
#: ``purpose.vague``: labels generic or test.
VAGUE_REASONS: tuple[str, ...] = (
    "investigation", "Investigation", "INVESTIGATION", "inv", "INV", "Inv.", "invest", "case",
    "Case", ".", "..", "x", "search", "law enforcement purpose", "LE", "other", "follow up",
    "per request", "suspect vehicle", "test", "TEST", "testing", "training", "test search",
    "Daytime search for best result",
)  # fmt: skip
#: ``access_record.incomplete`` purpose: blank, empty sentinels and missing-label texts
#: (never a redaction marker: a redacted reason is withheld, not missing).
MISSING_REASONS: tuple[str, ...] = (
    "", "", "", "n/a", "N/A", "-", "Not Provided", "no reason given", "none provided", "null",
)  # fmt: skip
#: Redaction markers a partner agency's reason may carry in a network audit (withheld).
REDACTED_REASONS: tuple[str, ...] = ("***", "REDACTED", "[REDACTED]")

FIRST_NAMES: tuple[str, ...] = (
    "James", "Maria", "Robert", "Linda", "Michael", "Ana", "David", "Karen", "Daniel", "Rosa",
    "Kevin", "Susan", "Brian", "Mei", "Jason", "Laura", "Eric", "Nicole", "Ryan", "Angela",
    "Mark", "Diana", "Steven", "Erin", "Paul", "Teresa", "Adam", "Grace", "Victor", "Hannah",
    "Luis", "Megan", "Tyler", "Priya", "Sean", "Alicia", "Omar", "Rachel", "Derek", "Monica",
    "Carlos", "Julie", "Travis", "Sofia", "Andre", "Kayla", "Hector", "Vanessa", "Curtis",
    "Lena", "Marcus", "Elena", "Gavin", "Irene", "Felipe", "Dana", "Wesley", "Tara", "Raul",
    "Naomi",
)  # fmt: skip
LAST_NAMES: tuple[str, ...] = (
    "Alvarez", "Bennett", "Castillo", "Dawson", "Ellis", "Fischer", "Gomez", "Harper", "Ibarra",
    "Jensen", "Keller", "Lawson", "Mendoza", "Navarro", "Ortega", "Porter", "Quinn", "Ramos",
    "Sandoval", "Tran", "Underwood", "Vargas", "Walsh", "Yamamoto", "Zamora", "Abbott",
    "Bishop", "Chavez", "Delgado", "Espinoza", "Fleming", "Guerrero", "Hayes", "Iverson",
    "Juarez", "Kaur", "Lindqvist", "Morales", "Nakamura", "Okafor", "Pham", "Reyes", "Salazar",
    "Thornton", "Valdez", "Whitaker", "Xiong", "Yates", "Zuniga", "Archer", "Barrera",
    "Contreras", "Dominguez", "Estrada", "Ferris", "Galvan", "Holloway", "Ishikawa", "Jaramillo",
    "Kowalski",
)  # fmt: skip

#: Invented California places for neighbouring agencies (Flock style ``<Place> CA PD``).
CA_PLACES: tuple[str, ...] = (
    "Cedarview", "Del Oro", "Las Lomas", "Loma Verde", "Sierra Vista", "Ventana", "Santa Lucia",
    "Mission Hills", "Paso Alto", "Bellavista", "Fairhaven", "El Portal", "Rancho Seco",
    "Vista Grande", "Los Robles", "Sunol Valley", "Palo Seco", "Oak Knoll", "Monte Alto",
    "Costa Brava", "San Marcelo", "Point Reyna", "Buena Tierra", "Alder Grove",
)  # fmt: skip
#: Places whose PD is listed deactivated, one per world agency (the registry's flag is global).
DEACTIVATED_PLACES: tuple[str, ...] = (
    "Willowmere", "Pine Hollow", "Quail Ridge", "Tamarack", "Juniper Flats", "Sage Canyon",
    "Laurel Bend", "Redwood Gap",
)  # fmt: skip

#: The world's agencies, in Flock's ``<Place> <ST> <type>`` style; even = city, odd = county.
WORLD_AGENCIES: tuple[str, ...] = (
    "Mapleton CA PD", "Rivera County CA SO", "Harbor Falls CA PD", "Granite County CA SO",
    "Cedar Springs CA PD", "Silverlake County CA SO", "Fox Hollow CA PD", "Amber County CA SO",
)  # fmt: skip

CUSTOM_HOTLISTS_CITY: tuple[str, ...] = (
    "Stolen Vehicles - Local", "Wanted Persons", "Burglary Series 24-118", "Missing and At-Risk",
)
CUSTOM_HOTLISTS_COUNTY: tuple[str, ...] = (
    "Auto Theft Task Force", "Felony Warrants", "Narcotics Watch", "Personnel Vehicles - Fleet",
)
#: Hot lists every agency alerts on (portal card; hits name them).
STATE_HOTLISTS: tuple[str, ...] = ("California SVS", "NCIC Stolen Vehicles", "NCMEC Amber Alert")
DISPOSITIONS: tuple[tuple[str, int], ...] = (
    ("Confirmed", 30), ("Misread", 25), ("No Action", 20), ("Vehicle Not Located", 20),
    ("Arrest", 5),
)

# Policy texts of the portal page. The complete set names every element of Civil Code
# §1798.90.51(b)(2)(A)–(G) in plain words; the partial set leaves out C (monitoring for
# security and compliance), E (custodian) and F (accuracy): no sentence of it speaks of them.
POLICY_COMPLETE: dict[str, str] = {
    "what_detected": "License plates, vehicle make, color and type, and the time and place of the read.",
    "what_not_detected": "Faces, people, personal identifying information and traffic violations.",
    "acceptable_use": (
        "ALPR data is used only for official law enforcement purposes: locating stolen vehicles, "
        "wanted and missing persons, and vehicles connected to a criminal investigation. Every "
        "search must give a specific reason and a case or incident number."),
    "prohibited_uses": (
        "Immigration enforcement, harassment or intimidation, use based solely on a protected "
        "characteristic, monitoring of activity protected by the First Amendment, and personal use."),
    "access_policy": (
        "Only sworn officers, dispatchers and crime analysts designated by the Chief of Police may "
        "use the system, after completing department ALPR training and refresher training every "
        "two years. The Support Services Lieutenant is the official custodian of the ALPR system "
        "and is responsible for implementing this policy. The system is monitored: every query is "
        "logged and the custodian audits a sample of searches each month to ensure the security "
        "of the information and compliance with privacy laws. ALPR data is shared only with "
        "California public agencies that have signed a data-sharing agreement, for law "
        "enforcement purposes and with the custodian's approval; it is never sold. ALPR data is "
        "retained for 730 days and then deleted, unless it is evidence in an open case; the "
        "custodian reviews retained records each year to decide whether to destroy them."),
    "hotlist_policy": (
        "Before acting on an alert, officers visually verify that the plate and state match and "
        "confirm the hit with the originating agency. Hot-list entries are reviewed for accuracy; "
        "errors are corrected or the entry removed within 24 hours."),
}
POLICY_PARTIAL: dict[str, str] = {
    "what_detected": "License plates and vehicle descriptions.",
    "what_not_detected": "Faces and people.",
    "acceptable_use": (
        "ALPR data is used for official law enforcement purposes such as locating stolen "
        "vehicles and wanted or missing persons."),
    "prohibited_uses": "Immigration enforcement, harassment, personal use.",
    "access_policy": (
        "Deputies, detectives and crime analysts assigned by the Sheriff may use the system "
        "after completing ALPR training. Data is shared with other California law enforcement "
        "agencies on request for law enforcement purposes and is never sold. Data is kept for "
        "365 days and then deleted unless it is evidence in a case."),
    "hotlist_policy": "Deputies may add plates to department hot lists for active cases.",
}
#: The elements POLICY_PARTIAL leaves out.
POLICY_PARTIAL_MISSING: tuple[str, ...] = ("C", "E", "F")


def _check_no_quotes() -> None:
    groups = (SPECIFIC_REASONS, CASE_NUMBER_REASONS, NEAR_MISS_REASONS, IMMIGRATION_REASONS,
              PROTEST_REASONS, REPRODUCTIVE_REASONS, PERSONAL_REASONS, VAGUE_REASONS,
              MISSING_REASONS, FIRST_NAMES, LAST_NAMES, CA_PLACES, WORLD_AGENCIES)
    for group in groups:
        for v in group:
            if '"' in v or "\n" in v:  # pragma: no cover - guards future edits
                raise ValueError(f"world vocabulary value must not hold a quote or newline: {v!r}")


_check_no_quotes()
