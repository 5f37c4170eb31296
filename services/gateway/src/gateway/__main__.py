"""``python -m gateway``: patch the standard library for eventlet before anything else."""

import warnings

# eventlet warns on import that it is in maintenance mode; the move to another async mode
# is planned (bootstrap.py is the one module to change), and the warning would be a
# non-JSON line in the log.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

from gateway.bootstrap import main  # noqa: E402 - must come after monkey_patch()

if __name__ == "__main__":
    main()
