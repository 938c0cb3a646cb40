"""`python -m riskpool`: see riskpool.cli."""

import sys

from riskpool.cli import main

sys.exit(main())
