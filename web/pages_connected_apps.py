"""« Applications connectées »: the applications the person signed into with
Sésame, and a button to sign out of each (the same cascade as any sign-out:
its tokens are revoked and the application told by back-channel)."""

from __future__ import annotations

import contextlib

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from application.errors import Refused
from application.ports import Session
from web.pages_common import call, person_page, redirect, render
from web.pages_profile import local_time
from web.security import checked_form
from web.use_cases import services

SIGNED_OUT = "Vous êtes déconnecté de cette application : elle devra vous demander de vous reconnecter."


@person_page
async def apps_page(request: Request, session: Session) -> Response:
    apps = await call(services(request).connected_apps.listed, session.identity_id)
    notice = SIGNED_OUT if request.query_params.get("info") == "application-deconnectee" else None
    return render(
        request, "connected_apps.html", notice=notice,
        apps=[{**app, "signed_in_at": local_time(app["signed_in_at"])} for app in apps],
    )


@person_page
async def sign_out_submit(request: Request, session: Session) -> Response:
    await checked_form(request)
    with contextlib.suppress(Refused):  # already ended, or not theirs: the list shows what is left
        await call(services(request).sign_outs.sign_out, session.identity_id, request.path_params["sign_in"])
    return redirect("/profil/applications?info=application-deconnectee")


routes = [
    Route("/profil/applications", apps_page, methods=["GET"]),
    Route("/profil/applications/{sign_in}/deconnexion", sign_out_submit, methods=["POST"]),
]
