"""Sending reports by email: settings, the message, SMTP with retries, and the outbox.

A message that cannot be sent is never lost: after a few attempts it is written to the
outbox folder as an .eml file, and `xlfin send-outbox` tries again later. The SMTP
password is kept out of every repr, log line and error message.
"""

from __future__ import annotations

import html
import signal
import smtplib
import ssl
import threading
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formatdate, make_msgid
from pathlib import Path

from xlfin.delivery import progress
from xlfin.files import atomic_write, locked, sha256_bytes

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
SECURITIES = ("none", "starttls", "ssl")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}


class MailError(Exception):
    """Settings that cannot be used, or a message that could not be sent."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    sender: str
    port: int = 587
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    security: str = "starttls"
    timeout: float = 30.0
    """Seconds one read or write on the connection may wait."""
    deadline: float = 120.0
    """Seconds one attempt at one message may take in all, connecting included: a server
    that answers a byte at a time never holds xlfin longer."""
    attempts: int = 3
    retry_wait: float = 2.0
    cafile: str | None = None
    """A CA bundle to trust (for a server with a private certificate)."""
    allowed_domains: tuple[str, ...] = ()
    """The domains a workbook's Report to may name (empty: any); the others get no mail."""
    max_recipients: int = 20
    """The most Report to recipients one workbook may name; over it, none gets mail."""

    def describe(self) -> str:
        """For logs: never the password."""
        who = f"{self.user}@" if self.user else ""
        return f"{who}{self.host}:{self.port} ({self.security})"


def load_settings(config: Path | None, env: Mapping[str, str]) -> SmtpSettings | None:
    """SMTP settings from the [smtp] table of the operator's settings file `config` (the
    command line chooses it), then the XLFIN_SMTP_* variables of `env` over them; None when
    no host is set."""
    values: dict[str, object] = {}
    if config is not None:
        try:
            values.update(tomllib.loads(config.read_text(encoding="utf-8")).get("smtp", {}))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise MailError(f"{config} is not valid TOML: {exc}") from None
        except OSError as exc:
            raise MailError(f"{config} cannot be read: {exc.strerror}") from None
    for key in ("host", "port", "user", "password", "from", "security", "cafile"):
        if env.get(f"XLFIN_SMTP_{key.upper()}"):
            values[key] = env[f"XLFIN_SMTP_{key.upper()}"]
    if not values.get("host"):
        return None
    security = str(values.get("security", "starttls")).lower()
    if security not in SECURITIES:
        raise MailError(f"SMTP security must be one of {', '.join(SECURITIES)}, not {security!r}")
    try:
        port = int(values.get("port") or DEFAULT_PORTS[security])
    except ValueError:
        raise MailError(f"SMTP port must be a number, not {values.get('port')!r}") from None
    sender = values.get("from") or values.get("user")
    if not sender:
        raise MailError("set the sender address: `from` in the settings file or XLFIN_SMTP_FROM")
    try:
        attempts = int(values.get("attempts", 3))
        retry_wait = float(values.get("retry_wait", 2.0))
        deadline = float(values.get("deadline", 120.0))
    except (TypeError, ValueError):
        raise MailError("SMTP attempts, retry_wait and deadline must be numbers") from None
    if attempts < 1 or retry_wait < 0 or deadline <= 0:
        raise MailError(
            f"SMTP attempts must be at least 1 (not {attempts}), retry_wait at least 0 (not "
            f"{retry_wait}) and deadline above 0 (not {deadline}): 0 attempts would send "
            "nothing"
        )
    domains = values.get("allowed_domains", [])
    if not isinstance(domains, list) or not all(isinstance(d, str) for d in domains):
        raise MailError('SMTP allowed_domains must be a list of domains, e.g. ["acme.example"]')
    try:
        max_recipients = int(values.get("max_recipients", 20))
    except (TypeError, ValueError):
        raise MailError("SMTP max_recipients must be a number") from None
    return SmtpSettings(
        allowed_domains=tuple(d.strip().lower() for d in domains),
        max_recipients=max_recipients,
        host=str(values["host"]),
        port=port,
        sender=str(sender),
        user=str(values["user"]) if values.get("user") else None,
        password=str(values["password"]) if values.get("password") else None,
        security=security,
        cafile=str(values["cafile"]) if values.get("cafile") else None,
        attempts=attempts,
        retry_wait=retry_wait,
        deadline=deadline,
    )


@dataclass(frozen=True)
class Body:
    """What a message says: its subject, a first sentence, a table of totals per project
    (amounts already formatted) and a last sentence."""

    subject: str
    intro: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    closing: str


