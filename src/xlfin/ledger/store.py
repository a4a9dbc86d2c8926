"""The ledger: an SQLite file that remembers every billing record as it was when billed.

Amounts are stored as exact decimal text, never REAL. The schema is made by named
migrations, each applied in its own transaction. Freezing and reopening are single
transactions taken with BEGIN IMMEDIATE, so two builds at once freeze a record once,
and a build killed midway leaves the ledger as it was before or after.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from xlfin.models import FILE_IDENTITY_PREFIX

APPLICATION_ID = 0x78666E31  # "xfn1": marks the file as an xlfin ledger
SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_SECONDS = 60
LEDGER_NAME = "xlfin-ledger.sqlite"
"""The ledger's file name when none is given: beside the input workbook."""

MIGRATIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "0001_create_ledger",
        (
            f"PRAGMA application_id = {APPLICATION_ID}",
            """CREATE TABLE records (
                billing_record TEXT NOT NULL,
                version INTEGER NOT NULL,
                project TEXT NOT NULL,
                description TEXT,
                status TEXT NOT NULL,
                billing_date TEXT,
                invoice_id TEXT,
                po_number TEXT,
                hours_amount TEXT NOT NULL,
                expenses_amount TEXT NOT NULL,
                fixed_amount TEXT NOT NULL,
                additional_amount TEXT NOT NULL,
                total TEXT NOT NULL,
                source_name TEXT NOT NULL,
                source_sha256 TEXT NOT NULL,
                frozen_at TEXT NOT NULL,
                reopened_at TEXT,
                reopen_reason TEXT,
                PRIMARY KEY (billing_record, version)
            )""",
            """CREATE TABLE record_lines (
                billing_record TEXT NOT NULL,
                version INTEGER NOT NULL,
                entry TEXT NOT NULL,
                task TEXT,
                user TEXT NOT NULL,
                role TEXT,
                date TEXT NOT NULL,
                hours TEXT NOT NULL,
                rate TEXT,
                rate_source TEXT NOT NULL,
                amount TEXT NOT NULL,
                PRIMARY KEY (billing_record, version, entry),
                FOREIGN KEY (billing_record, version) REFERENCES records
            )""",
            """CREATE TABLE record_expenses (
                billing_record TEXT NOT NULL,
                version INTEGER NOT NULL,
                expense TEXT NOT NULL,
                task TEXT,
                description TEXT,
                amount TEXT NOT NULL,
                PRIMARY KEY (billing_record, version, expense),
                FOREIGN KEY (billing_record, version) REFERENCES records
            )""",
            """CREATE TABLE record_fixed (
                billing_record TEXT NOT NULL,
                version INTEGER NOT NULL,
                task TEXT NOT NULL,
                amount TEXT NOT NULL,
                PRIMARY KEY (billing_record, version, task),
                FOREIGN KEY (billing_record, version) REFERENCES records
            )""",
            """CREATE TABLE events (
                id INTEGER PRIMARY KEY,
                billing_record TEXT NOT NULL,
                version INTEGER NOT NULL,
                event TEXT NOT NULL CHECK (event IN ('frozen', 'reopened')),
                reason TEXT,
                at TEXT NOT NULL
            )""",
            # At most one current (not reopened) version per record.
            """CREATE UNIQUE INDEX one_current_version ON records (billing_record)
               WHERE reopened_at IS NULL""",
        ),
    ),
    (
        # Every record belongs to the workbook it was frozen from (its Workbook ID, or
        # file:<name> without one): two workbooks' records B1 never meet. The records of a
        # ledger written before go to file:<the name they were frozen from>.
        "0002_records_by_workbook",
        (
            """CREATE TABLE records_by_workbook (
                workbook TEXT NOT NULL,
                billing_record TEXT NOT NULL,
                version INTEGER NOT NULL,
                project TEXT NOT NULL,
                description TEXT,
                status TEXT NOT NULL,
                billing_date TEXT,
                invoice_id TEXT,
                po_number TEXT,
                hours_amount TEXT NOT NULL,
                expenses_amount TEXT NOT NULL,
                fixed_amount TEXT NOT NULL,
                additional_amount TEXT NOT NULL,
                total TEXT NOT NULL,
                source_name TEXT NOT NULL,
                source_sha256 TEXT NOT NULL,
                frozen_at TEXT NOT NULL,
                reopened_at TEXT,
                reopen_reason TEXT,
                PRIMARY KEY (workbook, billing_record, version)
            )""",
            f"""INSERT INTO records_by_workbook SELECT '{FILE_IDENTITY_PREFIX}' || source_name, *
                FROM records""",
            """CREATE TABLE lines_by_workbook (
                workbook TEXT NOT NULL,
                billing_record TEXT NOT NULL,
                version INTEGER NOT NULL,
                entry TEXT NOT NULL,
                task TEXT,
                user TEXT NOT NULL,
                role TEXT,
                date TEXT NOT NULL,
                hours TEXT NOT NULL,
                rate TEXT,
                rate_source TEXT NOT NULL,
                amount TEXT NOT NULL,
                PRIMARY KEY (workbook, billing_record, version, entry)
            )""",
            f"""INSERT INTO lines_by_workbook SELECT '{FILE_IDENTITY_PREFIX}' || r.source_name,
                x.* FROM record_lines x JOIN records r USING (billing_record, version)""",
            """CREATE TABLE expenses_by_workbook (
                workbook TEXT NOT NULL,
                billing_record TEXT NOT NULL,
                version INTEGER NOT NULL,
                expense TEXT NOT NULL,
                task TEXT,
                description TEXT,
                amount TEXT NOT NULL,
                PRIMARY KEY (workbook, billing_record, version, expense)
            )""",
            f"""INSERT INTO expenses_by_workbook SELECT '{FILE_IDENTITY_PREFIX}' ||
                r.source_name, x.* FROM record_expenses x
                JOIN records r USING (billing_record, version)""",
            """CREATE TABLE fixed_by_workbook (
                workbook TEXT NOT NULL,
                billing_record TEXT NOT NULL,
                version INTEGER NOT NULL,
                task TEXT NOT NULL,
                amount TEXT NOT NULL,
                PRIMARY KEY (workbook, billing_record, version, task)
            )""",
            f"""INSERT INTO fixed_by_workbook SELECT '{FILE_IDENTITY_PREFIX}' || r.source_name,
                x.* FROM record_fixed x JOIN records r USING (billing_record, version)""",
            """CREATE TABLE events_by_workbook (
                id INTEGER PRIMARY KEY,
                workbook TEXT NOT NULL,
                billing_record TEXT NOT NULL,
                version INTEGER NOT NULL,
                event TEXT NOT NULL CHECK (event IN ('frozen', 'reopened', 'adopted')),
                reason TEXT,
                at TEXT NOT NULL
            )""",
            f"""INSERT INTO events_by_workbook SELECT e.id, '{FILE_IDENTITY_PREFIX}' ||
                r.source_name, e.billing_record, e.version, e.event, e.reason, e.at
                FROM events e JOIN records r USING (billing_record, version)""",
            "DROP TABLE record_lines",
            "DROP TABLE record_expenses",
            "DROP TABLE record_fixed",
            "DROP TABLE events",
            "DROP TABLE records",
            "ALTER TABLE records_by_workbook RENAME TO records",
            "ALTER TABLE lines_by_workbook RENAME TO record_lines",
            "ALTER TABLE expenses_by_workbook RENAME TO record_expenses",
            "ALTER TABLE fixed_by_workbook RENAME TO record_fixed",
            "ALTER TABLE events_by_workbook RENAME TO events",
            # At most one current (not reopened) version per record of a workbook.
            """CREATE UNIQUE INDEX one_current_version ON records (workbook, billing_record)
               WHERE reopened_at IS NULL""",
        ),
    ),
    (
        # Model 13: the currency a record was billed in, and each line's conversion.
        "0003_currencies",
        (
            "ALTER TABLE records ADD COLUMN currency TEXT",
            "ALTER TABLE record_lines ADD COLUMN rate_currency TEXT",
            "ALTER TABLE record_lines ADD COLUMN factor TEXT",
            "ALTER TABLE record_expenses ADD COLUMN units TEXT",
        ),
    ),
)
RECORD_COLUMNS = (
    "billing_record, version, project, description, status, billing_date, invoice_id, "
    "po_number, hours_amount, expenses_amount, fixed_amount, additional_amount, total, "
    "source_name, source_sha256, frozen_at, reopened_at, reopen_reason, workbook, currency"
)


