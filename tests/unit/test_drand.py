"""drand quicknet verification against real beacons.

Every check that reaches the pairing costs about 0.25-0.4 s of pure-Python BLS12-381
arithmetic; the module holds eight of them (about 3 s in all) and runs them by default.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from py_ecc.bls.point_compression import decompress_G1
from py_ecc.bls.typing import G1Compressed
from py_ecc.optimized_bls12_381.optimized_curve import field_modulus, normalize

from generator.draw import beacon, bls
from generator.draw.drand import QUICKNET, chain_info_hash, randomness_of, round_message, verify_quicknet

# Real quicknet beacons, as served by https://api.drand.sh/52db9ba7…e971/public/<round>.
# Source: ChainSafe/forest, src/beacon/tests/fixtures/drand_quicknet.json (all seven entries);
# rounds 2 and 3 are also the `signature_2()` / `signature_3()` vectors with `message(2)` /
# `message(3)` of ChainSafe/forest src/beacon/signatures/tests.rs, which verifies them with
# the Rust bls crate against the same public key.
REAL_BEACONS: list[dict[str, Any]] = [
    {"round": 1, "randomness": "1466a6cd24e327188770752f6134001c64d6efcc590ccc26b721611ad96f165a",
     "signature": "b55e7cb2d5c613ee0b2e28d6750aabbb78c39dcc96bd9d38c2c2e12198df95571de8e8e402a0cc48871c7089a2b3af4b"},
    {"round": 2, "randomness": "5782d6987841c654515a0e72b2d1ebb4e741234042c37cb19608ae50d93fb60c",
     "signature": "b6b6a585449b66eb12e875b64fcbab3799861a00e4dbf092d99e969a5eac57dd3f798acf61e705fe4f093db926626807"},
    {"round": 3, "randomness": "7ef4621ace1c6da4eb2eee7cd901f81385bca5b189771ec0f08d0d2566dd1a21",
     "signature": "b3fab6df720b68cc47175f2c777e86d84187caab5770906f515ff1099cb01e4deaa027075d860823e49477b93c72bd64"},
    {"round": 30662982, "randomness": "ae76da5137c6d0a0d3b50d325948b26cc3ff1f804cd7bbca29b9250c2bfe8d67",
     "signature": "8b3edd0d42a2fa36ac15641a2dea2e4f4895acec2ef72ef39e5b6138f0346fb6b046dde1b4b3d09ff5fe8a6a7acd674a"},
    {"round": 30662990, "randomness": "aac361dad26f7e5f5c2460fa905ed6d4e2bf8d21ccb67bbe5100204475b56742",
     "signature": "8b2ebe176d153849d5db7f358a3a21be96f8c5d1c26ed2b530fff4419face8909d77f4ee6a211623e2432c30841411b5"},
    {"round": 30662992, "randomness": "b21201bdbe54b1e3ca135bf319bbca22b90b8ae30944c4a6790f74267d074827",
     "signature": "b72a64269e84523a73a87db491505b6f1675dfc7f71c69026efdce3996f59ce2d1b446fc00c13beff7fcfd428053a534"},
    {"round": 30663002, "randomness": "2a231554933f6fd70314fa470152710fac3eba10d052cab996e8f30854fa7f55",
     "signature": "b9e7e1e3d7d9cf17a9f4703abfae4c137acfbef1fdb45715a98422c244a499ea381c7fd759851ed8eeb8a03d778959b3"},
]
BY_ROUND = {entry["round"]: entry for entry in REAL_BEACONS}
SIG_2, SIG_3 = BY_ROUND[2]["signature"], BY_ROUND[3]["signature"]


# --- the constants --------------------------------------------------------------------

def test_quicknet_constants_reproduce_the_chain_hash() -> None:
    # drand's chain hash commits to period, genesis, public key, group hash and beacon id:
    # recomputing it pins the public-key constant to the chain everybody names by that hash.
    assert chain_info_hash(QUICKNET) == QUICKNET.chain_hash
    assert QUICKNET.chain_hash == "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971"
    assert QUICKNET.public_key.startswith("83cf0f2896adee7e") and len(QUICKNET.public_key) == 192
    assert QUICKNET.scheme == "bls-unchained-g1-rfc9380"
    assert QUICKNET.dst == b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_"
    # the round schedule the rest of the draw code uses
    assert (QUICKNET.genesis_time, QUICKNET.period) == (beacon.QUICKNET_GENESIS, beacon.QUICKNET_PERIOD)


def test_public_key_is_a_valid_g2_point() -> None:
    assert bls.decode_g2(bytes.fromhex(QUICKNET.public_key)) is not None
    assert bls.decode_g2(bytes.fromhex(QUICKNET.public_key)[:-1]) is None
    assert bls.decode_g2(bytes.fromhex("c0" + "00" * 95)) is None  # the identity


def test_hash_to_g1_matches_rfc9380() -> None:
    # RFC 9380 appendix J.9.1, suite BLS12381G1_XMD:SHA-256_SSWU_RO_, msg = "".
    x, y = normalize(bls.hash_to_g1(b"", b"QUUX-V01-CS02-with-BLS12381G1_XMD:SHA-256_SSWU_RO_"))
    assert x.n == 0x052926ADD2207B76CA4FA57A8734416C8DC95E24501772C814278700EED6D1E4E8CF62D9C09DB0FAC349612B759E79A1
    assert y.n == 0x08BA738453BFED09CB546DBB0783DBB3A5F1F566ED67BB6BE0E8C67E2E81A4CC68EE29813BB7994998F3EAE0C9C6A265


# --- the message and the randomness ---------------------------------------------------

def test_round_message_is_sha256_of_the_big_endian_round() -> None:
    assert round_message(1) == hashlib.sha256(b"\x00" * 7 + b"\x01").digest()
    assert round_message(30662982) == hashlib.sha256((30662982).to_bytes(8, "big")).digest()
    assert round_message(2**64 - 1) == hashlib.sha256(b"\xff" * 8).digest()


@pytest.mark.parametrize("bad", [-1, 2**64, True, 1.0, "3"])
def test_round_message_refuses_non_rounds(bad: Any) -> None:
    with pytest.raises(ValueError):
        round_message(bad)


@pytest.mark.parametrize("entry", REAL_BEACONS, ids=lambda e: f"round-{e['round']}")
def test_randomness_is_sha256_of_the_signature(entry: dict[str, Any]) -> None:
    assert randomness_of(entry["signature"]) == entry["randomness"]
    assert entry["randomness"] == hashlib.sha256(bytes.fromhex(entry["signature"])).hexdigest()


@pytest.mark.parametrize("bad", ["xyz", "abc", "ab cd", "0xab"])
def test_randomness_of_refuses_non_hex(bad: str) -> None:
    with pytest.raises(ValueError):
        randomness_of(bad)


# --- the BLS check (slow: each reaches the pairing) ------------------------------------

@pytest.mark.parametrize("round_number", [1, 2, 3, 30662982], ids=lambda r: f"round-{r}")
def test_real_beacons_verify(round_number: int) -> None:
    assert verify_quicknet(round_number, BY_ROUND[round_number]["signature"])


@pytest.mark.parametrize("round_number", [3, 30662982], ids=lambda r: f"round-{r}")
def test_signature_does_not_verify_for_the_next_round(round_number: int) -> None:
    assert not verify_quicknet(round_number + 1, BY_ROUND[round_number]["signature"])


def test_signature_of_round_2_does_not_verify_for_round_3() -> None:
    # ChainSafe/forest test_verify_messages_quicknet_single_failure, the other way round
    assert not verify_quicknet(3, SIG_2)


def test_negated_signature_fails() -> None:
    # Flipping the sign bit (0x20 of the first byte) gives -signature: a valid subgroup
    # point, so only the pairing can refuse it.
    negated = bytearray.fromhex(SIG_3)
    negated[0] ^= 0x20
    assert bls.decode_g1(bytes(negated)) is not None
    assert not verify_quicknet(3, negated.hex())


# --- malformed signatures: refused while decoding, before any pairing ------------------

@pytest.mark.parametrize("position", [0, 1, 17, 30, 47])
def test_flipped_byte_fails(position: int) -> None:
    damaged = bytearray.fromhex(SIG_3)
    damaged[position] ^= 0x01
    assert bls.decode_g1(bytes(damaged)) is None  # off the curve or outside the subgroup
    assert not verify_quicknet(3, damaged.hex())


def _on_curve_outside_subgroup() -> str:
    """A compressed point that satisfies y^2 = x^3 + 4 but is not in the order-r subgroup."""
    for x in range(1, 1000):
        rhs = (x**3 + 4) % field_modulus
        if pow(rhs, (field_modulus - 1) // 2, field_modulus) == 1:
            return ((1 << 383) | x).to_bytes(48, "big").hex()
    raise AssertionError("no x found")  # pragma: no cover


def test_point_outside_the_subgroup_fails() -> None:
    encoded = _on_curve_outside_subgroup()
    decompress_G1(G1Compressed(int.from_bytes(bytes.fromhex(encoded), "big")))  # it is on the curve
    assert bls.decode_g1(bytes.fromhex(encoded)) is None
    assert not verify_quicknet(3, encoded)


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "zz" * 48,
        SIG_3[:-2],  # 47 bytes
        SIG_3 + "00",  # 49 bytes
        "0x" + SIG_3[2:],
        " " + SIG_3[1:],
        SIG_3[:48] + " " + SIG_3[49:],
        "c0" + "00" * 47,  # the identity (point at infinity)
        "e0" + "00" * 47,  # identity with the sign bit set: not canonical
        "00" * 48,  # compression flag unset
        "9a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab",  # x = p
        "8" + "f" * 95,  # x > p
        "a0" + "00" * 47,  # x = 0: (0, ±2) has order 3, never a signature
    ],
)
def test_garbage_signatures_return_false(signature: str) -> None:
    assert verify_quicknet(3, signature) is False


@pytest.mark.parametrize("signature", [None, 3, b"\xb3" * 48, ["b3"], bytes.fromhex(SIG_3)])
def test_non_string_signatures_return_false(signature: Any) -> None:
    assert verify_quicknet(3, signature) is False


@pytest.mark.parametrize("round_number", [0, -3, 2**64, True, "3", 3.0, None])
def test_impossible_rounds_return_false(round_number: Any) -> None:
    assert verify_quicknet(round_number, SIG_3) is False


def test_checking_a_signature_leaves_the_recursion_limit_alone() -> None:
    """py_ecc sets it to 100,000 on import: a deeply nested JSON file read after a drand check
    would then overflow the C stack (a segmentation fault) instead of being a finding."""
    import subprocess
    import sys

    code = ("import sys; before = sys.getrecursionlimit(); from generator.draw import drand; "
            f"assert drand.verify_quicknet({REAL_BEACONS[0]['round']}, '{REAL_BEACONS[0]['signature']}'); "
            "assert sys.getrecursionlimit() == before, sys.getrecursionlimit()")
    subprocess.run([sys.executable, "-c", code], check=True)
