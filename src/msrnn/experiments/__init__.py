"""Experiments of the paper's claims: the CPU-scale study, measured memory and parameters, the
paper-scale plan, and the ``docs/results.md`` page made from their result files."""
