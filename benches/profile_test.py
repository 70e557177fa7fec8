#!/usr/bin/env python3
"""Tests of `benches/profile.py` on a hand-made `perf report` and `--only
steps` output (run by `.ci/run`: `python3 benches/profile_test.py`)."""

import contextlib
import importlib.util
import io
import os
import shutil
import sys
import tempfile
import unittest

# (loaded from its path: `profile` is also a module of Python's own library)
_spec = importlib.util.spec_from_file_location("nn_profile", os.path.join(os.path.dirname(__file__), "profile.py"))
profile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(profile)

# Two threads of the two-thread side (tids 100 and 104), the one-thread pool
# (102) and a rayon worker that should sleep (101); periods in nanoseconds.
REPORT = """# To display the perf.data header info, please use --header/--header-only options.
#
# Samples: 9  of event 'cpu-clock'
#
 4000000  | 8   |    100:figures-d48dbb4|[.] nn_kernels::x86::avx512::outer_sparse
 3000000  | 6   |    104:nn-team|[.] nn_kernels::x86::avx512::outer_sparse
 6000000  | 12  |    102:nn-one-thread|[.] nn_kernels::x86::avx512::outer_sparse
 500000   | 1   |    100:figures-d48dbb4|[.] nn_core::parallel::team::join::Reclaim::finish
 500000   | 1   |    100:figures-d48dbb4|[.] nn_core::parallel::team::join
 1000000  | 2   |    104:nn-team|[.] nn_core::parallel::team::serve
 250000   | 1   |    101:figures-d48dbb4|[.] rayon_core::sleep::Sleep::sleep
 2000000  | 4   |    102:nn-one-thread|[.] <nn_core::loss::cross_entropy::CrossEntropy as nn_core::loss::Loss>::softmax_loss_and_grad_rows
 1000000  | 2   |    100:figures-d48dbb4|[.] <nn_core::layer::dropout::Dropout<_,_> as nn_core::layer::Layer>::forward::{{closure}}
"""

STEPS = """{"impl": "nn", "figure": "steps_batch", "value": 2048.000000, "unit": "samples", "threads": 1, "clock": "wall"}
{"impl": "nn", "figure": "steps_count", "value": 1000.000000, "unit": "steps", "threads": 1, "clock": "wall"}
{"impl": "nn", "figure": "steps_count", "value": 1000.000000, "unit": "steps", "threads": 2, "clock": "wall"}
{"impl": "nn", "figure": "steps_us", "value": 800.000000, "unit": "µs", "threads": 1, "clock": "wall"}
{"impl": "nn", "figure": "steps_us", "value": 500.000000, "unit": "µs", "threads": 2, "clock": "wall"}
{"impl": "nn", "figure": "speedup_steps", "value": 1.600000, "unit": "×", "threads": 2, "clock": "wall"}
"""


class Profile(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        for name, text in (("r1.txt", REPORT), ("r1.jsonl", STEPS)):
            with open(os.path.join(self.dir, name), "w") as f:
                f.write(text)

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_short_names(self):
        self.assertEqual(
            profile.short("[.] <nn_core::loss::cross_entropy::CrossEntropy as nn_core::loss::Loss>::f"),
            "CrossEntropy::f",
        )
        self.assertEqual(
            profile.short("[.] <nn_core::layer::dropout::Dropout<_,_> as nn_core::layer::Layer>::forward::{{closure}}"),
            "Dropout::forward::{closure}",
        )
        self.assertEqual(profile.short("[.] nn_core::parallel::team::join::Reclaim::finish"), profile.JOIN)
        self.assertEqual(profile.short("[k] clear_page_erms"), "clear_page_erms")

    def test_threads_and_microseconds_per_step(self):
        by = profile.report(os.path.join(self.dir, "r1.txt"), 1000, 1000)
        # 4 ms of samples over 1,000 steps: 4 µs a step
        self.assertAlmostEqual(by[("calling", "nn_kernels::x86::avx512::outer_sparse")], 4.0)
        self.assertAlmostEqual(by[("helper", "nn_kernels::x86::avx512::outer_sparse")], 3.0)
        self.assertAlmostEqual(by[("one", "nn_kernels::x86::avx512::outer_sparse")], 6.0)
        # the two waits of the calling thread are one
        self.assertAlmostEqual(by[("calling", profile.JOIN)], 1.0)
        self.assertAlmostEqual(by[("helper", profile.SERVE)], 1.0)
        # a thread that is neither the first nor named: "other"
        self.assertAlmostEqual(by[("other", "rayon_core::sleep::Sleep::sleep")], 0.25)

    def test_the_table(self):
        out = io.StringIO()
        argv = sys.argv
        sys.argv = ["profile.py", "--top", "3", self.dir]
        try:
            with contextlib.redirect_stdout(out):
                profile.main()
        finally:
            sys.argv = argv
        text = out.getvalue()
        self.assertIn("`train_step`, batch 2,048, MNIST 784-128-10, 1000 steps on each side of a run, one run:", text)
        self.assertIn("800 µs a step on 1 thread, 500 on 2 (speed-up 1.60×", text)
        # one thread: 6 + 2 µs; two: calling 4 + 1 + 1, helper 3 + 1; other 0.25
        self.assertIn("8 µs a step on 1 thread; on 2, 10 (calling thread 6, helper 4; other threads 0)", text)
        self.assertIn("the calling thread 1 µs a step, the helper 1;", text)
        # (10 − 2 waiting) / 8 = 1.00
        self.assertIn("the work, is 1.00× the 1-thread step's CPU time", text)
        self.assertIn("| `nn_kernels::x86::avx512::outer_sparse` | weight gradients", text)
        self.assertIn("| 6.0 | 4.0 | 3.0 | 7.0 | +1.0 |", text)
        self.assertIn("| all | | 8.0 | 6.0 | 4.0 | 10.0 | +2.0 |", text)

    def test_a_run_without_steps_is_an_error(self):
        with open(os.path.join(self.dir, "r1.jsonl"), "w") as f:
            f.write("{}\n")
        with self.assertRaises(SystemExit) as e:
            profile.figures(os.path.join(self.dir, "r1.jsonl"))
        self.assertIn("no steps_count", str(e.exception))

    def test_runs_of_different_batches_are_an_error(self):
        with open(os.path.join(self.dir, "r2.txt"), "w") as f:
            f.write(REPORT)
        with open(os.path.join(self.dir, "r2.jsonl"), "w") as f:
            f.write(STEPS.replace('"value": 2048.000000', '"value": 256.000000'))
        argv = sys.argv
        sys.argv = ["profile.py", self.dir]
        try:
            with self.assertRaises(SystemExit) as e, contextlib.redirect_stdout(io.StringIO()):
                profile.main()
        finally:
            sys.argv = argv
        self.assertIn("different batches: [256, 2048]", str(e.exception))


if __name__ == "__main__":
    unittest.main()
