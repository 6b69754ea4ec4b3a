"""Renderers: a table (rich), a chart (matplotlib, imported lazily), a CSV.

Renderers do no LR math: they read traces made by :mod:`lrplot.engine`.
"""
