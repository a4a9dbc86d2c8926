"""Folder builds, email over a real SMTP server, the outbox, and the inbox watcher.

The SMTP server is aiosmtpd, started on 127.0.0.1 by the tests; STARTTLS uses a
certificate from a throw-away CA (trustme). The watcher runs as a real process, fed
with real files written slowly.
"""

from __future__ import annotations

import asyncio
import email
import io
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import zipfile
from decimal import Decimal
from email import policy
from pathlib import Path

import openpyxl
import pytest
import trustme
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from conftest import SAMPLES
from xlfin.cli import main
from xlfin.delivery.mail import SmtpSettings, load_settings

PASSWORD = "hunter2-very-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler that keeps what it receives and refuses @refused.example."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@refused.example"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"


def use_smtp(monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    """Point xlfin (and the processes it starts) at a plain SMTP server on 127.0.0.1."""
    for key, value in (
        ("HOST", "127.0.0.1"),
        ("PORT", str(port)),
        ("SECURITY", "none"),
        ("FROM", "billing@agency.example"),
    ):
        monkeypatch.setenv(f"XLFIN_SMTP_{key}", value)


@pytest.fixture
def smtp(monkeypatch):
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    use_smtp(monkeypatch, port)
    yield box
    controller.stop()


def reader_killer(path: Path) -> Path:
    """A small workbook that makes python-calamine abort the process: a cell at XFD1048576
    under a sheet dimension that says A1:B2 (so xlfin's own check of the stated range
    cannot see it coming)."""
    book = openpyxl.load_workbook(SAMPLES / "agency.xlsx")
    book["Hours"]["XFD1048576"] = 1
    book.save(path)
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    hours = next(
        name for name, data in parts.items()
        if name.startswith("xl/worksheets/") and b'ref="A1:XFD1048576"' in data
    )  # fmt: skip
    parts[hours] = parts[hours].replace(b'ref="A1:XFD1048576"', b'ref="A1:B2"')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return path


def copy_sample(folder: Path, name: str = "agency.xlsx") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(SAMPLES / name, folder / name))


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def attachment(message) -> openpyxl.Workbook:  # type: ignore[no-untyped-def]
    part = next(p for p in message.iter_attachments())
    assert part.get_content_type() == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return openpyxl.load_workbook(io.BytesIO(part.get_content()))


def statement_projects(book: openpyxl.Workbook) -> list[str]:
    """The projects listed on a client statement's first sheet."""
    rows = list(book["Statement"].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "Project") + 1
    end = next(i for i, r in enumerate(rows) if r[0] == "Total")
    return [r[0] for r in rows[start:end]]


def cost_only_figures(path: Path) -> set[Decimal]:
    """Every cost figure of the workbook's build (line costs, cost rates, task and project
    costs, fixed costs) that is not also a figure a client may see (a revenue, a billing
    rate, hours, a billed or unbilled total)."""
    from xlfin.pipeline import analyse

    results = analyse(path, use_ledger=False).results
    assert results is not None
    cost: set[Decimal] = set()
    shown: set[Decimal] = set()
    for p in results.projects:
        cost |= {p.planned_cost, p.actual_cost, p.project.fixed_cost}
        shown |= {p.planned_revenue, p.actual_revenue, p.billed, p.unbilled, p.billable_expenses}
        for t in p.tasks:
            cost |= {t.planned_cost, t.actual_cost, t.planned_labor_cost, t.actual_labor_cost}
            shown |= {t.planned_revenue, t.actual_revenue, t.planned_expenses, t.actual_expenses}
            shown |= {e.actual_amount or 0 for e in t.expenses}
            for r in t.lines:
                cost |= {r.cost, r.cost_source.rate or 0}
                shown |= {r.revenue, r.uncapped, r.revenue_source.rate or 0, r.line.hours}
        for rec in p.records:
            shown |= {rec.total, rec.hours_amount, rec.expenses_amount, rec.fixed_amount,
                      rec.additional_amount}  # fmt: skip
    return {c for c in cost - shown if c}


def summary_projects(book: openpyxl.Workbook) -> list[str]:
    return [
        r[0]
        for r in book["Summary"].iter_rows(min_row=4, values_only=True)
        if r[0] and r[0] != "Total" and r[1]
    ]


class TestFolderBuild:
    def test_every_workbook_built_failures_reported(self, tmp_path):
        inbox = tmp_path / "in"
        copy_sample(inbox)
        copy_sample(inbox, "broken.xlsx")
        (inbox / "~$agency.xlsx").write_bytes(b"lock")
        (inbox / ".hidden.xlsx").write_bytes(b"x")
        (inbox / "old-billing.xlsx").write_bytes(b"a previous report")
        (inbox / "notes.txt").write_text("hello")
        result = run("build", inbox, "--out", tmp_path / "out")
        assert result.exit_code == 1, result.output
        lines = result.output.splitlines()
        assert "agency.xlsx: report written to" in result.output
        assert any(line.startswith("broken.xlsx: failed with") for line in lines)
        assert lines[-1] == "1 built, 1 failed"
        problems = (tmp_path / "out" / "broken-problems.txt").read_text()
        assert "broken.xlsx:Hours!G3: error VALUE_NEGATIVE" in problems
        assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
            "agency-billing.xlsx",
            "broken-problems.txt",
        ]

    def test_all_good_exits_zero_and_splits_by_project(self, tmp_path):
        inbox = tmp_path / "in"
        copy_sample(inbox)
        result = run("build", inbox, "--split-by", "project")
        assert result.exit_code == 0, result.output
        for project in ("P-100", "P-200", "P-300"):
            book = openpyxl.load_workbook(inbox / f"agency-{project}-billing.xlsx")
            assert summary_projects(book) == [project]

    def test_split_reports_never_overwrite_another_report(self, tmp_path):
        """In a folder with agency.xlsx and agency-P-100.xlsx, agency's split report of
        P-100 would be named like agency-P-100.xlsx's own report: it gets a suffix of its
        own, and says so. Every file the output names exists."""
        inbox = tmp_path / "in"
        copy_sample(inbox)
        shutil.copy(SAMPLES / "agency.xlsx", inbox / "agency-P-100.xlsx")
        result = run("build", inbox, "--split-by", "project", "--jobs", "1")
        assert result.exit_code == 0, result.output
        assert "the report of project 'P-100' is agency-P-100-" in result.output
        main = openpyxl.load_workbook(inbox / "agency-P-100-billing.xlsx")
        assert summary_projects(main) == ["P-100", "P-200", "P-300"]  # not overwritten
        split = [p for p in inbox.glob("agency-P-100-*-billing.xlsx") if "P-100-P-" not in p.name]
        assert len(split) == 1 and summary_projects(openpyxl.load_workbook(split[0])) == ["P-100"]
        for line in result.output.splitlines():
            if "report written to" in line:
                assert Path(line.split("report written to ")[1].split(" (")[0]).exists()

    def test_split_names_that_collapse_get_names_of_their_own(self, tmp_path):
        from conftest import write_text_workbook

        folder = tmp_path / "in"
        folder.mkdir()
        write_text_workbook(folder, "[Projects]\nProject\nP 1\nP/1\nP_1\n日本\n中国\n", "b.xlsx")
        result = run("build", folder, "--split-by", "project", "--no-ledger")
        assert result.exit_code == 0, result.output
        splits = sorted(p.name for p in folder.glob("b-*-billing.xlsx"))
        assert len(splits) == 5 and "b-P_1-billing.xlsx" not in splits  # all suffixed

    def test_empty_folder(self, tmp_path):
        result = run("build", tmp_path)
        assert result.exit_code == 0 and "no workbook" in result.output


