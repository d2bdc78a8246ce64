"""The one way from a request into the use cases: the façade the composition root built."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from adapters.bootstrap import UseCases


def services(connection: HTTPConnection) -> UseCases:
    use_cases: UseCases = connection.app.state.use_cases
    return use_cases
