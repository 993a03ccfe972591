"""Reading a page's form as a browser would: the values of its inputs (CSRF token, version, date)."""

import re

_HIDDEN = r'<input[^>]*name="{name}"[^>]*value="([^"]*)"'


def hidden(html: str, name: str) -> str:
    """Return the value of a form's input named ``name``: the CSRF token, the version, the date."""
    found = re.search(_HIDDEN.format(name=re.escape(name)), html) or re.search(
        rf'<input[^>]*value="([^"]*)"[^>]*name="{re.escape(name)}"', html
    )
    if not found:
        raise ValueError(f"no input named {name}")
    return found.group(1)
