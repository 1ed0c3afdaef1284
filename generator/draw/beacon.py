"""Public randomness that did not exist when the manifest was fixed (spec section 2).

drand quicknet publishes a value every 3 seconds from its genesis; a manifest names a
round at least 30 minutes in the future. A public dice ceremony is the fallback. Sample
data uses values marked "sample" so nobody mistakes them for real randomness.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path
from typing import Any

from generator.clock import BEIJING
from generator.draw.drand import verify_quicknet
from generator.errors import DrawRefused

QUICKNET_GENESIS = 1692803367  # drand quicknet chain info: genesis_time
QUICKNET_PERIOD = 3
MIN_DELAY = dt.timedelta(minutes=30)
# A scheduled round further ahead is a slip of the year or month (2062 for 2026), and every
# draw locked meanwhile moves the ledger on under the prepared manifest.
MAX_AHEAD = dt.timedelta(days=30)


def quicknet_round_after(now: dt.datetime) -> int:
    """The first quicknet round emitted at least 30 minutes after `now`."""
    return quicknet_round_at(now + MIN_DELAY)


def quicknet_round_at(moment: dt.datetime) -> int:
    """The first quicknet round emitted at or after `moment` (an aware datetime)."""
    elapsed = max(0, -(-(moment - dt.datetime.fromtimestamp(QUICKNET_GENESIS, tz=dt.UTC))
                       // dt.timedelta(seconds=1)))
    return -(-elapsed // QUICKNET_PERIOD) + 1


def scheduled_round(moment: dt.datetime, now: dt.datetime) -> int:
    """The round at `moment`, chosen by staff to leave time for review before it exists;
    refused unless it is at least 30 minutes after `now` (nobody may know it yet)."""
    if moment < now + MIN_DELAY:
        raise DrawRefused(f"信标时间 {moment.astimezone(BEIJING):%Y-%m-%d %H:%M}（北京时间）距现在不足 30 分钟："
                          "请指定更晚的时间，留出提交、审核和合并清单的时间")
    if moment > now + MAX_AHEAD:
        raise DrawRefused(f"信标时间 {moment.astimezone(BEIJING):%Y-%m-%d %H:%M}（北京时间）距现在超过 30 天："
                          "请检查年份和日期是否填写有误")
    return quicknet_round_at(moment)


def quicknet_round_time(round_number: int) -> dt.datetime:
    seconds = QUICKNET_GENESIS + (round_number - 1) * QUICKNET_PERIOD
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def read_beacon(argument: str, declared: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(beacon_value, the beacon.json to publish) from a file or a literal value.

    Refuses a drand round other than the declared one, a signature that the League of
    Entropy's quicknet key did not make for that round (BLS, checked with py_ecc), and a
    value that is not the SHA-256 of the signature (how quicknet derives randomness).
    """
    source = declared.get("source")
    path = Path(argument)
    if path.is_file():
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DrawRefused(f"信标文件 {argument} 不是有效的 JSON：{exc}") from exc
    elif source == "drand-quicknet":
        raise DrawRefused("drand 信标须提供该轮次的 JSON 文件（含 round、randomness、signature）")
    else:
        payload = {"value": argument}
    if not isinstance(payload, dict):
        raise DrawRefused("信标 JSON 应为对象")
    if source == "drand-quicknet":
        if payload.get("round") != declared.get("round"):
            raise DrawRefused(f"信标轮次 {payload.get('round')} 不是清单中预先声明的轮次 {declared.get('round')}")
        signature, randomness = str(payload.get("signature", "")), str(payload.get("randomness", ""))
        if not re.fullmatch(r"[0-9a-f]{64}", randomness) or not re.fullmatch(r"[0-9a-f]+", signature):
            raise DrawRefused("drand 轮次 JSON 须含十六进制的 randomness 与 signature")
        if hashlib.sha256(bytes.fromhex(signature)).hexdigest() != randomness:
            raise DrawRefused("drand 的 randomness 不等于 signature 的 SHA-256：不是该轮次的真实输出")
        if not verify_quicknet(int(payload["round"]), signature):
            raise DrawRefused(f"drand 签名验证失败：这不是 quicknet 第 {payload['round']} 轮的真实签名")
        beacon = {"source": source, "round": payload["round"], "randomness": randomness,
                  "signature": signature}
        return randomness, beacon
    value = str(payload.get("value", ""))
    if source == "dice" and not re.fullmatch(r"[1-6]{10,}", value):
        raise DrawRefused("掷骰仪式的信标值应为至少 10 位、每位 1–6 的数字串")
    if not value:
        raise DrawRefused("信标值为空")
    beacon = {"source": source, "value": value}
    if source == "sample":
        beacon["note"] = "示例数据：此信标值为演示用的虚构值，并非真实的公共随机数"
    return value, beacon
