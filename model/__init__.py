"""What BGP does: pure model code (no I/O, no clocks).

Sub-modules:

- :mod:`bgpcascade.model.topology`: Zone, speaker groups, sessions, symmetry.
- :mod:`bgpcascade.model.zonefile`: zone files (YAML text) to Zone, with one-line errors.
- :mod:`bgpcascade.model.profiles`: implementation profiles (FRR, BIRD, ...), with sources.
- :mod:`bgpcascade.model.reflection`: RFC 4456 route reflection over a Zone.
"""
