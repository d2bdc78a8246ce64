"""The staff JSON API: agencies' imports and contract ends, support search,
auditors' replay. Every call checks the token's role and the agency's scope."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from application.audit import parse_moment
from application.errors import Refused
from application.support import no_query
from domain.agency_codes import same_agency
from domain.staff import StaffMember
from web.body_schema import Field
from web.requests import bearer, json_body
from web.use_cases import services

MAX_ACCOUNTS = 10_000


async def staff(request: Request, *roles: str) -> StaffMember:
    member: StaffMember = await run_in_threadpool(services(request).staff.authenticate, bearer(request), *roles)
    return member


async def agency_staff(request: Request) -> tuple[StaffMember, str, str]:
    member = await staff(request, "agency")
    client, company = request.path_params["client_code"], request.path_params["company_code"]
    services(request).staff.require_agency(member, client, company)
    return member, client, company


async def import_accounts(request: Request) -> Response:
    """The same rules and report as ``sesame import-accounts``, for a JSON list."""
    _, client, company = await agency_staff(request)
    body = await json_body(request, list)
    if len(body) > MAX_ACCOUNTS:
        raise Refused("invalid_request", f"Au plus {MAX_ACCOUNTS} comptes par requête.")
    rows = [(n, row if isinstance(row, dict) else {}) for n, row in enumerate(body, start=1)]
    report = await run_in_threadpool(
        services(request).importer.run, rows, allowed=lambda c, s: same_agency((client, company), c, s)
    )
    return JSONResponse(report.as_dict())


async def end_contract(request: Request) -> Response:
    _, client, company = await agency_staff(request)
    ended_at = await run_in_threadpool(
        services(request).retention.end_contract, client, company, request.path_params["login_id"]
    )
    return JSONResponse({"ended_at": ended_at.isoformat()}, status_code=202)


# What a search may be: visible text without control characters (the API document publishes it).
QUERY = Field(missing=no_query)


async def search(request: Request) -> Response:
    member = await staff(request, "support", "agency")
    params = request.query_params
    result = await run_in_threadpool(
        services(request).support.search, member, QUERY.read("q", params.get("q")), params.get("page", "1"),
        params.get("per_page", "20"), params.get("cursor"),
    )
    return JSONResponse(result)


async def support_profile(request: Request) -> Response:
    member = await staff(request, "support", "agency")
    identity_id = services(request).directory.resolve_uuid(request.path_params["identity"])
    return JSONResponse(await run_in_threadpool(services(request).support.profile, member, identity_id))


async def audit_events(request: Request) -> Response:
    member = await staff(request, "auditor")
    identity_id = services(request).directory.resolve_uuid(request.path_params["identity"])
    return JSONResponse({"events": await run_in_threadpool(services(request).audit.events, member, identity_id)})


async def audit_state(request: Request) -> Response:
    member = await staff(request, "auditor")
    identity_id = services(request).directory.resolve_uuid(request.path_params["identity"])
    at = parse_moment(request.query_params.get("at"))
    return JSONResponse(await run_in_threadpool(services(request).audit.state_at, member, identity_id, at))


routes = [
    Route("/agencies/{client_code}/{company_code}/accounts", import_accounts, methods=["POST"]),
    Route("/agencies/{client_code}/{company_code}/accounts/{login_id}", end_contract, methods=["DELETE"]),
    Route("/support/identities", search, methods=["GET"]),
    Route("/support/identities/{identity}", support_profile, methods=["GET"]),
    Route("/audit/identities/{identity}/events", audit_events, methods=["GET"]),
    Route("/audit/identities/{identity}/state", audit_state, methods=["GET"]),
]
