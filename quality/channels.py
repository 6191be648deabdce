"""Where alerts go: a webhook (Slack or Teams) and e-mail over SMTP, configured by environment variables
(read by `quality.settings.AlertChannels`, the resource that builds these channels).

| variable | meaning |
|---|---|
| `CSDL_ALERT_WEBHOOK_URL` | incoming-webhook URL; receives `{"text": ...}`, which Slack and Teams both accept |
| `CSDL_ALERT_SMTP_HOST`, `CSDL_ALERT_SMTP_PORT` | SMTP relay (port 25 unless given) |
| `CSDL_ALERT_SMTP_USER`, `CSDL_ALERT_SMTP_PASSWORD` | login, if the relay wants one (keep them in a secret store) |
| `CSDL_ALERT_SMTP_STARTTLS` | `true` to upgrade the connection with STARTTLS (the relay's certificate is verified) |
| `CSDL_ALERT_SMTP_CA_FILE` | CA certificates (PEM) to verify the relay with, if not the system's |
| `CSDL_ALERT_SMTP_ALLOW_PLAINTEXT_LOGIN` | `true` to log in without TLS (a relay on a trusted network only) |
| `CSDL_ALERT_EMAIL_FROM`, `CSDL_ALERT_EMAIL_TO` | sender; comma-separated recipients |

A channel that is not configured is skipped; a channel that fails is retried at the next review
(the alert remembers which channels it reached). A login without TLS is refused before connecting:
smtplib would otherwise send the password in cleartext whenever STARTTLS is off. A webhook URL is its own
credential: an error names only its host, never its path or query, and no error shows the SMTP password. Text
that comes from records (subjects and messages quote source values) is escaped for Slack, so `<!channel>` or a
disguised link `<http://x|text>` in a record shows as typed and pings or links nobody.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

import requests

from sources.redaction import redact, url_without_secrets


@dataclass(frozen=True)
class Notice:
    """One message about one alert: it opened (a new problem) or closed (the problem is gone)."""

    event: str  # "opened" | "closed"
    alert_id: str
    problem_key: str
    kind: str
    severity: str
    subject: str
    message: str

    @property
    def title(self) -> str:
        state = "RESOLVED" if self.event == "closed" else ("ERROR" if self.severity == "ERROR" else "WARNING")
        return f"[CSDL KH&CN] [{state}] {self.subject}"

    @property
    def body(self) -> str:
        tail = "The problem is gone; nothing to do." if self.event == "closed" else self.message
        return f"{tail}\n\nalert {self.alert_id} · {self.kind} · {self.problem_key}"


class DeliveryFailed(RuntimeError):
    """A channel did not take the message; the text names no secret of the channel."""


def slack_escaped(text: str) -> str:
    """Text shown as written in Slack: `&`, `<` and `>` are its control characters (mentions such as
    `<!channel>`, links `<url|label>`), and Slack asks for exactly these three to be escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class WebhookChannel:
    name = "webhook"

    def __init__(self, url: str, timeout: float = 10.0):
        self.url, self.timeout = url, timeout

    def redact(self, text: str) -> str:
        parts = requests.utils.urlparse(self.url)
        return redact(text, [self.url, parts.path if len(parts.path) > 1 else None, parts.query or None])

    def send(self, notice: Notice) -> None:
        # `text` is the one field both Slack incoming webhooks and Teams connectors/workflows render.
        text = f"*{slack_escaped(notice.title)}*\n{slack_escaped(notice.body)}"
        where = url_without_secrets(self.url)
        try:
            response = requests.post(self.url, json={"text": text}, timeout=self.timeout)
        except requests.RequestException as error:  # its message quotes the URL, path and token included
            raise DeliveryFailed(
                f"webhook {where} could not be reached: {self.redact(type(error).__name__ + ': ' + str(error))}"
            ) from None
        if response.status_code >= 400:
            raise DeliveryFailed(
                f"webhook {where} answered HTTP {response.status_code} {response.reason}: "
                f"{self.redact(response.text[:200])}"
            )


class PlaintextLoginRefused(RuntimeError):
    """An SMTP login was configured without TLS, which would send the password in cleartext."""


class EmailChannel:
    name = "email"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        recipients: list[str],
        user: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 10.0,
        allow_plaintext_login: bool = False,
        ca_file: str | None = None,
    ):
        self.host, self.port, self.sender, self.recipients = host, port, sender, recipients
        self.user, self.password, self.starttls, self.timeout = user, password, starttls, timeout
        self.allow_plaintext_login, self.ca_file = allow_plaintext_login, ca_file

    def redact(self, text: str) -> str:
        return redact(text, [self.password])

    def send(self, notice: Notice) -> None:
        try:
            self._send(notice)
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryFailed(
                f"e-mail via {self.host}:{self.port} failed: {self.redact(type(error).__name__ + ': ' + str(error))}"
            ) from None

    def _send(self, notice: Notice) -> None:
        mail = EmailMessage()
        mail["Subject"], mail["From"], mail["To"] = notice.title, self.sender, ", ".join(self.recipients)
        mail["X-CSDL-Alert"] = f"{notice.alert_id} {notice.event}"
        mail.set_content(notice.body)
        if self.user and not self.starttls and not self.allow_plaintext_login:
            raise PlaintextLoginRefused(
                f"not sending the SMTP password of {self.user} to {self.host}:{self.port} in cleartext: set "
                "CSDL_ALERT_SMTP_STARTTLS=true (the relay must offer STARTTLS), or, for a relay reachable only over "
                "a trusted network, CSDL_ALERT_SMTP_ALLOW_PLAINTEXT_LOGIN=true"
            )
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                # smtplib's own default context does not verify the certificate: anyone on the path could answer
                smtp.starttls(context=ssl.create_default_context(cafile=self.ca_file))
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(mail)