def compose(
    sender: str, recipients: Sequence[str], body: Body, attachment: Path, currency: str
) -> EmailMessage:
    """A short message with a plain-text and an HTML body, `attachment` attached."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = body.subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="xlfin.local")
    table_rows = [body.header, *body.rows]
    widths = [max(len(r[i]) for r in table_rows) for i in range(len(body.header))]
    table = "\n".join(
        "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in table_rows
    )
    text = (
        f"{body.intro}\n\nTotals per project ({currency}):\n\n{table}\n\n"
        f"{body.closing}\n\n-- \nxlfin\n"
    )
    cells = "".join(
        "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in r) + "</tr>" for r in body.rows
    )
    heads = "".join(f"<th>{html.escape(h)}</th>" for h in body.header)
    page = (
        f"<p>{html.escape(body.intro)}</p><p>Totals per project ({html.escape(currency)})"
        f':</p><table border="1" cellpadding="4" cellspacing="0"><tr>{heads}</tr>'
        f"{cells}</table><p>{html.escape(body.closing)}</p>"
    )
    message.set_content(text)
    message.add_alternative(f"<html><body>{page}</body></html>", subtype="html")
    message.add_attachment(
        attachment.read_bytes(),
        maintype=XLSX_TYPE[0],
        subtype=XLSX_TYPE[1],
        filename=attachment.name,
    )
    return message


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    context = ssl.create_default_context(cafile=settings.cafile)
    if settings.security == "ssl":
        server: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=context
        )
    else:
        server = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        if settings.security == "starttls":
            server.starttls(context=context)
    if settings.user and settings.password:
        server.login(settings.user, settings.password)
    return server


class DeadlinePassed(OSError):
    """One attempt at a message took longer than the settings' deadline."""


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Cut what runs inside off after `seconds`, whatever it waits in (a server answering a
    byte at a time never trips the read timeout). An interval timer's signal interrupts
    the wait; signals reach the main thread only, so elsewhere only the read timeout
    holds (xlfin sends from the main thread: the CLI, the watcher and folder workers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise DeadlinePassed(f"the server took more than {seconds:g} s; given up")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _send_once(message: EmailMessage, settings: SmtpSettings) -> dict:
    """One attempt, connecting and saying goodbye included, cut off at `settings.deadline`
    seconds; a failed attempt closes the connection without a QUIT that could wait again."""
    with _deadline(settings.deadline):
        server = _connect(settings)
        try:
            refused = server.send_message(message)
            with suppress(smtplib.SMTPException, OSError):  # sent: a lost goodbye is no failure
                server.quit()
        finally:
            server.close()
    return refused


def _reason(exc: BaseException) -> str:
    """What went wrong, in one line, without anything a secret could hide in."""
    if isinstance(exc, smtplib.SMTPNotSupportedError) and "SMTPUTF8" in str(exc):
        return (
            "the server does not take addresses with non-ASCII letters (it lacks SMTPUTF8); "
            "write the address in ASCII or send through a server that takes them"
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = ", ".join(f"{a} ({c})" for a, (c, _) in exc.recipients.items())
        return f"recipients refused: {refused}"
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return f"server answered {exc.smtp_code} {text[:200]}"
    return f"{type(exc).__name__}: {str(exc)[:200]}"


def _permanent(exc: BaseException) -> bool:
    """A failure that trying again will not mend: refused recipients, a refused login, or
    any 5xx answer of the server (4xx and lost connections are worth another try)."""
    if isinstance(
        exc,
        smtplib.SMTPRecipientsRefused
        | smtplib.SMTPAuthenticationError
        | smtplib.SMTPNotSupportedError,
    ):
        return True
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def send(message: EmailMessage, settings: SmtpSettings) -> dict[str, tuple[int, str]]:
    """Send, trying `settings.attempts` times (a permanent failure only once); raise
    MailError with the last reason. Returns the recipients the server refused while it
    took the others: address -> (code, answer)."""
    reason = "not tried"
    for attempt in range(1, settings.attempts + 1):
        try:
            with progress.during(f"sending to {message['To']} via {settings.describe()}"):
                refused = _send_once(message, settings)
            return {
                address: (code, answer.decode("utf-8", "replace") if isinstance(answer, bytes)
                          else str(answer))
                for address, (code, answer) in refused.items()
            }  # fmt: skip
        except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
            reason = _reason(exc)
            if _permanent(exc):
                break
            if attempt < settings.attempts:
                progress.pause(
                    settings.retry_wait * attempt,
                    f"{reason}; trying again to send to {message['To']} "
                    f"(attempt {attempt + 1} of {settings.attempts})",
                )
    raise MailError(f"could not send to {message['To']} via {settings.describe()}: {reason}")


def for_recipients(message: EmailMessage, addresses: set[str]) -> EmailMessage:
    """A copy of `message` addressed only to those of its To recipients in `addresses`."""
    copy = BytesParser(policy=policy.SMTP).parsebytes(message.as_bytes())
    kept = [str(a) for a in message["To"].addresses if a.addr_spec in addresses]
    del copy["To"]
    copy["To"] = ", ".join(kept)
    return copy


def write_eml(message: EmailMessage, folder: Path, stem: str) -> Path:
    """The message as an .eml file in `folder` (not overwriting another), written whole or
    not at all (a full disk leaves no truncated message behind)."""
    return _write_eml(message.as_bytes(), folder, stem)


def _write_eml(data: bytes, folder: Path, stem: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.eml"
    n = 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-{n}.eml"
    atomic_write(path, lambda tmp: tmp.write_bytes(data), durable=True)
    return path


LOCK = "outbox.lock"
QUEUED = "queued.txt"
"""In an outbox: a line `<sha256> <file name>` for each message xlfin queued there."""


def queue(message: EmailMessage, outbox: Path, stem: str) -> Path:
    """Put the message in `outbox` for `xlfin send-outbox`, and record its hash: only the
    messages xlfin queued, unchanged, are ever sent from an outbox."""
    data = message.as_bytes()
    with _outbox_lock(outbox):
        path = _write_eml(data, outbox, stem)
        _record(outbox, {**_queued(outbox), path.name: sha256_bytes(data)})
    return path


def _queued(outbox: Path) -> dict[str, str]:
    record = outbox / QUEUED
    if not record.exists():
        return {}
    found = {}
    for line in record.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition(" ")
        if name:
            found[name] = digest
    return found


def _record(outbox: Path, queued: dict[str, str]) -> None:
    text = "".join(f"{digest} {name}\n" for name, digest in sorted(queued.items()))
    atomic_write(outbox / QUEUED, lambda tmp: tmp.write_text(text, encoding="utf-8"), True)


def deliver(
    message: EmailMessage,
    stem: str,
    settings: SmtpSettings | None,
    eml_dir: Path | None,
    outbox: Path,
) -> tuple[str, str]:
    """Send the message (or write it to `eml_dir`); on failure keep it in `outbox`.

    Returns what became of it ("sent", "queued" in the outbox, "written" to `eml_dir`) and
    a line for the log.
    """
    if eml_dir is not None:
        return "written", f"wrote {write_eml(message, eml_dir, stem)}"
    if settings is None:
        path = queue(message, outbox, stem)
        return "queued", (
            f"no SMTP server is set (a settings file or XLFIN_SMTP_HOST); the message to "
            f"{message['To']} waits in {path}"
        )
    try:
        refused = send(message, settings)
    except MailError as exc:
        path = queue(message, outbox, stem)
        return "queued", f"{exc}; the message waits in {path} (run `xlfin send-outbox`)"
    if refused:
        sent = [str(a) for a in message["To"].addresses if a.addr_spec not in refused]
        reasons = ", ".join(f"{a} ({code} {answer[:80]})" for a, (code, answer) in refused.items())
        path = queue(for_recipients(message, set(refused)), outbox, f"{stem}-refused")
        return "sent", (
            f"sent to {', '.join(sent)}; refused: {reasons}; the message for them waits in "
            f"{path} (run `xlfin send-outbox`)"
        )
    return "sent", f"sent to {message['To']}"


def send_outbox(outbox: Path, settings: SmtpSettings) -> tuple[list[str], list[str]]:
    """Try every message xlfin queued in `outbox`; sent ones are removed. A file that xlfin
    did not queue there, or that changed since, is refused and never sent (an outbox may
    sit where others can write). Returns (sent, failed) lines."""
    sent: list[str] = []
    failed: list[str] = []
    try:  # two send-outbox at once would send each message twice
        with _outbox_lock(outbox, wait=False):
            _send_queued(outbox, settings, sent, failed)
    except BlockingIOError:
        raise MailError(f"another xlfin is sending the outbox {outbox}; try later") from None
    return sent, failed


@contextmanager
def _outbox_lock(outbox: Path, wait: bool = True) -> Iterator[None]:
    """The outbox's lock (a file of its own: queued.txt is replaced, not rewritten), held
    while its record is read and written; BlockingIOError when `wait` is False and it is
    held."""
    outbox.mkdir(parents=True, exist_ok=True)
    with locked(outbox / LOCK, wait):
        yield


def _send_queued(outbox: Path, settings: SmtpSettings, sent: list[str], failed: list[str]) -> None:
    queued = _queued(outbox)
    for path in sorted(outbox.glob("*.eml")):
        if path.name not in queued:
            failed.append(f"{path.name}: not queued by xlfin; not sent")
            continue
        data = path.read_bytes()
        if sha256_bytes(data) != queued[path.name]:
            failed.append(f"{path.name}: changed since xlfin queued it; not sent")
            continue
        message = BytesParser(policy=policy.SMTP).parsebytes(data)
        try:
            refused = send(message, settings)
        except MailError as exc:
            failed.append(f"{path.name}: {exc}")
            continue
        if refused:  # the others have it; it waits for those refused only
            kept = for_recipients(message, set(refused)).as_bytes()
            atomic_write(path, lambda tmp, kept=kept: tmp.write_bytes(kept), durable=True)
            queued[path.name] = sha256_bytes(kept)
            _record(outbox, queued)
            failed.append(f"{path.name}: refused {', '.join(refused)}; kept for them")
            continue
        path.unlink()
        del queued[path.name]
        _record(outbox, queued)
        sent.append(f"{path.name}: sent to {message['To']}")