class TestEmail:
    def test_email_to_sends_the_report(self, tmp_path, smtp):
        path = copy_sample(tmp_path)
        result = run(
            "build", path, "--email-to", "cfo@agency.example", "--email-to", "pm@agency.example"
        )
        assert result.exit_code == 0, result.output
        assert "sent to cfo@agency.example, pm@agency.example" in result.output
        [(recipients, message)] = smtp.messages
        assert recipients == ["cfo@agency.example", "pm@agency.example"]
        assert message["From"] == "billing@agency.example"
        assert message["Subject"] == "Billing report: agency.xlsx"
        text = message.get_body(("plain",)).get_content()
        assert "P-100" in text and "15857.00" in text and "Problems: no problems" in text
        assert "<table" in message.get_body(("html",)).get_content()
        assert summary_projects(attachment(message)) == ["P-100", "P-200", "P-300"]

    def test_report_to_gets_only_their_projects(self, tmp_path, smtp):
        result = run("build", copy_sample(tmp_path), "--email")
        assert result.exit_code == 0, result.output
        received = {tuple(r): statement_projects(attachment(m)) for r, m in smtp.messages}
        assert received == {
            ("finance@acme.example",): ["P-100"],
            ("ap@globex.example",): ["P-200"],
            ("cmo@globex.example",): ["P-200"],
            ("it@initech.example",): ["P-300"],
        }
        for _, message in smtp.messages:  # no other customer's problems or rows
            assert "Problems" not in attachment(message).sheetnames

    def test_a_report_to_recipient_receives_no_cost_margin_or_cost_rate(self, tmp_path, smtp):
        """Every header, every body part, every cell and every part of the attachment that a
        Report to recipient (a client) receives: no cost, margin, cost rate or rate level,
        in words or in figures; the statement names the agency and the client."""
        path = copy_sample(tmp_path)
        hidden = cost_only_figures(path)
        assert len(hidden) > 20  # the sample has costs enough to leak
        result = run("build", path, "--email")
        assert result.exit_code == 0, result.output
        words = re.compile(r"cost|margin|rate source|rates row|level|problem", re.I)
        assert len(smtp.messages) == 4
        for _, message in smtp.messages:
            for name, value in message.items():
                assert not words.search(f"{name}: {value}"), (name, value)
            for part in message.walk():
                if part.get_content_maintype() == "text":
                    text = part.get_content()
                    assert not words.search(text), text
                    for figure in hidden:
                        assert f"{figure:,.2f}" not in text, (figure, text)
            attached = next(message.iter_attachments())
            assert attached.get_filename().startswith("statement-")
            data = attached.get_content()
            with zipfile.ZipFile(io.BytesIO(data)) as package:  # every part, not only cells
                for info in package.infolist():
                    xml = package.read(info).decode("utf-8", "replace")
                    # What the part says (its text and attribute values), not its tag names
                    # (<pageMargins> is no margin).
                    said = " ".join(re.findall(r">([^<]+)<", xml) + re.findall(r'="([^"]*)"', xml))
                    assert not words.search(said), (info.filename, words.search(said))
            book = openpyxl.load_workbook(io.BytesIO(data))
            for sheet in book.worksheets:
                for row in sheet.iter_rows():
                    for cell in row:
                        if isinstance(cell.value, (int, float)) and not isinstance(
                            cell.value, bool
                        ):
                            assert Decimal(str(cell.value)) not in hidden, (sheet.title, cell)
            front = [c for r in book["Statement"].iter_rows(values_only=True) for c in r if c]
            assert front[0] == "Northwind Creative LLC"
            assert front[1].startswith("Statement for ")

    def test_report_to_is_held_to_the_operators_domains_and_cap(self, tmp_path, smtp):
        config = tmp_path / "settings.toml"
        config.write_text('[smtp]\nallowed_domains = ["globex.example"]\n')
        path = copy_sample(tmp_path / "in")
        result = run("build", path, "--email", "--config", config)
        assert result.exit_code == 0, result.output
        received = sorted(a for rcpt, _ in smtp.messages for a in rcpt)
        assert received == ["ap@globex.example", "cmo@globex.example"]
        assert "finance@acme.example: its domain is not in allowed_domains; not mailed" in (
            result.output
        )
        config.write_text("[smtp]\nmax_recipients = 3\n")  # the sample names 4
        result = run("build", path, "--email", "--config", config)
        assert "Report to names 4 recipients, over max_recipients (3); nothing mailed" in (
            result.output
        )
        assert len(smtp.messages) == 2  # nothing more

    def test_recipients_are_parsed_never_guessed(self, tmp_path, smtp):
        """A display name with a comma is one recipient; a name that is no address gets no
        mail (it used to be sent to RCPT TO:<Doe> and <Accounts>)."""
        path = copy_sample(tmp_path)
        book = openpyxl.load_workbook(path)
        sheet = book["Projects"]
        column = next(c.column for c in sheet[1] if c.value == "Report to")
        sheet.cell(2, column).value = '"Doe, John" <john@acme.example>; Accounts Payable'
        book.save(path)
        result = run("build", path, "--email")
        assert result.exit_code == 0, result.output
        assert "RECIPIENT_INVALID 'Accounts Payable' is not an e-mail address" in result.output
        envelopes = sorted(address for rcpt, _ in smtp.messages for address in rcpt)
        assert "john@acme.example" in envelopes
        assert not [a for a in envelopes if "@" not in a or a.startswith(("Doe", "Accounts"))]
        [to_john] = [m for rcpt, m in smtp.messages if rcpt == ["john@acme.example"]]
        assert to_john["To"] == '"Doe, John" <john@acme.example>'

    def test_one_refused_recipient_of_two_is_kept_for_retry_never_logged_as_sent(
        self, tmp_path, smtp
    ):
        path = copy_sample(tmp_path)
        ok, bad = "cfo@agency.example", "nobody@refused.example"
        result = run("build", path, "--email-to", ok, "--email-to", bad)
        assert result.exit_code == 0, result.output
        [line] = [x for x in result.output.splitlines() if x.startswith("sent to")]
        assert line.startswith(f"sent to {ok}; refused: {bad} (550 ")
        assert [rcpt for rcpt, _ in smtp.messages] == [[ok]]
        [waiting] = list((tmp_path / "outbox").glob("*.eml"))
        kept = email.message_from_bytes(waiting.read_bytes(), policy=policy.default)
        assert kept["To"] == bad  # for the refused one only: the other has it
        result = run("send-outbox", tmp_path / "outbox")  # still refused: still kept
        assert result.exit_code == 1 and waiting.exists()
        assert len(smtp.messages) == 1  # the accepted recipient got it once

    def test_a_non_ascii_address_is_refused_clearly_by_a_server_without_smtputf8(
        self, tmp_path, monkeypatch
    ):
        box = Mailbox()
        port = free_port()
        controller = Controller(box, hostname="127.0.0.1", port=port, enable_SMTPUTF8=False)
        controller.start()
        use_smtp(monkeypatch, port)
        try:
            path = copy_sample(tmp_path)
            result = run("build", path, "--email-to", "jöran@agency.example")
        finally:
            controller.stop()
        assert result.exit_code == 0, result.output
        assert "does not take addresses with non-ASCII letters (it lacks SMTPUTF8)" in (
            result.output
        )
        assert box.messages == [] and list((tmp_path / "outbox").glob("*.eml"))

    def test_a_permanent_refusal_is_not_tried_again(self, tmp_path, smtp, monkeypatch):
        data_calls: list[int] = []

        async def refuse_data(server, session, envelope):
            data_calls.append(1)
            return "554 5.7.1 message rejected"

        monkeypatch.setattr(smtp, "handle_DATA", refuse_data)
        result = run("build", copy_sample(tmp_path), "--email-to", "cfo@agency.example")
        assert result.exit_code == 0, result.output
        assert "server answered 554" in result.output
        assert len(data_calls) == 1  # settings allow 3 attempts; a 5xx is final
        assert list((tmp_path / "outbox").glob("*.eml"))

    def test_a_server_that_drops_mid_data_or_answers_4xx_is_tried_again_and_sent_once(
        self, tmp_path, smtp, monkeypatch
    ):
        """A real server that hangs up after the message's data, before its answer, then
        answers 451 once, then takes it: xlfin tries again each time (neither is final)
        and the message is received exactly once."""
        answers = ["drop", "451 4.3.0 try again later"]
        taken = smtp.handle_DATA

        async def unsteady(server, session, envelope):
            if not answers:
                return await taken(server, session, envelope)
            answer = answers.pop(0)
            if answer == "drop":
                server.transport.close()  # the connection ends mid-DATA, unanswered
                return "250 never read"
            return answer

        monkeypatch.setattr(smtp, "handle_DATA", unsteady)
        config = tmp_path / "settings.toml"
        config.write_text("[smtp]\nattempts = 3\nretry_wait = 0\n")
        result = run(
            "build", copy_sample(tmp_path), "--email-to", "cfo@agency.example", "--config", config
        )
        assert result.exit_code == 0, result.output
        assert "sent to cfo@agency.example" in result.output
        assert answers == [] and [rcpt for rcpt, _ in smtp.messages] == [["cfo@agency.example"]]
        assert not list((tmp_path / "outbox").glob("*.eml"))

    def test_refused_recipient_waits_in_the_outbox(self, tmp_path, smtp):
        path = copy_sample(tmp_path)
        result = run("build", path, "--email-to", "nobody@refused.example")
        assert result.exit_code == 0  # the report is written; the message waits
        assert "recipients refused: nobody@refused.example (550)" in result.output
        outbox = tmp_path / "outbox"
        [waiting] = list(outbox.glob("*.eml"))
        assert (tmp_path / "agency-billing.xlsx").exists()
        # Still refused: it stays, and stays queued.
        result = run("send-outbox", outbox)
        assert result.exit_code == 1 and "0 sent, 1 still waiting" in result.output
        assert waiting.exists() and not smtp.messages

    def test_send_outbox_sends_only_what_xlfin_queued_unchanged(self, tmp_path, smtp):
        """An outbox may sit where others can write: a message xlfin did not queue there (a
        forged sender, a hidden Bcc) or one changed since (edited, or cut short by a full
        disk) is refused with one line and never relayed; the queued one is sent."""
        path = copy_sample(tmp_path)
        result = run("build", path, "--email-to", "nobody@refused.example")
        outbox = tmp_path / "outbox"
        [queued] = list(outbox.glob("*.eml"))
        forged = outbox / "forged.eml"
        forged.write_bytes(
            b"From: ceo@agency.example\r\nTo: cfo@agency.example\r\n"
            b"Bcc: thief@evil.example\r\nSubject: wire\r\n\r\nPay now.\r\n"
        )
        edited = outbox / "edited.eml"
        edited.write_bytes(queued.read_bytes())  # a copy under a name xlfin never queued
        original = queued.read_bytes()
        queued.write_bytes(original.replace(b"nobody@refused.example", b"thief@evil.example"))
        result = run("send-outbox", outbox)
        assert result.exit_code == 1
        assert f"{forged.name}: not queued by xlfin; not sent" in result.output
        assert f"{edited.name}: not queued by xlfin; not sent" in result.output
        assert f"{queued.name}: changed since xlfin queued it; not sent" in result.output
        assert smtp.messages == []
        queued.write_bytes(original[: len(original) // 2])  # cut short
        assert "changed since xlfin queued it" in run("send-outbox", outbox).output
        assert smtp.messages == []
        assert forged.exists() and edited.exists()

    def test_two_send_outbox_at_once_never_send_twice(self, tmp_path, smtp):
        result = run("build", copy_sample(tmp_path), "--email-to", "nobody@refused.example")
        outbox = tmp_path / "outbox"
        holder = subprocess.Popen(  # another xlfin sending this outbox, in its own process
            [sys.executable, "-c",
             "import fcntl, sys, time; f = open(sys.argv[1], 'a'); "
             "fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(600)",
             str(outbox / "outbox.lock")],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert holder.stdout.readline().strip() == "held"
            result = run("send-outbox", outbox)
        finally:
            holder.kill()
            holder.wait()
        assert result.exit_code == 1
        assert "another xlfin is sending the outbox" in result.output
        assert smtp.messages == [] and list(outbox.glob("*.eml"))

    def test_a_queued_message_is_sent_once_the_server_is_back(self, tmp_path, smtp, monkeypatch):
        port = os.environ["XLFIN_SMTP_PORT"]
        monkeypatch.setenv("XLFIN_SMTP_PORT", str(free_port()))  # down while building
        config = tmp_path / "settings.toml"
        config.write_text("[smtp]\nattempts = 1\n")
        path = copy_sample(tmp_path / "in")
        result = run("build", path, "--email-to", "cfo@agency.example", "--config", config)
        assert "waits in" in result.output
        outbox = tmp_path / "in" / "outbox"
        [queued] = list(outbox.glob("*.eml"))
        monkeypatch.setenv("XLFIN_SMTP_PORT", port)  # back
        result = run("send-outbox", outbox)
        assert result.exit_code == 0 and "1 sent, 0 still waiting" in result.output
        assert [rcpt for rcpt, _ in smtp.messages] == [["cfo@agency.example"]]
        assert not queued.exists() and queued.name not in (outbox / "queued.txt").read_text()
        assert run("send-outbox", outbox).exit_code == 0 and len(smtp.messages) == 1

    def test_server_down_is_retried_then_kept(self, tmp_path, monkeypatch):
        monkeypatch.setenv("XLFIN_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("XLFIN_SMTP_PORT", str(free_port()))  # nobody listens
        monkeypatch.setenv("XLFIN_SMTP_SECURITY", "none")
        monkeypatch.setenv("XLFIN_SMTP_FROM", "billing@agency.example")
        (tmp_path / "xlfin.toml").write_text("[smtp]\nattempts = 2\nretry_wait = 0.1\n")
        monkeypatch.setenv("XLFIN_CONFIG", str(tmp_path / "xlfin.toml"))
        path = copy_sample(tmp_path)
        started = time.monotonic()
        result = run("build", path, "--email-to", "cfo@agency.example")
        assert result.exit_code == 0
        assert "ConnectionRefusedError" in result.output and "waits in" in result.output
        assert time.monotonic() - started < 30
        assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
        assert run("send-outbox", tmp_path / "outbox").exit_code == 1

    def test_waits_count_down_on_a_terminal_and_are_one_plain_line_in_a_log(self, tmp_path):
        """A real `xlfin build` whose server is down: on a terminal (a pseudo-terminal) the
        wait before the next attempt counts down in place; in a pipe it is one plain line."""
        import pty

        config = tmp_path / "settings.toml"
        config.write_text(
            f'[smtp]\nhost = "127.0.0.1"\nport = {free_port()}\nsecurity = "none"\n'
            'from = "billing@agency.example"\nattempts = 2\nretry_wait = 1.5\n'
        )
        path = copy_sample(tmp_path)
        command = [sys.executable, "-m", "xlfin", "build", str(path), "--config", str(config),
                   "--email-to", "cfo@agency.example"]  # fmt: skip
        wait = "trying again to send to cfo@agency.example (attempt 2 of 2) in"
        piped = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert piped.returncode == 0, piped.stderr
        assert piped.stderr.count(f"{wait} 1.5 s\n") == 1 and "\r" not in piped.stderr

        leader, follower = pty.openpty()
        child = subprocess.Popen(command, stdout=follower, stderr=follower)
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal's other end closed: the child is gone
                break
            if not chunk:
                break
            seen += chunk
        os.close(leader)
        assert child.wait(timeout=120) == 0
        shown = seen.decode()
        counted = re.findall(r"\r\x1b\[K[^\r]*; (trying again[^\r]*?)(?=\r)", shown)
        assert counted == [f"{wait} 2 s", f"{wait} 1 s"], shown
        assert f"{wait} 1.5 s" not in shown  # the log line is for logs

    def test_a_full_disk_under_the_outbox_keeps_no_truncated_message(self, tmp_path):
        """A real build whose server is down and whose files may not grow past the report's
        size (RLIMIT_FSIZE, as a full disk): the message, larger than that, can be neither
        sent nor kept. One line says so and names the file, the command fails, and no
        truncated .eml is left for send-outbox to send later."""
        config = tmp_path / "settings.toml"
        config.write_text(
            f'[smtp]\nhost = "127.0.0.1"\nport = {free_port()}\nsecurity = "none"\n'
            'from = "billing@agency.example"\nattempts = 1\n'
        )
        path = copy_sample(tmp_path)
        command = [sys.executable, "-m", "xlfin", "build", str(path), "--no-ledger",
                   "--config", str(config), "--email-to", "cfo@agency.example"]  # fmt: skip
        assert subprocess.run(command[:5], capture_output=True).returncode == 0
        report = tmp_path / "agency-billing.xlsx"
        room = report.stat().st_size + 4096  # the report fits; its message (base64) cannot

        full = subprocess.run(
            command, capture_output=True, text=True, preexec_fn=lambda: small_disk(room),
            timeout=120,
        )  # fmt: skip
        assert full.returncode == 1, full.stderr
        outbox = tmp_path / "outbox"
        assert full.stderr.strip().splitlines()[-1] == (
            "xlfin: agency.xlsx: the message to cfo@agency.example was neither sent nor kept: "
            f"{outbox / 'agency-all.eml'}: File too large"
        )
        assert f"wrote {report}" in full.stdout  # the build itself is told as done
        assert "Traceback" not in full.stderr
        assert sorted(p.name for p in outbox.iterdir()) == ["outbox.lock"]  # nothing half-kept
        sent = run("send-outbox", outbox, "--config", config)
        assert "0 sent, 0 still waiting" in sent.output

    def test_a_server_that_trickles_is_given_up_at_the_deadline(self, tmp_path, monkeypatch):
        """A real server on 127.0.0.1 that sends its greeting a byte at a time, each within
        the read timeout: one attempt ends at the deadline, and the message waits."""
        import threading

        listener = socket.create_server(("127.0.0.1", 0))
        stop = threading.Event()

        def trickle() -> None:
            connection, _ = listener.accept()
            with connection:
                for byte in b"220 slow.example ESMTP at your service, eventually\r\n" * 50:
                    if stop.wait(0.2):
                        return
                    connection.sendall(bytes([byte]))

        threading.Thread(target=trickle, daemon=True).start()
        config = tmp_path / "settings.toml"
        config.write_text(
            f'[smtp]\nhost = "127.0.0.1"\nport = {listener.getsockname()[1]}\n'
            'security = "none"\nfrom = "billing@agency.example"\nattempts = 1\ndeadline = 1.5\n'
        )
        try:
            path = copy_sample(tmp_path)
            result = run("build", path, "--email-to", "cfo@agency.example", "--config", config)
        finally:
            stop.set()
            listener.close()
        assert result.exit_code == 0, result.output
        assert "the server took more than 1.5 s; given up" in result.output
        assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1

    def test_starttls_with_a_private_certificate(self, tmp_path, monkeypatch):
        ca = trustme.CA()
        server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(server_context)
        box = Mailbox()
        port = free_port()
        controller = Controller(
            box, hostname="127.0.0.1", port=port, tls_context=server_context, require_starttls=True
        )
        controller.start()
        try:
            cafile = tmp_path / "ca.pem"
            ca.cert_pem.write_to_path(str(cafile))
            (tmp_path / "xlfin.toml").write_text(
                f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "starttls"\n'
                f'from = "billing@agency.example"\nattempts = 1\n'
            )
            monkeypatch.setenv("XLFIN_CONFIG", str(tmp_path / "xlfin.toml"))
            path = copy_sample(tmp_path)
            untrusted = run("build", path, "--email-to", "cfo@agency.example")
            assert "CERTIFICATE_VERIFY_FAILED" in untrusted.output and not box.messages
            with (tmp_path / "xlfin.toml").open("a") as config:
                config.write(f'cafile = "{cafile}"\n')
            trusted = run("build", path, "--email-to", "cfo@agency.example")
            assert "sent to cfo@agency.example" in trusted.output, trusted.output
            assert len(box.messages) == 1
        finally:
            controller.stop()

    def test_password_never_shown(self, tmp_path, smtp, monkeypatch):
        monkeypatch.setenv("XLFIN_SMTP_USER", "billing")
        monkeypatch.setenv("XLFIN_SMTP_PASSWORD", PASSWORD)
        settings = load_settings(None, env=os.environ)
        assert settings is not None and settings.password == PASSWORD
        assert PASSWORD not in repr(settings) and PASSWORD not in settings.describe()
        result = run("build", copy_sample(tmp_path), "--email-to", "cfo@agency.example")
        assert "AUTH" in result.output  # the test server offers no login
        assert PASSWORD not in result.output
        for eml in (tmp_path / "outbox").glob("*.eml"):
            assert PASSWORD.encode() not in eml.read_bytes()

    def test_eml_dir_instead_of_sending(self, tmp_path):
        result = run("build", copy_sample(tmp_path), "--email", "--eml-dir", tmp_path / "eml")
        assert result.exit_code == 0, result.output
        files = sorted(p.name for p in (tmp_path / "eml").iterdir())
        assert files == [
            "agency-ap@globex.example.eml",
            "agency-cmo@globex.example.eml",
            "agency-finance@acme.example.eml",
            "agency-it@initech.example.eml",
        ]
        message = email.message_from_bytes(
            (tmp_path / "eml" / files[0]).read_bytes(), policy=policy.default
        )
        assert message["To"] == "ap@globex.example"

    def test_settings_from_toml_and_environment(self, tmp_path):
        config = tmp_path / "xlfin.toml"
        config.write_text(
            '[smtp]\nhost = "mail.example"\nsecurity = "ssl"\nuser = "u"\nfrom = "b@example"\n'
        )
        settings = load_settings(config, env={})
        assert settings == SmtpSettings(
            host="mail.example", sender="b@example", port=465, user="u", security="ssl"
        )
        overridden = load_settings(config, env={"XLFIN_SMTP_PORT": "2525"})
        assert overridden.port == 2525
        assert load_settings(None, env={}) is None
        config.write_text('[smtp]\nhost = "h"\nsecurity = "tls?"\n')
        result = run("send-outbox", tmp_path, "--config", config)
        assert result.exit_code == 2 and "security" in result.output
        result = run("send-outbox", tmp_path, "--config", tmp_path / "none.toml")
        assert result.exit_code == 2 and "there is no settings file at" in result.output

    def test_zero_attempts_is_refused_instead_of_sending_nothing(self, tmp_path):
        config = tmp_path / "xlfin.toml"
        config.write_text('[smtp]\nhost = "h"\nfrom = "b@example"\nattempts = 0\n')
        result = run(
            "build", copy_sample(tmp_path), "--email-to", "a@b.example", "--config", config
        )
        assert result.exit_code == 2 and "attempts must be at least 1" in result.output

    def test_a_settings_file_dropped_beside_the_workbook_is_never_read(self, tmp_path, monkeypatch):
        """Whoever can drop files in the folder must not choose the mail server: an
        xlfin.toml there pointing at their server gets neither a login nor a report."""
        dropper = Mailbox()
        port = free_port()
        controller = Controller(dropper, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            for key in ("HOST", "PORT", "SECURITY", "FROM", "USER", "PASSWORD"):
                monkeypatch.delenv(f"XLFIN_SMTP_{key}", raising=False)
            folder = tmp_path / "inbox"
            path = copy_sample(folder)
            (folder / "xlfin.toml").write_text(
                f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
                'from = "evil@dropper.example"\n'
            )
            result = run("build", path, "--email-to", "cfo@agency.example")
            assert result.exit_code == 0, result.output
            assert "no SMTP server is set" in result.output
            assert dropper.messages == []
            result = run("build", folder, "--email-to", "cfo@agency.example")
            assert "no SMTP server is set" in result.output and dropper.messages == []
        finally:
            controller.stop()


def small_disk(limit: int) -> None:
    """In a child process: no file may grow past `limit` bytes; a write past it fails
    with EFBIG, as on a full disk."""
    import resource

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]  # kept: the soft one may be raised
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))


class Watcher:
    """`xlfin watch` in its own process, its log in a file."""

    def __init__(self, inbox: Path, *args: str, limit: int | None = None) -> None:
        """`limit`: the most bytes any file it writes may hold (RLIMIT_FSIZE, a full disk)."""
        self.inbox = inbox
        self.log = inbox.parent / "watch.log"
        started = self.text().count("watching")  # an earlier watcher's lines are in the log
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "xlfin", "watch", str(inbox), "--settle", "0.6", *args],
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # its own process group, its build children with it
            preexec_fn=None if limit is None else lambda: small_disk(limit),
        )
        self.wait_for("watching", started + 1)

    def text(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def wait_for(self, words: str, count: int = 1, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while self.text().count(words) < count:
            assert self.process.poll() is None or words == "stopped", self.text()
            assert time.monotonic() < deadline, f"waited for {words!r}:\n{self.text()}"
            time.sleep(0.05)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)

    def kill(self) -> None:
        """SIGKILL the watcher and its build children, as systemd kills a service's group."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=60)


class Stalling(Mailbox):
    """Takes messages until the `stall_at`-th, which it holds until `release` is set, then
    answers 451 (so it was never taken)."""

    def __init__(self, stall_at: int) -> None:
        super().__init__()
        self.stall_at, self.seen = stall_at, 0
        self.stalled, self.release = threading.Event(), threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.seen += 1
        if self.seen == self.stall_at:
            self.stalled.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 try again later"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def inbox(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


class SlowCopy:
    """A copy that grows by one chunk each time the watcher sleeps between looks, on a clock
    of its own: the watcher's waiting is tested without waiting."""

    def __init__(self, path: Path, data: bytes, chunks: int) -> None:
        self.path, self.data, self.size = path, data, len(data) // chunks + 1
        self.now, self.written = 0.0, 0
        self.changed_at = 0.0
        self.stream = path.open("wb")
        self.grow()

    def grow(self) -> None:
        if self.written < len(self.data):
            self.stream.write(self.data[self.written : self.written + self.size])
            self.stream.flush()
            self.written += self.size
            os.utime(self.path, ns=(int(self.now * 1e9),) * 2)  # mtime moves with each chunk
            self.changed_at = self.now
        elif not self.stream.closed:
            self.stream.close()

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.grow()


def test_a_file_is_taken_only_once_it_has_stopped_changing_for_the_settle_time(inbox):
    """A copy that grows for 6 looks is not taken while it grows; it is taken `settle`
    seconds (on the watcher's clock) after its last change, whole."""
    from xlfin.delivery.folder import Job
    from xlfin.delivery.inbox import Inbox

    data = (SAMPLES / "agency.xlsx").read_bytes()
    copy = SlowCopy(inbox / "agency.xlsx", data, chunks=6)
    watcher = Inbox(inbox, Job(inbox, inbox / "reports"), settle=2.0, log=lambda line: None,
                    clock=copy.clock, sleep=copy.sleep)  # fmt: skip
    assert watcher.settled(copy.path)
    assert copy.written >= len(data) and copy.path.read_bytes() == data
    assert copy.changed_at > 1.0  # it grew over several looks
    assert copy.changed_at + 2.0 <= copy.now < copy.changed_at + 2.0 + 0.25  # the first look after


def test_files_settle_together_not_one_after_another(inbox):
    """Three files dropped at once are ready together, `settle` seconds after each last
    changed (2 s × 3 one after another before); one still being written waits alone."""
    from xlfin.delivery.inbox import Settling

    now = [0.0]
    waiting = Settling(2.0, lambda: now[0])
    paths = [inbox / f"{name}.xlsx" for name in ("a", "b", "c")]
    for path in paths:
        path.write_bytes(b"x")
        waiting.add(path)
    growing = inbox / "d.xlsx"
    growing.write_bytes(b"x")
    waiting.add(growing)
    ready: list[list[str]] = []
    for step in range(1, 13):
        now[0] = step * 0.25
        if step < 10:
            with growing.open("ab") as stream:  # still being copied
                stream.write(b"more")
        ready.append([p.name for p in waiting.ready()])
    first = next(i for i, names in enumerate(ready) if names)
    assert ready[first] == ["a.xlsx", "b.xlsx", "c.xlsx"]  # together
    assert (first + 1) * 0.25 == 2.25  # first looked at 0.25, steady 2 s later
    assert not any("d.xlsx" in names for names in ready)  # changed until 2.25 s
    now[0] = 10.0
    assert [p.name for p in waiting.ready()] == ["d.xlsx"]


def test_a_file_that_disappears_while_settling_is_not_taken(inbox):
    from xlfin.delivery.folder import Job
    from xlfin.delivery.inbox import Inbox

    path = inbox / "agency.xlsx"
    path.write_bytes(b"partial")

    def sleep(seconds: float) -> None:
        path.unlink(missing_ok=True)

    watcher = Inbox(inbox, Job(inbox, inbox / "reports"), log=lambda line: None, sleep=sleep)
    assert not watcher.settled(path)


def test_a_workbook_that_kills_its_reader_fails_alone_in_a_folder_build(tmp_path):
    folder = tmp_path / "books"
    folder.mkdir()
    reader_killer(folder / "killer.xlsx")
    copy_sample(folder)
    result = run("build", folder, "--jobs", "2")
    assert result.exit_code == 1
    assert "agency.xlsx: report written to" in result.output
    assert "killer.xlsx: failed with 1 error" in result.output
    assert "1 built, 1 failed" in result.output
    problems = (folder / "killer-problems.txt").read_text()
    assert problems.startswith("killer.xlsx: error FILE_TOO_COSTLY its build needed more than 4 GB")
    assert (folder / "agency-billing.xlsx").exists()


def test_a_build_past_its_time_is_stopped_and_fails_alone(tmp_path, monkeypatch):
    """…and what it was writing goes with it: its temporary folder, and any temporary
    report file of an interrupted write."""
    import tempfile

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    folder = tmp_path / "books"
    copy_sample(folder)
    half = folder / ".agency-billing.k2j4h.xlsx"  # as a write killed midway leaves it
    half.write_bytes(b"PK half")
    result = run("build", folder, "--timeout", "0.01")
    assert not half.exists() and list(scratch.iterdir()) == []
    assert result.exit_code == 1 and "0 built, 1 failed" in result.output
    text = (folder / "agency-problems.txt").read_text()
    assert "FILE_TOO_COSTLY its build took longer than 0.01 s and was stopped" in text


def test_a_file_saved_over_while_it_is_built_is_built_again(inbox, monkeypatch):
    """A corrected file saved over the one being built is built, not moved away unbuilt."""
    import xlfin.delivery.inbox as module
    from xlfin.delivery.folder import Job

    lines: list[str] = []
    real = module.process
    calls: list[bytes] = []

    def process_while_saved_over(job):  # the user saves the corrected file mid-build
        calls.append(job.workbook.read_bytes())
        done = real(job)
        if len(calls) == 1:
            shutil.copy(SAMPLES / "agency.xlsx", job.workbook)
        return done

    monkeypatch.setattr(module, "process", process_while_saved_over)
    path = inbox / "book.xlsx"
    shutil.copy(SAMPLES / "broken.xlsx", path)
    watcher = module.Inbox(inbox, Job(inbox, inbox / "reports"), settle=0, log=lines.append)
    done = watcher.take(path)
    assert "book.xlsx: changed while it was built; building it again" in lines
    assert len(calls) == 2 and calls[1] == (SAMPLES / "agency.xlsx").read_bytes()
    assert done is not None and done.ok
    assert (inbox / "processed" / "book.xlsx").read_bytes() == calls[1]


@pytest.mark.slow
class TestWatch:
    def test_slow_copy_lock_files_duplicates_and_failures(self, inbox):
        watcher = Watcher(inbox)
        try:
            (inbox / "~$agency.xlsx").write_bytes(b"lock")
            (inbox / ".~tmp.xlsx").write_bytes(b"hidden")
            (inbox / "agency.xlsx.tmp").write_bytes(b"temporary")
            shutil.copy(SAMPLES / "agency.xlsx", inbox / "agency.xlsx")
            watcher.wait_for("input moved to processed/agency.xlsx")
            shutil.copy(SAMPLES / "agency.xlsx", inbox / "agency copy.xlsx")
            watcher.wait_for("same content as agency.xlsx")
            shutil.copy(SAMPLES / "broken.xlsx", inbox / "broken.xlsx")
            watcher.wait_for("input moved to failed/broken.xlsx")
        finally:
            assert watcher.stop() == 0
        assert "agency.xlsx: building" in watcher.text()
        assert watcher.text().count(": building") == 2  # the copy was not built again
        assert (inbox / "reports" / "agency-billing.xlsx").exists()
        assert sorted(p.name for p in (inbox / "processed").iterdir()) == [
            "agency copy.xlsx",
            "agency.xlsx",
        ]
        assert sorted(p.name for p in (inbox / "failed").iterdir()) == [
            "broken-problems.txt",
            "broken.xlsx",
        ]
        left = sorted(p.name for p in inbox.iterdir() if p.is_file())
        assert left == [".~tmp.xlsx", "agency.xlsx.tmp", "~$agency.xlsx"]  # ledger: $XLFIN_LEDGER

    def test_restart_takes_what_arrived_while_down(self, inbox):
        watcher = Watcher(inbox)
        assert watcher.stop() == 0
        shutil.copy(SAMPLES / "agency.xlsx", inbox / "monday.xlsx")
        watcher = Watcher(inbox)
        try:
            watcher.wait_for("input moved to processed/monday.xlsx")
        finally:
            watcher.stop()
        # A third start finds nothing to do, and never builds the same content again.
        shutil.copy(SAMPLES / "agency.xlsx", inbox / "monday again.xlsx")
        watcher = Watcher(inbox)
        try:
            watcher.wait_for("same content as monday.xlsx")
        finally:
            watcher.stop()

    def test_sigterm_while_building_finishes_the_file(self, inbox):
        watcher = Watcher(inbox)
        shutil.copy(SAMPLES / "agency.xlsx", inbox / "agency.xlsx")
        watcher.wait_for("agency.xlsx: building")
        assert watcher.stop() == 0
        text = watcher.text()
        assert "received SIGTERM" in text and text.rstrip().endswith("stopped")
        assert "input moved to processed/agency.xlsx" in text
        assert not (inbox / "agency.xlsx").exists()
        assert (inbox / "processed" / "agency.xlsx").exists()
        assert (inbox / "reports" / "agency-billing.xlsx").exists()

    def test_the_watchers_state_and_outbox_live_outside_the_inbox(self, inbox):
        """What the watcher has seen and the mail it queues sit in its state folder beside
        the inbox: nothing a dropper writes into the inbox can mark a file seen or add a
        message to send. A state folder inside the inbox is refused."""
        state = inbox.parent / "xlfin-state" / inbox.name
        (inbox / "outbox").mkdir()
        (inbox / "outbox" / "forged.eml").write_bytes(b"To: thief@evil.example\r\n\r\nx\r\n")
        watcher = Watcher(inbox, "--email-to", "cfo@agency.example")  # no SMTP server set
        try:
            shutil.copy(SAMPLES / "agency.xlsx", inbox / "agency.xlsx")
            watcher.wait_for("input moved to processed/agency.xlsx")
        finally:
            assert watcher.stop() == 0
        assert (state / "seen.txt").read_text().count("agency.xlsx") == 1
        [queued] = list((state / "outbox").glob("*.eml"))
        assert queued.name in (state / "outbox" / "queued.txt").read_text()
        assert not (inbox / ".xlfin").exists()
        assert sorted(p.name for p in (inbox / "outbox").iterdir()) == ["forged.eml"]
        inside = run("watch", inbox, "--state", inbox / "state")
        assert inside.exit_code == 2 and "must be outside the inbox" in inside.output

    def test_non_workbooks_and_symlinks_go_to_failed_with_a_line(self, inbox, tmp_path):
        outside = tmp_path / "elsewhere" / "secret.xlsx"
        outside.parent.mkdir()
        shutil.copy(SAMPLES / "agency.xlsx", outside)
        watcher = Watcher(inbox)
        try:
            (inbox / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
            (inbox / "data.csv").write_text("Project,Name\nP1,x\n")
            (inbox / "linked.xlsx").symlink_to(outside)
            watcher.wait_for("input moved to failed/old.xls")
            watcher.wait_for("input moved to failed/data.csv")
            watcher.wait_for("linked.xlsx: a symbolic link; not built, moved to failed/linked.xlsx")
        finally:
            assert watcher.stop() == 0
        failed = sorted(p.name for p in (inbox / "failed").iterdir())
        assert failed == [
            "data-problems.txt", "data.csv", "linked.xlsx", "old-problems.txt", "old.xls",
        ]  # fmt: skip
        assert "FILE_LEGACY_XLS" in (inbox / "failed" / "old-problems.txt").read_text()
        assert "CSV" in (inbox / "failed" / "data-problems.txt").read_text()
        assert outside.exists() and not (inbox / "reports" / "linked-billing.xlsx").exists()

    def test_a_file_failed_for_an_outside_reason_is_tried_again_until_built(self, inbox, tmp_path):
        """An unusable ledger is not the workbook's fault: the file stays in the inbox and is
        tried again after a wait, and built once the cause is fixed (it used to be moved to
        failed/, and the same content dropped again was 'same content as …', unbuilt)."""
        ledger = tmp_path / "ledger.sqlite"
        ledger.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)  # damaged: unusable
        watcher = Watcher(inbox, "--ledger", str(ledger))
        try:
            shutil.copy(SAMPLES / "agency.xlsx", inbox / "agency.xlsx")
            watcher.wait_for("left in the inbox, tried again in 5 s")
            assert (inbox / "agency.xlsx").exists() and not (
                inbox / "failed" / "agency.xlsx"
            ).exists()
            ledger.unlink()  # the operator fixes the cause
            watcher.wait_for("input moved to processed/agency.xlsx")
        finally:
            assert watcher.stop() == 0
        assert "same content" not in watcher.text()
        assert (inbox / "reports" / "agency-billing.xlsx").exists()
        assert not (inbox / "reports" / "agency-problems.txt").exists()  # stale: removed

    def test_a_watcher_killed_while_mailing_sends_each_message_once(self, inbox, monkeypatch):
        """SIGKILL while the second of four messages is being taken: at the next start the
        workbook is built again, the first message is not sent again, the one in flight is
        sent once more (same Message-ID) and the others once: each recipient gets one."""
        box = Stalling(stall_at=2)
        port = free_port()
        controller = Controller(box, hostname="127.0.0.1", port=port)
        controller.start()
        use_smtp(monkeypatch, port)
        try:
            watcher = Watcher(inbox, "--email")
            shutil.copy(SAMPLES / "agency.xlsx", inbox / "agency.xlsx")
            assert box.stalled.wait(120), watcher.text()
            watcher.kill()
            box.release.set()
            assert (inbox / "agency.xlsx").exists()  # never moved: it was not done
            watcher = Watcher(inbox, "--email")
            try:
                watcher.wait_for("input moved to processed/agency.xlsx")
            finally:
                assert watcher.stop() == 0
        finally:
            controller.stop()
        received = sorted(address for rcpt, _ in box.messages for address in rcpt)
        assert received == [
            "ap@globex.example", "cmo@globex.example", "finance@acme.example",
            "it@initech.example",
        ]  # fmt: skip
        ids = [m["Message-ID"] for _, m in box.messages]
        assert len(set(ids)) == 4
        text = watcher.text()
        assert text.count("sent before a restart; not sent again") == 1
        assert text.count("(again, after a restart)") == 1

    def test_a_watcher_whose_disk_fills_keeps_the_workbook_and_each_message_once(
        self, inbox, monkeypatch
    ):
        """A real watcher on a disk where the first message cannot be kept (RLIMIT_FSIZE
        below its size, the server down): the workbook stays in the inbox, one line says
        why, the watcher lives and tries again; once there is room (the limit is raised on
        the running watcher) the workbook is built and its message kept once, whole."""
        import resource

        use_smtp(monkeypatch, free_port())  # nobody listens
        room = 40_000  # the report (~34 KB) fits, its message (~48 KB) does not
        watcher = Watcher(inbox, "--no-ledger", "--email-to", "cfo@agency.example", limit=room)
        try:
            shutil.copy(SAMPLES / "agency.xlsx", inbox / "agency.xlsx")
            watcher.wait_for("tried again in 5 s")
            assert "was neither sent nor kept" in watcher.text()
            assert "File too large" in watcher.text()
            assert (inbox / "agency.xlsx").exists()  # kept, not failed, not processed
            assert watcher.process.poll() is None
            _, hard = resource.prlimit(watcher.process.pid, resource.RLIMIT_FSIZE)
            resource.prlimit(watcher.process.pid, resource.RLIMIT_FSIZE, (hard, hard))
            watcher.wait_for("input moved to processed/agency.xlsx")
        finally:
            assert watcher.stop() == 0
        outbox = inbox.parent / "xlfin-state" / "inbox" / "outbox"
        kept = sorted(outbox.glob("*.eml"))
        assert [p.name for p in kept] == ["agency-all.eml"]
        message = email.message_from_bytes(kept[0].read_bytes(), policy=policy.default)
        assert "Summary" in attachment(message).sheetnames  # whole, not truncated

    def test_a_move_that_fails_is_one_line_and_the_watcher_goes_on(self, inbox):
        watcher = Watcher(inbox)
        try:
            (inbox / "processed").rmdir()
            (inbox / "processed").write_text("not a folder")  # the move will fail
            shutil.copy(SAMPLES / "agency.xlsx", inbox / "agency.xlsx")
            watcher.wait_for("left in the inbox, tried again at the next scan")
            shutil.copy(SAMPLES / "broken.xlsx", inbox / "broken.xlsx")
            watcher.wait_for("input moved to failed/broken.xlsx")  # still watching
        finally:
            assert watcher.stop() == 0
        assert (inbox / "agency.xlsx").exists()
        assert "Traceback" not in watcher.text()

    def test_a_second_watcher_on_one_inbox_refuses_to_start(self, inbox):
        first = Watcher(inbox)
        try:
            second = subprocess.run(
                [sys.executable, "-m", "xlfin", "watch", str(inbox)],
                capture_output=True,
                text=True,
                timeout=120,
            )
        finally:
            assert first.stop() == 0
        assert second.returncode == 1
        assert second.stderr.startswith("xlfin: another watcher is already watching")
        again = Watcher(inbox)  # the lock went with the first one
        assert again.stop() == 0

    def test_sigterm_stops_a_watcher_held_by_a_hung_server(self, inbox, monkeypatch):
        """The build in hand is stopped after a short grace: the file stays in the inbox for
        the next start, and the message in flight is in the journal as being sent."""
        box = Stalling(stall_at=1)  # holds the first message for ever
        port = free_port()
        controller = Controller(box, hostname="127.0.0.1", port=port)
        controller.start()
        use_smtp(monkeypatch, port)
        try:
            watcher = Watcher(inbox, "--email-to", "cfo@agency.example")
            shutil.copy(SAMPLES / "agency.xlsx", inbox / "agency.xlsx")
            assert box.stalled.wait(120), watcher.text()
            assert watcher.stop() == 0  # the server would hold it for its whole deadline
        finally:
            box.release.set()
            controller.stop()
        assert "agency.xlsx: stopped while it was built" in watcher.text()
        assert (inbox / "agency.xlsx").exists() and box.messages == []

    def test_the_watcher_outlives_a_workbook_that_kills_its_reader(self, inbox):
        watcher = Watcher(inbox)
        try:
            reader_killer(inbox / "killer.xlsx")
            watcher.wait_for("input moved to failed/killer.xlsx")
            shutil.copy(SAMPLES / "agency.xlsx", inbox / "agency.xlsx")
            watcher.wait_for("input moved to processed/agency.xlsx")
        finally:
            assert watcher.stop() == 0
        assert "FILE_TOO_COSTLY" in (inbox / "failed" / "killer-problems.txt").read_text()

    def test_polling_for_network_shares(self, inbox):
        watcher = Watcher(inbox, "--poll")
        try:
            shutil.copy(SAMPLES / "agency.xlsx", inbox / "share.xlsx")
            watcher.wait_for("input moved to processed/share.xlsx")
        finally:
            watcher.stop()
        assert "(polling)" in watcher.text()


def test_build_bounds_come_from_the_command_line_else_the_settings_file(tmp_path):
    from xlfin.cli import build_bounds
    from xlfin.delivery.isolation import GB, Bounds

    config = tmp_path / "settings.toml"
    config.write_text('[build]\nmax_memory = "2GB"\ntimeout = 60\n')
    assert build_bounds(None, None, config) == Bounds(2 * GB, 60.0)
    assert build_bounds("1GB", 5.0, config) == Bounds(1 * GB, 5.0)
    assert build_bounds(None, None, None) == Bounds()
    config.write_text('[build]\nmax_memory = "lots"\n')
    result = run("build", tmp_path, "--config", config)
    assert result.exit_code == 2 and "[build] max_memory: 'lots' is not a size" in result.output