class LedgerError(Exception):
    """The file cannot be used as a ledger; nothing was written to it."""


@dataclass(frozen=True, slots=True)
class FrozenHours:
    entry: str
    task: str | None
    user: str
    role: str | None
    date: date
    hours: Decimal
    rate: Decimal | None
    rate_source: str
    amount: Decimal
    rate_currency: str | None = None
    """The billing rate's currency when it was converted (model 13); None: not converted."""
    factor: Fraction | None = None
    """The exact exchange factor the amount was billed at; None: not converted."""


@dataclass(frozen=True, slots=True)
class FrozenExpense:
    expense: str
    task: str | None
    description: str | None
    amount: Decimal
    units: Decimal | None = None
    """Its actual units, when its amount was priced from them (model 12)."""


@dataclass(frozen=True)
class FrozenRecord:
    """A billing record as it was billed (one version of it)."""

    billing_record: str
    project: str
    status: str
    billing_date: date | None
    description: str | None
    invoice_id: str | None
    po_number: str | None
    hours_amount: Decimal
    expenses_amount: Decimal
    fixed_amount: Decimal
    additional_amount: Decimal
    total: Decimal
    lines: tuple[FrozenHours, ...]
    expenses: tuple[FrozenExpense, ...]
    fixed: tuple[tuple[str, Decimal], ...]
    source_name: str
    source_sha256: str
    frozen_at: datetime
    version: int = 1
    reopened_at: datetime | None = None
    reopen_reason: str | None = None
    workbook: str = ""
    """The identity of the workbook it belongs to (set by the ledger when read)."""
    currency: str | None = None
    """The project's currency it was billed in; None: billed before xlfin kept it."""


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _decimal(text: str | None) -> Decimal | None:
    return Decimal(text) if text is not None else None


