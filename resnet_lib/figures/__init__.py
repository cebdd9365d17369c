"""Figures: what a page draws. Nothing here trains or measures; it takes numbers and returns a `Figure`.

- ``plots``            the curves and bars every chapter draws, one colour and line style per network
- ``diagrams``         block diagrams of residual units (``preact_diagrams``: the five units of Identity Mappings)
- ``widgets``          the convolution output-size explorer: sliders live, a static table in the HTML
- ``running_stats``    the BatchNorm running-statistics explorer, with the same static fallback
"""
