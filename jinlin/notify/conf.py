"""Notify's settings, each with a default so the platform runs as a demo without any of them.

NOTIFY_CHANNELS maps a channel name to the class that sends on it (pluggable: a deployment may
name its own). JINLIN_SMS_BACKEND picks the SMS sender: `outbox` (the database outbox, for
development and the demo: nothing leaves the machine) or `http` (the gateway adapter).
"""

import os
from datetime import time

from django.conf import settings

DEFAULT_CHANNELS = {
    "sms": "jinlin.notify.channels.SmsChannel",
    "email": "jinlin.notify.channels.EmailChannel",
    "wecom": "jinlin.notify.channels.WecomChannel",
}


def channels() -> dict[str, str]:
    return getattr(settings, "NOTIFY_CHANNELS", None) or DEFAULT_CHANNELS


def sms_backend() -> str:
    return getattr(settings, "NOTIFY_SMS_BACKEND", None) or os.environ.get("JINLIN_SMS_BACKEND", "outbox")


def sms_gateway() -> tuple[str, str]:
    url = getattr(settings, "NOTIFY_SMS_GATEWAY_URL", None) or os.environ.get("JINLIN_SMS_GATEWAY_URL", "")
    key = getattr(settings, "NOTIFY_SMS_GATEWAY_KEY", None) or os.environ.get("JINLIN_SMS_GATEWAY_KEY", "")
    return url, key


def sms_signature() -> str:
    return getattr(settings, "NOTIFY_SMS_SIGNATURE", "【近邻】")


# Tries before a delivery becomes a dead letter, and the first wait (doubled after each failure).
MAX_ATTEMPTS = int(getattr(settings, "NOTIFY_MAX_ATTEMPTS", 5))
RETRY_BASE_SECONDS = float(getattr(settings, "NOTIFY_RETRY_BASE_SECONDS", 30))
SEND_TIMEOUT_SECONDS = float(getattr(settings, "NOTIFY_SEND_TIMEOUT_SECONDS", 5))
QUIET_START = time(22, 0)
QUIET_END = time(7, 0)

# SMS codes (issue 13): valid 5 minutes, 5 tries, one a minute and 10 a day per phone, and at most
# this many an hour from one address.
CODE_VALID_SECONDS = 300
CODE_MAX_TRIES = 5
CODE_MIN_INTERVAL_SECONDS = 60
CODE_PER_PHONE_PER_DAY = 10
CODE_PER_ADDRESS_PER_HOUR = int(getattr(settings, "NOTIFY_CODES_PER_ADDRESS_PER_HOUR", 20))

# The version of the privacy notice (个人信息保护告知) a person accepts at sign-up.
CONSENT_VERSION = getattr(settings, "NOTIFY_CONSENT_VERSION", "2026-01")