def _fraction(text: str | None) -> Fraction | None:
    return Fraction(text) if text is not None else None


class Ledger:
    """An open ledger file. Use `Ledger.open(path)` as a context manager."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.db = connection
        self.path = path

    @classmethod
    @contextmanager
    def open(cls, path: Path) -> Iterator[Ledger]:
        """Open (creating and migrating as needed) the ledger at `path`."""
        _refuse_foreign(path)
        try:
            connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        except sqlite3.Error as exc:
            raise LedgerError(f"{path} cannot be opened as a ledger: {exc}") from None
        try:
            ledger = cls(connection, path)
            ledger._check_and_migrate()
            yield ledger
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc):
                raise LedgerError(
                    f"{path} is locked by another build or program (waited "
                    f"{BUSY_TIMEOUT_SECONDS} s); try again once it is done"
                ) from None
            raise LedgerError(f"{path} is not a usable xlfin ledger: {exc}") from None
        except sqlite3.DatabaseError as exc:
            raise LedgerError(f"{path} is not a usable xlfin ledger: {exc}") from None
        finally:
            connection.close()

    @contextmanager
    def transaction(self, begin: str = "BEGIN IMMEDIATE") -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception.

        `begin="BEGIN"` reads several statements as one snapshot without taking the write lock.
        """
        self.db.execute(begin)
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _check_and_migrate(self) -> None:
        # One transaction for the look and the first write: read apart, the two looks could
        # straddle another build's first migration (id 0, yet xlfin's tables) and refuse it.
        with self.transaction() as db:
            app_id = db.execute("PRAGMA application_id").fetchone()[0]
            tables = {
                r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            if app_id not in (0, APPLICATION_ID) or (app_id == 0 and tables - {"migrations"}):
                raise LedgerError(
                    f"{self.path} is an SQLite database of another program, not an xlfin ledger"
                )
            db.execute(
                "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, "
                "applied_at TEXT NOT NULL)"
            )
        known = {name for name, _ in MIGRATIONS}
        applied = {r[0] for r in self.db.execute("SELECT name FROM migrations")}
        if applied - known:
            raise LedgerError(
                f"{self.path} was written by a newer xlfin (migrations "
                f"{', '.join(sorted(applied - known))}); upgrade xlfin"
            )
        for name, statements in MIGRATIONS:
            self.apply_migration(name, statements)

    def apply_migration(self, name: str, statements: tuple[str, ...]) -> bool:
        """Apply one named migration in a transaction; False if it was already applied."""
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM migrations WHERE name = ?", (name,)).fetchone():
                return False
            for statement in statements:
                db.execute(statement)
            db.execute(
                "INSERT INTO migrations VALUES (?, ?)",
                (name, datetime.now().isoformat(timespec="seconds")),
            )
        return True

    def migrations(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT name FROM migrations ORDER BY name")]

    # -- reading ---------------------------------------------------------------------------

    def current(self, workbook: str) -> dict[str, FrozenRecord]:
        """Every record of `workbook` frozen and not reopened, by id (one snapshot)."""
        with self.transaction("BEGIN"):
            rows = self.db.execute(
                f"SELECT {RECORD_COLUMNS} FROM records WHERE workbook = ? AND reopened_at IS "
                "NULL ORDER BY billing_record",
                (workbook,),
            ).fetchall()
            return {r[0]: self._record(r) for r in rows}

    def all_current(self) -> list[FrozenRecord]:
        """Every workbook's current records, by workbook then id."""
        with self.transaction("BEGIN"):
            rows = self.db.execute(
                f"SELECT {RECORD_COLUMNS} FROM records WHERE reopened_at IS NULL "
                "ORDER BY workbook, billing_record"
            ).fetchall()
            return [self._record(r) for r in rows]

    def workbooks(self, billing_record: str | None = None) -> list[str]:
        """The workbooks with records in the ledger (with `billing_record` among them)."""
        if billing_record is None:
            rows = self.db.execute("SELECT DISTINCT workbook FROM records ORDER BY workbook")
        else:
            rows = self.db.execute(
                "SELECT DISTINCT workbook FROM records WHERE billing_record = ? ORDER BY workbook",
                (billing_record,),
            )
        return [r[0] for r in rows]

    def history(self, workbook: str, billing_record: str) -> list[FrozenRecord]:
        """Every version of a record, oldest first (reopened ones included)."""
        with self.transaction("BEGIN"):
            rows = self.db.execute(
                f"SELECT {RECORD_COLUMNS} FROM records WHERE workbook = ? AND billing_record = ? "
                "ORDER BY version",
                (workbook, billing_record),
            ).fetchall()
            return [self._record(r) for r in rows]

    def events(self, workbook: str, billing_record: str) -> list[tuple[int, str, str | None, str]]:
        return self.db.execute(
            "SELECT version, event, reason, at FROM events WHERE workbook = ? AND "
            "billing_record = ? ORDER BY id",
            (workbook, billing_record),
        ).fetchall()

    def _record(self, r: tuple) -> FrozenRecord:
        key = (r[18], r[0], r[1])
        lines = tuple(
            FrozenHours(
                e,
                t,
                u,
                role,
                date.fromisoformat(d),
                Decimal(h),
                _decimal(rate),
                src,
                Decimal(a),
                rc,
                _fraction(fx),
            )
            for e, t, u, role, d, h, rate, src, a, rc, fx in self.db.execute(
                "SELECT entry, task, user, role, date, hours, rate, rate_source, amount, "
                "rate_currency, factor FROM record_lines WHERE workbook = ? AND "
                "billing_record = ? AND version = ? ORDER BY date, entry",
                key,
            )
        )
        expenses = tuple(
            FrozenExpense(e, t, desc, Decimal(a), _decimal(units))
            for e, t, desc, a, units in self.db.execute(
                "SELECT expense, task, description, amount, units FROM record_expenses WHERE "
                "workbook = ? AND billing_record = ? AND version = ? ORDER BY expense",
                key,
            )
        )
        fixed = tuple(
            (t, Decimal(a))
            for t, a in self.db.execute(
                "SELECT task, amount FROM record_fixed WHERE workbook = ? AND billing_record = ? "
                "AND version = ? ORDER BY task",
                key,
            )
        )
        return FrozenRecord(
            billing_record=r[0],
            version=r[1],
            project=r[2],
            description=r[3],
            status=r[4],
            billing_date=_date(r[5]),
            invoice_id=r[6],
            po_number=r[7],
            hours_amount=Decimal(r[8]),
            expenses_amount=Decimal(r[9]),
            fixed_amount=Decimal(r[10]),
            additional_amount=Decimal(r[11]),
            total=Decimal(r[12]),
            source_name=r[13],
            source_sha256=r[14],
            frozen_at=datetime.fromisoformat(r[15]),
            reopened_at=datetime.fromisoformat(r[16]) if r[16] else None,
            reopen_reason=r[17],
            workbook=r[18],
            currency=r[19],
            lines=lines,
            expenses=expenses,
            fixed=fixed,
        )

    # -- writing ---------------------------------------------------------------------------

    def freeze(self, workbook: str, records: list[FrozenRecord]) -> list[str]:
        """Record `records` of `workbook` as billed, in one transaction; returns the ids newly
        frozen. A record already frozen (by another build at the same time) is left as it is.
        """
        frozen = []
        with self.transaction() as db:
            for rec in records:
                key = (workbook, rec.billing_record)
                if db.execute(
                    "SELECT 1 FROM records WHERE workbook = ? AND billing_record = ? AND "
                    "reopened_at IS NULL",
                    key,
                ).fetchone():
                    continue
                version = db.execute(
                    "SELECT COALESCE(MAX(version), 0) + 1 FROM records WHERE workbook = ? AND "
                    "billing_record = ?",
                    key,
                ).fetchone()[0]
                at = _text(rec.frozen_at)
                db.execute(
                    f"INSERT INTO records ({RECORD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
                    "?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?)",
                    (
                        rec.billing_record,
                        version,
                        rec.project,
                        rec.description,
                        rec.status,
                        _text(rec.billing_date),
                        rec.invoice_id,
                        rec.po_number,
                        _text(rec.hours_amount),
                        _text(rec.expenses_amount),
                        _text(rec.fixed_amount),
                        _text(rec.additional_amount),
                        _text(rec.total),
                        rec.source_name,
                        rec.source_sha256,
                        at,
                        workbook,
                        rec.currency,
                    ),
                )
                head = (*key, version)
                db.executemany(
                    "INSERT INTO record_lines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            *head,
                            x.entry,
                            x.task,
                            x.user,
                            x.role,
                            _text(x.date),
                            _text(x.hours),
                            _text(x.rate),
                            x.rate_source,
                            _text(x.amount),
                            x.rate_currency,
                            _text(x.factor),
                        )
                        for x in rec.lines
                    ],
                )
                db.executemany(
                    "INSERT INTO record_expenses VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (*head, x.expense, x.task, x.description, _text(x.amount), _text(x.units))
                        for x in rec.expenses
                    ],
                )
                db.executemany(
                    "INSERT INTO record_fixed VALUES (?, ?, ?, ?, ?)",
                    [(*head, task, _text(a)) for task, a in rec.fixed],
                )
                db.execute(
                    "INSERT INTO events (workbook, billing_record, version, event, at) VALUES "
                    "(?, ?, ?, 'frozen', ?)",
                    (*head, at),
                )
                frozen.append(rec.billing_record)
        return frozen

    def reopen(self, workbook: str, billing_record: str, reason: str, at: datetime) -> FrozenRecord:
        """Mark the current frozen version as reopened (kept in the history)."""
        key = (workbook, billing_record)
        with self.transaction() as db:
            row = db.execute(
                "SELECT version FROM records WHERE workbook = ? AND billing_record = ? AND "
                "reopened_at IS NULL",
                key,
            ).fetchone()
            if row is None:
                raise KeyError(billing_record)
            db.execute(
                "UPDATE records SET reopened_at = ?, reopen_reason = ? WHERE workbook = ? AND "
                "billing_record = ? AND version = ?",
                (_text(at), reason, *key, row[0]),
            )
            db.execute(
                "INSERT INTO events (workbook, billing_record, version, event, reason, at) "
                "VALUES (?, ?, ?, 'reopened', ?, ?)",
                (*key, row[0], reason, _text(at)),
            )
        return self.history(workbook, billing_record)[-1]

    def adopt(self, old: str, new: str, at: datetime) -> list[str]:
        """Move every record of the workbook `old` to `new`, if `new` has none yet (a
        workbook given a Workbook ID keeps what was frozen under its file name); returns the
        ids moved, in one transaction."""
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM records WHERE workbook = ?", (new,)).fetchone():
                return []
            moved = [
                r[0]
                for r in db.execute(
                    "SELECT DISTINCT billing_record FROM records WHERE workbook = ? ORDER BY "
                    "billing_record",
                    (old,),
                )
            ]
            for table in ("records", "record_lines", "record_expenses", "record_fixed", "events"):
                db.execute(f"UPDATE {table} SET workbook = ? WHERE workbook = ?", (new, old))
            db.executemany(
                "INSERT INTO events (workbook, billing_record, version, event, reason, at) "
                "SELECT workbook, billing_record, version, 'adopted', ?, ? FROM records WHERE "
                "workbook = ? AND billing_record = ? AND reopened_at IS NULL",
                [(f"was kept under {old}", _text(at), new, rid) for rid in moved],
            )
        return moved


def _refuse_foreign(path: Path) -> None:
    """A non-empty file that is not SQLite is refused before SQLite touches it."""
    if path.is_dir():
        raise LedgerError(f"{path} is a folder, not a ledger file")
    if not path.parent.exists():
        raise LedgerError(f"the folder of the ledger {path} does not exist")
    if path.exists() and path.stat().st_size:
        with path.open("rb") as stream:
            head = stream.read(len(SQLITE_MAGIC))
        if head != SQLITE_MAGIC:
            raise LedgerError(f"{path} is not an xlfin ledger (not an SQLite database)")
