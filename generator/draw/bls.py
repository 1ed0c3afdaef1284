"""BLS12-381 with py_ecc, as drand quicknet uses it (see generator.draw.drand).

Apart from drand.py because py_ecc takes a third of a second to import, and only the
signature check of a drand beacon needs it: `validate` and most commands never do.
"""

from __future__ import annotations

import hashlib
import sys
from typing import Final

# py_ecc raises the interpreter's recursion limit to 100,000 when imported. Below that limit the
# C stack overflows first: a deeply nested JSON file read after a drand signature check would
# kill the process (segmentation fault) instead of raising RecursionError, which every reader
# here turns into a finding. Its checks run within the default limit, which is put back below.
_RECURSION_LIMIT = sys.getrecursionlimit()

from py_ecc.bls.g2_primitives import subgroup_check  # noqa: E402 - after the limit is saved
from py_ecc.bls.hash_to_curve import hash_to_G1  # noqa: E402 - after the limit is saved
from py_ecc.bls.point_compression import decompress_G1, decompress_G2  # noqa: E402 - after the limit is saved
from py_ecc.bls.typing import G1Compressed, G1Uncompressed, G2Compressed, G2Uncompressed  # noqa: E402 - after the limit is saved
from py_ecc.fields import optimized_bls12_381_FQ12 as FQ12  # noqa: E402 - after the limit is saved
from py_ecc.optimized_bls12_381.optimized_curve import G2, is_inf, neg  # noqa: E402 - after the limit is saved
from py_ecc.optimized_bls12_381.optimized_pairing import final_exponentiate, pairing  # noqa: E402 - after the limit is saved

sys.setrecursionlimit(_RECURSION_LIMIT)

G1_BYTES: Final = 48  # a compressed G1 point (a quicknet signature)
G2_BYTES: Final = 96  # a compressed G2 point (a quicknet public key)


def hash_to_g1(message: bytes, dst: bytes) -> G1Uncompressed:
    """RFC 9380 hash_to_curve for suite BLS12381G1_XMD:SHA-256_SSWU_RO_ under tag ``dst``."""
    # py_ecc annotates the hash argument as a hash object (_hashlib.HASH) but calls it as
    # a constructor, exactly as it does with hashlib.sha256 in its own BLS ciphersuites.
    return hash_to_G1(message, dst, hashlib.sha256)  # type: ignore[arg-type]


def decode_g1(data: bytes) -> G1Uncompressed | None:
    """The G1 point that ``data`` encodes in compressed form, or None when it is not a
    canonical encoding of a non-identity point of the prime-order subgroup."""
    if len(data) != G1_BYTES:
        return None
    try:
        point = decompress_G1(G1Compressed(int.from_bytes(data, "big")))
    except ValueError:  # wrong flags, x >= p, or x^3 + 4 has no square root
        return None
    if is_inf(point) or not subgroup_check(point):
        return None
    return point


def decode_g2(data: bytes) -> G2Uncompressed | None:
    """The G2 point that ``data`` encodes in compressed form (imaginary half of x first), or
    None when it is not a canonical encoding of a non-identity point of the subgroup."""
    if len(data) != G2_BYTES:
        return None
    half = G2_BYTES // 2
    try:
        point = decompress_G2(G2Compressed((int.from_bytes(data[:half], "big"), int.from_bytes(data[half:], "big"))))
    except ValueError:
        return None
    if is_inf(point) or not subgroup_check(point):
        return None
    return point


def pairing_check(signature: G1Uncompressed, message_point: G1Uncompressed, public_key: G2Uncompressed) -> bool:
    """e(signature, g2) == e(message_point, public_key), computed as one product of two
    Miller loops, e(signature, g2) * e(-message_point, public_key), and a single final
    exponentiation compared with 1."""
    product = pairing(G2, signature, final_exponentiate=False) * pairing(
        public_key, neg(message_point), final_exponentiate=False
    )
    return bool(final_exponentiate(product) == FQ12.one())
