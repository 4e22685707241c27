"""The kernel layer: everything that touches kconfiglib (trees, loading and resolving configs).

``tree`` finds and loads a Kconfig tree for an architecture and resolves .config text the way the
kernel's own ``make olddefconfig`` does; ``compat`` adapts PyPI kconfiglib 14.1.0 to the C tool's
rules of the tree's version; ``toolchain`` answers ``$(shell ...)`` probes; ``cache`` keeps parsed
trees on disk. Nothing outside this package imports kconfiglib.
"""
