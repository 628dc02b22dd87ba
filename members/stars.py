"""The 星级服务评定标准 as a pure function (village plan, 定“制”):

年内服务次数累计达5次，授予一星党员志愿者称号；……累计达25次，授予五星党员志愿者称号。
"""

import itertools
from collections.abc import Sequence

DEFAULT_STAR_THRESHOLDS: tuple[int, int, int, int, int] = (5, 10, 15, 20, 25)


def star_level(count: int, rule: Sequence[int] = DEFAULT_STAR_THRESHOLDS) -> int:
    """Stars (0–5) earned by `count` verified services in a year under `rule`.

    `rule` lists the counts needed for one to five stars, strictly increasing.
    """
    if len(rule) != 5 or any(later <= earlier for earlier, later in itertools.pairwise(rule)):
        raise ValueError("星级标准须为 5 个逐级递增的次数。")
    return sum(1 for needed in rule if count >= needed)
