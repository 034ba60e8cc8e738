"""The two slow inputs of the `models` and `fit` fuzz targets (fixed at the last stop,
never saved by the fuzzer), written into corpus/ by mirroring the targets' draws
(src/targets/models.rs; arbitrary 1.5's Unstructured: int_in_range reads
ceil(bits(hi - lo) / 8) bytes big-endian, modulo the range; a bool is one byte's low bit;
a u64 eight bytes little-endian). Run from rust/fuzz:
``python3 slow_inputs.py . ../../tests/data/pareto_ridge.csv``."""

import csv
import struct
import sys
from pathlib import Path


class Enc:
    def __init__(self):
        self.b = bytearray()

    def int(self, lo, hi, v):
        assert lo <= v <= hi
        delta, off, n = hi - lo, v - lo, 0
        while delta >> (8 * n):
            n += 1
        self.b += off.to_bytes(n, "big") if n else b""

    def bool(self, v):
        self.b.append(1 if v else 0)

    def u64(self, v):
        self.b += struct.pack("<Q", v)

    # ---- crate helpers (src/gen.rs, src/targets/models.rs)
    def float_bits(self, x):  # gen::float, branch 2: any bit pattern
        self.int(0, 5, 2)
        self.u64(struct.unpack("<Q", struct.pack("<d", x))[0])

    def float_special(self, i):  # gen::float, branches 0|1: SPECIAL[i]
        self.int(0, 5, 0)
        self.int(0, 13, i)

    def value_plausible(self):  # ratio(1, 8) false
        self.int(1, 8, 2)

    def value_float(self, x):  # ratio(1, 8) true, then float(u)
        self.int(1, 8, 1)
        self.float_bits(x)

    def scaled(self, lo, hi, k):  # the plausible whole number k
        self.int(lo, hi, k)
        self.value_plausible()

    def params(self, ks, scale_lo=1, scale_hi=400):  # params(u, len(ks)): k/40 each
        self.int(1, 16, 2)  # ratio(1, 16) false: the model's own count
        for k in ks:
            self.scaled(scale_lo, scale_hi, k)

    def params_float(self, xs):
        self.int(1, 16, 2)
        for x in xs:
            self.int(1, 400, 1)
            self.value_float(x)

    def times(self, ks):
        self.int(0, 8, len(ks))
        for k in ks:
            self.scaled(0, 100, k)


def models_tiny_discount() -> bytes:
    """sBG (α = 3, β = 4) DERL at a discount rate of 1e-10 after 0 renewals: the old loop
    summed 10^8 terms of ln S (> 35 s in survival::ln_survival; 28.6 s at a95781d^, 0.3 s
    now, both in the replay's opt-level 1)."""
    e = Enc()
    e.int(0, 40, 0)
    e.bool(False)  # no count-model histories
    e.int(0, 3, 3)  # "nope": no count model
    e.params([40, 40, 40, 40])
    e.times([])
    e.value_plausible()  # p, t = [], horizon
    e.int(0, 40, 0)
    e.bool(False)  # no BG/BB histories
    e.params([40, 40, 40, 40])
    e.times([])  # BG/BB params, probability_of_purchases' n
    e.params([40, 40, 40])  # Gamma-Gamma
    e.int(1, 3, 1)
    e.int(1, 1000, 1000)
    e.int(1, 10, 3)  # one cohort of 1,000, 3 periods
    for drop in (400, 200, 100):
        e.value_plausible()
        e.int(0, 200, min(drop, 200))
    e.int(1, 10, 2)  # ratio(1, 10) false: the offsets kept
    e.bool(False)  # sBG
    e.params([120, 160])  # α = 3, β = 4
    e.bool(False)  # expected_lifetime without a horizon
    e.int(1, 8, 1)
    e.float_special(12)  # discount rate 1e-10
    e.times([0])  # DERL after 0 renewals
    return bytes(e.b)


def fit_pareto_ridge(rows) -> bytes:
    """A Pareto/NBD fit of the 12 heaviest buyers of tests/data/pareto_ridge.csv (frequency
    capped at the target's 30) started far out on its ridge (s = 1e7, β = 1e9: the
    likelihood rises toward s, β -> ∞), 25 iterations: the old death-term quadrature
    bisected to its limit for every row (14.8 s at a95781d^, 1 ms now)."""
    e = Enc()
    e.bool(True)
    e.int(1, 2, 1)  # one start
    e.params_float([0.6, 18.0, 1e7, 1e9])
    e.bool(True)  # penalizer 0
    e.int(0, 25, 25)  # max_iter
    e.bool(True)  # tol 1e-9
    e.int(0, 3, 0)  # the count models
    e.int(0, 12, len(rows))
    e.bool(False)  # rows, no weights
    for x, tx, t in rows:
        e.int(0, 4000, 8)
        e.int(0, 30, min(int(x), 30))
        if int(x) != 0:
            e.int(0, 100, 50)
        e.value_float(float(x))
        e.value_float(tx)
        e.value_float(t)
        e.scaled(1, 5, 1)
    e.int(0, 3, 2)  # pareto_nbd
    return bytes(e.b)


if __name__ == "__main__":
    root = Path(sys.argv[1])
    with open(sys.argv[2]) as f:
        r = [(float(d["frequency"]), float(d["recency"]), float(d["T"])) for d in csv.DictReader(f)]
    rows = [(min(x, 30.0), tx, t) for x, tx, t in sorted(r, key=lambda v: -v[0])[:12]]
    (root / "corpus/models/slow-derl-tiny-discount").write_bytes(models_tiny_discount())
    (root / "corpus/fit/slow-pareto-ridge").write_bytes(fit_pareto_ridge(rows))
    print(len(models_tiny_discount()), len(fit_pareto_ridge(rows)))
