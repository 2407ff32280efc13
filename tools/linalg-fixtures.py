"""Reference factors for the host QR and SVD in packages/core/src/linalg.

Draws a few small float64 matrices (random, rank-deficient, with a zero column, upper triangular
with mixed-sign diagonal, tall, wide, one row, one column) and records torch.linalg.qr (reduced)
and torch.linalg.svd (full_matrices=False) of each. Matrices are row-major lists of floats.

Usage: python tools/linalg-fixtures.py  (writes packages/core/src/linalg/fixtures/torch-linalg.json)
Needs torch.
"""

import json
import pathlib

import torch

OUT = pathlib.Path(__file__).resolve().parent.parent / "packages/core/src/linalg/fixtures/torch-linalg.json"


def cases():
    g = torch.Generator().manual_seed(20261122)

    def randn(rows, cols):
        return torch.randn(rows, cols, generator=g, dtype=torch.float64)

    yield "random 4x3", randn(4, 3), None
    yield "random 3x5", randn(3, 5), None
    yield "random 6x6", randn(6, 6), None
    yield "random 12x7", randn(12, 7), None
    yield "random 1x4", randn(1, 4), None
    yield "random 5x1", randn(5, 1), None
    # past its rank, QR of a rank-deficient product reflects rounding noise: only the leading
    # columns of q (rows of r) are determined, so the record says how many to compare
    yield "rank 2 of 6x5", randn(6, 2) @ randn(2, 5), 2
    yield "rank 1 of 3x7", randn(3, 1) @ randn(1, 7), 1
    zero_col = randn(5, 4)
    zero_col[:, 1] = 0
    yield "5x4 with a zero column", zero_col, None
    yield "upper triangular with mixed-sign diagonal", torch.tensor(
        [[-2.0, 1.0, 3.0], [0.0, 4.0, -1.0], [0.0, 0.0, -0.5]], dtype=torch.float64
    ), None
    yield "first column starts with zero", torch.tensor(
        [[0.0, 2.0], [3.0, 1.0], [4.0, -1.0]], dtype=torch.float64
    ), None


def flat(t):
    return [float(x) for x in t.reshape(-1).tolist()]


def main():
    records = []
    for name, a, determined in cases():
        q, r = torch.linalg.qr(a)
        u, s, vt = torch.linalg.svd(a, full_matrices=False)
        rows, cols = a.shape
        records.append(
            {
                "name": name,
                "rows": rows,
                "cols": cols,
                "qrDetermined": determined if determined is not None else min(rows, cols),
                "a": flat(a),
                "q": flat(q),
                "r": flat(r),
                "u": flat(u),
                "s": flat(s),
                "vt": flat(vt),
            }
        )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    meta = {"torch": torch.__version__, "lapack": torch.backends.mkl.is_available() and "mkl" or "other"}
    OUT.write_text(json.dumps({"generator": "tools/linalg-fixtures.py", **meta, "cases": records}, indent=1) + "\n")
    print(f"wrote {len(records)} cases to {OUT}")


if __name__ == "__main__":
    main()
