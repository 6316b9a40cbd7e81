"""The number of worker processes ``serve`` starts by default: one more than the CPUs the process
can use, a container's CPU limit included."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cds_service.settings import Settings


@pytest.mark.parametrize(
    ("files", "limit"),
    [
        ({"cpu.max": "max 100000\n"}, None),  # cgroup v2, no CPU limit
        ({"cpu.max": "150000 100000\n"}, 2),  # 1.5 CPUs: two cores in use at times
        ({"cpu.max": "50000 100000\n"}, 1),
        ({"cpu/cpu.cfs_quota_us": "200000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 2),  # cgroup v1
        ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
        ({"cpu.max": "garbage\n"}, None),
        ({}, None),
    ],
)
def test_usable_cores_follow_a_container_cpu_limit(
    tmp_path: Path, files: dict[str, str], limit: int | None
) -> None:
    from cds_service.settings import default_workers, usable_cores

    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content)
    affinity = len(os.sched_getaffinity(0))
    expected = affinity if limit is None else min(affinity, limit)
    assert usable_cores(tmp_path) == expected
    assert default_workers() == usable_cores() + 1


def test_workers_default_to_one_more_than_the_usable_cores_unless_set() -> None:
    from cds_service.settings import usable_cores

    assert Settings.from_env({}).workers == usable_cores() + 1
    assert Settings.from_env({"CDS_WORKERS": "2"}).workers == 2
