"""The device a session is used from, in the person's words (« Chrome sur Android »).

The User-Agent is parsed by ua-parser (the rules Browserscope keeps up to
date); only the names it finds are put in French order, and what it cannot
name stays « Appareil inconnu ». The words, not the User-Agent, are what is
kept: enough for a person to recognise a device, nothing more.
"""

from __future__ import annotations

from functools import lru_cache

import ua_parser

MAX_USER_AGENT = 512  # longer ones are cut before parsing: no real browser sends more
BROWSERS = {
    "Chrome Mobile": "Chrome",
    "Chrome Mobile iOS": "Chrome",
    "Chrome Mobile WebView": "Chrome",
    "HeadlessChrome": "Chrome",
    "Mobile Safari": "Safari",
    "Mobile Safari UI/WKWebView": "Safari",
    "Firefox Mobile": "Firefox",
    "Firefox iOS": "Firefox",
    "Edge Mobile": "Edge",
    "Samsung Internet": "Samsung Internet",
}
SYSTEMS = {"Mac OS X": "Mac", "Chrome OS": "ChromeOS"}
HANDHELDS = ("iPhone", "iPad")  # the device says more than « iOS »


@lru_cache(maxsize=1024)
def device_words(user_agent: str) -> str:
    parsed = ua_parser.parse(user_agent[:MAX_USER_AGENT])
    browser = parsed.user_agent.family if parsed.user_agent and parsed.user_agent.family != "Other" else ""
    system = parsed.os.family if parsed.os and parsed.os.family != "Other" else ""
    device = parsed.device.family if parsed.device else ""
    where = device if device in HANDHELDS else SYSTEMS.get(system, system)
    what = BROWSERS.get(browser, browser)
    if what and what == where:  # Android's own browser
        what = "Navigateur"
    if what and where:
        return f"{what} sur {where}"
    return what or (f"Appareil {where}" if where else "Appareil inconnu")
