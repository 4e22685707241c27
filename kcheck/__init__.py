"""kcheck: check Linux kernel configurations for what QEMU/KVM virtio guests and hosts need.

The package is layered: ``cli`` parses arguments and renders, ``app`` runs the use cases,
``kernel`` is the only place that touches kconfiglib, and ``model`` holds the plain data
that flows between them.
"""

__version__ = "0.1.0"
