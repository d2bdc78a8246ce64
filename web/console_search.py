"""« Recherche » (``/console/recherche``): one box, the support search use
case (``application/support.py``: the agency rule applied inside the query),
results as a table, paginated. Any role may search: auditors look people up
to replay them, agencies see only their own people and contracts."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from application.errors import Refused
from application.history import STATUS_WORDS
from domain.staff import StaffMember
from web.console_pages import console_page, render_page
from web.pages_common import call, refusal_status
from web.use_cases import services

PER_PAGE = 20


@console_page()
async def search(request: Request, member: StaffMember) -> Response:
    query = request.query_params.get("q", "").strip()[:200]
    if not query:
        return render_page(request, "console/search.html", q="", result=None)
    try:
        result = await call(
            services(request).support.search, member, query, request.query_params.get("page", "1"), PER_PAGE
        )
    except Refused as refusal:
        return render_page(
            request, "console/search.html", refusal_status(refusal), q=query, result=None, errors={"q": refusal.message}
        )
    return render_page(request, "console/search.html", q=query, result=result, status_words=STATUS_WORDS)


routes = [Route("/console/recherche", search, methods=["GET"])]
