"""``alpr-audit request …`` and ``alpr-audit respond``: public-records (CPRA) work."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from alpr_audit.cli.context import app, open_store, settings_
from alpr_audit.cli.render import err, print_json, print_rows
from alpr_audit.core.errors import UsageError

# --- records requests -------------------------------------------------------------------------

request_app = typer.Typer(help="Public-records (CPRA) requests: import, track, deadlines.",
                          no_args_is_help=True)
app.add_typer(request_app, name="request")


@request_app.command("import")
def request_import(
    file: Annotated[Path, typer.Argument(metavar="FILE",
                                         help="A request text or a saved request thread.")],
    batch: Annotated[str | None, typer.Option(
        "--batch", metavar="ID", help="The multi-request this one belongs to.")] = None,
    agency: Annotated[str | None, typer.Option(
        "--agency", metavar="NAME", help="The agency asked, when the text does not say.")] = None,
) -> None:
    """Import (or update) a request from its text or saved thread."""
    from alpr_audit.requests.tracking import import_request, show_request

    with open_store() as store:
        req = import_request(store, file, batch_id=batch, agency=agency)
        assert req.request_id is not None  # import_request gives every request its id
        shown = show_request(store, req.request_id)
    _print_request(shown)


@request_app.command("list")
def request_list(
    batch: Annotated[str | None, typer.Option("--batch", metavar="ID", help="Only this batch.")] = None,
    status: Annotated[str | None, typer.Option("--status", metavar="S", help="Only this status.")] = None,
) -> None:
    """List the requests in the store with their status and due dates."""
    from alpr_audit.requests.tracking import list_requests

    with open_store(read_only=True) as store:
        rows = list_requests(store, batch_id=batch, status=status)
    print_rows(rows, title="requests", fmt="json" if settings_.json else "table")


@request_app.command("show")
def request_show(request_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """One request: its items, communications and deadlines."""
    from alpr_audit.requests.tracking import show_request

    with open_store(read_only=True) as store:
        shown = show_request(store, request_id)
    _print_request(shown)


@request_app.command("due")
def request_due(
    today: Annotated[str | None, typer.Option(
        "--today", metavar="DATE", help="Judge overdue as of this date (default: today).")] = None,
    batch: Annotated[str | None, typer.Option("--batch", metavar="ID", help="Only this batch.")] = None,
    calendar_days: Annotated[bool, typer.Option(
        "--calendar-days", help="Do not move deadlines that fall on a weekend or California "
        "holiday to the next business day.")] = False,
) -> None:
    """Requests past their due date (with the extension when one was taken)."""
    import datetime as dt

    from alpr_audit.requests.deadlines import DEFAULT_ROLL_FORWARD, overdue
    from alpr_audit.requests.tracking import list_requests

    try:
        day = dt.date.fromisoformat(today) if today else dt.date.today()
    except ValueError:
        raise UsageError(f"--today {today!r} is not a date", hint="write it as YYYY-MM-DD") from None
    with open_store(read_only=True) as store:
        rows = overdue(list_requests(store, batch_id=batch, today=day), day,
                       roll_forward=DEFAULT_ROLL_FORWARD and not calendar_days)
    print_rows(rows, title=f"overdue on {day}", fmt="json" if settings_.json else "table")


@request_app.command("batch")
def request_batch() -> None:
    """Batches (one request sent to many agencies): counts by status, overdue."""
    from alpr_audit.requests.tracking import batches

    with open_store(read_only=True) as store:
        rows = batches(store)
    print_rows(rows, title="batches", fmt="json" if settings_.json else "table")


def _print_request(shown: dict[str, Any]) -> None:
    if settings_.json:
        print_json(shown)
        return
    head = {k: v for k, v in shown.items() if not isinstance(v, list)
            and k not in ("source_path", "source_sha256", "imported_at")}
    print_rows([head], title="request")
    print_rows(shown.get("items", []), title="items")
    print_rows([{k: v for k, v in c.items() if k != "text"} for c in shown.get("communications", [])],
               title="communications")


@app.command()
def respond(
    request: Annotated[str, typer.Argument(
        metavar="REQUEST", help="A request id in the store, or a request text/thread file.")],
    agency: Annotated[str, typer.Option("--agency", metavar="A",
                                        help="The responding agency (id, name or alias).")],
    out: Annotated[Path, typer.Option("--out", metavar="DIR", help=(
        "Folder to write, and DIR.zip beside it (replaced atomically when it holds an earlier "
        "packet)."))],
    release: Annotated[list[str] | None, typer.Option(
        "--release", metavar="FIELD",
        help="Release this personal field unpseudonymised: names, plates, user_ids, emails "
        "(repeatable).")] = None,
    responsible_title: Annotated[str, typer.Option(
        "--responsible-title", metavar="TITLE",
        help="Title of the person responsible for the response (Gov. Code §7922.540).")]
        = "Custodian of Records",
) -> None:
    """Write a response packet: XLSX, one CSV per item, cover letter, redaction log, manifest, zip."""
    from alpr_audit.outputs.packet.packet import write_packet
    from alpr_audit.requests.tracking import import_request, load_request

    allowed = {"names", "plates", "user_ids", "emails"}
    bad = set(release or []) - allowed
    if bad:
        raise UsageError(f"cannot release {', '.join(sorted(bad))}",
                         hint="fields: " + ", ".join(sorted(allowed)))
    # a 10M-search access log is sorted into file order: cap memory and spill like ingest does
    with open_store(memory_limit=settings_.ingest_memory_limit()) as store:
        path = Path(request)
        req = import_request(store, path) if path.exists() else load_request(store, request)
        result = write_packet(store, req, agency, out, release=set(release or []),
                              responsible_title=responsible_title)
    summary = {"dir": str(result.dir), "zip": str(result.zip_path),
               "files": [str(f) for f in result.files]}
    if settings_.json:
        print_json(summary)
    else:
        print_rows([{"file": Path(f).name} for f in summary["files"]], title=f"packet in {result.dir}")
        err.print(f"zip: {result.zip_path}", highlight=False)
