"""The verifiable double-random draw, `sunlight-draw/1` (see DRAW_SPEC.md)."""

SPEC = "sunlight-draw/1"
