"""Invented names for businesses and people; nothing here names a real one."""

from __future__ import annotations

import random

from stdnum.cn import uscc

TRADE_NAMES = [
    "鑫源", "华泰", "齐鲁", "瑞丰", "恒达", "金鼎", "盛世", "宏图", "东岳", "博远",
    "嘉禾", "润泽", "锦程", "福瑞", "永盛", "新华", "泰和", "康宁", "德信", "隆昌",
    "海纳", "万通", "天成", "和顺", "荣华", "安泰", "聚丰", "祥瑞", "汇丰", "金桥",
    "顺达", "明远", "同心", "宏业", "君悦", "鸿运", "文昌", "志诚", "益民", "诚信",
    "玉泉", "青松", "白杨", "红枫", "紫光", "绿源", "丰收", "富民", "开元", "宜家",
    "乐康", "惠民", "广源", "金海", "银河", "星光", "朝阳", "月湖", "凤凰", "麒麟"
]
DISTRICTS = {"370302": "淄川区", "370303": "张店区", "370304": "博山区", "370305": "临淄区",
             "370306": "周村区", "370321": "桓台县", "370322": "高青县", "370323": "沂源县"}
SURNAMES = list("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国志红梅玉兰斌浩宇晨博文俊鹏辉凯琳婷雪峰")
# Without I, O, Z, S, V, as GB 32100 prescribes.
CODE_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def credit_code(rng: random.Random, district: str) -> str:
    """A fictional unified social credit code with a valid check character.

    91 = enterprise registered by market regulation; then the district; then an invented
    nine-character organisation code.
    """
    body = "91" + district + "".join(rng.choice(CODE_CHARACTERS) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def business_name(rng: random.Random, district: str, trade: str) -> str:
    suffix = rng.choice(("有限公司", "有限责任公司", "股份有限公司", "店", "经营部"))
    if suffix in ("店", "经营部"):
        return f"{DISTRICTS[district]}{rng.choice(TRADE_NAMES)}{trade}{suffix}"
    return f"淄博{rng.choice(TRADE_NAMES)}{rng.choice(TRADE_NAMES)}{trade}{suffix}"


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
