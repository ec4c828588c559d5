"""Generators of the derived artifacts: the Anchor IDL and the program's C layout header."""
