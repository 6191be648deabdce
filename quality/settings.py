"""The quality review's settings as typed Dagster resources: where alerts go, and the provincial reporting rules.

Each default is written once, as a field's default here. A field is set by its environment variable
(`VARIABLES`): in the definitions as an `EnvVar` when the variable is set while they load (its value is
read when a run starts; the UI shows the variable's name, never a secret), else the default.
`from_environment(env)` gives the same settings with their values, for code outside a run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date
from typing import ClassVar

import dagster as dg


def _yes(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes")


class _FromEnvironment(dg.ConfigurableResource):
    VARIABLES: ClassVar[dict[str, str]] = {}  # field -> environment variable

    @classmethod
    def for_definitions(cls):
        """EnvVar fields for the variables set now (str and int); bool fields take the value itself."""
        fields = {}
        for field, variable in cls.VARIABLES.items():
            if os.environ.get(variable):
                annotation = cls.model_fields[field].annotation
                fields[field] = (
                    _yes(os.environ[variable])
                    if annotation is bool
                    else dg.EnvVar.int(variable)
                    if annotation is int
                    else dg.EnvVar(variable)
                )
        return cls(**fields)

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None):
        env = os.environ if env is None else env
        fields = {}
        for field, variable in cls.VARIABLES.items():
            if env.get(variable):
                annotation = cls.model_fields[field].annotation
                fields[field] = (
                    _yes(env[variable])
                    if annotation is bool
                    else int(env[variable])
                    if annotation is int
                    else env[variable]
                )
        return cls(**fields)


class ReportingRules(_FromEnvironment):
    """When the provinces' reports are due, and how many past years the deadline alerts look at."""

    VARIABLES: ClassVar[dict[str, str]] = {
        "deadline": "CSDL_REPORT_DEADLINE",
        "years_alerted": "CSDL_REPORT_YEARS_ALERTED",
    }

    deadline: str = "02-15"
    """MM-DD of the year after the reporting year (15 February: Circular 14/2015/TT-BKHCN)."""
    years_alerted: int = 1
    """Reporting years the review alerts on: 1 is the last year whose deadline passed."""

    def due(self, year: int) -> date:
        month, day = (int(x) for x in self.deadline.split("-"))
        return date(year + 1, month, day)

    def last_due_year(self, today: date) -> int:
        """The latest reporting year whose deadline has passed."""
        return today.year - 1 if today > self.due(today.year - 1) else today.year - 2

    def sql_variables(self) -> dict[str, str]:
        """What `marts.reporting_completeness` reads with `getvariable`."""
        return {"reporting_deadline": self.deadline}


class AlertChannels(_FromEnvironment):
    """Where alerts go: an incoming webhook (Slack or Teams) and e-mail over SMTP; none configured, none sent."""

    VARIABLES: ClassVar[dict[str, str]] = {
        "webhook_url": "CSDL_ALERT_WEBHOOK_URL",
        "smtp_host": "CSDL_ALERT_SMTP_HOST",
        "smtp_port": "CSDL_ALERT_SMTP_PORT",
        "smtp_user": "CSDL_ALERT_SMTP_USER",
        "smtp_password": "CSDL_ALERT_SMTP_PASSWORD",
        "smtp_starttls": "CSDL_ALERT_SMTP_STARTTLS",
        "smtp_allow_plaintext_login": "CSDL_ALERT_SMTP_ALLOW_PLAINTEXT_LOGIN",
        "smtp_ca_file": "CSDL_ALERT_SMTP_CA_FILE",
        "email_from": "CSDL_ALERT_EMAIL_FROM",
        "email_to": "CSDL_ALERT_EMAIL_TO",
    }

    webhook_url: str = ""
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    """Upgrade the SMTP connection with STARTTLS (the relay's certificate is verified)."""
    smtp_allow_plaintext_login: bool = False
    """Log in without TLS: only for a relay reachable over a trusted network."""
    smtp_ca_file: str = ""
    email_from: str = "csdl-alerts@localhost"
    email_to: str = ""
    """Recipients, comma-separated."""

    def channels(self) -> list:
        from quality.channels import EmailChannel, WebhookChannel  # noqa: PLC0415

        found: list = [WebhookChannel(self.webhook_url)] if self.webhook_url else []
        recipients = [r.strip() for r in self.email_to.split(",") if r.strip()]
        if self.smtp_host and recipients:
            found.append(
                EmailChannel(
                    host=self.smtp_host,
                    port=self.smtp_port,
                    sender=self.email_from,
                    recipients=recipients,
                    user=self.smtp_user or None,
                    password=self.smtp_password or None,
                    starttls=self.smtp_starttls,
                    allow_plaintext_login=self.smtp_allow_plaintext_login,
                    ca_file=self.smtp_ca_file or None,
                )
            )
        return found
