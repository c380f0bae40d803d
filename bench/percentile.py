"""The 95th percentile the benchmarks print: nearest rank, the smallest
value at or above 95 % of the runs (of 2 runs, the slower; of 20, the
19th), never below the median."""

import math


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(len(ordered) * 0.95) - 1, 0)]
