"""OAuth2 sign-in for `voxspec contract`: a token fetched once, before the checks, with the grant the caller gave.

The token request goes through the run's guard (it counts against the budget and the rate limit) and is sent
the way the generated clients send it (their TokenSource), so both sign in to a vendor alike.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from generator.contract.credentials import Credentials, Redactor, Scheme
from generator.contract.transport import Guard
from generator.errors import SpecError
from generator.runtime._auth import TokenSource
from generator.runtime._errors import ApiError
from generator.runtime.client import rebase


def token_url(scheme: Scheme, servers: Sequence[str], base_url: str) -> str:
    """The scheme's token URL, moved to --base-url's host when it sits on the spec's own (a mock, a region);
    servers are the IR's server URLs, variables filled in by build."""
    default = servers[0] if servers else ""
    return rebase(scheme.token_url, default, base_url) if default else scheme.token_url


def sign_in(
    schemes: dict[str, Scheme],
    credentials: Credentials,
    servers: Sequence[str],
    base_url: str,
    guard: Guard,
    redact: Redactor,
    timeout: float,
) -> list[str]:
    """Exchange every grant for a token, which then stands as the scheme's credential; a line per sign-in."""
    lines = []
    for name, fields in sorted(credentials.grants.items()):
        scheme = schemes[name]
        url = token_url(scheme, servers, base_url)
        source = TokenSource(
            url,
            fields["client_id"],
            fields["client_secret"],
            username=fields.get("username"),
            password=fields.get("password"),
            encoding=scheme.token_request,
        )
        guard.admit("POST", sign_in=True)
        try:
            response = httpx.request(**source.request(), timeout=timeout)
            source.accept(response)
        except httpx.HTTPError as exc:
            raise SpecError(redact(f"{name}: cannot reach the token endpoint {url}: {type(exc).__name__}")) from None
        except ApiError as exc:
            raise SpecError(redact(f"{name}: sign-in refused at {url} ({exc.status}): {exc.message}")) from None
        token = source.current()
        if not token:
            raise SpecError(f"{name}: the token endpoint {url} answered a token that is already expired")
        redact.add(token)
        credentials.signed_in(name, token, f"a token from {url} ({credentials.sources.get(name, 'a grant')})")
        grant = "password grant" if scheme.flow == "password" else "client credentials"
        lines.append(f"  signed in: {name} by {grant} at POST {url} (counted in the budget)")
    return lines
