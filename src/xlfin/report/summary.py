"""The JSON summary of a build: a stable contract, documented in docs/summary-json.md.

Amounts are decimal strings with the currency's decimals; hours are decimal strings
without trailing zeros. Nothing here is computed: it is the core's results, shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from xlfin.core.budgets import BudgetResult
from xlfin.core.money import exact_text, hours_text, money_text
from xlfin.core.performance import Indexes, shown
from xlfin.core.periods import PeriodFigures
from xlfin.core.results import ProjectResult, RecordResult, Results, TaskResult
from xlfin.models import Company
from xlfin.problems import Problem, sort_key


def task_summary(t: TaskResult, decimals: int) -> dict[str, Any]:
    m = lambda amount: money_text(amount, decimals)  # noqa: E731
    return {
        "task": t.task.task,
        "name": t.task.name,
        "cost_type": t.task.cost_type.value,
        "revenue_type": t.task.revenue_type.value,
        "status": t.task.status.value,
        "planned_hours": hours_text(t.planned_hours),
        "actual_hours": hours_text(t.actual_hours),
        "planned_cost": m(t.planned_cost),
        "actual_cost": m(t.actual_cost),
        "planned_revenue": m(t.planned_revenue),
        "actual_revenue": m(t.actual_revenue),
        **expense_split(t, m),
        "percent_complete": exact_text(t.task.done_percent),
        "parent_task": t.task.parent,
        "indexes": index_summary(t.indexes, m),
    }


def index_summary(x: Indexes | None, m: Callable[[Decimal], str]) -> dict[str, Any] | None:
    """Performance indexes (model 16): indexes to 2 decimals, EAC in hours or money."""
    if x is None:
        return None
    hours = x.method == "Hour-Based"
    return {
        "method": x.method,
        "bcwp_hours": hours_text(x.bcwp_hours),
        "bcws_hours": hours_text(x.bcws_hours),
        "bcwp": m(x.bcwp),
        "bcws": m(x.bcws),
        "cpi": f"{shown(x.cpi):.2f}",
        "spi": f"{shown(x.spi):.2f}",
        "csi": f"{shown(x.csi):.2f}",
        "eac_hours": hours_text(x.eac) if hours else None,
        "eac": None if hours else m(x.eac),
    }


def budget_summary(b: BudgetResult | None, m: Callable[[Decimal], str]) -> dict[str, Any] | None:
    """A project's budget and burn (model 15); percentages as percent, 2 decimals."""
    if b is None:
        return None
    pct = lambda value: None if value is None else f"{value:.2f}"  # noqa: E731
    opt = lambda value: None if value is None else m(value)  # noqa: E731
    return {
        "budget": opt(b.budget),
        "budgeted_hours": hours_text(b.hours),
        "budgeted_labor_cost": m(b.labor_cost),
        "budgeted_labor_revenue": m(b.labor_revenue),
        "budgeted_expense_cost": m(b.expense_cost),
        "budgeted_cost": m(b.cost),
        "budget_used_percent": pct(b.used_pct),
        "budget_remaining": opt(b.remaining),
        "planned_over_budget": opt(b.planned_over),
        "budgeted_hours_used_percent": pct(b.hours_used_pct),
        "budgeted_labor_cost_used_percent": pct(b.labor_used_pct),
        "hours_variance": hours_text(b.hours_variance),
        "cost_variance": m(b.cost_variance),
        "revenue_variance": m(b.revenue_variance),
        "roles": [
            {
                "role": r.role,
                "budgeted_hours": hours_text(r.hours),
                "budgeted_cost": m(r.cost),
                "budgeted_revenue": m(r.revenue),
                "actual_hours": hours_text(r.actual_hours),
                "users": [
                    {
                        "user": u.user,
                        "budgeted_hours": hours_text(u.hours),
                        "budgeted_cost": m(u.cost),
                    }
                    for u in r.users
                ],
            }
            for r in b.roles
        ],
    }


def expense_split(r: TaskResult | ProjectResult, m: Callable[[Decimal], str]) -> dict[str, str]:
    """Planned and actual expense cost, each as its billable and non-billable parts."""
    return {
        "planned_expenses": m(r.planned_expenses),
        "planned_expenses_billable": m(r.planned_billable_expenses),
        "planned_expenses_not_billable": m(r.planned_expenses - r.planned_billable_expenses),
        "actual_expenses": m(r.actual_expenses),
        "actual_expenses_billable": m(r.actual_billable_expenses),
        "actual_expenses_not_billable": m(r.actual_expenses - r.actual_billable_expenses),
        "expenses_to_reimburse": m(r.unreimbursed),
    }


