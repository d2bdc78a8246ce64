"""An agency's own work in the console (``/console/agence``): importing its
CSV file and ending a contract, for agency members only and only on their own
codes. The import is the one of ``sesame import-accounts`` and of the agency
API (the file read by ``adapters/csv_rows.py``, the rows by
``application/account_import.py``): the upload page, then the report page
(added, updated, unchanged, rejected lines with their reasons). Ending a
contract (the end-contract use case) asks for a confirmation first."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.csv_rows import CsvRows, UnusableFile
from application.account_import import COLUMNS, ImportReport
from application.errors import Refused
from domain.staff import StaffMember
from web.console_pages import console_page, render_page
from web.pages_common import call, refusal_status
from web.security import checked_form
from web.use_cases import services

AGENCY_PAGE, END_PAGE = "console/agency.html", "console/end_contract.html"


def agency_page(request: Request, status: int = 200, **context: Any) -> Response:
    return render_page(request, AGENCY_PAGE, status, columns=COLUMNS, **context)


@console_page("agency")
async def agency(request: Request, member: StaffMember) -> Response:
    return agency_page(request)


@console_page("agency")
async def upload(request: Request, member: StaffMember) -> Response:
    """The file, imported now; its report is the answer (nothing is kept of it)."""
    await checked_form(request)
    upload = (await request.form()).get("fichier")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return agency_page(request, 422, errors={"fichier": "Choisissez le fichier CSV de votre agence."})
    try:
        report = await call(import_file, services(request).importer.run, upload, member)
    except UnusableFile as error:
        return agency_page(request, 422, errors={"fichier": f"Fichier refusé, rien n'a été importé : {error}."})
    return render_page(request, "console/import_report.html", report=report.as_dict(), filename=upload.filename)


def import_file(run: Any, upload: UploadFile, member: StaffMember) -> ImportReport:
    """The uploaded file copied to disk, read as ``sesame import-accounts``
    reads one, each row limited to the member's own codes."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "import.csv"
        with path.open("wb") as copy:
            upload.file.seek(0)
            shutil.copyfileobj(upload.file, copy)
        rows = CsvRows(path)
        try:
            report: ImportReport = run(rows, allowed=member.sees_agency)
        finally:
            rows.close()
    return report


@console_page("agency")
async def end_contract(request: Request, member: StaffMember) -> Response:
    """GET asks for the confirmation; POST without it asks too, with it ends."""
    form = await checked_form(request) if request.method == "POST" else request.query_params
    login_id = form.get("login_id", "").strip()[:64]
    if not login_id:
        return agency_page(request, 422, errors={"login_id": "Indiquez l'identifiant du contrat."})
    if request.method == "GET" or form.get("confirmation") != "oui":
        return render_page(request, END_PAGE, login_id=login_id)
    try:
        ended_at = await call(
            services(request).retention.end_contract, member.client_code, member.company_code, login_id
        )
    except Refused as refusal:
        return agency_page(
            request, refusal_status(refusal), errors={"login_id": refusal.message}, values={"login_id": login_id}
        )
    return render_page(request, END_PAGE, login_id=login_id, ended_at=ended_at.isoformat())


routes = [
    Route("/console/agence", agency, methods=["GET"]),
    Route("/console/agence/import", upload, methods=["POST"]),
    Route("/console/agence/fin-de-contrat", end_contract, methods=["GET", "POST"]),
]
