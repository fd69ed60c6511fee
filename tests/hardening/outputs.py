"""Outputs written from the hostile store of ``payload_world``, built once per test session.

Test modules import the ``payload_outputs`` fixture from here (a conftest.py in this folder
would shadow the suite's ``conftest`` module); the build is cached, so modules share it.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import payload_world as W
import pytest

from alpr_audit.audit.engine import run_audit
from alpr_audit.outputs.audit_report.report import write_audit_report
from alpr_audit.outputs.packet.packet import write_packet
from alpr_audit.store import Store

RELEASE_ALL = {"names", "plates", "user_ids", "emails"}


@dataclass(frozen=True)
class Outputs:
    store: Path
    default: Path  # audit report + packet (and its zip), written the default way
    opted_in: Path  # the same with every personal field released / --raw


@pytest.fixture(scope="session")
def payload_outputs() -> Outputs:
    return build_outputs()


@functools.cache
def build_outputs() -> Outputs:
    root = Path(tempfile.mkdtemp(prefix="alpr-payload-"))
    atexit.register(shutil.rmtree, root, True)
    store_dir, _ = W.build(root)
    with Store.open(store_dir) as store:
        run = run_audit(store)
        write_audit_report(store, root / "default" / "audit", run_id=run.run_id)
        write_packet(store, W.request(), W.AGENCY, root / "default" / "packet")
        write_audit_report(store, root / "opted-in" / "audit", run_id=run.run_id, raw=True)
        write_packet(store, W.request(), W.AGENCY, root / "opted-in" / "packet",
                     release=RELEASE_ALL)
    return Outputs(store_dir, root / "default", root / "opted-in")
