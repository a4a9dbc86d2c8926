"""Benchmark of the calculation core alone, on generated models (no workbook I/O).

    python benchmarks/core_benchmark.py [--lines 1000000] [--tasks 10000] [--seed 7]

Target (issue 3): 1,000,000 hour lines over 10,000 tasks with dated overrides compute in
under 10 seconds on one core of a 2-core machine. Prints the timings, lines per second and
a one-line verdict.
"""

from __future__ import annotations

import argparse
import platform
import random
import time
from datetime import date, timedelta
from decimal import Decimal

from xlfin.core.compute import compute
from xlfin.models import (
    Assignment,
    CostType,
    HourLine,
    Project,
    RatePeriod,
    RevenueType,
    Role,
    Task,
    TaskStatus,
    User,
    Workbook,
)

TARGET_SECONDS = 10.0
START = date(2023, 1, 2)


def periods(rnd: random.Random, sheet: str, row: int, count: int, base: int) -> tuple:
    """`count` contiguous dated periods over three years."""
    out = []
    day = START
    for i in range(count):
        end = day + timedelta(days=rnd.randint(20, 60))
        out.append(
            RatePeriod(
                rate=Decimal(base + 5 * i),
                sheet=sheet,
                row=row + i,
                start=None if i == 0 else day,
                end=None if i == count - 1 else end,
            )
        )
        day = end + timedelta(days=1)
    return tuple(out)


def generate(lines: int, tasks: int, seed: int) -> Workbook:
    rnd = random.Random(seed)
    role_ids = [f"R{i}" for i in range(20)]
    roles = {
        r: Role(
            role=r,
            row=i + 2,
            cost_rates=periods(rnd, "Roles", 2, 3, 40),
            billing_rates=periods(rnd, "Roles", 2, 3, 100),
        )
        for i, r in enumerate(role_ids)
    }
    users = {
        f"U{i}": User(
            user=f"U{i}",
            row=i + 2,
            primary_role=rnd.choice(role_ids),
            location=rnd.choice(["Paris", "London", None]),
            cost_rates=periods(rnd, "Users", i + 2, 2, 45),
            billing_rates=periods(rnd, "Users", i + 2, 2, 110) if i % 3 else (),
        )
        for i in range(500)
    }
    project_count = max(1, tasks // 50)
    projects = {
        f"P{i}": Project(
            project=f"P{i}",
            row=i + 2,
            planned_start=START,
            planned_completion=START + timedelta(days=900),
            role_rates={
                r: periods(rnd, "Project rates", 2, 20, 120) for r in rnd.sample(role_ids, 5)
            },
        )
        for i in range(project_count)
    }
    revenue_types = list(RevenueType)
    cost_types = list(CostType)
    task_map = {}
    assignments = []
    assignees: dict[tuple[str, str], list[str]] = {}
    for t in range(tasks):
        project = f"P{t % project_count}"
        first = START + timedelta(days=rnd.randint(0, 400))
        length = rnd.choice([5, 30, 200, 3650])  # some tasks are ten years long
        task = Task(
            project=project,
            task=f"T{t}",
            row=t + 2,
            planned_start=first,
            planned_completion=first + timedelta(days=length),
            planned_hours=Decimal(rnd.randint(8, 400)),
            cost_type=rnd.choice(cost_types),
            revenue_type=rnd.choice(revenue_types),
            hourly_cost=Decimal(50),
            hourly_rate=Decimal(120),
            fixed_amount=Decimal(rnd.randint(1000, 50000)),
            role=rnd.choice(role_ids),
            status=rnd.choice(list(TaskStatus)),
        )
        task_map[(project, task.task)] = task
        team = rnd.sample(list(users), rnd.randint(1, 3))
        assignees[(project, task.task)] = team
        for user in team:
            assignments.append(
                Assignment(project=project, task=task.task, user=user, row=len(assignments) + 2)
            )
    keys = list(task_map)
    user_ids = list(users)
    # Nine lines in ten are logged by someone assigned to the task, as in real timesheets.
    hours = tuple(
        HourLine(
            f"H{i}",
            *keys[i % tasks],
            rnd.choice(assignees[keys[i % tasks]] if i % 10 else user_ids),
            None if i % 4 else rnd.choice(role_ids),
            START + timedelta(days=rnd.randint(0, 1000)),
            Decimal(rnd.randint(1, 32)) / 4,
            i % 10 != 0,
            None,
            i + 2,
        )
        for i in range(lines)
    )
    return Workbook.model_construct(
        source="generated",
        settings=Workbook.model_fields["settings"].default,
        schedules={},
        roles=roles,
        users=users,
        companies={},
        rate_cards={},
        projects=projects,
        tasks=task_map,
        assignments=tuple(assignments),
        hours=hours,
        expenses=(),
        billing_records={},
        layout={},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    workbook = generate(args.lines, args.tasks, args.seed)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    results = compute(workbook)
    seconds = time.perf_counter() - started
    revenue = sum((p.actual_revenue for p in results.projects), Decimal(0))
    print(
        f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}"
    )
    print(f"generated {args.lines:,} hour lines over {args.tasks:,} tasks in {generated:.1f} s")
    print(
        f"compute: {seconds:.2f} s, {args.lines / seconds:,.0f} lines/s, "
        f"{len(results.problems):,} problems, actual revenue {revenue}"
    )
    verdict = "PASS" if seconds < TARGET_SECONDS * args.lines / 1_000_000 else "FAIL"
    print(f"verdict: {verdict} (target: 1,000,000 lines in under {TARGET_SECONDS:.0f} s)")


if __name__ == "__main__":
    main()
