"""``python -m freqxai``: the command line, as the ``freqxai`` script runs it (for launchers
such as ``torchrun`` and ``srun`` that start a Python module)."""

import sys

from freqxai.cli import main

if __name__ == "__main__":
    sys.exit(main())