def record_summary(r: RecordResult, decimals: int) -> dict[str, Any]:
    m = lambda amount: money_text(amount, decimals)  # noqa: E731
    return {
        "billing_record": r.record.billing_record,
        "status": r.record.status.value,
        "billing_date": r.record.billing_date.isoformat() if r.record.billing_date else None,
        "invoice_id": r.record.invoice_id,
        "hours_amount": m(r.hours_amount),
        "expenses_amount": m(r.expenses_amount),
        "fixed_amount": m(r.fixed_amount),
        "additional_amount": m(r.additional_amount),
        "total": m(r.total),
    }


BASE_FIGURES = ("planned_cost", "actual_cost", "planned_revenue", "actual_revenue", "billed",
                "unbilled")  # fmt: skip
"""The project figures also given in the base currency (`<figure>_base`), and totalled."""


def project_summary(
    p: ProjectResult, decimals: int, company_name: str | None, base_decimals: int = 2
) -> dict[str, Any]:
    """A project in its currency (with `decimals`), and its main figures in the base
    currency at the As of date (model 13)."""
    m = lambda amount: money_text(amount, decimals)  # noqa: E731
    return {
        "project": p.project.project,
        "name": p.project.name,
        "company": p.project.company,
        "company_name": company_name,
        "currency": p.currency,
        "planned_hours": hours_text(p.planned_hours),
        "actual_hours": hours_text(p.actual_hours),
        "planned_cost": m(p.planned_cost),
        "actual_cost": m(p.actual_cost),
        "fixed_cost": m(p.fixed_cost),
        "planned_revenue": m(p.planned_revenue),
        "actual_revenue": m(p.actual_revenue),
        "fixed_revenue": m(p.fixed_revenue),
        "billable_expenses": m(p.billable_expenses),
        **expense_split(p, m),
        "billed": m(p.billed),
        "unbilled": m(p.unbilled),
        "awaiting_approval": m(p.awaiting_approval),
        "rejected": m(p.rejected),
        **{
            f"{name}_base": money_text(p.in_base(getattr(p, name)), base_decimals)
            for name in BASE_FIGURES
        },
        "tasks": [task_summary(t, decimals) for t in p.tasks],
        "billing_records": [record_summary(r, decimals) for r in p.records],
        "periods": [period_summary(x, m) for x in p.periods],
        "indexes": index_summary(p.indexes, m),
        "budget": budget_summary(p.budget, m),
    }


def period_summary(x: PeriodFigures, m: Callable[[Decimal], str]) -> dict[str, Any]:
    """One bucket of the project (model 14), in the project's currency."""
    return {
        "from": x.first.isoformat(),
        "to": x.last.isoformat(),
        "planned_hours": hours_text(x.planned_hours),
        "actual_hours": hours_text(x.actual_hours),
        "planned_cost": m(x.planned_cost),
        "actual_cost": m(x.actual_cost),
        "cost_variance": m(x.cost_variance),
        "planned_revenue": m(x.planned_revenue),
        "actual_revenue": m(x.actual_revenue),
        "revenue_variance": m(x.revenue_variance),
        "billed": m(x.billed),
        "work_in_progress": m(x.wip),
        "budgeted_hours": hours_text(x.budgeted_hours),
        "budgeted_labor_cost": m(x.budgeted_labor_cost),
        "budgeted_labor_revenue": m(x.budgeted_labor_revenue),
    }


def summary(
    results: Results, problems: list[Problem], companies: Mapping[str, Company] | None = None
) -> dict[str, Any]:
    """The whole JSON summary: the base currency, projects with tasks and records (each in
    its currency), totals in the base currency, problems."""
    base = results.settings.decimals
    names = {c.company: c.name for c in (companies or {}).values()}
    places = results.currency_decimals
    return {
        "currency": results.settings.currency,
        "as_of": results.as_of.isoformat() if results.as_of else None,
        "period": results.settings.period,
        "projects": [
            project_summary(
                p, places.get(p.currency, base), names.get(p.project.company or ""), base
            )
            for p in results.projects
        ],
        "totals_base": {
            name: money_text(
                sum((p.in_base(getattr(p, name)) for p in results.projects), Decimal(0)), base
            )
            for name in BASE_FIGURES
        },
        "problems": [p.model_dump(mode="json") for p in sorted(problems, key=sort_key)],
    }
