"""The address of the client behind the site's own reverse proxies, for the sign-in lockout.

Behind the TLS proxy every request comes from the proxy's address (REMOTE_ADDR), and the client's
is in X-Forwarded-For. That header is believed only when the request comes from a proxy listed in
TIENDO_TRUSTED_PROXIES, and only as far as those proxies wrote it: reading from the right, the first
address that is not a trusted proxy is the client (anything further left the client wrote itself).
"""

import ipaddress

from django.conf import settings


def _networks():
    return [ipaddress.ip_network(entry, strict=False) for entry in settings.TIENDO_TRUSTED_PROXIES]


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """Return the client's address: REMOTE_ADDR, or what trusted proxies say they received from."""
    remote = request.META.get("REMOTE_ADDR")
    trusted = _networks()
    address = _address(remote or "")

    def is_trusted(candidate) -> bool:
        return any(candidate in network for network in trusted)

    if address is None or not trusted or not is_trusted(address):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for part in reversed(forwarded.split(",")):
        hop = _address(part)
        if hop is None:
            return remote  # a malformed header: keep the address that was seen
        if not is_trusted(hop):
            return str(hop)
    return remote
